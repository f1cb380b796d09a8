// The agent's total resources: what --resources gives, with the rest detected from
// the host the way Mesos does it (Containerizer::resources):
//   cpus  = the CPUs this process may run on
//   mem   = total memory - 1 GB when the host has at least 2 GB, else half of it
//   disk  = size of the work dir's filesystem - 5 GB when at least 10 GB, else half
//   ports = [31000-32000]
// A name given in any role counts as given. mem and disk are whole MB, rounded down.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/resources.h"
#include "common/result.h"

namespace mesolite {

// The host's totals, separate from the rules so tests can feed in any machine.
struct HostFacts {
  uint64_t cpus = 0;
  uint64_t memoryBytes = 0;
  uint64_t diskBytes = 0;
};

// cpus: sched_getaffinity (honours cpusets and taskset), else sysconf's online CPUs;
// memory: sysinfo; disk: statvfs of `workDir`, or of its nearest existing ancestor
// when the agent has not created it yet.
Result<HostFacts> probeHostFacts(const std::string& workDir);

// The rules above, applied to fixed facts. Detected resources get `defaultRole`.
Result<Resources> applyHostDefaults(const Resources& given, const HostFacts& facts,
                                    std::string_view defaultRole = "*");

// probeHostFacts + applyHostDefaults.
Result<Resources> detectHostResources(const Resources& given, const std::string& workDir,
                                      std::string_view defaultRole = "*");

}  // namespace mesolite
