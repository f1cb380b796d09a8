#include "cli/find_leader.h"

namespace mesolite::cli {

Result<detect::Leader> findLeader(const std::string& master, std::chrono::milliseconds timeout) {
  auto leader = detect::detectLeaderOnce(master, timeout);
  if (!leader) return leader.error().wrap("Failed to detect master from '" + master + "'");
  return leader;
}

std::string leaderAddress(const detect::Leader& leader) {
  std::string pid = leader.info.pid();
  if (pid.rfind("master@", 0) == 0) pid.erase(0, 7);
  return pid.empty() ? leader.endpoint.toString() : pid;
}

}  // namespace mesolite::cli
