// Seccomp profiles as a task sees them: each filter is installed in a forked child
// (no_new_privs makes that work without root), which reports the calls that did not
// behave. Where the kernel itself would fail a call, the arguments are chosen so that it
// would fail differently (EBADF, EINVAL, ...): the errno then shows the filter answered.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>

#include "isolators/seccomp/profile.h"

namespace mesolite::isolation::seccomp {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t bit(int capability) {
  return uint64_t(1) << capability;
}

// What the child found wrong, one line per call.
class Report {
 public:
  void failsWith(const char* call, long result, int err, int expected) {
    if (result == -1 && err == expected) return;
    add(call, "expected errno " + std::to_string(expected), result, err);
  }
  void works(const char* call, long result, int err) {
    if (result != -1) return;
    add(call, "expected success", result, err);
  }
  void returns(const char* call, long result, long expected) {
    if (result == expected) return;
    lines += std::string(call) + ": expected " + std::to_string(expected) + ", got " +
             std::to_string(result) + "\n";
  }
  void add(const char* call, const std::string& expected, long result, int err) {
    lines += std::string(call) + ": " + expected + ", got " + std::to_string(result) + " (errno " +
             std::to_string(err) + ")\n";
  }
  std::string lines;
};

#define FAILS_WITH(report, expected, call)                \
  do {                                                    \
    errno = 0;                                            \
    const long result = (call);                           \
    (report).failsWith(#call, result, errno, (expected)); \
  } while (0)
#define WORKS(report, call)               \
  do {                                    \
    errno = 0;                            \
    const long result = (call);           \
    (report).works(#call, result, errno); \
  } while (0)

// Installs `program` in a child, runs `checks` there and returns the child's report.
std::string underFilter(const std::string& program, const std::function<void(Report&)>& checks) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    Report report;
    sock_fprog filter{static_cast<unsigned short>(program.size() / sizeof(sock_filter)),
                      reinterpret_cast<sock_filter*>(const_cast<char*>(program.data()))};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) {
      report.add("installing the filter", "success", -1, errno);
    } else {
      checks(report);
    }
    (void)!write(fds[1], report.lines.data(), report.lines.size());
    _exit(0);
  }
  close(fds[1]);
  std::string lines;
  char buffer[4096];
  for (ssize_t got; (got = read(fds[0], buffer, sizeof buffer)) > 0;)
    lines.append(buffer, got);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    lines += "child died: " + std::to_string(status);
  }
  return lines;
}

Profile parsed(std::string_view json) {
  auto profile = parseProfile(json, "test.json");
  EXPECT_TRUE(profile.ok()) << profile.error().message;
  return profile.ok() ? *profile : Profile{};
}

std::string compiled(const Profile& profile, uint64_t capabilities) {
  auto program = compile(profile, capabilities);
  EXPECT_TRUE(program.ok()) << program.error().message;
  return program.ok() ? *program : std::string();
}

std::string errorOf(std::string_view json) {
  auto profile = parseProfile(json, "test.json");
  return profile.ok() ? "(parsed)" : profile.error().message;
}

// A clone() into a new user namespace; a child it makes leaves at once.
long cloneIntoNewUserNamespace() {
  const long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid(pid_t(pid), nullptr, 0);
  return pid;
}

// fork + wait; the child exits 3.
long forkAndWait() {
  const pid_t pid = fork();
  if (pid == 0) _exit(3);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 3 ? 0 : -1;
}

long runShell() {
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", "echo hi | cat >/dev/null && exit 7", nullptr);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : -1;
}

long startThread() {
  pthread_t thread;
  if (pthread_create(
          &thread, nullptr, [](void*) -> void* { return nullptr; }, nullptr) != 0) {
    return -1;
  }
  return pthread_join(thread, nullptr) == 0 ? 0 : -1;
}

long writeDevNull() {
  const int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const long written = write(fd, "x", 1);
  close(fd);
  return written == 1 ? 0 : -1;
}

