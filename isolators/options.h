// What the isolators take from the agent's flags.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mesolite::isolation {

// A range of host uids and gids, both ends included.
struct IdRange {
  uint32_t first = 0;
  uint32_t last = 0;
};

struct IsolatorOptions {
  // --disallow_sharing_agent_{pid,ipc}_namespace: named in the refusal of a task that
  // asks to share them (sharing is refused either way: it is not built).
  bool disallowSharingPidNamespace = false;
  bool disallowSharingIpcNamespace = false;
  std::string cgroupsHierarchy = "/sys/fs/cgroup";
  std::string cgroupsRoot = "mesos";
  bool cgroupsEnableCfs = false;
  bool cgroupsLimitSwap = false;
  // pids.max of a container that does not ask for a "pids" resource; nullopt: no limit.
  std::optional<uint64_t> defaultPidsMax = 4096;

  // The agent's own directories: hidden from tasks by filesystem/linux; compiled
  // seccomp filters live under the runtime directory.
  std::string workDir = "/var/lib/mesos";
  std::string runtimeDir = "/var/run/mesos";

  // linux/capabilities: Mesos's JSON CapabilityInfo, as the flags give them.
  std::optional<std::string> effectiveCapabilities;
  std::optional<std::string> boundingCapabilities;

  // linux/seccomp.
  std::optional<std::string> seccompConfigDir;
  std::optional<std::string> seccompProfileName;  // a file in seccompConfigDir
  bool seccompAllowUnconfined = false;            // may a task ask for no filter?

  // filesystem/linux.
  std::vector<std::string> maskedPaths;     // beyond the built-in list
  std::set<std::string> hostWritableRoles;  // their tasks see the host root writable
  std::string sandboxMountPoint = "/mnt/mesos/sandbox";

  // namespaces/user: the host ids containers' user namespaces are mapped to. Above
  // what systemd hands out to users and its own containers (up to 1879048191), below
  // 2^31 (which some tools take for negative).
  std::string userNamespaceIdRange = "[1879048192-2147352575]";

  // disk/du: how often each sandbox is measured, and whether a container over its
  // "disk" resource is ended (REASON_CONTAINER_LIMITATION_DISK).
  std::chrono::milliseconds containerDiskWatchInterval{15000};
  bool enforceContainerDiskQuota = false;
};

}  // namespace mesolite::isolation
