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

// A daemon's log file is rotated at this size, keeping this many old files
// (<program>.log.1 ...): months of uptime cannot fill the disk with it.
inline constexpr size_t kLogFileBytes = 100 << 20;
inline constexpr size_t kLogFilesKept = 5;

// level: INFO, WARNING or ERROR (Mesos's names; lower case and spdlog's names work too).
// With a log directory, lines also go to <dir>/<program>.log (rotated); `quiet` keeps
// them off standard error (Mesos's --quiet).
Result<void> setup(const std::string& program, const std::string& level,
                   const std::optional<std::string>& logDir, bool quiet = false);

}  // namespace mesolite::log
