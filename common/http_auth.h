// HTTP Basic authentication as Mesos does it: each endpoint belongs to a realm
// (read-only, read-write, scheduler), a flag per realm says whether it needs
// credentials, and a request without valid ones gets 401 with
// `WWW-Authenticate: Basic realm="mesos-master-readonly"`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/credentials.h"
#include "common/http_server.h"
#include "common/result.h"

namespace mesolite::http {

enum class Realm {
  Open,       // /health, /version, /redirect: never authenticated, as in Mesos
  ReadOnly,   // state, flags, metrics, files
  ReadWrite,  // the operator API, teardown
  Framework,  // the scheduler API
  Agent,      // agents registering with the master
};

struct AuthenticationSettings {
  std::string daemon;  // "mesos-master" or "mesos-agent": names the realms
  bool readonly = false;
  bool readwrite = false;
  bool frameworks = false;
  bool agents = false;
  std::vector<Credential> credentials;  // empty: nobody can authenticate
};

// Mesos's realm names: "mesos-master-readonly", "mesos-agent-readwrite",
// "mesos-master-scheduler", ...
std::string realmName(const std::string& daemon, Realm realm);

class BasicAuthenticator {
 public:
  explicit BasicAuthenticator(std::vector<Credential> credentials);
  // The principal of a valid `Authorization: Basic ...` value; why not otherwise.
  // Secrets are compared in constant time and never appear in the error.
  Result<std::string> authenticate(std::string_view authorization) const;

 private:
  std::vector<Credential> credentials_;
};

// Puts authentication in front of every endpoint routed so far. A request with valid
// credentials carries its principal (Request::principal) whatever the realm, so that
// authorization can use it; invalid credentials always get 401; a request without
// credentials gets 401 only where its realm's flag asks for authentication.
void authenticateEndpoints(Server& server, AuthenticationSettings settings,
                           std::function<Realm(const std::string& path)> realmOf);

// A 401 naming the realm, with Mesos's challenge header.
Response unauthorized(const std::string& realm, const std::string& why);

}  // namespace mesolite::http
