#include "common/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace mesolite::log {

Result<void> setup(const std::string& program, const std::string& level,
                   const std::optional<std::string>& logDir, bool quiet) {
  std::string name = level;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  spdlog::level::level_enum parsed;
  if (name == "info") {
    parsed = spdlog::level::info;
  } else if (name == "warning" || name == "warn") {
    parsed = spdlog::level::warn;
  } else if (name == "error") {
    parsed = spdlog::level::err;
  } else if (name == "debug" || name == "trace") {
    parsed = name == "debug" ? spdlog::level::debug : spdlog::level::trace;
  } else {
    return Error("unknown logging level '" + level + "' (use INFO, WARNING or ERROR)");
  }

  std::vector<spdlog::sink_ptr> sinks;
  if (!quiet) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_st>());
  if (logDir) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_st>(
          *logDir + "/" + program + ".log", kLogFileBytes, kLogFilesKept));
    } catch (const spdlog::spdlog_ex& e) {
      return Error("cannot open log file in " + *logDir + ": " + e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>(program, sinks.begin(), sinks.end());
  logger->set_level(parsed);
  // glog-like: I1121 05:17:33.123456 1234 message
  logger->set_pattern("%L%m%d %H:%M:%S.%f %P %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return success();
}

}  // namespace mesolite::log
