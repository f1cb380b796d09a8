#include "common/zookeeper_url.h"

#include <algorithm>
#include <charconv>

namespace mesolite::zk {
namespace {

constexpr std::string_view kScheme = "zk://";

bool isControl(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

// For messages: control characters shown as \xNN, so a URL read from a file cannot
// forge log lines.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (isControl(c)) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view trim(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && space(text.back()))
    text.remove_suffix(1);
  return text;
}

Result<uint16_t> parsePort(std::string_view server, std::string_view digits) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0 ||
      value > 65535) {
    return Error("server '" + printable(server) + "' has a bad port '" + printable(digits) +
                 "' (expected 1-65535)");
  }
  return static_cast<uint16_t>(value);
}

// host:port, or [v6 address]:port.
Result<Url::Server> parseServer(std::string_view server) {
  if (server.empty()) return Error("empty server in the host list");
  Url::Server parsed;
  std::string_view rest;
  if (server.front() == '[') {
    auto close = server.find(']');
    if (close == std::string_view::npos || close == 1) {
      return Error("server '" + printable(server) + "' has a bad [IPv6 address]");
    }
    parsed.host = std::string(server.substr(1, close - 1));
    rest = server.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return Error("server '" + printable(server) + "' has no port (expected [address]:port)");
    }
    rest.remove_prefix(1);
  } else {
    auto colon = server.rfind(':');
    if (colon == std::string_view::npos) {
      return Error("server '" + printable(server) + "' has no port (expected host:port)");
    }
    parsed.host = std::string(server.substr(0, colon));
    if (parsed.host.find(':') != std::string::npos) {
      return Error("server '" + printable(server) +
                   "': an IPv6 address must be in brackets ([address]:port)");
    }
    rest = server.substr(colon + 1);
  }
  if (parsed.host.empty()) return Error("server '" + printable(server) + "' has no host");
  for (char c : parsed.host) {
    if (isControl(c) || c == ' ' || c == '@' || c == '/' || c == '[' || c == ']') {
      return Error("server '" + printable(server) + "' has a bad character in its host");
    }
  }
  auto port = parsePort(server, rest);
  if (!port) return port.error();
  parsed.port = *port;
  return parsed;
}

// ZooKeeper's own rules for a path (PathUtils.validatePath), checked here so that the
// error names the URL rather than surfacing later as ZBADARGUMENTS.
Result<std::string> parsePath(std::string_view path) {
  if (path.empty() || path.front() != '/') return Error("no path (expected .../path)");
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);  // "/mesos/" is "/mesos"
  if (path == "/") return std::string("/");
  size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto component = path.substr(start, end - start);
    if (component.empty()) return Error("path '" + printable(path) + "' has an empty component");
    if (component == "." || component == "..") {
      return Error("path '" + printable(path) + "' has a relative component '" +
                   std::string(component) + "'");
    }
    for (char c : component) {
      if (isControl(c)) {
        return Error("path '" + printable(path) + "' has a control character");
      }
      // Legal in a znode's name, but in a URL read from a file a space is a mistake.
      if (c == ' ') return Error("path '" + printable(path) + "' has a space");
    }
    start = end + 1;
  }
  return std::string(path);
}

// For messages: a password never reaches a log line, even in a malformed URL.
std::string withoutPassword(std::string_view url) {
  const auto end = std::min(url.find('/', kScheme.size()), url.size());
  const auto at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const auto colon = url.substr(0, at).find(':', kScheme.size());
  // No colon: the whole of it may be a password.
  if (colon == std::string_view::npos) {
    return std::string(url.substr(0, kScheme.size())) + "***" + std::string(url.substr(at));
  }
  return std::string(url.substr(0, colon)) + ":***" + std::string(url.substr(at));
}

}  // namespace

std::string Url::hosts() const {
  std::string out;
  for (const auto& server : servers) {
    if (!out.empty()) out += ',';
    bool v6 = server.host.find(':') != std::string::npos;
    out += v6 ? "[" + server.host + "]" : server.host;
    out += ':' + std::to_string(server.port);
  }
  return out;
}

std::string Url::toString() const {
  std::string out(kScheme);
  if (digest) out += digest->substr(0, digest->find(':')) + ":***@";
  return out + hosts() + path;
}

std::string Url::child(std::string_view name) const {
  return (path == "/" ? std::string() : path) + "/" + std::string(name);
}

Result<Url> parseUrl(std::string_view text) {
  const std::string_view url = trim(text);
  auto fail = [&](const std::string& what) {
    return Error("ZooKeeper URL '" + printable(withoutPassword(url).substr(0, 256)) + "': " + what);
  };
  if (url.substr(0, kScheme.size()) != kScheme) {
    return fail("expected zk://[user:password@]host:port[,host:port...]/path");
  }
  std::string_view rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return fail("no path (expected zk://hosts/path)");
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = rest.substr(slash);

  Url parsed;
  // The credentials end at the last '@' before the path: a password may hold an '@'.
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = authority.substr(0, at);
    auto colon = credentials.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == credentials.size()) {
      return fail("credentials must be user:password");
    }
    for (char c : credentials) {
      if (isControl(c)) return fail("credentials have a control character");
    }
    parsed.digest = std::string(credentials);
    authority = authority.substr(at + 1);
  }
  if (authority.empty()) return fail("no servers (expected host:port[,host:port...])");
  size_t start = 0;
  while (start <= authority.size()) {
    auto comma = authority.find(',', start);
    if (comma == std::string_view::npos) comma = authority.size();
    auto server = parseServer(authority.substr(start, comma - start));
    if (!server) return fail(server.error().message);
    parsed.servers.push_back(std::move(*server));
    start = comma + 1;
  }
  auto parsedPath = parsePath(path);
  if (!parsedPath) return fail(parsedPath.error().message);
  parsed.path = std::move(*parsedPath);
  return parsed;
}

}  // namespace mesolite::zk
