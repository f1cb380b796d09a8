#include "agent/container_logger.h"

#include <charconv>
#include <vector>

namespace mesolite::agent {

namespace {

constexpr uint64_t kPageSize = 4096;
constexpr uint32_t kMaxRotate = 1000;  // the launcher's bound

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> found;
  size_t start = 0;
  while (start < line.size()) {
    const size_t begin = line.find_first_not_of(" \t\r", start);
    if (begin == std::string_view::npos) break;
    const size_t end = std::min(line.find_first_of(" \t\r", begin), line.size());
    found.push_back(line.substr(begin, end - begin));
    start = end;
  }
  return found;
}

Result<Bytes> parseMaxSize(std::string_view text) {
  auto size = Bytes::parse(text);
  if (!size) return size.error();
  if (size->value < kPageSize) {
    return Error("'" + std::string(text) + "' is less than one page (" + std::to_string(kPageSize) +
                 " bytes)");
  }
  return *size;
}

}  // namespace

Result<void> validateMaxLogSize(std::string_view text) {
  auto size = parseMaxSize(text);
  if (!size) return size.error();
  return success();
}

Result<uint32_t> parseLogrotateOptions(std::string_view options) {
  uint32_t rotate = 0;
  while (!options.empty()) {
    const size_t end = std::min(options.find_first_of("\n;"), options.size());
    std::string_view line = options.substr(0, end);
    options.remove_prefix(std::min(end + 1, options.size()));
    line = line.substr(0, std::min(line.find('#'), line.size()));
    const auto directive = words(line);
    if (directive.empty()) continue;
    const std::string name(directive[0]);
    if (name == "rotate" && directive.size() == 2) {
      auto [ptr, ec] =
          std::from_chars(directive[1].data(), directive[1].data() + directive[1].size(), rotate);
      if (ec != std::errc() || ptr != directive[1].data() + directive[1].size() ||
          rotate > kMaxRotate) {
        return Error("logrotate option 'rotate " + std::string(directive[1]) +
                     "': expected a count from 0 to " + std::to_string(kMaxRotate));
      }
    } else if ((name == "missingok" || name == "notifempty" || name == "nocompress") &&
               directive.size() == 1) {
      // What the rotation does anyway: it creates the file, and rotates only a full one.
    } else if (name == "size" || name == "maxsize") {
      return Error("logrotate option '" + name +
                   "': the size is --max_stdout_size / --max_stderr_size");
    } else {
      return Error("logrotate option '" + std::string(line) +
                   "' is not honoured (only 'rotate N', 'missingok', 'notifempty' and "
                   "'nocompress' are)");
    }
  }
  return rotate;
}

Result<StreamRotations> containerLogRotation(const LogrotateSettings& agent,
                                             const mesos::v1::CommandInfo& command) {
  LogrotateSettings settings = agent;
  const std::string prefix = kContainerLoggerPrefix;
  for (const auto& variable : command.environment().variables()) {
    const std::string& name = variable.name();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string key = name.substr(prefix.size());
    const std::string& value = variable.value();
    if (key == "MAX_STDOUT_SIZE" || key == "MAX_STDERR_SIZE") {
      auto size = parseMaxSize(value);
      if (!size) return size.error().wrap(name);
      (key == "MAX_STDOUT_SIZE" ? settings.maxStdoutSize : settings.maxStderrSize) = *size;
    } else if (key == "LOGROTATE_STDOUT_OPTIONS") {
      settings.logrotateStdoutOptions = value;
    } else if (key == "LOGROTATE_STDERR_OPTIONS") {
      settings.logrotateStderrOptions = value;
    } else {
      return Error("unknown container logger setting " + name + " (known: " + prefix +
                   "MAX_STDOUT_SIZE, " + prefix + "LOGROTATE_STDOUT_OPTIONS, " + prefix +
                   "MAX_STDERR_SIZE, " + prefix + "LOGROTATE_STDERR_OPTIONS)");
    }
  }
  auto outKeep = parseLogrotateOptions(settings.logrotateStdoutOptions);
  if (!outKeep) return outKeep.error().wrap("stdout");
  auto errKeep = parseLogrotateOptions(settings.logrotateStderrOptions);
  if (!errKeep) return errKeep.error().wrap("stderr");
  return StreamRotations{{settings.maxStdoutSize.value, *outKeep},
                         {settings.maxStderrSize.value, *errKeep}};
}

}  // namespace mesolite::agent
