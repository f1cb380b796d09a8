// Runs inside a container in the hardening tests: tries the system calls an escaping
// task would, with harmless arguments, and prints "name=OK" or "name=<ERRNO NAME>" for
// each, so a test sees which layer (seccomp, capabilities) stopped what.
//   escape_attempts keyctl unshare_user mount ...
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

namespace {

// A child that exits at once; the parent reaps it. -1 with errno on failure.
long forked(long result) {
  if (result == 0) ::_exit(0);
  if (result > 0) ::waitpid(pid_t(result), nullptr, 0);
  return result;
}

long cloneWith(unsigned long flags) {
  return forked(::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
}

long clone3Plain() {
  uint64_t args[11] = {};
  args[4] = SIGCHLD;  // exit_signal
  return forked(::syscall(SYS_clone3, args, sizeof(args)));
}

long setnsOwnMount() {
  const int fd = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  return ::setns(fd, 0);
}

long bpfMapCreate() {
  bpf_attr attr{};
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  return ::syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

long perfEventOpen() {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.exclude_kernel = 1;
  return ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

const std::map<std::string, std::function<long()>>& attempts() {
  static const std::map<std::string, std::function<long()>> table{
      {"getpid", [] { return long(::getpid()); }},
      // The lowest fd above 2 this process holds; EBADF when none. Ask for it first:
      // other attempts may leave fds open.
      {"fd_above_2",
       [] {
         for (int fd = 3; fd < 65536; ++fd)
           if (::fcntl(fd, F_GETFD) >= 0) return long(fd);
         errno = EBADF;
         return -1L;
       }},
      {"fork", [] { return forked(::fork()); }},
      {"keyctl",
       [] { return ::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1); }},
      {"add_key",
       [] { return ::syscall(SYS_add_key, "user", "mesolite", "x", 1, KEY_SPEC_PROCESS_KEYRING); }},
      {"request_key", [] { return ::syscall(SYS_request_key, "user", "mesolite", nullptr, 0); }},
      {"unshare_user", [] { return long(::unshare(CLONE_NEWUSER)); }},
      {"unshare_mount", [] { return long(::unshare(CLONE_NEWNS)); }},
      {"unshare_net", [] { return long(::unshare(CLONE_NEWNET)); }},
      {"clone_newuser", [] { return cloneWith(CLONE_NEWUSER); }},
      {"clone_newns", [] { return cloneWith(CLONE_NEWNS); }},
      {"clone3", [] { return clone3Plain(); }},
      {"mount", [] { return long(::mount("none", "/tmp", "tmpfs", 0, nullptr)); }},
      {"umount_proc", [] { return long(::umount2("/proc", MNT_DETACH)); }},
      {"pivot_root", [] { return ::syscall(SYS_pivot_root, "/tmp", "/tmp"); }},
      {"setns", [] { return setnsOwnMount(); }},
      {"bpf", [] { return bpfMapCreate(); }},
      {"perf_event_open", [] { return perfEventOpen(); }},
      {"kexec_load", [] { return ::syscall(SYS_kexec_load, 0, 0, nullptr, 0); }},
      {"finit_module", [] { return ::syscall(SYS_finit_module, 0, "", 0); }},
      {"userfaultfd", [] { return ::syscall(SYS_userfaultfd, O_CLOEXEC); }},
      {"open_by_handle_at", [] { return ::syscall(SYS_open_by_handle_at, AT_FDCWD, nullptr, 0); }},
      {"ptrace_init", [] { return ::ptrace(PTRACE_ATTACH, 1, nullptr, nullptr); }},
      {"mknod_block",
       [] { return long(::mknod("/tmp/escape-sda", S_IFBLK | 0600, makedev(8, 0))); }},
      {"open_init_exe_write", [] { return long(::open("/proc/1/exe", O_WRONLY | O_CLOEXEC)); }},
  };
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  int unknown = 0;
  for (int i = 1; i < argc; ++i) {
    auto attempt = attempts().find(argv[i]);
    if (attempt == attempts().end()) {
      std::fprintf(stderr, "escape_attempts: unknown attempt '%s'\n", argv[i]);
      ++unknown;
      continue;
    }
    errno = 0;
    const long result = attempt->second();
    const char* name = result >= 0 ? "OK" : strerrorname_np(errno);
    std::printf("%s=%s\n", argv[i], name ? name : "?");
  }
  return unknown == 0 ? 0 : 2;
}
