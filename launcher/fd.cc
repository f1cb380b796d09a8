#include "launcher/fd.h"

#include <fcntl.h>

namespace mesolite::launcher {

Result<Pipe> makePipe(const char* what) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Error::fromErrno(std::string("pipe2 (") + what + ")");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> writeAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::fromErrno("write " + what);
    }
    data.remove_prefix(size_t(n));
  }
  return success();
}

Result<std::string> readAll(int fd, size_t limit, const std::string& what) {
  std::string data;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::fromErrno("read " + what);
    }
    if (n == 0) return data;
    if (data.size() + size_t(n) > limit) {
      return Error("read " + what + ": more than " + std::to_string(limit) + " bytes");
    }
    data.append(buffer, size_t(n));
  }
}

}  // namespace mesolite::launcher
