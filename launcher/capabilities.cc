#include "launcher/capabilities.h"

#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace mesolite::launcher {

namespace {

constexpr int kMaxCapability = 63;

bool holds(uint64_t set, int capability) {
  return (set >> capability) & 1;
}

// capset(2) with the 64-bit (version 3) layout; glibc has no wrapper and libcap would be
// one more library for a process that lives once per task.
Result<void> setCapabilitySets(uint64_t permitted, uint64_t effective, uint64_t inheritable) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {
      {uint32_t(effective), uint32_t(permitted), uint32_t(inheritable)},
      {uint32_t(effective >> 32), uint32_t(permitted >> 32), uint32_t(inheritable >> 32)}};
  if (::syscall(SYS_capset, &header, data) != 0) {
    return Error::fromErrno("capset(permitted " + std::to_string(permitted) + ", effective " +
                            std::to_string(effective) + ", inheritable " +
                            std::to_string(inheritable) + ")");
  }
  return success();
}

Result<void> limitBoundingSet(uint64_t keep) {
  for (int capability = 0; capability <= kMaxCapability; ++capability) {
    if (holds(keep, capability)) continue;
    if (::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      return Error::fromErrno("prctl(PR_CAPBSET_DROP, " + std::to_string(capability) + ")");
    }
  }
  return success();
}

Result<void> raiseAmbient(uint64_t set) {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return Error::fromErrno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  }
  for (int capability = 0; capability <= kMaxCapability; ++capability) {
    if (!holds(set, capability)) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, capability, 0, 0) != 0) {
      return Error::fromErrno("prctl(PR_CAP_AMBIENT_RAISE, " + std::to_string(capability) + ")");
    }
  }
  return success();
}

Result<void> switchGroups(const LaunchRequest& request) {
  if (!request.gid) return success();
  // Groups first: after setuid we could no longer drop root's supplementary groups.
  const std::vector<gid_t> groups(request.supplementaryGroups.begin(),
                                  request.supplementaryGroups.end());
  if (::setgroups(groups.size(), groups.data()) != 0) return Error::fromErrno("setgroups");
  if (::setresgid(*request.gid, *request.gid, *request.gid) != 0) {
    return Error::fromErrno("setresgid " + std::to_string(*request.gid));
  }
  gid_t real, effective, saved;
  if (::getresgid(&real, &effective, &saved) != 0 || real != *request.gid ||
      effective != *request.gid || saved != *request.gid) {
    return Error("setgid " + std::to_string(*request.gid) + " did not stick");
  }
  return success();
}

Result<void> switchUid(uint32_t uid) {
  if (::setresuid(uid, uid, uid) != 0) return Error::fromErrno("setresuid " + std::to_string(uid));
  uid_t real, effective, saved;
  if (::getresuid(&real, &effective, &saved) != 0 || real != uid || effective != uid ||
      saved != uid) {
    return Error("setuid " + std::to_string(uid) + " did not stick");
  }
  return success();
}

}  // namespace

Result<void> becomeNamespaceRoot() {
  if (::setgroups(0, nullptr) != 0) return Error::fromErrno("setgroups() in the user namespace");
  if (::setresgid(0, 0, 0) != 0) return Error::fromErrno("setresgid 0 in the user namespace");
  // Not root of the namespace before (the host's root is unmapped there), so the
  // kernel keeps our capabilities across this one.
  if (::setresuid(0, 0, 0) != 0) return Error::fromErrno("setresuid 0 in the user namespace");
  return success();
}

Result<void> switchUserAndCapabilities(const LaunchRequest& request) {
  const Capabilities* caps = request.capabilities ? &*request.capabilities : nullptr;
  if (caps) {
    if (auto bounded = limitBoundingSet(caps->bounding); !bounded) return bounded;
  }
  if (auto grouped = switchGroups(request); !grouped) return grouped;

  const uint32_t uid = request.uid.value_or(::getuid());
  // Root gets its whole bounding set as permitted and effective at exec, whatever we set
  // here: anything narrower needs root's special case off (SECBIT_NOROOT). Capabilities
  // that survive exec without that special case travel in the ambient set, which needs
  // them inheritable too.
  const bool noRoot = caps && uid == 0 && caps->effective != caps->bounding;
  const bool ambient = caps && caps->effective != 0 && (uid != 0 || noRoot);
  if (noRoot && ::prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0) != 0) {
    return Error::fromErrno("prctl(PR_SET_SECUREBITS, SECBIT_NOROOT)");
  }
  if (ambient && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return Error::fromErrno("prctl(PR_SET_KEEPCAPS)");
  }
  if (request.uid) {
    if (auto switched = switchUid(*request.uid); !switched) return switched;
    if (*request.uid != 0 && ::setuid(0) == 0) {
      return Error("setuid " + std::to_string(*request.uid) + " did not stick");
    }
  }
  if (!caps) return success();
  if (ambient) {
    if (auto set = setCapabilitySets(caps->effective, caps->effective, caps->effective); !set) {
      return set;
    }
    return raiseAmbient(caps->effective);
  }
  if (uid == 0) return setCapabilitySets(caps->effective, caps->effective, 0);
  return success();  // another user without capabilities: setuid cleared them all
}

Result<void> keepOnlyCapabilities(uint64_t keep) {
  if (auto bounded = limitBoundingSet(keep); !bounded) return bounded;
  return setCapabilitySets(keep, keep, 0);
}

}  // namespace mesolite::launcher
