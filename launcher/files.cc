#include "launcher/files.h"

#include <fcntl.h>
#include <unistd.h>

#include "launcher/fd.h"

namespace mesolite::launcher {

namespace {

std::string directoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<void> writeFileAtomically(const std::string& path, std::string_view content, bool durable) {
  // The pid in the name keeps two launchers that share a path from clobbering each
  // other's temporary file.
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  UniqueFd file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!file.valid()) return Error::fromErrno("open " + temporary);
  auto written = writeAll(file.get(), content, temporary);
  if (written && durable && ::fsync(file.get()) != 0) {
    written = Error::fromErrno("fsync " + temporary);
  }
  if (written && ::close(file.release()) != 0) written = Error::fromErrno("close " + temporary);
  if (written && ::rename(temporary.c_str(), path.c_str()) != 0) {
    written = Error::fromErrno("rename " + temporary + " to " + path);
  }
  if (!written) {
    ::unlink(temporary.c_str());
    return written;
  }
  if (durable) {
    // The rename itself is only durable once the directory is.
    const std::string directory = directoryOf(path);
    UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) return Error::fromErrno("open " + directory);
    if (::fsync(dir.get()) != 0) return Error::fromErrno("fsync " + directory);
  }
  return success();
}

Result<std::string> readSmallFile(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) return Error::fromErrno("open " + path);
  return readAll(file.get(), 1 << 20, path);
}

}  // namespace mesolite::launcher
