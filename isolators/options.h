// What the isolators take from the agent's flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mesolite::isolation {

struct IsolatorOptions {
  std::string cgroupsHierarchy = "/sys/fs/cgroup";
  std::string cgroupsRoot = "mesos";
  bool cgroupsEnableCfs = false;
  bool cgroupsLimitSwap = false;
  // pids.max of a container that does not ask for a "pids" resource; nullopt: no limit.
  std::optional<uint64_t> defaultPidsMax = 4096;
};

}  // namespace mesolite::isolation
