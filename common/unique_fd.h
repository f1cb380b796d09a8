// An owning file descriptor: closed once, on destruction or reset. Header-only and
// standard-library-only so that the launcher, which links nothing else, can use it.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace mesolite {

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
    if (fd_ >= 0) {
      // Callers read errno after a failed call whose fd is closed on the way out.
      const int savedErrno = errno;
      ::close(fd_);
      errno = savedErrno;
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace mesolite
