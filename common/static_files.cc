#include "common/static_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <utility>

#include "common/http_server.h"
#include "common/unique_fd.h"

namespace mesolite::http {

namespace {

struct Walk {
  const StaticFileLimits& limits;
  std::string root;
  std::vector<StaticFile> files;
  uint64_t totalBytes = 0;
};

Result<std::string> readAll(int fd, const std::string& where, uint64_t size) {
  std::string body(size, '\0');
  size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = ::read(fd, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::fromErrno("read " + where);
    if (n == 0) break;  // shrank under us: serve what is there
    done += size_t(n);
  }
  body.resize(done);
  return body;
}

Result<void> walkDirectory(Walk& walk, UniqueFd dirFd, const std::string& relative, int depth);

// One entry of a directory, opened beside its parent without following a symlink.
Result<void> visitEntry(Walk& walk, int parentFd, const std::string& name,
                        const std::string& relative, int depth) {
  const std::string path = relative + "/" + name;
  const std::string where = walk.root + path;
  // O_NONBLOCK: a FIFO planted here must not block the open; O_NOFOLLOW: a symlink fails
  // with ELOOP and is skipped.
  UniqueFd fd(::openat(parentFd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ELOOP) return success();  // a symlink: never followed
    return Error::fromErrno("open " + where);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return Error::fromErrno("stat " + where);
  if (S_ISDIR(info.st_mode)) {
    if (depth + 1 > walk.limits.maxDepth) {
      return Error(where + ": deeper than " + std::to_string(walk.limits.maxDepth) +
                   " directories");
    }
    return walkDirectory(walk, std::move(fd), path, depth + 1);
  }
  if (!S_ISREG(info.st_mode)) return success();
  if (uint64_t(info.st_size) > walk.limits.maxFileBytes) {
    return Error(where + ": " + std::to_string(info.st_size) + " bytes, over the limit of " +
                 std::to_string(walk.limits.maxFileBytes));
  }
  walk.totalBytes += uint64_t(info.st_size);
  if (walk.totalBytes > walk.limits.maxTotalBytes) {
    return Error(walk.root + ": the files add up to more than " +
                 std::to_string(walk.limits.maxTotalBytes) + " bytes");
  }
  if (walk.files.size() + 1 > walk.limits.maxFiles) {
    return Error(walk.root + ": more than " + std::to_string(walk.limits.maxFiles) + " files");
  }
  auto body = readAll(fd.get(), where, uint64_t(info.st_size));
  if (!body) return body.error();
  walk.files.push_back({path, std::move(*body)});
  return success();
}

Result<void> walkDirectory(Walk& walk, UniqueFd dirFd, const std::string& relative, int depth) {
  const std::string where = walk.root + relative;
  const int listFd = ::dup(dirFd.get());
  if (listFd < 0) return Error::fromErrno("dup " + where);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(listFd), ::closedir);
  if (!dir) {
    ::close(listFd);
    return Error::fromErrno("opendir " + where);
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  if (errno != 0) return Error::fromErrno("readdir " + where);
  std::sort(names.begin(), names.end());  // the same routes whatever the directory order
  for (const std::string& name : names) {
    if (auto visited = visitEntry(walk, dirFd.get(), name, relative, depth); !visited) {
      return visited;
    }
  }
  return success();
}

std::string_view extension(std::string_view path) {
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return path.substr(dot + 1);
}

}  // namespace

Result<std::vector<StaticFile>> loadStaticFiles(const std::string& dir,
                                                const StaticFileLimits& limits) {
  // The directory itself is opened as the operator named it (a symlink to it is theirs).
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECTORY));
  if (!fd.valid()) return Error::fromErrno("open directory " + dir);
  Walk walk{limits, dir, {}, 0};
  if (auto walked = walkDirectory(walk, std::move(fd), "", 0); !walked) return walked.error();
  return std::move(walk.files);
}

std::string_view contentTypeFor(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"ttf", "font/ttf"},
      {"txt", "text/plain; charset=utf-8"},
      {"webp", "image/webp"},
      {"wasm", "application/wasm"},
  }};
  const std::string_view ext = extension(path);
  for (const auto& [known, type] : kTypes) {
    if (ext == known) return type;
  }
  return "application/octet-stream";
}

bool isHashedAsset(std::string_view path) {
  // Vite's default: assets/<name>-<8 characters of base64url>.<ext>; the hash itself
  // may hold '-' and '_', so it is counted from the extension back.
  constexpr size_t kHashSize = 8;
  constexpr std::string_view kDir = "/assets/";
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash + 1 < kDir.size() ||
      path.substr(slash + 1 - kDir.size(), kDir.size()) != kDir) {
    return false;
  }
  const std::string_view name = path.substr(slash + 1);
  const std::string_view stem = name.substr(0, name.find('.'));
  if (stem.size() == name.size() || stem.size() < kHashSize + 2) return false;
  const std::string_view hash = stem.substr(stem.size() - kHashSize);
  return stem[stem.size() - kHashSize - 1] == '-' &&
         std::all_of(hash.begin(), hash.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

namespace {

Handler fileHandler(StaticFile file) {
  Response response;
  response.headers["Content-Type"] = std::string(contentTypeFor(file.path));
  response.headers["X-Content-Type-Options"] = "nosniff";
  // Hashed assets never change; everything else (index.html) is revalidated so that an
  // upgraded master's UI is picked up at the next load.
  response.headers["Cache-Control"] =
      isHashedAsset(file.path) ? "public, max-age=31536000, immutable" : "no-cache";
  response.body = std::move(file.body);
  auto shared = std::make_shared<const Response>(std::move(response));
  return [shared](Request&& request, Responder responder) {
    if (request.method != "GET" && request.method != "HEAD") {
      Response refused = Response::text(405, "use GET");
      refused.headers["Allow"] = "GET, HEAD";
      responder.respond(std::move(refused));
      return;
    }
    responder.respond(*shared);
  };
}

}  // namespace

Result<void> serveStaticFiles(Server& server, std::vector<StaticFile> files) {
  // Nothing is routed unless every file can be: a file named like an endpoint
  // ("master/state", "health") would otherwise replace it.
  for (const StaticFile& file : files) {
    if (server.hasRoute(file.path) || (file.path == "/index.html" && server.hasRoute("/"))) {
      return Error(file.path.substr(1) + " would hide the endpoint " +
                   (file.path == "/index.html" && server.hasRoute("/") ? "/" : file.path));
    }
  }
  for (StaticFile& file : files) {
    std::string path = file.path;
    Handler handler = fileHandler(std::move(file));
    if (path == "/index.html") server.route("/", handler);
    server.route(std::move(path), std::move(handler));
  }
  return success();
}

}  // namespace mesolite::http
