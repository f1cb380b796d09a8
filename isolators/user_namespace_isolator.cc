#include "isolators/user_namespace_isolator.h"

#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <map>

#include "common/fs.h"

namespace mesolite::isolation {

namespace {

bool parseId(std::string_view text, uint32_t* id) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *id);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

Result<void> kernelHasUserNamespaces() {
  if (::access("/proc/self/ns/user", F_OK) != 0) {
    return Error("this kernel has no user namespaces (/proc/self/ns/user is missing)");
  }
  auto limit = fs::readFile("/proc/sys/user/max_user_namespaces");
  if (limit && std::stol(*limit) == 0) {
    return Error("user namespaces are disabled here (/proc/sys/user/max_user_namespaces is 0)");
  }
  return success();
}

// A block mapped onto ids the host already gives a user or group would hand the
// container that user's files.
Result<void> rangeHoldsNoHostIds(const IdRange& range, const std::string& flag) {
  auto inside = [&](uint32_t id) { return id >= range.first && id <= range.last; };
  ::setpwent();
  for (passwd* entry = ::getpwent(); entry != nullptr; entry = ::getpwent()) {
    if (inside(entry->pw_uid)) {
      const std::string name = entry->pw_name;
      ::endpwent();
      return Error(flag + " holds uid " + std::to_string(entry->pw_uid) + " of user '" + name +
                   "' of this host");
    }
  }
  ::endpwent();
  ::setgrent();
  for (group* entry = ::getgrent(); entry != nullptr; entry = ::getgrent()) {
    if (inside(entry->gr_gid)) {
      const std::string name = entry->gr_name;
      ::endgrent();
      return Error(flag + " holds gid " + std::to_string(entry->gr_gid) + " of group '" + name +
                   "' of this host");
    }
  }
  ::endgrent();
  return success();
}

// With the namespace's root ids the task must still reach its sandbox from /.
Result<void> reachableByOthers(const std::string& sandbox) {
  std::filesystem::path path = std::filesystem::path(sandbox).parent_path();
  for (; !path.empty() && path != path.root_path(); path = path.parent_path()) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) return Error::fromErrno("stat " + path.string());
    if (!(info.st_mode & S_IXOTH)) {
      return Error(path.string() + " (mode " + std::to_string(info.st_mode & 07777) +
                   ") cannot be searched by others, so a container in its own user namespace "
                   "cannot reach its sandbox below it; make it o+x");
    }
  }
  return success();
}

Result<void> chownTree(const std::string& root, uint32_t uid, uint32_t gid) {
  if (::lchown(root.c_str(), uid, gid) != 0) return Error::fromErrno("chown " + root);
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (::lchown(it->path().c_str(), uid, gid) != 0) {
      return Error::fromErrno("chown " + it->path().string());
    }
  }
  if (error) return Error("walking " + root + ": " + error.message());
  return success();
}

}  // namespace

Result<IdRange> parseIdRange(const std::string& text) {
  std::string_view body = text;
  if (body.size() >= 2 && body.front() == '[' && body.back() == ']') {
    body = body.substr(1, body.size() - 2);
  }
  const size_t dash = body.find('-');
  IdRange range;
  if (dash == std::string_view::npos || !parseId(body.substr(0, dash), &range.first) ||
      !parseId(body.substr(dash + 1), &range.last)) {
    return Error("'" + text + "' is not a range of ids like [1879048192-2147352575]");
  }
  if (range.last < range.first) return Error("'" + text + "' ends before it starts");
  if (range.first < kUserNamespaceIds) {
    return Error("'" + text + "' starts below " + std::to_string(kUserNamespaceIds) +
                 ", among the ids of the host's own users");
  }
  if (range.last == UINT32_MAX) return Error("'" + text + "' holds uid 4294967295 (-1)");
  if (uint64_t(range.last) - range.first + 1 < kUserNamespaceIds) {
    return Error("'" + text + "' holds fewer than the " + std::to_string(kUserNamespaceIds) +
                 " ids one container needs");
  }
  return range;
}

Result<std::unique_ptr<Isolator>> UserNamespaceIsolator::create(const IsolatorOptions& options) {
  if (auto has = kernelHasUserNamespaces(); !has) return has.error();
  auto range = parseIdRange(options.userNamespaceIdRange);
  if (!range) return range.error().wrap("--user_namespace_id_range");
  if (auto free = rangeHoldsNoHostIds(*range, "--user_namespace_id_range"); !free) {
    return free.error();
  }
  const std::string stateDir = options.runtimeDir + "/userns";
  if (auto made = fs::makeDirectories(stateDir, 0700); !made) return made.error();
  return std::unique_ptr<Isolator>(new UserNamespaceIsolator(*range, stateDir));
}

