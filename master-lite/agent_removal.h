// What a newly elected master does with the agents of its registry that do not
// re-register within --agent_reregister_timeout: it marks them unreachable, at most
// --agent_removal_rate_limit of them per time, and not at all (it exits, as Mesos does)
// when they are more than --recovery_agent_removal_limit of the registry: a mass removal
// is more likely a network fault than dead machines.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace mesolite::master {

struct RemovalRate {
  uint64_t agents = 1;
  std::chrono::nanoseconds per{0};
  // The pause between two removals.
  std::chrono::nanoseconds interval() const { return per / int64_t(agents); }
};

// "1/10mins": one agent per ten minutes; the count is at least 1.
Result<RemovalRate> parseRemovalRateLimit(const std::string& text);
// "75%" or "75.5%": 0.75, 0.755; between 0% and 100%.
Result<double> parsePercentage(const std::string& text);

}  // namespace mesolite::master