TEST(SeccompDefaultProfile, DeniesAdministrationToAnUnprivilegedTask) {
  const Profile profile = parsed(defaultProfileJson());
  const std::string program = compiled(profile, 0);
  ASSERT_FALSE(program.empty());
  EXPECT_EQ(program.size() % sizeof(sock_filter), 0u);
  EXPECT_EQ(
      underFilter(program,
                  [](Report& r) {
                    FAILS_WITH(r, EPERM, syscall(SYS_keyctl, 0xffff, 0, 0, 0, 0));
                    FAILS_WITH(r, EPERM, syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0));
                    FAILS_WITH(r, EPERM, unshare(CLONE_NEWUSER));
                    FAILS_WITH(r, EPERM,
                               mount(nullptr, "/nonexistent/mesolite", nullptr, MS_BIND, nullptr));
                    FAILS_WITH(r, EPERM, umount2("/nonexistent/mesolite", 0));
                    FAILS_WITH(r, EPERM, syscall(SYS_bpf, -1, nullptr, 0));
                    FAILS_WITH(r, EPERM, syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0));
                    FAILS_WITH(r, EPERM, syscall(SYS_kexec_load, 0, 0, nullptr, 0xdead0000UL));
                    FAILS_WITH(r, EPERM, setns(-1, 0));
                    FAILS_WITH(r, EPERM, syscall(SYS_userfaultfd, 0));
                    FAILS_WITH(r, EPERM, syscall(SYS_ptrace, 0xdead, 0, 0, 0));
                    FAILS_WITH(r, EPERM,
                               syscall(SYS_process_vm_readv, getpid(), nullptr, 0, nullptr, 0, 0));
                    FAILS_WITH(r, EPERM, syscall(SYS_clock_settime, CLOCK_REALTIME, nullptr));
                    FAILS_WITH(r, EPERM, syscall(SYS_personality, 0x0400000));  // READ_IMPLIES_EXEC
                    FAILS_WITH(r, EPERM, socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
                    FAILS_WITH(r, ENOSYS, syscall(SYS_clone3, nullptr, 0));
                    FAILS_WITH(r, EPERM, cloneIntoNewUserNamespace());
                  }),
      "");
}

TEST(SeccompDefaultProfile, LetsOrdinaryProgramsRun) {
  const std::string program = compiled(parsed(defaultProfileJson()), 0);
  EXPECT_EQ(underFilter(program,
                        [](Report& r) {
                          WORKS(r, getpid());
                          WORKS(r, syscall(SYS_getppid));
                          WORKS(r, forkAndWait());
                          WORKS(r,
                                startThread());  // clone3 answers ENOSYS, glibc falls back to clone
                          WORKS(r, writeDevNull());
                          WORKS(r, runShell());
                          WORKS(r, syscall(SYS_personality, 0xffffffffUL));
                          WORKS(r, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
                          WORKS(r, usleep(1000));
                        }),
            "");
}

TEST(SeccompDefaultProfile, CapSysAdminOpensNamespacesButNeverKeysOrKexec) {
  const Profile profile = parsed(defaultProfileJson());
  EXPECT_EQ(underFilter(compiled(profile, bit(CAP_SYS_ADMIN)),
                        [](Report& r) {
                          WORKS(r, unshare(0));
                          FAILS_WITH(r, EBADF, setns(-1, 0));
                          FAILS_WITH(r, EINVAL, syscall(SYS_clone3, nullptr, 0));
                          FAILS_WITH(r, EPERM, syscall(SYS_keyctl, 0xffff, 0, 0, 0, 0));
                          FAILS_WITH(r, EPERM,
                                     syscall(SYS_kexec_load, 0, 0, nullptr, 0xdead0000UL));
                          WORKS(r, forkAndWait());
                        }),
            "");
}

TEST(SeccompDefaultProfile, OnlyMentionedCapabilitiesChangeTheProgram) {
  const Profile profile = parsed(defaultProfileJson());
  const uint64_t mentioned = mentionedCapabilities(profile);
  EXPECT_NE(mentioned & bit(CAP_SYS_ADMIN), 0u);
  EXPECT_NE(mentioned & bit(CAP_SYS_PTRACE), 0u);
  EXPECT_EQ(mentioned & bit(CAP_CHOWN), 0u);
  EXPECT_EQ(compiled(profile, bit(CAP_CHOWN) | bit(CAP_KILL)), compiled(profile, 0));
  EXPECT_NE(compiled(profile, bit(CAP_SYS_ADMIN)), compiled(profile, 0));
}

TEST(SeccompProfile, IncludesNeedEveryCapabilityExcludesAny) {
  const Profile profile = parsed(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
       "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
       "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}}
    ]})");
  EXPECT_EQ(mentionedCapabilities(profile), bit(CAP_SYS_ADMIN) | bit(CAP_NET_ADMIN));
  auto getppidFailsWith = [](int expected) {
    return [expected](Report& r) { FAILS_WITH(r, expected, syscall(SYS_getppid)); };
  };
  EXPECT_EQ(underFilter(compiled(profile, 0), getppidFailsWith(22)), "");
  EXPECT_EQ(underFilter(compiled(profile, bit(CAP_NET_ADMIN)), getppidFailsWith(22)), "");
  EXPECT_EQ(
      underFilter(compiled(profile, bit(CAP_SYS_ADMIN) | bit(CAP_NET_ADMIN)), getppidFailsWith(33)),
      "");
  EXPECT_EQ(underFilter(compiled(profile, bit(CAP_SYS_ADMIN)),
                        [](Report& r) { WORKS(r, syscall(SYS_getppid)); }),
            "");
}

