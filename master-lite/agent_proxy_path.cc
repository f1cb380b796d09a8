#include "master-lite/agent_proxy_path.h"

#include <algorithm>

#include "common/id_validation.h"

namespace mesolite::master {

namespace {

// The name an agent endpoint is routed under: without Mesos's "/slave(1)" process prefix
// and ".json" suffix.
std::string_view canonicalAgentEndpoint(std::string_view endpoint) {
  constexpr std::string_view kProcess = "/slave(1)/";
  constexpr std::string_view kJson = ".json";
  if (endpoint.substr(0, kProcess.size()) == kProcess) endpoint.remove_prefix(kProcess.size() - 1);
  if (endpoint.size() > kJson.size() && endpoint.substr(endpoint.size() - kJson.size()) == kJson) {
    endpoint.remove_suffix(kJson.size());
  }
  return endpoint;
}

// A path quoted in a message: at most 256 bytes of it.
std::string shown(std::string_view text) {
  constexpr size_t kShown = 256;
  if (text.size() <= kShown) return std::string(text);
  return std::string(text.substr(0, kShown)) + "...";
}

}  // namespace

std::string agentProxyEndpointList() {
  std::string list;
  for (std::string_view endpoint : kAgentProxyEndpoints)
    list += (list.empty() ? "" : ", ") + std::string(endpoint);
  return list;
}

Result<AgentProxyTarget> parseAgentProxyPath(std::string_view path) {
  if (path.substr(0, kAgentProxyPrefix.size()) != kAgentProxyPrefix) {
    return Error("'" + shown(path) + "' is not under " + std::string(kAgentProxyPrefix));
  }
  std::string_view rest = path.substr(kAgentProxyPrefix.size());
  const size_t slash = rest.find('/');
  AgentProxyTarget target;
  target.agentId = std::string(rest.substr(0, slash));
  if (auto valid = validateId("agent id", target.agentId); !valid) {
    return valid.error().wrap("no agent at " + shown(path));
  }
  const std::string_view endpoint =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  const std::string_view canonical = canonicalAgentEndpoint(endpoint);
  const auto* allowed =
      std::find(std::begin(kAgentProxyEndpoints), std::end(kAgentProxyEndpoints), canonical);
  if (allowed == std::end(kAgentProxyEndpoints)) {
    return Error("the agent endpoint '" + shown(endpoint) +
                 "' is not served through the master; these are: " + agentProxyEndpointList());
  }
  target.endpoint = std::string(*allowed);
  return target;
}

}  // namespace mesolite::master
