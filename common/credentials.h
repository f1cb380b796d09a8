// Principals and their secrets in Mesos's two file formats: JSON
// ({"credentials":[{"principal":"p","secret":"s"}]}, or one {"principal","secret"} for
// --credential) and text ("principal secret" per line).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite {

struct Credential {
  std::string principal;
  std::string secret;
};

// A --credentials / --http_credentials file's contents: every principal a daemon accepts.
Result<std::vector<Credential>> parseCredentials(std::string_view text);
// A --credential file's contents: the one principal a client presents.
Result<Credential> parseCredential(std::string_view text);

// The Authorization header a client sends: "Basic <base64(principal:secret)>".
std::string basicAuthorization(const Credential& credential);

// The credential local command-line tools present: the file $MESOLITE_CREDENTIAL names,
// else the local operator credential the packages create
// (/etc/mesos/local-operator.credential), when this user can read it; nullopt otherwise.
std::optional<Credential> localToolCredential();

// Reads and parses a credentials file (a path, or file:///path). Logs a warning when the
// file can be read by users other than its owner, as Mesos does.
Result<std::vector<Credential>> loadCredentials(const std::string& path);
Result<Credential> loadCredential(const std::string& path);

}  // namespace mesolite
