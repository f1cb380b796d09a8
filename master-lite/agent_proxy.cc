#include "master-lite/agent_proxy.h"

#include <memory>

#include "common/logging.h"
#include "master-lite/agent_proxy_path.h"
#include "master-lite/master.h"

namespace mesolite::master {

namespace {

// The headers of the agent's answer that reach the client.
constexpr const char* kForwardedHeaders[] = {"Content-Type", "Content-Disposition",
                                             "WWW-Authenticate"};

// Counts a request being forwarded, from its admission to its answer.
class InFlight {
 public:
  explicit InFlight(std::shared_ptr<uint32_t> count) : count_(std::move(count)) { ++*count_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  ~InFlight() { --*count_; }

 private:
  std::shared_ptr<uint32_t> count_;
};

http::Response notAllowed(const std::string& method) {
  auto response = http::Response::text(405, method + " is not allowed here: use GET or HEAD\n");
  response.headers["Allow"] = "GET, HEAD";
  return response;
}

// The agent's answer as the client gets it. What comes from a sandbox is served from the
// master's origin: it must never run there as a page (nosniff, and a sandboxed CSP should
// a browser render it anyway).
http::Response relayed(http::Response&& answer) {
  http::Response response;
  response.status = answer.status;
  for (const char* name : kForwardedHeaders) {
    if (auto value = answer.headers.find(name); value != answer.headers.end()) {
      response.headers[name] = value->second;
    }
  }
  response.headers["X-Content-Type-Options"] = "nosniff";
  response.headers["Content-Security-Policy"] = "sandbox";
  response.body = std::move(answer.body);  // for a HEAD the server sends its length only
  return response;
}

http::Request upstreamRequest(const AgentProxyTarget& target, const http::Request& request) {
  http::Request upstream;
  upstream.method = "GET";  // the agent's /files refuse HEAD; the body is dropped here
  upstream.path = target.endpoint;
  if (!request.rawQuery.empty()) upstream.path += "?" + request.rawQuery;
  if (auto authorization = request.header("Authorization")) {
    upstream.headers["Authorization"] = *authorization;
  }
  return upstream;
}

}  // namespace

http::Handler agentProxy(boost::asio::io_context& io, AgentLocator locate,
                         AgentProxyOptions options) {
  auto inFlight = std::make_shared<uint32_t>(0);
  return [&io, locate = std::move(locate), options, inFlight](http::Request&& request,
                                                              http::Responder responder) {
    if (request.method != "GET" && request.method != "HEAD") {
      return responder.respond(notAllowed(request.method));
    }
    auto target = parseAgentProxyPath(request.path);
    if (!target) return responder.respond(http::Response::notFound(target.error().message + "\n"));
    AgentLocation location = locate(target->agentId);
    if (auto* refusal = std::get_if<http::Response>(&location)) {
      return responder.respond(std::move(*refusal));
    }
    if (*inFlight >= options.maxInFlight) {
      return responder.respond(
          http::Response::text(503, "the master is forwarding " + std::to_string(*inFlight) +
                                        " requests to agents already, its limit: retry shortly\n"));
    }
    const http::Endpoint agent = std::get<http::Endpoint>(location);
    auto slot = std::make_shared<InFlight>(inFlight);
    http::Client client(io, {.timeout = options.timeout, .maxBodyBytes = options.maxBodyBytes});
    client.send(agent, upstreamRequest(*target, request),
                [responder, slot, agent, id = target->agentId](Result<http::Response> answer) {
                  if (!answer) {
                    log::warn("agent proxy: agent {} at {}: {}", id, agent.toString(),
                              answer.error().message);
                    return responder.respond(http::Response::text(
                        502, "agent " + id + " at " + agent.toString() +
                                 " did not answer: " + answer.error().message + "\n"));
                  }
                  responder.respond(relayed(std::move(*answer)));
                });
  };
}

AgentLocator locateAgents(const Master& master) {
  return [&master](const std::string& id) -> AgentLocation {
    const auto& agents = master.agents();
    if (auto found = agents.find(id); found != agents.end()) {
      const Master::Agent& agent = found->second;
      if (!agent.reachable || !agent.stream || agent.stream->closed()) {
        return http::Response::text(
            503, "agent " + id + " (" + agent.pid() + ") is not connected to this master\n");
      }
      return http::Endpoint{agent.ip.empty() ? agent.info.hostname() : agent.ip,
                            uint16_t(agent.info.port())};
    }
    if (master.recoveredAgents().count(id) > 0) {
      return http::Response::text(
          503, "agent " + id + " has not re-registered with this master since its election\n");
    }
    return http::Response::notFound("no agent " + id + " is registered with this master\n");
  };
}

}  // namespace mesolite::master