TEST(SeccompProfile, ArgumentChecksAndOnDifferentArgumentsOrOnTheSame) {
  const Profile profile = parsed(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"name": "getpriority", "action": "SCMP_ACT_ERRNO", "errnoRet": 11,
       "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"},
                {"index": 1, "value": 65280, "valueTwo": 4608, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
       "args": [{"index": 0, "value": 18, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 63, "op": "SCMP_CMP_EQ"}]}
    ]})");
  EXPECT_EQ(underFilter(compiled(profile, 0),
                        [](Report& r) {
                          FAILS_WITH(r, 11, syscall(SYS_getpriority, 2, 0x1234));
                          WORKS(r, syscall(SYS_getpriority, 2, 0));
                          WORKS(r, syscall(SYS_getpriority, 0, 0));
                          FAILS_WITH(r, 13, syscall(SYS_umask, 022));
                          FAILS_WITH(r, 13, syscall(SYS_umask, 077));
                          WORKS(r, syscall(SYS_umask, 027));
                        }),
            "");
}

#if defined(__x86_64__)
// A 32-bit syscall from this 64-bit process: seccomp sees AUDIT_ARCH_I386.
long int80(long number, long first = 0, long second = 0) {
  long result;
  asm volatile("int $0x80"
               : "=a"(result)
               : "a"(number), "b"(first), "c"(second)
               : "memory", "r8", "r9", "r10", "r11");
  return result;
}
constexpr long kGetpid32 = 20, kKeyctl32 = 288, kClone3_32 = 435;

