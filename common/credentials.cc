#include "common/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base64.h"
#include "common/fs.h"
#include "common/logging.h"

namespace mesolite {

namespace {

// Files this large are not credentials; refusing them bounds what a daemon reads.
constexpr size_t kMaxCredentialsBytes = 1 << 20;
constexpr size_t kMaxFieldBytes = 4096;

Result<Credential> credentialFromJson(const nlohmann::json& json, const std::string& where) {
  if (!json.is_object()) return Error(where + " is not an object");
  Credential credential;
  for (const auto& [key, value] : json.items()) {
    if (key != "principal" && key != "secret") {
      return Error(where + ": unknown field '" + key + "' (principal and secret only)");
    }
    if (!value.is_string()) return Error(where + ": '" + key + "' is not a string");
  }
  if (!json.contains("principal") || json["principal"].get<std::string>().empty()) {
    return Error(where + " has no principal");
  }
  credential.principal = json["principal"].get<std::string>();
  if (json.contains("secret")) credential.secret = json["secret"].get<std::string>();
  if (credential.principal.size() > kMaxFieldBytes || credential.secret.size() > kMaxFieldBytes) {
    return Error(where + ": principal or secret longer than " + std::to_string(kMaxFieldBytes) +
                 " bytes");
  }
  return credential;
}

bool looksLikeJson(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

// "principal secret" lines; blank lines are skipped.
Result<std::vector<Credential>> credentialsFromText(std::string_view text) {
  std::vector<Credential> credentials;
  size_t lineNumber = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++lineNumber;
    std::vector<std::string> tokens;
    size_t at = 0;
    while (at < line.size()) {
      const size_t start = line.find_first_not_of(" \t\r", at);
      if (start == std::string_view::npos) break;
      const size_t stop = line.find_first_of(" \t\r", start);
      tokens.emplace_back(line.substr(start, stop - start));
      at = stop == std::string_view::npos ? line.size() : stop;
    }
    if (tokens.empty()) continue;
    if (tokens.size() != 2) {
      return Error("line " + std::to_string(lineNumber) + ": expected 'principal secret', found " +
                   std::to_string(tokens.size()) + " words");
    }
    credentials.push_back({tokens[0], tokens[1]});
  }
  return credentials;
}

Result<std::string> readCredentialsFile(const std::string& value) {
  const std::string path = value.rfind("file://", 0) == 0 ? value.substr(7) : value;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return Error::fromErrno("cannot read " + path);
  if (info.st_size > off_t(kMaxCredentialsBytes)) {
    return Error(path + " is larger than " + std::to_string(kMaxCredentialsBytes) +
                 " bytes: not a credentials file");
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    log::warn(
        "permissions on credentials file {} are too open ({:o}): it should be readable "
        "by its owner only",
        path, info.st_mode & 07777);
  }
  return fs::readFile(path);
}

}  // namespace

Result<std::vector<Credential>> parseCredentials(std::string_view text) {
  std::vector<Credential> credentials;
  if (looksLikeJson(text)) {
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return Error("credentials: invalid JSON");
    if (!json.is_object() || !json.contains("credentials") || !json["credentials"].is_array()) {
      return Error("credentials: expected {\"credentials\": [{\"principal\", \"secret\"}, ...]}");
    }
    for (const auto& [key, value] : json.items()) {
      if (key != "credentials") return Error("credentials: unknown field '" + key + "'");
    }
    size_t index = 0;
    for (const auto& entry : json["credentials"]) {
      auto credential = credentialFromJson(entry, "credentials[" + std::to_string(index++) + "]");
      if (!credential) return credential.error();
      credentials.push_back(std::move(*credential));
    }
  } else {
    auto parsed = credentialsFromText(text);
    if (!parsed) return parsed.error().wrap("credentials");
    credentials = std::move(*parsed);
  }
  std::set<std::string> seen;
  for (const auto& credential : credentials) {
    if (!seen.insert(credential.principal).second) {
      return Error("credentials: principal '" + credential.principal + "' is listed twice");
    }
  }
  if (credentials.empty()) return Error("credentials: no principal is listed");
  return credentials;
}

Result<Credential> parseCredential(std::string_view text) {
  if (looksLikeJson(text)) {
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return Error("credential: invalid JSON");
    return credentialFromJson(json, "credential");
  }
  auto parsed = credentialsFromText(text);
  if (!parsed) return parsed.error().wrap("credential");
  if (parsed->size() != 1) return Error("credential: expected one 'principal secret' line");
  return parsed->front();
}

std::string basicAuthorization(const Credential& credential) {
  return "Basic " + encodeBase64(credential.principal + ":" + credential.secret);
}

std::optional<Credential> localToolCredential() {
  const char* chosen = std::getenv("MESOLITE_CREDENTIAL");
  const std::string path = chosen ? chosen : "/etc/mesos/local-operator.credential";
  if (::access(path.c_str(), R_OK) != 0) return std::nullopt;
  auto text = fs::readFile(path);
  if (!text) return std::nullopt;
  auto credential = parseCredential(*text);
  if (!credential) return std::nullopt;
  return std::move(*credential);
}

Result<std::vector<Credential>> loadCredentials(const std::string& path) {
  auto text = readCredentialsFile(path);
  if (!text) return text.error();
  auto credentials = parseCredentials(*text);
  if (!credentials) return credentials.error().wrap(path);
  return credentials;
}

Result<Credential> loadCredential(const std::string& path) {
  auto text = readCredentialsFile(path);
  if (!text) return text.error();
  auto credential = parseCredential(*text);
  if (!credential) return credential.error().wrap(path);
  return credential;
}

}  // namespace mesolite
