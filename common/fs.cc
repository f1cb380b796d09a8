#include "common/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mesolite::fs {

namespace {

// Closes the fd when the scope ends.
struct Fd {
  int fd;
  explicit Fd(int value) : fd(value) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

Result<void> writeAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::fromErrno("write " + path);
    done += size_t(n);
  }
  return success();
}

}  // namespace

Result<std::string> readFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return Error::fromErrno("open " + path);
  std::string contents;
  char buffer[8192];
  for (;;) {
    ssize_t n = read(fd.fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::fromErrno("read " + path);
    if (n == 0) break;
    contents.append(buffer, size_t(n));
  }
  return contents;
}

Result<void> writeFileAtomically(const std::string& path, const std::string& contents) {
  const std::string temp = path + ".tmp";
  {
    Fd fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.fd < 0) return Error::fromErrno("open " + temp);
    if (auto written = writeAll(fd.fd, contents, temp); !written) return written;
    if (fsync(fd.fd) != 0) return Error::fromErrno("fsync " + temp);
  }
  if (rename(temp.c_str(), path.c_str()) != 0) return Error::fromErrno("rename to " + path);
  const size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash);
  Fd dir(open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.fd >= 0) fsync(dir.fd);  // best effort: the rename is already visible
  return success();
}

Result<void> makeDirectories(const std::string& path, unsigned mode) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return Error::fromErrno("mkdir " + prefix);
    }
    if (slash == std::string::npos) break;
  }
  return success();
}

}  // namespace mesolite::fs
