// What a container's cpu, memory and pids cgroups are set to, from its resources
// (requests) and TaskInfo.limits, as Mesos sets them: the cpu request gives the
// weight (cpu.shares / cpu.weight) and a cpu limit the CFS quota; the memory request is
// the soft limit (memory.soft_limit_in_bytes / memory.low) and a memory limit the hard
// one (memory.limit_in_bytes / memory.max); without limits the hard limit is the request.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "isolators/cgroups/cgroups.h"

namespace mesolite::cgroups {

// The smallest memory limit Mesos gives a container (32 MiB), applied to `megabytes`.
uint64_t memoryLimitBytes(double megabytes);

// "max" (v2) or a v1 limit so large it means "none": nullopt.
std::optional<uint64_t> parseLimit(const std::string& text);

// A limit of TaskInfo.limits: a value, or none (infinity: no limit at all).
struct Limit {
  std::optional<double> value;
};
// TaskInfo.limits' cpus and mem, when given.
struct ResourceLimits {
  std::optional<Limit> cpus;
  std::optional<Limit> mem;  // MB
  static ResourceLimits from(const std::map<std::string, double>& limits);
};

struct CpuSettings {
  double cpus = 0;             // the request
  std::optional<Limit> limit;  // TaskInfo.limits["cpus"]
  bool enableCfs = false;      // --cgroups_enable_cfs: the request is also the quota
};
Result<void> applyCpu(const ContainerCgroup& cgroup, bool v2, const CpuSettings& settings);

struct MemorySettings {
  double mem = 0;              // the request, MB
  std::optional<Limit> limit;  // TaskInfo.limits["mem"], MB
  bool limitSwap = false;      // --cgroups_limit_swap
  bool initial = false;        // at prepare; later (update) a hard limit is never lowered
};
Result<void> applyMemory(const ContainerCgroup& cgroup, bool v2, const MemorySettings& settings);

// The hard memory limit a container has been given (for the OOM message).
std::optional<uint64_t> hardMemoryLimit(double mem, const std::optional<Limit>& limit);

}  // namespace mesolite::cgroups
