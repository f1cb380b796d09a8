#include "launcher/log_rotation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace mesolite::launcher {

namespace {

// Static: the supervisor lives as long as its task, and a buffer on the heap or the
// stack costs the same pages; 16 KiB keeps a flood cheap without bloating it.
char buffer[16 << 10];

}  // namespace

Result<RotatingLog> RotatingLog::open(const std::string& path, LogRotation rotation) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 == path.size()) {
    return Error("log file '" + path + "' is not an absolute file path");
  }
  RotatingLog log;
  log.path_ = path;
  log.name_ = path.substr(slash + 1);
  log.rotation_ = rotation;
  const std::string directory = slash == 0 ? "/" : path.substr(0, slash);
  log.directory_.reset(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!log.directory_.valid()) return Error::fromErrno("open " + directory);
  // O_NONBLOCK: a FIFO planted there must not hang us; it fails the regular-file check.
  log.file_.reset(::openat(log.directory_.get(), log.name_.c_str(),
                           O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
                           0644));
  if (!log.file_.valid()) return Error::fromErrno("open " + path);
  struct stat status;
  if (::fstat(log.file_.get(), &status) != 0) return Error::fromErrno("fstat " + path);
  if (!S_ISREG(status.st_mode)) return Error(path + " is not a regular file");
  log.size_ = uint64_t(status.st_size);
  return log;
}

Result<void> RotatingLog::createLeading() {
  // O_EXCL: whatever the task put under the name meanwhile is unlinked, never opened.
  for (int attempt = 0; attempt < 2; ++attempt) {
    file_.reset(::openat(directory_.get(), name_.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (file_.valid()) {
      size_ = 0;
      return success();
    }
    if (errno != EEXIST) break;
    if (::unlinkat(directory_.get(), name_.c_str(), 0) != 0 && errno != ENOENT) {
      return Error::fromErrno("unlink " + path_);
    }
  }
  return Error::fromErrno("create " + path_);
}

Result<void> RotatingLog::rotate() {
  file_.reset();
  auto numbered = [this](uint32_t n) { return name_ + "." + std::to_string(n); };
  // The oldest goes by being renamed over. Failures here (a task may have put a
  // directory under one of the names) cost a rotated file, never the cap.
  for (uint32_t n = rotation_.keep; n > 1; --n) {
    ::renameat(directory_.get(), numbered(n - 1).c_str(), directory_.get(), numbered(n).c_str());
  }
  const bool kept = rotation_.keep > 0 && ::renameat(directory_.get(), name_.c_str(),
                                                     directory_.get(), numbered(1).c_str()) == 0;
  if (!kept && ::unlinkat(directory_.get(), name_.c_str(), 0) != 0 && errno != ENOENT) {
    return Error::fromErrno("unlink " + path_ + " to rotate it");
  }
  return createLeading();
}

void RotatingLog::append(const char* data, size_t size) {
  while (size > 0 && !failed_) {
    Result<void> ready = success();
    if (size_ >= rotation_.maxSize || !file_.valid()) ready = rotate();
    ssize_t written = -1;
    if (ready) {
      const size_t room = size_t(std::min<uint64_t>(size, rotation_.maxSize - size_));
      do {
        written = ::write(file_.get(), data, room);
      } while (written < 0 && errno == EINTR);
      if (written < 0) ready = Error::fromErrno("write " + path_);
    }
    if (!ready) {
      failed_ = true;
      std::fprintf(stderr, "mesos-containerizer: dropping the task's output from now on: %s\n",
                   ready.error().message.c_str());
      return;
    }
    size_ += uint64_t(written);
    data += written;
    size -= size_t(written);
  }
}

bool copyToLog(LogPipe& pipe, std::optional<size_t> upTo) {
  size_t left = upTo.value_or(sizeof(buffer));
  while (pipe.pipe.valid() && left > 0) {
    const ssize_t n = ::read(pipe.pipe.get(), buffer, std::min(left, sizeof(buffer)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {  // EOF: every writer is gone; or an error no retry mends
      pipe.pipe.reset();
      break;
    }
    if (pipe.log) pipe.log->append(buffer, size_t(n));
    left -= size_t(n);
    if (!upTo) break;
  }
  return pipe.pipe.valid();
}

}  // namespace mesolite::launcher
