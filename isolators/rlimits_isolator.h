// posix/rlimits: the task's resource limits from ContainerInfo.rlimit_info.
#pragma once

#include "isolators/isolator.h"

namespace mesolite::isolation {

class RLimitsIsolator : public Isolator {
 public:
  std::string_view name() const override { return "posix/rlimits"; }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;
};

}  // namespace mesolite::isolation
