#include "common/http_auth.h"

#include <array>
#include <cstdio>

#include "common/base64.h"
#include "common/logging.h"

namespace mesolite::http {

namespace {

// Compares in time that depends on the lengths only, not on where the bytes differ, so
// that response times do not reveal how much of a guessed secret was right.
bool equalInConstantTime(std::string_view a, std::string_view b) {
  const size_t length = std::max(a.size(), b.size());
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < length; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference |= static_cast<unsigned char>(x ^ y);
  }
  return difference == 0;
}

// What a client sent, fit for a log line: at most 64 bytes, control bytes escaped, so
// that a crafted principal cannot forge or flood log lines.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  if (text.size() > 64) out += "...";
  return out;
}

}  // namespace

std::string realmName(const std::string& daemon, Realm realm) {
  switch (realm) {
    case Realm::ReadOnly:
      return daemon + "-readonly";
    case Realm::ReadWrite:
      return daemon + "-readwrite";
    case Realm::Framework:
      return daemon + "-scheduler";
    case Realm::Agent:
      return daemon + "-agent";
    case Realm::Open:
      break;
  }
  return daemon;
}

BasicAuthenticator::BasicAuthenticator(std::vector<Credential> credentials)
    : credentials_(std::move(credentials)) {}

Result<std::string> BasicAuthenticator::authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Basic ";
  if (authorization.size() < kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return Error("the Authorization header is not of the Basic scheme");
  }
  std::string_view encoded = authorization.substr(kScheme.size());
  while (!encoded.empty() && encoded.front() == ' ')
    encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ')
    encoded.remove_suffix(1);
  auto decoded = decodeBase64(encoded);
  if (!decoded) return Error("the Basic credentials are not valid base64");
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Error("the Basic credentials have no ':'");
  const std::string principal = decoded->substr(0, colon);
  const std::string_view secret = std::string_view(*decoded).substr(colon + 1);
  bool valid = false;
  for (const Credential& credential : credentials_) {
    // Every secret is compared, so that the time taken says nothing about which
    // principal exists.
    const bool match =
        equalInConstantTime(credential.secret, secret) && credential.principal == principal;
    valid = valid || match;
  }
  if (!valid) return Error("invalid credentials for principal '" + printable(principal) + "'");
  return principal;
}

Response unauthorized(const std::string& realm, const std::string& why) {
  Response response = Response::text(401, why + "\n");
  response.headers["WWW-Authenticate"] = "Basic realm=\"" + realm + "\"";
  return response;
}

void authenticateEndpoints(Server& server, AuthenticationSettings settings,
                           std::function<Realm(const std::string& path)> realmOf) {
  auto shared = std::make_shared<const AuthenticationSettings>(std::move(settings));
  auto authenticator = std::make_shared<const BasicAuthenticator>(shared->credentials);
  server.wrapRoutes([shared, authenticator, realmOf](const std::string& path, Handler inner) {
    const Realm realm = realmOf(path);
    if (realm == Realm::Open) return inner;
    const bool required = (realm == Realm::ReadOnly && shared->readonly) ||
                          (realm == Realm::ReadWrite && shared->readwrite) ||
                          (realm == Realm::Framework && shared->frameworks) ||
                          (realm == Realm::Agent && shared->agents);
    const std::string name = realmName(shared->daemon, realm);
    return Handler(
        [shared, authenticator, inner, required, name](Request&& request, Responder responder) {
          request.principal.reset();
          auto header = request.header("Authorization");
          if (header && !shared->credentials.empty()) {
            auto principal = authenticator->authenticate(*header);
            if (!principal) {
              log::warn("{} {} from {}: authentication failed: {}", request.method,
                        printable(request.path), request.remote, principal.error().message);
              return responder.respond(unauthorized(name, principal.error().message));
            }
            request.principal = std::move(*principal);
          } else if (required) {
            return responder.respond(
                unauthorized(name, header ? "this daemon has no credentials to check against"
                                          : request.path + " needs authentication (HTTP Basic)"));
          }
          inner(std::move(request), std::move(responder));
        });
  });
}

}  // namespace mesolite::http
