// The paths of the master's agent proxy, /agent/<agent-id>/<endpoint> (the DC/OS
// admin-router convention): which agent, and which of its endpoints. Pure, so that it
// can be fuzzed (tests/fuzz/agent_proxy_path_fuzz.cc).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace mesolite::master {

// Where the proxy's routes start.
inline constexpr std::string_view kAgentProxyPrefix = "/agent/";

// The agent endpoints the proxy forwards, by their canonical names: what the web UI reads
// (sandboxes, container statistics and isolation, the agent's state and flags), nothing
// that changes the agent.
inline constexpr std::string_view kAgentProxyEndpoints[] = {
    "/files/browse", "/files/read", "/files/download", "/monitor/statistics",
    "/containers",   "/state",      "/flags"};

struct AgentProxyTarget {
  std::string agentId;
  std::string endpoint;  // one of kAgentProxyEndpoints
};

// "/agent/<id>/files/read" -> {id, "/files/read"}. Mesos's other spellings of an endpoint
// (/slave(1)/state, /state.json) give its canonical name. The id must be a valid Mesos id
// (common/id_validation.h). Errors name the bad id or path and, for a path, the allowed
// ones.
Result<AgentProxyTarget> parseAgentProxyPath(std::string_view path);

// "/files/browse, /files/read, ...": for messages.
std::string agentProxyEndpointList();

}  // namespace mesolite::master
