#include "launcher/seccomp.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher/fd.h"

namespace mesolite::launcher {

Result<std::string> readSeccompFilter(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::fromErrno("open seccomp filter " + path);
  auto program = readAll(fd.get(), BPF_MAXINSNS * sizeof(sock_filter), "seccomp filter " + path);
  if (!program) return program.error();
  if (program->empty() || program->size() % sizeof(sock_filter) != 0) {
    return Error("seccomp filter " + path + ": " + std::to_string(program->size()) +
                 " bytes is not a whole number of BPF instructions");
  }
  return program;
}

Result<void> installSeccompFilter(const std::string& program) {
  sock_fprog filter{static_cast<unsigned short>(program.size() / sizeof(sock_filter)),
                    reinterpret_cast<sock_filter*>(const_cast<char*>(program.data()))};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) {
    return Error::fromErrno("seccomp(SECCOMP_SET_MODE_FILTER, " + std::to_string(filter.len) +
                            " instructions)");
  }
  return success();
}

}  // namespace mesolite::launcher
