// The supervisor's side of a rotated stdout/stderr (see LogRotation): the file it
// appends the task's output to, renamed aside before it would pass its cap.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/result.h"
#include "launcher/fd.h"
#include "launcher/launch_request.h"

namespace mesolite::launcher {

class RotatingLog {
 public:
  // Opens (creates) `path` for appending. Everything is done relative to its directory
  // and never through a symlink: the task owns the sandbox and may plant anything there,
  // while the supervisor writes as root.
  static Result<RotatingLog> open(const std::string& path, LogRotation rotation);

  // Appends all of `data`, rotating whenever the file reaches its cap, so that no file
  // grows past it. After a failure (disk full, ...) the output is dropped, said once on
  // stderr: a task must never block on its logs.
  void append(const char* data, size_t size);

  const std::string& path() const { return path_; }

 private:
  RotatingLog() = default;
  Result<void> rotate();
  Result<void> createLeading();

  UniqueFd directory_;
  UniqueFd file_;
  std::string name_;  // "stdout"
  std::string path_;
  LogRotation rotation_;
  uint64_t size_ = 0;
  bool failed_ = false;
};

// A stream of the task's output on its way to its log.
struct LogPipe {
  UniqueFd pipe;  // the read end; the task holds the write end as its fd 1 or 2
  std::optional<RotatingLog> log;
};

// Copies what is waiting in `pipe` into its log: one buffer's worth at most, or (with
// `upTo`) that many bytes. Closes the pipe at EOF. False once the pipe is closed.
bool copyToLog(LogPipe& pipe, std::optional<size_t> upTo = std::nullopt);

}  // namespace mesolite::launcher
