#include "common/fetch_uri.h"

#include <algorithm>
#include <cctype>

namespace mesolite::fetch {

namespace {

constexpr size_t kMaxUriLength = 8192;

std::string quoted(const std::string& uri) {
  return "'" + (uri.size() > 200 ? uri.substr(0, 200) + "..." : uri) + "'";
}

// Mesos refuses these in any URI; control characters would garble the sandbox's log.
Result<void> checkCharacters(const std::string& uri) {
  if (uri.empty()) return Error("URI is empty");
  if (uri.size() > kMaxUriLength) return Error("URI " + quoted(uri) + " is too long");
  for (char c : uri) {
    if (c == '\\' || c == '\'' || c == '\0' || std::iscntrl(uint8_t(c)) || c == ' ') {
      return Error("URI " + quoted(uri) + " holds an illegal character (backslash, quote, " +
                   "space or control character)");
    }
  }
  return success();
}

std::string schemeOf(const std::string& uri) {
  const size_t colon = uri.find("://");
  if (colon == std::string::npos || colon == 0) return "";
  std::string scheme = uri.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return scheme;
}

}  // namespace

Result<UriKind> classifyUri(const std::string& uri) {
  if (auto ok = checkCharacters(uri); !ok) return ok.error();
  const std::string scheme = schemeOf(uri);
  if (scheme == "http" || scheme == "https") {
    if (auto name = uriBasename(uri); !name) return name.error();
    return UriKind::kHttp;
  }
  if (scheme.empty() || scheme == "file") {
    if (auto path = localPath(uri); !path) return path.error();
    if (auto name = uriBasename(uri); !name) return name.error();
    return UriKind::kLocal;
  }
  return Error("URI " + quoted(uri) + ": scheme '" + scheme +
               "' is not supported (http://, https://, file:// or an absolute path)");
}

Result<std::string> localPath(const std::string& uri) {
  std::string path = uri;
  const bool fileUri = schemeOf(uri) == "file";
  if (fileUri) {
    path = uri.substr(uri.find("://") + 3);
    if (path.rfind("localhost/", 0) == 0) path = path.substr(9);
  }
  if (path.empty() || path[0] != '/') {
    return Error("URI " + quoted(uri) + ": " +
                 (fileUri ? std::string("a file URI needs an absolute path")
                          : std::string("a relative path needs --frameworks_home, which is not "
                                        "supported; give an absolute path")));
  }
  return path;
}

Result<std::string> uriBasename(const std::string& uri) {
  std::string name;
  const size_t scheme = uri.find("://");
  if (scheme != std::string::npos && scheme > 1) {
    const std::string rest = uri.substr(scheme + 3);
    const size_t slash = rest.find('/');
    if (slash == std::string::npos || slash + 1 >= rest.size()) {
      return Error("URI " + quoted(uri) + " is malformed (missing path)");
    }
    name = rest.substr(rest.rfind('/') + 1);
  } else {
    name = uri.substr(uri.rfind('/') + 1);
  }
  if (name.empty() || name == "." || name == "..") {
    return Error("URI " + quoted(uri) + " names no file (its path ends in '/', '.' or '..')");
  }
  return name;
}

Result<void> validateOutputFile(const std::string& path) {
  const auto refuse = [&](const std::string& why) {
    return Error("output_file " + quoted(path) + " " + why);
  };
  if (path.empty()) return refuse("is empty");
  if (path.size() > 4096) return refuse("is too long");
  if (path[0] == '/') return refuse("must be a path inside the sandbox, not absolute");
  if (path.find('\0') != std::string::npos) return refuse("holds NUL");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return refuse("must not hold an empty, '.' or '..' component");
    }
    start = end + 1;
  }
  if (isSandboxLog(path)) return refuse("would replace the sandbox's " + path);
  return success();
}

Result<void> validateFetch(const std::string& uri, const std::string* outputFile) {
  if (auto kind = classifyUri(uri); !kind) return kind.error();
  if (outputFile) return validateOutputFile(*outputFile);
  auto name = uriBasename(uri);
  if (!name) return name.error();
  if (isSandboxLog(*name)) {
    return Error("URI " + quoted(uri) + " would replace the sandbox's " + *name +
                 "; give it an output_file");
  }
  return success();
}

bool isSandboxLog(const std::string& relative) {
  return relative == "stdout" || relative == "stderr";
}

}  // namespace mesolite::fetch
