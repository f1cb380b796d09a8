// What the isolators take from the agent's flags.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mesolite::isolation {

struct IsolatorOptions {
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
};

}  // namespace mesolite::isolation
