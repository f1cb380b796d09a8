#include "master-lite/agent_identity.h"

namespace mesolite::master {

std::string subscriberIp(const internal::AgentCall::Subscribe& subscribe,
                         const std::string& remote) {
  if (subscribe.has_advertise_ip()) return subscribe.advertise_ip();
  std::string ip = remote.substr(0, remote.rfind(':'));
  if (ip.size() > 2 && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
  return ip;
}

std::string agentAddress(const std::string& ip, uint32_t port) {
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

std::optional<std::string> conflictingClaim(const std::string& id, bool holderConnected,
                                            const std::string& holder,
                                            const std::string& claimant) {
  if (!holderConnected || holder == claimant) return std::nullopt;
  return "agent id '" + id + "' is held by the connected agent at " + holder + "; an agent at " +
         claimant + " may take it only once that one is gone or unreachable";
}

}  // namespace mesolite::master
