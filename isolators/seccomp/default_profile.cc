// The built-in seccomp profile, in Docker's format: everything not listed fails with
// EPERM. It is at least as strict as Docker's default: the same capability-gated
// groups, and in addition keyctl/add_key/request_key, userfaultfd, kexec_* and io_uring
// are never allowed; name_to_handle_at, adjtimex, ptrace and the cross-process calls
// need the capability that makes them meaningful; socket() refuses AF_VSOCK.
#include "isolators/seccomp/profile.h"

namespace mesolite::isolation::seccomp {

namespace {

constexpr std::string_view kDefaultProfile = R"json({
  "comment": "Mesolite's default: an allow-list; anything else answers EPERM.",
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    {"architecture": "SCMP_ARCH_MIPS64",
     "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"]},
    {"architecture": "SCMP_ARCH_MIPSEL64",
     "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"]},
    {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]},
    {"architecture": "SCMP_ARCH_PPC64LE", "subArchitectures": []},
    {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": []}
  ],
  "syscalls": [
    {
      "comment": "Processes: lifetime, identity, limits, self-configuration.",
      "names": [
        "execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4", "waitid",
        "waitpid", "getpid", "getppid", "gettid", "getpgid", "getpgrp", "getsid", "setpgid",
        "setsid", "kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal",
        "process_mrelease", "restart_syscall", "set_tid_address", "set_robust_list",
        "get_robust_list", "rseq", "membarrier", "prctl", "capget", "capset", "seccomp",
        "getcpu", "uname", "sysinfo", "getrandom", "getrusage", "times", "getpriority",
        "setpriority", "getrlimit", "setrlimit", "ugetrlimit", "prlimit64", "umask"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Credentials (the kernel checks CAP_SETUID/CAP_SETGID for changes).",
      "names": [
        "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
        "setfsuid", "setfsgid", "getuid32", "geteuid32", "getgid32", "getegid32",
        "getresuid32", "getresgid32", "getgroups32", "setuid32", "setgid32", "setreuid32",
        "setregid32", "setresuid32", "setresgid32", "setgroups32", "setfsuid32", "setfsgid32"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Signals and interval timers.",
      "names": [
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
        "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
        "sigaltstack", "signalfd", "signalfd4", "sigreturn", "sigprocmask", "pause", "alarm",
        "getitimer", "setitimer"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Memory of the process itself.",
      "names": [
        "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
        "mlock", "mlock2", "mlockall", "munlock", "munlockall", "memfd_create", "memfd_secret",
        "remap_file_pages", "pkey_alloc", "pkey_free", "pkey_mprotect", "map_shadow_stack",
        "mseal"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Threads, futexes and scheduling of the task's own threads.",
      "names": [
        "futex", "futex_time64", "futex_waitv", "futex_wait", "futex_wake", "futex_requeue",
        "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getattr",
        "sched_setattr", "sched_getparam", "sched_setparam", "sched_getscheduler",
        "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
        "sched_rr_get_interval", "sched_rr_get_interval_time64", "set_thread_area",
        "get_thread_area", "ioprio_get", "ioprio_set"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Clocks (reading only), sleeping and timers.",
      "names": [
        "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
        "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "gettimeofday", "time",
        "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
        "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
        "timerfd_gettime64", "timerfd_settime", "timerfd_settime64"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "File descriptors: open, read, write, sync, stat.",
      "names": [
        "open", "openat", "openat2", "creat", "close", "close_range", "read", "readv",
        "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2",
        "lseek", "_llseek", "dup", "dup2", "dup3", "fcntl", "fcntl64", "ioctl", "flock",
        "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "fallocate", "fadvise64",
        "fadvise64_64", "readahead", "truncate", "truncate64", "ftruncate", "ftruncate64",
        "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range", "stat",
        "stat64", "lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat", "statx",
        "statfs", "statfs64", "fstatfs", "fstatfs64", "access", "faccessat", "faccessat2",
        "cachestat", "statmount", "listmount"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Directories, links, ownership, modes, times and extended attributes.",
      "names": [
        "chdir", "fchdir", "getcwd", "getdents", "getdents64", "mkdir", "mkdirat", "rmdir",
        "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink",
        "unlinkat", "readlink", "readlinkat", "mknod", "mknodat", "chmod", "fchmod",
        "fchmodat", "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat",
        "lchown", "lchown32", "utime", "utimes", "utimensat", "utimensat_time64", "futimesat",
        "getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr",
        "fsetxattr", "setxattrat", "listxattr", "llistxattr", "flistxattr", "listxattrat",
        "removexattr", "lremovexattr", "fremovexattr", "removexattrat"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Waiting for events: poll, select, epoll, eventfd, inotify, pipes.",
      "names": [
        "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait",
        "epoll_wait_old", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "inotify_init",
        "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark", "pipe",
        "pipe2"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Linux AIO. io_uring stays out: a large attack surface seccomp cannot see into.",
      "names": [
        "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
        "io_pgetevents_time64"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Sockets once made (socket() is the next rule); socketcall: x86's multiplexer.",
      "names": [
        "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname",
        "getpeername", "getsockopt", "setsockopt", "send", "sendto", "sendmsg", "sendmmsg",
        "recv", "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64", "shutdown", "socketcall"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "socket() in any address family but AF_VSOCK (40), which reaches the hypervisor.",
      "names": ["socket"],
      "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]
    },
    {
      "comment": "System V and POSIX IPC, private to the task's IPC namespace.",
      "names": [
        "ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl", "mq_open",
        "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_notify", "mq_getsetattr"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "Sandboxing a task applies to itself.",
      "names": ["landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "comment": "personality(): Linux, with UNAME26 and/or 32-bit addresses; 0xffffffff asks.",
      "names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]
    },
    {
      "names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]
    },
    {
      "names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 131072, "op": "SCMP_CMP_EQ"}]
    },
    {
      "names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 131080, "op": "SCMP_CMP_EQ"}]
    },
    {
      "names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]
    },
    {
      "comment": "x86: thread pointer, shadow stack and LDT setup that libc and runtimes do.",
      "names": ["arch_prctl", "uretprobe"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["amd64", "x32"]}
    },
    {
      "names": ["modify_ldt"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["amd64", "x32", "x86"]}
    },
    {
      "comment": "Architecture-specific variants of ordinary calls.",
      "names": [
        "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
        "cacheflush", "set_tls"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["arm", "arm64"]}
    },
    {
      "names": ["sync_file_range2", "swapcontext"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["ppc64le"]}
    },
    {
      "names": ["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["s390", "s390x"]}
    },
    {
      "names": ["riscv_flush_icache", "riscv_hwprobe"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["riscv64"]}
    },
    {
      "comment": "fork and threads: clone() without CLONE_NEW{NS,CGROUP,UTS,IPC,USER,PID,NET}.",
      "names": ["clone"],
      "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
      "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}
    },
    {
      "comment": "s390 passes clone()'s flags second.",
      "names": ["clone"],
      "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 1, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
      "includes": {"arches": ["s390", "s390x"]},
      "excludes": {"caps": ["CAP_SYS_ADMIN"]}
    },
    {
      "comment": "clone3() hides its flags in memory: ENOSYS makes libc fall back to clone().",
      "names": ["clone3"],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 38,
      "excludes": {"caps": ["CAP_SYS_ADMIN"]}
    },
    {
      "comment": "Namespaces, mounts, BPF, perf and other administration: CAP_SYS_ADMIN only.",
      "names": [
        "clone", "clone3", "unshare", "setns", "mount", "umount", "umount2", "pivot_root",
        "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
        "bpf", "perf_event_open", "fanotify_init", "lookup_dcookie", "quotactl", "quotactl_fd",
        "name_to_handle_at", "sethostname", "setdomainname", "lsm_get_self_attr",
        "lsm_set_self_attr", "lsm_list_modules"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_ADMIN"]}
    },
    {
      "comment": "Opening files by handle bypasses path checks: CAP_DAC_READ_SEARCH only.",
      "names": ["open_by_handle_at"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_DAC_READ_SEARCH"]}
    },
    {
      "comment": "Inspecting or changing other processes: CAP_SYS_PTRACE only.",
      "names": [
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        "process_madvise"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_PTRACE"]}
    },
    {
      "comment": "Setting the clocks: CAP_SYS_TIME only.",
      "names": [
        "settimeofday", "stime", "clock_settime", "clock_settime64", "adjtimex",
        "clock_adjtime", "clock_adjtime64"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_TIME"]}
    },
    {
      "comment": "reboot() ends only the task's PID namespace; kexec (the host's kernel) never.",
      "names": ["reboot"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_BOOT"]}
    },
    {
      "names": ["init_module", "finit_module", "delete_module"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_MODULE"]}
    },
    {
      "names": ["chroot"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_CHROOT"]}
    },
    {
      "names": ["acct"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_PACCT"]}
    },
    {
      "names": ["iopl", "ioperm"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_RAWIO"]}
    },
    {
      "names": ["syslog"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYSLOG"]}
    },
    {
      "names": ["vhangup"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_TTY_CONFIG"]}
    },
    {
      "comment": "NUMA placement: CAP_SYS_NICE only.",
      "names": ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_NICE"]}
    }
  ]
})json";

}  // namespace

std::string_view defaultProfileJson() {
  return kDefaultProfile;
}

}  // namespace mesolite::isolation::seccomp
