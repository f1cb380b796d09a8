#include "master-lite/webui.h"

#include <algorithm>

#include "common/http_server.h"
#include "common/logging.h"
#include "common/static_files.h"
#include "master-lite/webui_dir.h"

namespace mesolite::master {

namespace {

Result<std::vector<http::StaticFile>> loadUi(const std::string& dir) {
  auto files = http::loadStaticFiles(dir);
  if (!files) return files.error();
  const bool hasIndex = std::any_of(files->begin(), files->end(),
                                    [](const auto& file) { return file.path == "/index.html"; });
  if (!hasIndex) return Error(dir + " has no index.html");
  return files;
}

}  // namespace

Result<void> addWebUi(http::Server& server, const std::optional<std::string>& webuiDir) {
  const std::string dir = webuiDir.value_or(kDefaultWebuiDir);
  auto files = loadUi(dir);
  if (!files) {
    if (webuiDir) return files.error().wrap("--webui_dir=" + dir);
    const std::string why = "the web UI is not installed (" + files.error().message +
                            "); install it, or give its directory with --webui_dir";
    log::warn("{}", why);
    server.route("/", [why](http::Request&&, http::Responder responder) {
      responder.respond(http::Response::notFound(why));
    });
    return success();
  }
  const size_t count = files->size();
  if (auto served = http::serveStaticFiles(server, std::move(*files)); !served) {
    return served.error().wrap(webuiDir ? "--webui_dir=" + dir : dir);
  }
  log::info("web UI: {} files from {}", count, dir);
  return success();
}

}  // namespace mesolite::master
