// mesos-containerizer for real: processes, namespaces and cgroups on this host, as
// root. The binary comes from env MESOLITE_CONTAINERIZER (set by meson test).

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "launcher/fd.h"
#include "launcher/launch_request.h"

namespace mesolite::launcher {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr uint64_t kContainerNamespaces = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

// Polls `done` every millisecond up to `timeout`.
template <typename Done>
bool eventually(Done done, milliseconds timeout = milliseconds(10000)) {
  const auto deadline = steady_clock::now() + timeout;
  while (!done()) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const fs::path& parent = fs::temp_directory_path()) {
    std::string pattern = (parent / "mesolite-launcher-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A cgroup the test makes; on the way out its processes are SIGKILLed (by pid) and
// it is removed.
class TempCgroup {
 public:
  explicit TempCgroup(std::string path) : path_(std::move(path)) {
    if (::mkdir(path_.c_str(), 0755) != 0) {
      throw std::runtime_error("mkdir " + path_ + ": " + std::strerror(errno));
    }
  }
  ~TempCgroup() {
    eventually([&] {
      const auto pids = lines(readFile(procs()));
      for (const std::string& pid : pids)
        ::kill(pid_t(std::stol(pid)), SIGKILL);
      return pids.empty();
    });
    eventually([&] { return ::rmdir(path_.c_str()) == 0 || errno == ENOENT; });
  }
  TempCgroup(const TempCgroup&) = delete;
  TempCgroup& operator=(const TempCgroup&) = delete;
  const std::string& path() const { return path_; }
  std::string procs() const { return path_ + "/cgroup.procs"; }
  std::string name() const { return fs::path(path_).filename().string(); }

 private:
  std::string path_;
};

std::string testCgroupName() {
  return "mesolite-launcher-test-" + std::to_string(::getpid());
}

// The cgroup2 mount: /sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on a v2 one.
std::optional<std::string> cgroup2Mount() {
  for (const char* path : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs info;
    if (::statfs(path, &info) == 0 && info.f_type == 0x63677270 /* CGROUP2_SUPER_MAGIC */) {
      return std::string(path);
    }
  }
  return std::nullopt;
}

bool v1Memory() {
  struct statfs info;
  return ::statfs("/sys/fs/cgroup/memory", &info) == 0 &&
         info.f_type == 0x27e0eb /* CGROUP_SUPER_MAGIC */;
}

// Makes clone3 fail with ENOSYS, as on kernels before 5.3 and under container runtimes
// whose seccomp profiles predate it. False where we do not know the syscall's number.
bool refuseClone3() {
#if defined(__x86_64__)
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {sizeof(filter) / sizeof(filter[0]), filter};
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
#else
  return false;
#endif
}

// SIGKILLs a process the test knows by pid (not its child) on the way out.
struct KillOnExit {
  pid_t pid = -1;
  ~KillOnExit() {
    if (pid > 0) ::kill(pid, SIGKILL);
  }
};

// A running mesos-containerizer with its request on fd 3. The destructor ends what the
// test left running, by pid: the task (SIGKILL; its pid from the pid file), then the
// launcher.
class Launcher {
 public:
  // `request` empty: no fd 3 at all.
  explicit Launcher(const std::optional<std::string>& request, const std::string& stderrFile,
                    std::vector<std::string> args = {"launch"}, bool withoutClone3 = false) {
    const char* binary = std::getenv("MESOLITE_CONTAINERIZER");
    if (binary == nullptr) throw std::runtime_error("MESOLITE_CONTAINERIZER is not set");
    std::vector<std::string> argv = {binary};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> argp;
    for (std::string& arg : argv)
      argp.push_back(arg.data());
    argp.push_back(nullptr);

    int fds[2] = {-1, -1};
    if (request && ::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    UniqueFd read(fds[0]);
    UniqueFd write(fds[1]);
    UniqueFd err(::open(stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(err.get(), 2);
      if (request) {
        // dup2 clears O_CLOEXEC, unless the pipe already is fd 3.
        if (read.get() == 3) ::fcntl(3, F_SETFD, 0);
        ::dup2(read.get(), 3);
      } else {
        ::close(3);
      }
      if (withoutClone3 && !refuseClone3()) ::_exit(125);
      ::execv(argp[0], argp.data());
      ::_exit(126);
    }
    if (request) {
      read.reset();
      // Small requests fit in the pipe.
      [[maybe_unused]] ssize_t n = ::write(write.get(), request->data(), request->size());
    }
  }
  ~Launcher() {
    if (status_ || pid_ <= 0) return;
    if (taskPid_ <= 0 && !pidFile_.empty()) {
      const std::string text = readFile(pidFile_);
      if (!text.empty()) taskPid_ = pid_t(std::stol(text));
    }
    if (taskPid_ > 0 && running()) ::kill(taskPid_, SIGKILL);
    if (!wait(milliseconds(5000))) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  pid_t pid() const { return pid_; }
  // The task to kill on the way out, or where to find its pid.
  void setTaskPid(pid_t pid) { taskPid_ = pid; }
  void setPidFile(const std::string& path) { pidFile_ = path; }

  // The launcher's wait status, or nullopt on timeout.
  std::optional<int> wait(milliseconds timeout = milliseconds(30000)) {
    if (status_) return status_;
    eventually(
        [&] {
          int status;
          if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
          return status_.has_value();
        },
        timeout);
    return status_;
  }
  bool running() {
    int status;
    if (status_) return false;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return !status_;
  }

 private:
  pid_t pid_ = -1;
  pid_t taskPid_ = -1;
  std::string pidFile_;
  std::optional<int> status_;
};

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, cgroups, setuid)";
    if (std::getenv("MESOLITE_CONTAINERIZER") == nullptr) {
      GTEST_SKIP() << "MESOLITE_CONTAINERIZER is not set (run through meson test)";
    }
    request.containerId = "test";
    request.environment = {"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"};
    request.workingDirectory = dir.path();
    request.stdoutPath = dir / "stdout";
    request.stderrPath = dir / "stderr";
    request.pidPath = dir / "pid";
    request.terminationPath = dir / "termination";
  }

  void shell(const std::string& script) { request.argv = {"sh", "-c", script}; }

  std::unique_ptr<Launcher> start(bool withoutClone3 = false) {
    auto launcher = std::make_unique<Launcher>(request.encode(), dir / "launcher.stderr",
                                               std::vector<std::string>{"launch"}, withoutClone3);
    launcher->setPidFile(request.pidPath);
    return launcher;
  }

  // Runs the request to completion; the launcher must exit 0 and leave a termination.
  Termination run(bool withoutClone3 = false) {
    auto launcher = start(withoutClone3);
    const auto status = launcher->wait();
    EXPECT_TRUE(status.has_value()) << "the launcher did not exit in time";
    if (status) {
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          << "launcher status " << *status << ", stderr: " << launcherStderr();
    }
    return termination();
  }

  Termination termination() {
    auto decoded = Termination::decode(readFile(request.terminationPath));
    EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
    return decoded.ok() ? *decoded : Termination();
  }

  pid_t waitForTaskPid(Launcher& launcher) {
    pid_t pid = -1;
    EXPECT_TRUE(eventually([&] {
      const std::string text = readFile(request.pidPath);
      if (text.empty()) return false;
      pid = pid_t(std::stol(text));
      return true;
    })) << "no pid file; launcher stderr: "
        << launcherStderr();
    launcher.setTaskPid(pid);
    return pid;
  }

  std::string out() { return readFile(request.stdoutPath); }
  std::string err() { return readFile(request.stderrPath); }
  std::string launcherStderr() { return readFile(dir / "launcher.stderr"); }

  TempDir dir;
  LaunchRequest request;
};

TEST_F(LauncherTest, RecordsExitCode) {
  shell("exit 3");
  const Termination termination = run();
  ASSERT_TRUE(termination.waitStatus.has_value()) << termination.message;
  EXPECT_TRUE(WIFEXITED(*termination.waitStatus));
  EXPECT_EQ(WEXITSTATUS(*termination.waitStatus), 3);
  EXPECT_EQ(termination.oomKills, 0u);
  EXPECT_EQ(termination.message, "");
  EXPECT_NEAR(termination.timestamp, double(::time(nullptr)), 60);
  // The pid file is written atomically: nothing but the number.
  const std::string pid = readFile(request.pidPath);
  EXPECT_FALSE(pid.empty());
  EXPECT_EQ(pid.find_first_not_of("0123456789\n"), std::string::npos) << pid;
  // No temporary file left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path()))
    ++files;
  EXPECT_EQ(files, 5u);  // stdout, stderr, pid, termination, launcher.stderr
}

TEST_F(LauncherTest, RecordsSignal) {
  shell("kill -KILL $$");
  const Termination termination = run();
  ASSERT_TRUE(termination.waitStatus.has_value()) << termination.message;
  EXPECT_TRUE(WIFSIGNALED(*termination.waitStatus));
  EXPECT_EQ(WTERMSIG(*termination.waitStatus), SIGKILL);
  EXPECT_EQ(termination.oomKills, 0u);
}

TEST_F(LauncherTest, PidNamespaceMakesTheTaskInit) {
  request.namespaces = CLONE_NEWPID | CLONE_NEWNS;
  shell("echo $$; ls /proc");
  const Termination termination = run();
  ASSERT_TRUE(termination.waitStatus.has_value()) << termination.message;
  EXPECT_EQ(*termination.waitStatus, 0) << err();
  const auto output = lines(out());
  ASSERT_FALSE(output.empty());
  EXPECT_EQ(output[0], "1");
  std::set<std::string> pids;
  for (size_t i = 1; i < output.size(); ++i) {
    if (output[i].find_first_not_of("0123456789") == std::string::npos) pids.insert(output[i]);
  }
  // sh is 1; ls is 2 unless sh execs it directly.
  EXPECT_FALSE(pids.empty());
  for (const std::string& pid : pids)
    EXPECT_TRUE(pid == "1" || pid == "2") << pid;
  // The host's /proc is untouched.
  EXPECT_TRUE(fs::exists("/proc/" + std::to_string(::getpid())));
}

TEST_F(LauncherTest, UtsNamespaceSetsHostname) {
  request.namespaces = CLONE_NEWUTS;
  request.hostname = "mesolite-task";
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  shell("uname -n");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  EXPECT_EQ(out(), "mesolite-task\n");
  char after[256] = {};
  ::gethostname(after, sizeof(after) - 1);
  EXPECT_STREQ(host, after);
}

TEST_F(LauncherTest, NetNamespaceHasOnlyLoopbackUp) {
  request.namespaces = CLONE_NEWNET;
  const bool haveIp = fs::exists("/usr/sbin/ip") || fs::exists("/sbin/ip") ||
                      fs::exists("/usr/bin/ip") || fs::exists("/bin/ip");
  // /proc/net/dev is the reader's namespace even with the host's /proc.
  shell(haveIp ? "ip -o link" : "tail -n +3 /proc/net/dev");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  const auto links = lines(out());
  ASSERT_EQ(links.size(), 1u) << out();
  if (haveIp) {
    EXPECT_NE(links[0].find("lo:"), std::string::npos) << links[0];
    EXPECT_NE(links[0].find(",UP"), std::string::npos) << links[0];
  } else {
    EXPECT_NE(links[0].find("lo:"), std::string::npos) << links[0];
  }
}

TEST_F(LauncherTest, AppliesRlimits) {
  request.rlimits = {RLimit{RLIMIT_NOFILE, 64, 64}, RLimit{RLIMIT_CORE, 0, 0}};
  shell("ulimit -n; ulimit -c");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  EXPECT_EQ(out(), "64\n0\n");
}

TEST_F(LauncherTest, StdoutAndStderrAppendToTheirFiles) {
  writeFile(request.stdoutPath, "before\n");
  shell("echo to-out; echo to-err >&2; read line || echo stdin-empty");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message;
  EXPECT_EQ(out(), "before\nto-out\nstdin-empty\n");
  EXPECT_EQ(err(), "to-err\n");
  EXPECT_EQ(fs::status(request.stderrPath).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST_F(LauncherTest, EnvironmentWorkingDirectoryAndPathAreTheTasks) {
  request.environment = {"PATH=/bin:/usr/bin", "FOO=bar baz"};
  ::setenv("MESOLITE_LAUNCHER_TEST_LEAK", "1", 1);
  request.argv = {"env"};  // found on the task's PATH
  Termination termination = run();
  ::unsetenv("MESOLITE_LAUNCHER_TEST_LEAK");
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message;
  EXPECT_EQ(out(), "PATH=/bin:/usr/bin\nFOO=bar baz\n");

  fs::remove(request.stdoutPath);
  fs::remove(request.terminationPath);
  fs::create_directory(dir / "sandbox");
  request.workingDirectory = dir / "sandbox";
  request.argv = {"pwd"};
  termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message;
  EXPECT_EQ(out(), dir / "sandbox" + "\n");
}

TEST_F(LauncherTest, ClosesFdsAboveTwo) {
  // A leaked fd (no O_CLOEXEC) in the launcher's parent must not reach the task.
  UniqueFd leaked(::open("/dev/null", O_RDONLY));
  UniqueFd leakedHigh(::fcntl(leaked.get(), F_DUPFD, 100));
  request.namespaces = kContainerNamespaces;
  request.argv = {"ls", "/proc/self/fd"};
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  // 0 1 2, and 3: ls's own handle on the directory.
  EXPECT_EQ(out(), "0\n1\n2\n3\n");
}

TEST_F(LauncherTest, ExecFailureIsRecordedWithoutWaitStatus) {
  request.namespaces = kContainerNamespaces;
  request.argv = {"/nonexistent/cmd", "arg"};
  const Termination termination = run();
  EXPECT_FALSE(termination.waitStatus.has_value());
  EXPECT_NE(termination.message.find("/nonexistent/cmd"), std::string::npos) << termination.message;
  EXPECT_NE(termination.message.find("No such file"), std::string::npos) << termination.message;
}

TEST_F(LauncherTest, UnwritableStdoutIsRecordedWithoutWaitStatus) {
  request.stdoutPath = dir / "no-such-dir/stdout";
  shell("true");
  const Termination termination = run();
  EXPECT_FALSE(termination.waitStatus.has_value());
  EXPECT_NE(termination.message.find(request.stdoutPath), std::string::npos) << termination.message;
  EXPECT_NE(termination.message.find("No such file"), std::string::npos) << termination.message;
}

TEST_F(LauncherTest, SwitchesUser) {
  request.uid = 65534;
  request.gid = 65534;
  request.supplementaryGroups = {65534};
  request.namespaces = kContainerNamespaces;
  shell("id -u; id -g; id -G; cat /proc/self/status | grep -E '^Cap(Eff|Prm):'");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  const auto output = lines(out());
  ASSERT_EQ(output.size(), 5u) << out();
  EXPECT_EQ(output[0], "65534");
  EXPECT_EQ(output[1], "65534");
  EXPECT_EQ(output[2], "65534");  // root's groups are gone
  EXPECT_EQ(output[3], "CapPrm:\t0000000000000000");
  EXPECT_EQ(output[4], "CapEff:\t0000000000000000");
}

// namespaces/user: ids far from any host user's, as the agent's pool hands them out.
constexpr uint32_t kMappedRoot = 1879048192;

TEST_F(LauncherTest, UserNamespaceMakesTheTaskRootOfItsOwnIdsOnly) {
  request.namespaces = kContainerNamespaces | CLONE_NEWUSER;
  request.init = true;
  request.userNamespace = UserNamespace{kMappedRoot, kMappedRoot, 65536};
  ASSERT_EQ(::chown(dir.path().c_str(), kMappedRoot, kMappedRoot), 0);
  const std::string probe = "/etc/mesolite-userns-probe-" + std::to_string(::getpid());
  // Root of its namespace, with every capability there, yet the host's files are not
  // its own: /etc/shadow (0640 root) is unreadable with no mask in the way, and /etc
  // is not writable although no mount is read-only.
  shell(
      "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; "
      "grep CapEff /proc/self/status; "
      "cat /etc/shadow >/dev/null 2>&1 && echo read-shadow || echo no-shadow; "
      "touch " +
      probe +
      " 2>/dev/null && echo wrote-etc || echo no-etc; "
      "touch mine && chown 1000:1000 mine && echo chowned");
  const Termination termination = run();
  const bool leaked = fs::exists(probe);
  if (leaked) fs::remove(probe);
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  const auto output = lines(out());
  ASSERT_EQ(output.size(), 8u) << out() << err();
  EXPECT_EQ(output[0], "0");
  EXPECT_EQ(output[1], "0");
  EXPECT_EQ(output[2], " 0 " + std::to_string(kMappedRoot) + " 65536");
  EXPECT_EQ(output[3], " 0 " + std::to_string(kMappedRoot) + " 65536");
  EXPECT_NE(output[4], "CapEff:\t0000000000000000");  // root inside, with its capabilities
  EXPECT_EQ(output[5], "no-shadow");
  EXPECT_EQ(output[6], "no-etc");
  EXPECT_FALSE(leaked) << probe << " was created on the host";
  EXPECT_EQ(output[7], "chowned");
  struct stat mine {};
  ASSERT_EQ(::stat((dir / "mine").c_str(), &mine), 0);
  EXPECT_EQ(mine.st_uid, kMappedRoot + 1000);  // its uid 1000 is the host's root + 1000
  EXPECT_EQ(mine.st_gid, kMappedRoot + 1000);
}

bool holdsCapability(int capability) {
  for (const std::string& line : lines(readFile("/proc/self/status"))) {
    if (line.rfind("CapEff:", 0) == 0)
      return (std::stoull(line.substr(7), nullptr, 16) >> capability) & 1;
  }
  return false;
}

TEST_F(LauncherTest, UserNamespaceTaskGetsItsRlimits) {
  request.namespaces = CLONE_NEWUSER;
  request.userNamespace = UserNamespace{kMappedRoot, kMappedRoot, 65536};
  ASSERT_EQ(::chown(dir.path().c_str(), kMappedRoot, kMappedRoot), 0);
  request.rlimits = {RLimit{RLIMIT_NOFILE, 64, 64}, RLimit{RLIMIT_CORE, 0, 0}};
  shell("ulimit -n; ulimit -c");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  EXPECT_EQ(out(), "64\n0\n");
}

TEST_F(LauncherTest, UserNamespaceTaskGetsItsRlimitsRaisedFromOutside) {
  // Raising a hard limit takes CAP_SYS_RESOURCE in the host's namespace: the supervisor
  // sets them, the task only sees them.
  if (!holdsCapability(CAP_SYS_RESOURCE)) {
    GTEST_SKIP() << "this root has no CAP_SYS_RESOURCE: nothing here may raise a hard limit";
  }
  rlimit current{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &current), 0);
  const uint64_t raised = std::stoull(readFile("/proc/sys/fs/nr_open"));
  if (current.rlim_max >= raised) GTEST_SKIP() << "the hard NOFILE limit is at nr_open already";
  request.namespaces = CLONE_NEWUSER;
  request.userNamespace = UserNamespace{kMappedRoot, kMappedRoot, 65536};
  ASSERT_EQ(::chown(dir.path().c_str(), kMappedRoot, kMappedRoot), 0);
  request.rlimits = {RLimit{RLIMIT_NOFILE, 64, raised}};
  shell("ulimit -Sn; ulimit -Hn");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  EXPECT_EQ(out(), "64\n" + std::to_string(raised) + "\n");
}

TEST_F(LauncherTest, UserNamespaceTaskSwitchesToItsUserInside) {
  request.namespaces = kContainerNamespaces | CLONE_NEWUSER;
  request.init = true;
  request.userNamespace = UserNamespace{kMappedRoot, kMappedRoot, 65536};
  request.uid = 65534;
  request.gid = 65534;
  request.supplementaryGroups = {65534, 4000000};
  ASSERT_EQ(::chown(dir.path().c_str(), kMappedRoot, kMappedRoot),
            0);  // the second has no id inside: dropped
  shell("id -u; id -G; grep CapEff /proc/self/status");
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  EXPECT_EQ(out(), "65534\n65534\nCapEff:\t0000000000000000\n");
}

TEST_F(LauncherTest, AttachesToV1CgroupBeforeRunning) {
  if (!v1Memory()) GTEST_SKIP() << "no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory";
  TempCgroup cgroup("/sys/fs/cgroup/memory/" + testCgroupName());
  request.cgroupV1ProcsFiles = {cgroup.procs()};
  request.namespaces = kContainerNamespaces;
  // The task's very first action already sees its cgroup.
  shell("cat /proc/self/cgroup; echo ready > " + (dir / "ready") + "; exec sleep 30");
  auto launcher = start();
  const pid_t task = waitForTaskPid(*launcher);
  ASSERT_TRUE(eventually([&] { return !readFile(dir / "ready").empty(); })) << err();

  EXPECT_NE(out().find(":memory:/" + cgroup.name() + "\n"), std::string::npos) << out();
  EXPECT_EQ(readFile(cgroup.procs()), std::to_string(task) + "\n");  // host pid
  EXPECT_EQ(readFile("/proc/" + std::to_string(task) + "/cgroup").find(cgroup.name()) ==
                std::string::npos,
            false);
  // The supervisor stays outside: killing the container's cgroup must not kill it.
  EXPECT_EQ(readFile("/proc/" + std::to_string(launcher->pid()) + "/cgroup").find(cgroup.name()),
            std::string::npos);

  ASSERT_EQ(::kill(task, SIGKILL), 0);
  const auto status = launcher->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  const Termination recorded = termination();
  ASSERT_TRUE(recorded.waitStatus.has_value()) << recorded.message;
  EXPECT_TRUE(WIFSIGNALED(*recorded.waitStatus) && WTERMSIG(*recorded.waitStatus) == SIGKILL);
}

TEST_F(LauncherTest, CgroupNamespaceIsRootedAtTheTasksCgroup) {
  if (!v1Memory()) GTEST_SKIP() << "no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory";
  TempCgroup cgroup("/sys/fs/cgroup/memory/" + testCgroupName());
  request.cgroupV1ProcsFiles = {cgroup.procs()};
  request.namespaces = kContainerNamespaces | CLONE_NEWCGROUP;
  request.argv = {"cat", "/proc/self/cgroup"};
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  EXPECT_NE(out().find(":memory:/\n"), std::string::npos) << out();
  EXPECT_EQ(out().find(cgroup.name()), std::string::npos) << out();
}

TEST_F(LauncherTest, ClonesIntoV2Cgroup) {
  const auto mount = cgroup2Mount();
  if (!mount) GTEST_SKIP() << "no cgroup2 hierarchy mounted";
  TempCgroup cgroup(*mount + "/" + testCgroupName());
  request.cgroupV2Path = cgroup.path();
  request.namespaces = kContainerNamespaces;
  request.argv = {"cat", "/proc/self/cgroup"};
  const Termination termination = run();
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  EXPECT_NE(out().find("0::/" + cgroup.name() + "\n"), std::string::npos) << out();
}

TEST_F(LauncherTest, WithoutClone3FallsBackToCloneAndCgroupProcs) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the seccomp filter that hides clone3 knows x86_64 only";
#endif
  const auto mount = cgroup2Mount();
  if (!mount) GTEST_SKIP() << "no cgroup2 hierarchy mounted";
  TempCgroup cgroup(*mount + "/" + testCgroupName());
  request.cgroupV2Path = cgroup.path();
  request.namespaces = kContainerNamespaces;
  shell("echo $$; cat /proc/self/cgroup");
  const Termination termination = run(/*withoutClone3=*/true);
  ASSERT_EQ(termination.waitStatus, std::optional<int>(0)) << termination.message << err();
  const auto output = lines(out());
  ASSERT_GE(output.size(), 2u) << out();
  EXPECT_EQ(output[0], "1");
  EXPECT_NE(out().find("0::/" + cgroup.name() + "\n"), std::string::npos) << out();
}

TEST_F(LauncherTest, CgroupAttachFailureStopsTheTaskBeforeItRuns) {
  request.cgroupV1ProcsFiles = {dir / "no-such-cgroup/cgroup.procs"};
  request.namespaces = kContainerNamespaces;
  shell("touch " + (dir / "ran"));
  const Termination termination = run();
  EXPECT_FALSE(termination.waitStatus.has_value());
  EXPECT_NE(termination.message.find(dir / "no-such-cgroup/cgroup.procs"), std::string::npos)
      << termination.message;
  EXPECT_FALSE(fs::exists(dir / "ran"));
  EXPECT_FALSE(fs::exists(request.pidPath));
}

TEST_F(LauncherTest, OomKillIsCounted) {
  if (!v1Memory()) GTEST_SKIP() << "no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory";
  TempCgroup cgroup("/sys/fs/cgroup/memory/" + testCgroupName());
  writeFile(cgroup.path() + "/memory.limit_in_bytes", "33554432");
  ASSERT_EQ(readFile(cgroup.path() + "/memory.limit_in_bytes"), "33554432\n");
  request.cgroupV1ProcsFiles = {cgroup.procs()};
  request.oomCounterFile = cgroup.path() + "/memory.oom_control";
  request.namespaces = kContainerNamespaces;
  // The string doubles until the cgroup's 32 MB run out.
  shell("x=x; while :; do x=$x$x; done");
  const Termination termination = run();
  ASSERT_TRUE(termination.waitStatus.has_value()) << termination.message;
  EXPECT_TRUE(WIFSIGNALED(*termination.waitStatus)) << *termination.waitStatus;
  EXPECT_EQ(WTERMSIG(*termination.waitStatus), SIGKILL);
  EXPECT_GE(termination.oomKills, 1u);
}

TEST_F(LauncherTest, SupervisorSurvivesSignalsAndTaskDoesNotInheritIgnoring) {
  request.argv = {"sleep", "30"};
  auto launcher = start();
  const pid_t task = waitForTaskPid(*launcher);
  ASSERT_TRUE(eventually([&] {
    return readFile("/proc/" + std::to_string(task) + "/cmdline").rfind("sleep", 0) == 0;
  }));
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGPIPE})
    ASSERT_EQ(::kill(launcher->pid(), signal), 0);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_TRUE(launcher->running());
  EXPECT_TRUE(alive(task));
  // Its own session, and a task that can still be stopped with SIGTERM.
  EXPECT_EQ(::getsid(launcher->pid()), launcher->pid());
  EXPECT_NE(readFile("/proc/" + std::to_string(task) + "/status").find("SigIgn:\t0000000000000000"),
            std::string::npos);

  ASSERT_EQ(::kill(task, SIGTERM), 0);
  const auto status = launcher->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  const Termination recorded = termination();
  ASSERT_TRUE(recorded.waitStatus.has_value()) << recorded.message;
  EXPECT_TRUE(WIFSIGNALED(*recorded.waitStatus) && WTERMSIG(*recorded.waitStatus) == SIGTERM);
}

TEST_F(LauncherTest, ReapsOrphansAsSubreaper) {
  // No pid namespace: the double-forked sleep is reparented to the supervisor.
  shell("(sleep 30 & echo $! > " + (dir / "orphan") + "); exec sleep 30");
  auto launcher = start();
  waitForTaskPid(*launcher);
  KillOnExit orphanGuard;
  pid_t& orphan = orphanGuard.pid;
  ASSERT_TRUE(eventually([&] {
    const std::string text = readFile(dir / "orphan");
    if (text.empty() || text.back() != '\n') return false;
    orphan = pid_t(std::stol(text));
    return true;
  }));
  auto parentOf = [](pid_t pid) {
    std::istringstream stat(readFile("/proc/" + std::to_string(pid) + "/stat"));
    std::string skip;
    pid_t parent = -1;
    // pid (comm) state ppid; comm is "sleep" here, no spaces.
    stat >> skip >> skip >> skip >> parent;
    return parent;
  };
  ASSERT_TRUE(eventually([&] { return parentOf(orphan) == launcher->pid(); }))
      << "parent of " << orphan << " is " << parentOf(orphan);
  ASSERT_EQ(::kill(orphan, SIGKILL), 0);
  // Reaped by the supervisor: no zombie left.
  const bool reaped = eventually([&] { return !fs::exists("/proc/" + std::to_string(orphan)); });
  EXPECT_TRUE(reaped);
  if (reaped) orphan = -1;  // its pid may be someone else's now
  EXPECT_TRUE(launcher->running());
}

TEST_F(LauncherTest, SupervisorPrivateMemoryIsSmall) {
  request.namespaces = kContainerNamespaces;
  request.argv = {"sleep", "30"};
  auto launcher = start();
  const pid_t task = waitForTaskPid(*launcher);
  ASSERT_TRUE(eventually([&] {
    return readFile("/proc/" + std::to_string(task) + "/cmdline").rfind("sleep", 0) == 0;
  }));
  uint64_t privateKb = 0;
  std::istringstream rollup(readFile("/proc/" + std::to_string(launcher->pid()) + "/smaps_rollup"));
  for (std::string line; std::getline(rollup, line);) {
    if (line.rfind("Private_Clean:", 0) == 0 || line.rfind("Private_Dirty:", 0) == 0) {
      privateKb += std::stoull(line.substr(line.find(':') + 1));
    }
  }
  std::cout << "supervisor private memory (Private_Clean + Private_Dirty): " << privateKb << " kB"
            << std::endl;
  RecordProperty("supervisor_private_kb", std::to_string(privateKb));
  EXPECT_GT(privateKb, 0u);
  EXPECT_LT(privateKb, 1024u);
}

TEST_F(LauncherTest, RejectsBadInvocationAndBadRequests) {
  const std::string stderrFile = dir / "bad.stderr";
  auto exitsWith2 = [&](Launcher& launcher, const std::string& needle) {
    const auto status = launcher.wait();
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << *status;
    EXPECT_NE(readFile(stderrFile).find(needle), std::string::npos) << readFile(stderrFile);
  };
  {
    Launcher noFd3(std::nullopt, stderrFile);
    exitsWith2(noFd3, "fd 3");
  }
  {
    Launcher noCommand(std::string(), stderrFile, {});
    exitsWith2(noCommand, "usage");
  }
  {
    Launcher garbage(std::string("no equals sign\0", 15), stderrFile);
    exitsWith2(garbage, "no equals sign");
  }
  {
    request.argv = {"true"};
    request.namespaces = CLONE_VM | CLONE_NEWPID;
    Launcher cloneVm(request.encode(), stderrFile);
    exitsWith2(cloneVm, "unsupported namespace flags 0x100");
  }
  {
    request.namespaces = 0;
    request.hostname = "renamed-host";
    Launcher hostnameWithoutUts(request.encode(), stderrFile);
    exitsWith2(hostnameWithoutUts, "CLONE_NEWUTS");
  }
  {
    request.hostname.reset();
    request.uid = 65534;
    Launcher uidWithoutGid(request.encode(), stderrFile);
    exitsWith2(uidWithoutGid, "without a gid");
  }
  {
    request.uid.reset();
    request.namespaces = CLONE_NEWUSER;
    Launcher userNamespaceWithoutMap(request.encode(), stderrFile);
    exitsWith2(userNamespaceWithoutMap, "id map");
  }
  EXPECT_FALSE(fs::exists(request.terminationPath));
}

}  // namespace
}  // namespace mesolite::launcher
