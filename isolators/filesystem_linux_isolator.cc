#include "isolators/filesystem_linux_isolator.h"

#include <glob.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fs.h"

namespace mesolite::isolation {

namespace {

// runc's masked paths: what a task must not read of the kernel.
constexpr const char* kMaskedKernelPaths[] = {"/proc/acpi",
                                              "/proc/asound",
                                              "/proc/kcore",
                                              "/proc/keys",
                                              "/proc/latency_stats",
                                              "/proc/timer_list",
                                              "/proc/timer_stats",
                                              "/proc/sched_debug",
                                              "/proc/scsi",
                                              "/sys/firmware",
                                              "/sys/devices/virtual/powercap"};

// runc's read-only paths: what a task must not write of the kernel.
constexpr const char* kReadOnlyKernelPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                "/proc/sysrq-trigger"};

// The host's secrets; globs are expanded at each launch (keys may come later).
// The agent's own credentials (--http_credentials, --credential) are added by the agent.
constexpr const char* kMaskedSecrets[] = {"/etc/shadow",
                                          "/etc/shadow-",
                                          "/etc/gshadow",
                                          "/etc/gshadow-",
                                          "/root",
                                          "/etc/ssh/ssh_host_*_key",
                                          "/etc/mesos/local-operator.credential"};

void expand(const std::string& pattern, std::vector<std::string>* out) {
  if (pattern.find_first_of("*?[") == std::string::npos) {
    out->push_back(pattern);
    return;
  }
  glob_t found{};
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
    for (size_t i = 0; i < found.gl_pathc; ++i)
      out->push_back(found.gl_pathv[i]);
  }
  ::globfree(&found);
}

// ENOSYS is the only answer that means "no such call": the probes pass bad arguments.
bool kernelHas(long syscallNumber) {
  errno = 0;
  ::syscall(syscallNumber, -1, "", 0, nullptr, 0);
  return errno != ENOSYS;
}

bool inWritableRole(const ContainerSpec& spec, const std::set<std::string>& roles) {
  if (roles.empty()) return false;
  for (const auto& resource : spec.resources.toProtos()) {
    const std::string& role = resource.allocation_info().role();
    if (!role.empty() && roles.count(role)) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Isolator>> FilesystemLinuxIsolator::create(const IsolatorOptions& options) {
  if (!kernelHas(SYS_open_tree) || !kernelHas(SYS_move_mount) || !kernelHas(SYS_mount_setattr)) {
    return Error(
        "filesystem/linux needs the kernel's new mount API (open_tree, move_mount, "
        "mount_setattr: Linux 5.12 or later), which this kernel lacks; remove filesystem/linux "
        "from --isolation to run without it");
  }
  for (const std::string& path : options.maskedPaths) {
    if (path.empty() || path[0] != '/') {
      return Error("--masked_paths: '" + path + "' is not an absolute path");
    }
  }
  // The mount point must exist on the host: the task's root is the host's, read-only.
  if (auto made = fs::makeDirectories(options.sandboxMountPoint); !made) {
    return made.error().wrap("filesystem/linux: the sandbox mount point");
  }
  return std::unique_ptr<Isolator>(new FilesystemLinuxIsolator(options));
}

Result<void> FilesystemLinuxIsolator::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  plan->namespaces |= CLONE_NEWNS;
  launcher::FilesystemView view;
  view.sandbox = spec.sandbox;
  view.sandboxMountPoint = options_.sandboxMountPoint;
  view.readOnlyRoot = !inWritableRole(spec, options_.hostWritableRoles);
  view.privateTmp = true;
  view.hidden = {options_.workDir, options_.runtimeDir};
  for (const char* path : kMaskedKernelPaths)
    view.masked.push_back(path);
  for (const char* pattern : kMaskedSecrets)
    expand(pattern, &view.masked);
  for (const std::string& pattern : options_.maskedPaths)
    expand(pattern, &view.masked);
  for (const char* path : kReadOnlyKernelPaths)
    view.readOnly.push_back(path);
  // With the root read-only this is so already; a writable root keeps it read-only.
  if (!view.readOnlyRoot) view.readOnly.push_back("/sys");
  plan->filesystem = std::move(view);
  return success();
}

}  // namespace mesolite::isolation
