// A directory of static files (a web UI's bundle) served from memory. The directory is
// read once, at start, within bounds; each regular file is then routed at its exact path.
// No request path is ever resolved on disk, so "..", percent-encoding tricks and symlinks
// cannot reach outside it, and serving costs the event loop one map lookup and a copy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite::http {

class Server;

struct StaticFile {
  std::string path;  // below the directory, with a leading slash: "/assets/index-1a2b.js"
  std::string body;
};

struct StaticFileLimits {
  size_t maxFiles = 2000;
  uint64_t maxTotalBytes = 64 << 20;
  uint64_t maxFileBytes = 16 << 20;
  int maxDepth = 8;
};

// Reads every regular file below `dir` (the directory itself may be a symlink the
// operator made; nothing below it is followed: symlinks, devices, FIFOs and sockets are
// skipped). Fails naming the path and errno, or the bound exceeded.
Result<std::vector<StaticFile>> loadStaticFiles(const std::string& dir,
                                                const StaticFileLimits& limits = {});

// "text/javascript; charset=utf-8" for "x.js", ...; application/octet-stream otherwise.
std::string_view contentTypeFor(std::string_view path);

// Whether a file name carries a content hash ("index-Bzr2o6WO.js", as bundlers name
// their output under assets/): such a file never changes, and may be cached for good.
bool isHashedAsset(std::string_view path);

// Routes each file at its path, and "/index.html" also at "/". GET and HEAD only. Fails,
// routing nothing, when a file would replace a route already there (an endpoint).
Result<void> serveStaticFiles(Server& server, std::vector<StaticFile> files);

}  // namespace mesolite::http
