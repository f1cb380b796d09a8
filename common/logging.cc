#include "common/logging.h"

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <vector>

namespace mesolite::log {

namespace {

// Forwards to the real sinks and flushes them once `interval` has passed since the last
// flush. spdlog's own flush_every needs a thread and thread-safe sinks; this needs neither.
class TimedFlushSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  TimedFlushSink(std::vector<spdlog::sink_ptr> sinks, std::chrono::seconds interval)
      : sinks_(std::move(sinks)), interval_(interval) {}

 protected:
  // Each sink is flushed right after its write, in order (the file before stderr): whoever
  // sees a line on stderr finds it in the file already.
  void sink_it_(const spdlog::details::log_msg& message) override {
    const auto now = std::chrono::steady_clock::now();
    const bool due = now - lastFlush_ >= interval_;
    for (auto& sink : sinks_) {
      sink->log(message);
      if (due) sink->flush();
    }
    if (due) lastFlush_ = now;
  }
  // The logger formats through its sinks: the pattern must reach the real ones.
  void set_pattern_(const std::string& pattern) override {
    for (auto& sink : sinks_)
      sink->set_pattern(pattern);
  }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    for (auto& sink : sinks_)
      sink->set_formatter(formatter->clone());
  }
  void flush_() override {
    for (auto& sink : sinks_)
      sink->flush();
    lastFlush_ = std::chrono::steady_clock::now();
  }

 private:
  std::vector<spdlog::sink_ptr> sinks_;
  std::chrono::seconds interval_;
  std::chrono::steady_clock::time_point lastFlush_ = std::chrono::steady_clock::now();
};

}  // namespace

Result<void> setup(const std::string& program, const Options& options) {
  const std::string& level = options.level;
  const std::optional<std::string>& logDir = options.logDir;
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
  if (logDir) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_st>(
          *logDir + "/" + program + ".log", kLogFileBytes, kLogFilesKept));
    } catch (const spdlog::spdlog_ex& e) {
      return Error("cannot open log file in " + *logDir + ": " + e.what());
    }
  }
  if (!options.quiet) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_st>());
  auto sink = std::make_shared<TimedFlushSink>(std::move(sinks),
                                               std::chrono::seconds(options.bufferSeconds));
  auto logger = std::make_shared<spdlog::logger>(program, std::move(sink));
  logger->set_level(parsed);
  // glog-like: I1121 05:17:33.123456 1234 message
  logger->set_pattern("%L%m%d %H:%M:%S.%f %P %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return success();
}

}  // namespace mesolite::log
