// The web UI at /: the bundle in --webui_dir (built from webui/ in the sources), read
// into memory at start and served by common/static_files.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace mesolite::http {
class Server;
}

namespace mesolite::master {

// Routes the UI's files. A --webui_dir given explicitly must hold a readable UI with an
// index.html (an error naming it otherwise: the master does not start); the default
// directory missing or unusable leaves / answering 404 saying the UI is not installed.
Result<void> addWebUi(http::Server& server, const std::optional<std::string>& webuiDir);

}  // namespace mesolite::master
