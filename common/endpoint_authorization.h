// The authorization of whole endpoints, in front of their handlers (inside HTTP
// authentication, which sets the principal): get_endpoints for the endpoints Mesos
// guards with it, view_flags for /flags, access_mesos_logs and access_sandboxes for
// /files. Calls of the operator APIs are authorized where they are answered.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/authorizer.h"
#include "common/http_server.h"

namespace mesolite::http {

struct EndpointAuthorization {
  std::shared_ptr<const Authorizer> authorizer;
  // The /files paths of the daemon's own log ("/master/log").
  std::vector<std::string> logPaths;
  // For a /files path inside a sandbox: the user the sandbox belongs to (nullopt: the
  // path is not a sandbox's). Empty function: the daemon has no sandboxes.
  std::function<std::optional<std::optional<std::string>>(const std::string& path)> sandboxUser;
};

// "/master/flags", "/slave(1)/flags.json" -> "/flags": the name ACLs use.
std::string canonicalEndpoint(const std::string& path);

// A 403 naming the principal and what it may not do.
Response forbidden(const std::optional<std::string>& principal, const std::string& what);

void authorizeEndpoints(Server& server, EndpointAuthorization settings);

}  // namespace mesolite::http
