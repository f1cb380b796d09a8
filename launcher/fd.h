// Small fd helpers for the launcher: an owning fd and loops that survive EINTR and
// short reads/writes. Kept here (not in common/) because the launcher links nothing
// but the standard library and launch_request.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace mesolite::launcher {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// pipe2(O_CLOEXEC); `what` names the pipe in the error.
Result<Pipe> makePipe(const char* what);

// Writes all of `data`; `what` names the destination in the error.
Result<void> writeAll(int fd, std::string_view data, const std::string& what);

// Reads until EOF, at most `limit` bytes (more is an error).
Result<std::string> readAll(int fd, size_t limit, const std::string& what);

}  // namespace mesolite::launcher
