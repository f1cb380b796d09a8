// Logging goes through spdlog; Mesos's --logging_level and --log_dir map onto it.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
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

struct Options {
  std::string level = "INFO";         // INFO, WARNING or ERROR (Mesos's names; lower case too)
  std::optional<std::string> logDir;  // lines also go to <dir>/<program>.log (rotated)
  bool quiet = false;                 // nothing on standard error (Mesos's --quiet)
  // Mesos's --logbufsecs: lines below WARNING may wait this long in the buffer before
  // they are written (checked as lines are logged, as glog does); 0 writes each at once.
  uint32_t bufferSeconds = 0;
};

Result<void> setup(const std::string& program, const Options& options);

}  // namespace mesolite::log