bool kernelRuns32BitCalls() {
  const pid_t pid = fork();
  if (pid == 0) _exit(int80(kGetpid32) == getpid() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(SeccompProfile, X86CallsGetTheSameRulesOrTheDefault) {
  if (!kernelRuns32BitCalls()) GTEST_SKIP() << "no IA-32 emulation in this kernel";
  EXPECT_EQ(underFilter(compiled(parsed(defaultProfileJson()), 0),
                        [](Report& r) {
                          r.returns("int80(getpid)", int80(kGetpid32), getpid());
                          r.returns("int80(keyctl)", int80(kKeyctl32, 0xffff), -EPERM);
                          r.returns("int80(clone3)", int80(kClone3_32), -ENOSYS);
                        }),
            "");
  // An ABI the profile does not list: a deny-list cannot be bypassed through it (ENOSYS)...
  const Profile denyList = parsed(R"({"defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO"}]})");
  EXPECT_EQ(underFilter(compiled(denyList, 0),
                        [](Report& r) {
                          r.returns("int80(getpid)", int80(kGetpid32), -ENOSYS);
                          WORKS(r, getpid());
                        }),
            "");
  // ... and an allow-list's default answers there.
  const Profile allowList = parsed(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13,
    "syscalls": [{"names": ["getpid", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]})");
  EXPECT_EQ(underFilter(compiled(allowList, 0),
                        [](Report& r) {
                          r.returns("int80(getpid)", int80(kGetpid32), -EACCES);
                          WORKS(r, getpid());
                        }),
            "");
}
#endif

TEST(SeccompProfile, ErrorsNameTheOriginAndTheCulprit) {
  EXPECT_THAT(errorOf(R"({"defaultAction": })"),
              HasSubstr("test.json: invalid JSON: parse error at line 1, column 19"));
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                        {"names": ["getpid"], "action": "SCMP_ACT_FOO"}]})"),
            "test.json: syscalls[0].action: unknown action 'SCMP_ACT_FOO'");
  EXPECT_EQ(errorOf(R"({"defaultActon": "SCMP_ACT_ERRNO"})"),
            "test.json: unknown key 'defaultActon'");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                        {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
                        {"nmes": ["getpid"], "action": "SCMP_ACT_ALLOW"}]})"),
            "test.json: syscalls[1]: unknown key 'nmes'");
  EXPECT_THAT(errorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                          {"names": ["getpid", "no_such_call"], "action": "SCMP_ACT_ERRNO"}]})"),
              HasSubstr("test.json: syscalls[0].names[1]: unknown syscall 'no_such_call'"));
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                        {"names": ["umask"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]})"),
            "test.json: syscalls[0].args[0].op: unknown operator 'SCMP_CMP_FOO'");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                        {"names": ["umask"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})"),
            "test.json: syscalls[0].args[0].index: 6 is not an argument index (0-5)");
}

TEST(SeccompProfile, RefusesWhatItWouldOtherwiseMisread) {
  EXPECT_EQ(errorOf(R"({"syscalls": []})"), "test.json: defaultAction: missing");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultAction": "SCMP_ACT_ALLOW"})"),
            "test.json: duplicate key 'defaultAction'");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                        {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]})"),
            "test.json: syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                        {"names": ["getpid"], "action": "SCMP_ACT_ALLOW",
                         "includes": {"caps": ["CAP_SYS_ADMN"]}}]})"),
            "test.json: syscalls[0].includes.caps[0]: unknown capability 'CAP_SYS_ADMN'");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                        {"names": ["umask"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})"),
            "test.json: syscalls[0].args[0].value: expected an unsigned integer, got number");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"],
                        "archMap": []})"),
            "test.json: both 'architectures' and 'archMap'; use one");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/agent.sock"})"),
            "test.json: listenerPath: seccomp notify agents are not supported");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                        {"name": "getpid", "names": ["getppid"], "action": "SCMP_ACT_ALLOW"}]})"),
            "test.json: syscalls[0]: both 'name' and 'names'; use 'names'");
}

TEST(SeccompProfile, SkipsUnknownSyscallsOnlyWherePermitted) {
  const Profile profile = parsed(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["getpid", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["no_such_call"], "action": "SCMP_ACT_LOG"},
      {"names": ["s390_runtime_instr"], "action": "SCMP_ACT_KILL",
       "includes": {"arches": ["s390x"]}}]})");
  ASSERT_EQ(profile.rules.size(), 1u);
  EXPECT_EQ(profile.rules[0].syscalls, std::vector<std::string>{"getpid"});
  EXPECT_TRUE(compile(profile, 0).ok());
}

}  // namespace
}  // namespace mesolite::isolation::seccomp
