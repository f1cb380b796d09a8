// How a container's stdout and stderr are kept: Mesos's LogrotateContainerLogger
// (org_apache_mesos_LogrotateContainerLogger) built in, with that module's parameters as
// agent flags and its per-container overrides (CONTAINER_LOGGER_* variables of the
// CommandInfo's environment). The rotation itself happens in the container's supervisor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/units.h"
#include "launcher/launch_request.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::agent {

inline constexpr const char* kLogrotateContainerLogger =
    "org_apache_mesos_LogrotateContainerLogger";
// Mesos's module reads overrides from variables with this prefix (its default).
inline constexpr const char* kContainerLoggerPrefix = "CONTAINER_LOGGER_";

struct LogrotateSettings {
  Bytes maxStdoutSize{10 << 20};
  std::string logrotateStdoutOptions;
  Bytes maxStderrSize{10 << 20};
  std::string logrotateStderrOptions;
};

// Mesos's floor for max_stdout_size / max_stderr_size: one page.
Result<void> validateMaxLogSize(std::string_view text);

// What we honour of logrotate's configuration: `rotate N` (rotated files kept; logrotate's
// default is 0), and `missingok`, `notifempty`, `nocompress`, which describe what we do
// anyway. Directives go one per line (or separated by ';'); '#' starts a comment. Anything
// else is refused by name rather than ignored. Returns N.
Result<uint32_t> parseLogrotateOptions(std::string_view options);

struct StreamRotations {
  launcher::LogRotation out;
  launcher::LogRotation err;
};

// The rotation of one container: the agent's settings, overridden by its command's
// CONTAINER_LOGGER_MAX_STDOUT_SIZE, _LOGROTATE_STDOUT_OPTIONS, _MAX_STDERR_SIZE and
// _LOGROTATE_STDERR_OPTIONS. Any other CONTAINER_LOGGER_ variable, or a bad value, is an
// error (Mesos fails the launch too).
Result<StreamRotations> containerLogRotation(const LogrotateSettings& agent,
                                             const mesos::v1::CommandInfo& command);

}  // namespace mesolite::agent
