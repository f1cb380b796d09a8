#include "launcher/mounts.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/fd.h"

namespace mesolite::launcher {

namespace {

// The new mount API (Linux 5.2 for open_tree/move_mount, 5.12 for mount_setattr): one
// call makes a whole tree read-only, and a detached copy of the sandbox survives the
// agent's directories being covered. The agent checks for it at start.
Result<UniqueFd> cloneTree(const std::string& path) {
  UniqueFd tree(
      ::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree.valid()) return Error::fromErrno("open_tree(OPEN_TREE_CLONE) of " + path);
  return tree;
}

Result<void> attachTree(const UniqueFd& tree, const std::string& target) {
  if (::move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    return Error::fromErrno("move_mount onto " + target);
  }
  return success();
}

Result<void> setAttributes(const std::string& path, bool recursive, uint64_t set, uint64_t clear) {
  mount_attr attributes{};
  attributes.attr_set = set;
  attributes.attr_clr = clear;
  if (::mount_setattr(AT_FDCWD, path.c_str(), recursive ? AT_RECURSIVE : 0, &attributes,
                      sizeof(attributes)) != 0) {
    return Error::fromErrno("mount_setattr on " + path);
  }
  return success();
}

Result<void> mountTmpfs(const std::string& target, unsigned long flags, const char* options) {
  if (::mount("tmpfs", target.c_str(), "tmpfs", flags, options) != 0) {
    return Error::fromErrno("mount tmpfs on " + target);
  }
  return success();
}

// mkdir -p, for mount points inside a tmpfs we just laid over the agent's directories.
Result<void> makeDirectories(const std::string& path) {
  for (size_t slash = 1; slash != std::string::npos;) {
    slash = path.find('/', slash + 1);
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error::fromErrno("mkdir " + prefix);
    }
  }
  return success();
}

bool isDirectory(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

Result<void> mountProc() {
  // A proc of the task's pid namespace over the host's: `ps` and /proc show the
  // container only.
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return Error::fromErrno("mount proc on /proc");
  }
  return success();
}

Result<void> mountShm() {
  // POSIX shared memory lives in /dev/shm, which the ipc namespace does not cover.
  if (!isDirectory("/dev/shm")) return success();  // none here
  return mountTmpfs("/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777");
}

// runc's answer to files of the kernel a task must not read: /dev/null over a file, an
// empty read-only tmpfs over a directory. Paths this kernel lacks are skipped.
Result<void> mask(const std::string& path) {
  struct stat info;
  if (::lstat(path.c_str(), &info) != 0) return success();
  if (S_ISDIR(info.st_mode))
    return mountTmpfs(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  if (::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return Error::fromErrno("mask " + path + " with /dev/null");
  }
  return success();
}

Result<void> bindReadOnly(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return success();
  if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return Error::fromErrno("bind " + path + " onto itself");
  }
  return setAttributes(path, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0);
}

// Before anything is made read-only: the sandbox (detached first, since it lives in the
// agent's work directory), /tmp, the agent's directories covered.
Result<void> layOutWritablePlaces(const FilesystemView& view) {
  auto sandbox = cloneTree(view.sandbox);
  if (!sandbox) return sandbox.error();
  std::optional<UniqueFd> sandboxAgain;
  if (!view.sandboxMountPoint.empty()) {
    auto tree = cloneTree(view.sandbox);
    if (!tree) return tree.error();
    sandboxAgain = std::move(*tree);
  }
  if (view.privateTmp) {
    if (auto mounted = mountTmpfs("/tmp", MS_NOSUID | MS_NODEV, "mode=1777"); !mounted)
      return mounted;
  }
  for (const std::string& path : view.hidden) {
    if (!isDirectory(path)) continue;
    if (auto mounted = mountTmpfs(path, MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k");
        !mounted) {
      return mounted;
    }
  }
  if (auto made = makeDirectories(view.sandbox); !made) return made;
  if (auto attached = attachTree(*sandbox, view.sandbox); !attached) return attached;
  if (sandboxAgain) {
    if (auto attached = attachTree(*sandboxAgain, view.sandboxMountPoint); !attached)
      return attached;
  }
  return success();
}

Result<void> makeRootReadOnly(const FilesystemView& view) {
  if (auto readOnly = setAttributes("/", true, MOUNT_ATTR_RDONLY, 0); !readOnly) return readOnly;
  // What the task may write, with no device nodes or set-uid programs honoured there.
  std::vector<std::string> writable = {view.sandbox};
  if (!view.sandboxMountPoint.empty()) writable.push_back(view.sandboxMountPoint);
  if (view.privateTmp) writable.push_back("/tmp");
  for (const std::string& path : writable) {
    if (auto set =
            setAttributes(path, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, MOUNT_ATTR_RDONLY);
        !set) {
      return set;
    }
  }
  return success();
}

}  // namespace

Result<void> setUpMounts(const LaunchRequest& request) {
  const FilesystemView* view = request.filesystem ? &*request.filesystem : nullptr;
  if (view) {
    if (auto laid = layOutWritablePlaces(*view); !laid) return laid;
    if (view->readOnlyRoot) {
      if (auto readOnly = makeRootReadOnly(*view); !readOnly) return readOnly;
    }
  }
  // After the read-only step: these are the task's own and stay writable.
  if (request.namespaces & CLONE_NEWPID) {
    if (auto mounted = mountProc(); !mounted) return mounted;
  }
  if (request.namespaces & CLONE_NEWIPC) {
    if (auto mounted = mountShm(); !mounted) return mounted;
  }
  if (view) {
    for (const std::string& path : view->masked) {
      if (auto masked = mask(path); !masked) return masked;
    }
    for (const std::string& path : view->readOnly) {
      if (auto bound = bindReadOnly(path); !bound) return bound;
    }
  }
  return success();
}

}  // namespace mesolite::launcher