UserNamespaceIsolator::UserNamespaceIsolator(IdRange range, std::string stateDir)
    : range_(range),
      stateDir_(std::move(stateDir)),
      blocks_((uint64_t(range.last) - range.first + 1) / kUserNamespaceIds) {}

std::string UserNamespaceIsolator::stateFile(const std::string& containerId) const {
  return stateDir_ + "/" + containerId;
}

Result<void> UserNamespaceIsolator::recover(const std::vector<ContainerSpec>& containers) {
  std::map<std::string, const ContainerSpec*> known;
  for (const ContainerSpec& spec : containers)
    known[spec.id] = &spec;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(stateDir_, error)) {
    const std::string id = entry.path().filename();
    auto found = known.find(id);
    auto text = fs::readFile(entry.path());
    uint32_t first = 0;
    if (found == known.end() || !text || !parseId(text->substr(0, text->find('\n')), &first) ||
        first < range_.first || (first - range_.first) % kUserNamespaceIds != 0 ||
        (first - range_.first) / kUserNamespaceIds >= blocks_.size()) {
      // A container that is gone, or a block outside today's range: nothing runs in it.
      std::filesystem::remove(entry.path(), error);
      continue;
    }
    const ContainerSpec& spec = *found->second;
    blocks_[(first - range_.first) / kUserNamespaceIds] =
        Holder{id, spec.sandbox, spec.uid.value_or(0), spec.gid.value_or(0)};
  }
  if (error) return Error("reading " + stateDir_ + ": " + error.message());
  return success();
}

Result<void> UserNamespaceIsolator::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  const uint32_t uid = spec.uid.value_or(0);
  const uint32_t gid = spec.gid.value_or(0);
  if (uid >= kUserNamespaceIds || gid >= kUserNamespaceIds) {
    return Error("user '" + spec.user.value_or("root") + "' (uid " + std::to_string(uid) +
                 ", gid " + std::to_string(gid) + ") has no id in a user namespace of " +
                 std::to_string(kUserNamespaceIds) + " ids");
  }
  if (auto reachable = reachableByOthers(spec.sandbox); !reachable) return reachable;
  size_t block = blocks_.size();
  for (size_t tried = 0; tried < blocks_.size(); ++tried) {
    const size_t candidate = (next_ + tried) % blocks_.size();
    if (!blocks_[candidate]) {
      block = candidate;
      break;
    }
  }
  if (block == blocks_.size()) {
    return Error("all " + std::to_string(blocks_.size()) +
                 " id blocks of --user_namespace_id_range are in use");
  }
  const uint32_t first = firstId(block);
  if (auto written = fs::writeFileAtomically(stateFile(spec.id), std::to_string(first) + "\n");
      !written) {
    return written.error();
  }
  blocks_[block] = Holder{spec.id, spec.sandbox, uid, gid};
  next_ = (block + 1) % blocks_.size();
  if (auto owned = chownTree(spec.sandbox, first + uid, first + gid); !owned) {
    (void)cleanup(spec.id);
    return owned;
  }
  plan->namespaces |= CLONE_NEWUSER;
  plan->userNamespace = launcher::UserNamespace{first, first, kUserNamespaceIds};
  return success();
}

Result<void> UserNamespaceIsolator::cleanup(const std::string& containerId) {
  for (auto& holder : blocks_) {
    if (!holder || holder->containerId != containerId) continue;
    // The next holder of these ids must not find this sandbox its own.
    Result<void> handedBack = success();
    if (::lchown(holder->sandbox.c_str(), holder->ownerUid, holder->ownerGid) != 0 &&
        errno != ENOENT) {
      handedBack = Error::fromErrno("chown " + holder->sandbox);
    }
    if (handedBack && ::chmod(holder->sandbox.c_str(), 0750) != 0 && errno != ENOENT) {
      handedBack = Error::fromErrno("chmod " + holder->sandbox);
    }
    if (!handedBack) return handedBack;  // the block stays taken rather than leak
    holder.reset();
    std::error_code ignored;
    std::filesystem::remove(stateFile(containerId), ignored);
    return success();
  }
  return success();
}

}  // namespace mesolite::isolation
