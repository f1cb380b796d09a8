#include "cli/find_leader.h"

#include "common/logging.h"

namespace mesolite::cli {

Result<detect::Leader> findLeader(const std::string& master, std::chrono::milliseconds timeout) {
  auto leader = detect::detectLeaderOnce(master, timeout);
  if (!leader) return leader.error().wrap("Failed to detect master from '" + master + "'");
  return leader;
}

void logToStderr(const std::string& program, bool verbose) {
  // The levels are literals: setup cannot fail on them.
  (void)log::setup(program, {.level = verbose ? "INFO" : "WARNING"});
}

std::string leaderAddress(const detect::Leader& leader) {
  std::string pid = leader.info.pid();
  if (pid.rfind("master@", 0) == 0) pid.erase(0, 7);
  return pid.empty() ? leader.endpoint.toString() : pid;
}

}  // namespace mesolite::cli
