// posix/cpu and posix/mem, Mesos's default isolation: they limit nothing. They report a
// container's cpu time and resident memory, summed over the task's process tree from
// /proc, for /monitor/statistics. Kept so that configurations written for Mesos start;
// the agent warns that the tasks are not limited (cgroups/cpu and cgroups/mem are).
#pragma once

#include <sys/types.h>

#include <string>

#include "isolators/isolator.h"

namespace mesolite::isolation {

class PosixUsageIsolator : public Isolator {
 public:
  // `runtimeDir`: the agent's --runtime_dir, where <containers>/<id>/pid names the task.
  PosixUsageIsolator(bool cpu, bool mem, std::string runtimeDir)
      : cpu_(cpu), mem_(mem), runtimeDir_(std::move(runtimeDir)) {}

  std::string_view name() const override {
    return cpu_ && mem_ ? "posix/cpu,posix/mem" : cpu_ ? "posix/cpu" : "posix/mem";
  }
  Result<void> prepare(const ContainerSpec&, LaunchPlan*) override { return success(); }
  // Fills what an isolator before it (cgroups, more exact) left unset.
  Result<void> usage(const std::string& containerId,
                     mesos::v1::ResourceStatistics* statistics) override;

 private:
  bool cpu_;
  bool mem_;
  std::string runtimeDir_;
};

// The usage of `pid` and its descendants (/proc/<pid>/task/*/children), as Mesos's
// posix isolators sum it; bounded to a few thousand processes.
struct ProcessTreeUsage {
  double userSeconds = 0;
  double systemSeconds = 0;
  uint64_t rssBytes = 0;
  size_t processes = 0;
};
Result<ProcessTreeUsage> processTreeUsage(pid_t pid);

}  // namespace mesolite::isolation
