#include "common/endpoint_authorization.h"

namespace mesolite::http {

namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool underPath(const std::string& path, const std::string& root) {
  return path == root || startsWith(path, root + "/");
}

// The check an endpoint needs before its handler runs; nullopt when it needs none.
std::optional<Response> check(const EndpointAuthorization& settings, const std::string& endpoint,
                              const Request& request) {
  const Authorizer& authorizer = *settings.authorizer;
  if (isAuthorizableEndpoint(endpoint) &&
      !authorizer.allowed(Action::GetEndpoint, request.principal, endpoint)) {
    return forbidden(request.principal, "GET " + endpoint + " (get_endpoints)");
  }
  if (endpoint == "/flags" && !authorizer.allowed(Action::ViewFlags, request.principal)) {
    return forbidden(request.principal, "view the flags (view_flags)");
  }
  if (startsWith(endpoint, "/files/") && endpoint != "/files/debug") {
    auto path = request.query.find("path");
    if (path == request.query.end()) return std::nullopt;  // the handler answers 400
    for (const std::string& log : settings.logPaths) {
      if (underPath(path->second, log) &&
          !authorizer.allowed(Action::AccessMesosLog, request.principal)) {
        return forbidden(request.principal, "read " + log + " (access_mesos_logs)");
      }
    }
    if (settings.sandboxUser) {
      if (auto user = settings.sandboxUser(path->second);
          user && !authorizer.allowed(Action::AccessSandbox, request.principal, *user)) {
        return forbidden(request.principal,
                         "access the sandbox at " + path->second + " (access_sandboxes)");
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::string canonicalEndpoint(const std::string& path) {
  std::string endpoint = path;
  for (const std::string prefix : {"/master", "/slave(1)"}) {
    if (startsWith(endpoint, prefix + "/")) endpoint = endpoint.substr(prefix.size());
  }
  if (endpoint.size() > 5 && endpoint.compare(endpoint.size() - 5, 5, ".json") == 0) {
    endpoint.resize(endpoint.size() - 5);
  }
  return endpoint;
}

Response forbidden(const std::optional<std::string>& principal, const std::string& what) {
  return Response::text(403,
                        (principal ? "principal '" + *principal + "'" : "an anonymous caller") +
                            " is not authorized to " + what + "\n");
}

void authorizeEndpoints(Server& server, EndpointAuthorization settings) {
  if (!settings.authorizer || !settings.authorizer->configured()) return;
  auto shared = std::make_shared<const EndpointAuthorization>(std::move(settings));
  server.wrapRoutes([shared](const std::string& path, Handler inner) {
    const std::string endpoint = canonicalEndpoint(path);
    return Handler([shared, endpoint, inner](Request&& request, Responder responder) {
      if (auto refused = check(*shared, endpoint, request)) {
        return responder.respond(std::move(*refused));
      }
      inner(std::move(request), std::move(responder));
    });
  });
}

}  // namespace mesolite::http
