// GET /agent/<agent-id>/<endpoint>: the master forwards a few read-only endpoints of a
// registered agent (agent_proxy_path.h), so that a browser reads sandboxes and container
// statistics from the master's origin alone (no CORS, whatever name the operator used to
// reach the master). The agent's address comes from the master's own record of the agent,
// never from the request. The client's Authorization goes along, so the agent's own
// authentication, authorization and /files path checks apply unchanged; its status,
// Content-Type and Content-Disposition come back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "common/http.h"
#include "common/http_client.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::master {

class Master;

struct AgentProxyOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};  // connect + whole answer
  uint64_t maxBodyBytes = 16 << 20;  // what one answer may make the master hold (502 beyond)
  uint32_t maxInFlight = 64;         // requests being forwarded at once (503 beyond)
};

// Where an agent answers, or the response to give instead (404 unknown agent, 503 known
// but not connected).
using AgentLocation = std::variant<http::Endpoint, http::Response>;
using AgentLocator = std::function<AgentLocation(const std::string& agentId)>;

// The handler of the prefix route kAgentProxyPrefix. GET and HEAD only (405 otherwise);
// 404 for a path outside the list or a malformed id; 502 naming the agent's address
// when it cannot be reached or its answer is too large. Asynchronous on `io`.
http::Handler agentProxy(boost::asio::io_context& io, AgentLocator locate,
                         AgentProxyOptions options = {});

// The agents of `master`, located from its registered-agent records.
AgentLocator locateAgents(const Master& master);

}  // namespace mesolite::master
