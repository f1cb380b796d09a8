// Logging goes through spdlog; Mesos's --logging_level and --log_dir map onto it.
#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string>

#include "common/result.h"

namespace mesolite::log {

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

// level: INFO, WARNING or ERROR (Mesos's names; lower case and spdlog's names work too).
// With a log directory, lines also go to <dir>/<program>.log.
Result<void> setup(const std::string& program, const std::string& level,
                   const std::optional<std::string>& logDir);

}  // namespace mesolite::log
