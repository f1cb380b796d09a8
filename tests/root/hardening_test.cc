// Attacks on the default isolation, from inside a task, each able to fail: if a layer
// (seccomp, capabilities, no_new_privs, the filesystem view, the init, the sealed
// launcher) were removed, the escape it stops would succeed and its test would say so.
// Root only; runs on this host and in the pure cgroup v2 VM (tests/vm).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/standalone_agent.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::StandaloneAgent;

// Docker's default capabilities (0xa80425fb) without NET_RAW (bit 13).
constexpr const char* kDefaultCapabilities = "00000000a80405fb";

std::map<std::string, std::string> statusFields(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    fields[line.substr(0, colon)] = value;
  }
  return fields;
}

struct TaskRun {
  json end;
  std::string out;
  std::string err;
};

class Hardening : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() == 0) agent_ = std::make_unique<StandaloneAgent>();
  }
  static void TearDownTestSuite() { agent_.reset(); }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates cgroups and namespaces";
    ASSERT_TRUE(agent_->ok()) << agent_->startError();
  }

  static std::string nextId() { return "attack-" + std::to_string(++count_); }

  // Runs `command` in a new container of the default isolation until it ends.
  static TaskRun run(const std::string& command, const json& container = nullptr,
                     const std::string& user = "", StandaloneAgent* agent = nullptr) {
    agent = agent ? agent : agent_.get();
    const std::string id = nextId();
    auto launched = agent->launch(id, command, "cpus:0.1;mem:64", container, user);
    EXPECT_EQ(launched.status, 200) << launched.body;
    TaskRun result{agent->wait(id), agent->out(id), agent->err(id)};
    return result;
  }

  // Runs tests/root/escape_attempts with `attempts` in a new container. The binary is
  // copied into the sandbox once the container exists: the build directory itself may
  // be hidden from tasks (under /tmp, or under the agent's own directories).
  static TaskRun runEscapeAttempts(const std::string& attempts) {
    const std::string id = nextId();
    auto launched =
        agent_->launch(id,
                       "i=0; while [ ! -x ./escape_attempts ] && [ $i -lt 1000 ]; do sleep 0.01; "
                       "i=$((i+1)); done; exec ./escape_attempts " +
                           attempts,
                       "cpus:0.1;mem:64");
    EXPECT_EQ(launched.status, 200) << launched.body;
    const std::string target = agent_->sandbox(id) + "/escape_attempts";
    std::filesystem::copy_file(std::getenv("MESOLITE_ESCAPE_ATTEMPTS"), target + ".part");
    std::filesystem::rename(target + ".part", target);
    return TaskRun{agent_->wait(id), agent_->out(id), agent_->err(id)};
  }

  static std::unique_ptr<StandaloneAgent> agent_;
  static int count_;
};

std::unique_ptr<StandaloneAgent> Hardening::agent_;
int Hardening::count_ = 0;

TEST_F(Hardening, RootTaskShowsTheHardenedDefaultsInProcStatus) {
  TaskRun task = run("cat /proc/self/status");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  auto fields = statusFields(task.out);
  EXPECT_EQ(fields["CapEff"], kDefaultCapabilities) << task.out;
  EXPECT_EQ(fields["CapPrm"], kDefaultCapabilities);
  EXPECT_EQ(fields["CapBnd"], kDefaultCapabilities);
  EXPECT_EQ(fields["CapInh"], "0000000000000000");
  EXPECT_EQ(fields["CapAmb"], "0000000000000000");
  EXPECT_EQ(fields["NoNewPrivs"], "1");
  EXPECT_EQ(fields["Seccomp"], "2");
}

TEST_F(Hardening, OtherUsersHoldNoCapabilities) {
  TaskRun task = run("cat /proc/self/status", nullptr, "nobody");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  auto fields = statusFields(task.out);
  EXPECT_EQ(fields["CapEff"], "0000000000000000") << task.out;
  EXPECT_EQ(fields["CapPrm"], "0000000000000000");
  EXPECT_EQ(fields["CapBnd"], kDefaultCapabilities);
  EXPECT_EQ(fields["NoNewPrivs"], "1");
  EXPECT_EQ(fields["Seccomp"], "2");
}

TEST_F(Hardening, AskedCapabilitiesStayWithinTheBoundingSet) {
  json bindOnly = {
      {"type", "MESOS"},
      {"linux_info", {{"effective_capabilities", {{"capabilities", {"NET_BIND_SERVICE"}}}}}}};
  TaskRun nobody = run("cat /proc/self/status", bindOnly, "nobody");
  auto fields = statusFields(nobody.out);
  EXPECT_EQ(fields["CapEff"], "0000000000000400") << nobody.out << nobody.end.dump();
  EXPECT_EQ(fields["CapAmb"], "0000000000000400");
  EXPECT_EQ(fields["CapBnd"], "0000000000000400");

  json chownOnly = {{"type", "MESOS"},
                    {"linux_info",
                     {{"effective_capabilities", {{"capabilities", {"CHOWN"}}}},
                      {"bounding_capabilities", {{"capabilities", {"CHOWN", "KILL"}}}}}}};
  TaskRun root = run("cat /proc/self/status", chownOnly);
  fields = statusFields(root.out);
  EXPECT_EQ(fields["CapEff"], "0000000000000001") << root.out << root.end.dump();
  EXPECT_EQ(fields["CapBnd"], "0000000000000021");

  json admin = {{"type", "MESOS"},
                {"linux_info", {{"effective_capabilities", {{"capabilities", {"SYS_ADMIN"}}}}}}};
  auto refused = agent_->launch(nextId(), "true", "cpus:0.1;mem:32", admin);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("SYS_ADMIN"));
  EXPECT_THAT(refused.body, HasSubstr("--bounding_capabilities"));
}

TEST_F(Hardening, DangerousSystemCallsAreRefused) {
  TaskRun task = runEscapeAttempts(
      "getpid fork keyctl add_key request_key unshare_user unshare_mount unshare_net "
      "clone_newuser clone_newns clone3 mount umount_proc pivot_root setns bpf "
      "perf_event_open kexec_load finit_module userfaultfd open_by_handle_at "
      "ptrace_init mknod_block open_init_exe_write");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  EXPECT_THAT(task.out, HasSubstr("getpid=OK\n"));
  EXPECT_THAT(task.out, HasSubstr("fork=OK\n"));
  for (const char* name : {"keyctl",        "add_key",           "request_key",   "unshare_user",
                           "unshare_mount", "unshare_net",       "clone_newuser", "clone_newns",
                           "mount",         "umount_proc",       "pivot_root",    "setns",
                           "bpf",           "perf_event_open",   "kexec_load",    "finit_module",
                           "userfaultfd",   "open_by_handle_at", "ptrace_init",   "mknod_block"}) {
    EXPECT_THAT(task.out, HasSubstr(std::string(name) + "=EPERM\n")) << task.out;
  }
  // clone3 answers ENOSYS so that libc falls back to clone, whose flags the filter sees.
  EXPECT_THAT(task.out, HasSubstr("clone3=ENOSYS\n"));
  EXPECT_THAT(task.out, Not(HasSubstr("open_init_exe_write=OK"))) << task.out;
}

TEST_F(Hardening, ToolsOfEscapeFail) {
  TaskRun task =
      run("unshare -U true 2>/dev/null; echo unshare_user=$?; "
          "unshare -m true 2>/dev/null; echo unshare_mount=$?; "
          "unshare -p -f true 2>/dev/null; echo unshare_pid=$?; "
          "mount -t tmpfs none /mnt 2>/dev/null; echo mount=$?; "
          "umount -l /proc 2>/dev/null; echo umount_proc=$?; "
          "nsenter --mount=/proc/1/ns/mnt true 2>/dev/null; echo nsenter=$?; "
          "dmesg >/dev/null 2>&1; echo dmesg=$?; "
          "ls /proc | grep -c '^[0-9]'");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  for (const char* name : {"unshare_user", "unshare_mount", "unshare_pid", "mount", "umount_proc",
                           "nsenter", "dmesg"}) {
    EXPECT_THAT(task.out, Not(HasSubstr(std::string(name) + "=0\n"))) << task.out;
  }
  // Still the container's own /proc: init, sh, ls, grep.
  std::smatch match;
  ASSERT_TRUE(std::regex_search(task.out, match, std::regex(R"((\d+)\n$)"))) << task.out;
  EXPECT_LE(std::stoi(match[1]), 5) << task.out;
}

TEST_F(Hardening, KernelFilesAreMaskedOrReadOnly) {
  TaskRun task =
      run("echo kcore=$(head -c 16 /proc/kcore 2>/dev/null | wc -c); "
          "echo keys=$(cat /proc/keys 2>/dev/null | wc -c); "
          "echo 1 > /proc/sys/vm/drop_caches 2>/dev/null; echo proc_sys=$?; "
          "echo h > /proc/sysrq-trigger 2>/dev/null; echo sysrq=$?; "
          "echo x > /sys/kernel/uevent_helper 2>/dev/null; echo sys=$?");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  EXPECT_THAT(task.out, HasSubstr("kcore=0\n"));
  EXPECT_THAT(task.out, HasSubstr("keys=0\n"));
  for (const char* name : {"proc_sys", "sysrq", "sys"}) {
    EXPECT_THAT(task.out, Not(HasSubstr(std::string(name) + "=0\n"))) << task.out;
  }
}

TEST_F(Hardening, HostSecretsAreMasked) {
  TaskRun task = run("cat /etc/shadow /etc/gshadow 2>&1; echo root=$(ls -A /root | wc -l)");
  EXPECT_THAT(task.out, Not(HasSubstr("root:"))) << task.out;
  EXPECT_THAT(task.out, HasSubstr("root=0\n"));
}

TEST_F(Hardening, HostRootIsReadOnlyAndNothingAppearsOnTheHost) {
  const std::string mark = "mesolite-escape-" + std::to_string(getpid());
  TaskRun task =
      run("for d in /etc /usr /var/tmp /opt /; do touch $d/" + mark +
          " 2>/dev/null; echo \"$d=$?\"; done; "
          "touch /tmp/" +
          mark +
          " && echo tmp=ok; "
          "touch $MESOS_SANDBOX/in-sandbox && echo sandbox=ok; echo $MESOS_SANDBOX; pwd");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  for (const char* dir : {"/etc", "/usr", "/var/tmp", "/opt", "/"}) {
    EXPECT_THAT(task.out, Not(HasSubstr(std::string(dir) + "=0\n"))) << task.out;
    EXPECT_FALSE(std::filesystem::exists(std::string(dir) + "/" + mark)) << dir;
  }
  EXPECT_THAT(task.out, HasSubstr("tmp=ok\n"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/" + mark)) << "the task's /tmp is its own";
  EXPECT_THAT(task.out, HasSubstr("sandbox=ok\n/mnt/mesos/sandbox\n"));
  EXPECT_TRUE(
      std::filesystem::exists(agent_->sandbox("attack-" + std::to_string(count_)) + "/in-sandbox"));
}

TEST_F(Hardening, OtherSandboxesTheAgentAndItsStateAreInvisible) {
  const std::string victim = nextId();
  ASSERT_EQ(agent_->launch(victim, "echo hunter2 > private.key; sleep 60").status, 200);
  const std::string key = agent_->sandbox(victim) + "/private.key";
  for (int i = 0; i < 200 && !std::filesystem::exists(key); ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(std::filesystem::exists(key));

  TaskRun thief = run("cat " + key + " 2>/dev/null; echo seen=$(ls -A " + agent_->workDir() +
                      "/containers | tr '\\n' ' '); ls -A " + agent_->runtimeDir() +
                      " 2>/dev/null; cat /proc/" + std::to_string(agent_->pid()) +
                      "/environ 2>/dev/null; kill -0 " + std::to_string(agent_->pid()) +
                      " 2>/dev/null; echo kill=$?");
  EXPECT_THAT(thief.out, Not(HasSubstr("hunter2"))) << thief.out;
  // Of the agent's work directory the task sees its own sandbox's path alone.
  EXPECT_THAT(thief.out, HasSubstr("seen=attack-" + std::to_string(count_) + "\n")) << thief.out;
  EXPECT_THAT(thief.out, Not(HasSubstr("MESOS"))) << thief.out;
  EXPECT_THAT(thief.out, Not(HasSubstr("kill=0"))) << thief.out;
  agent_->kill(victim, SIGKILL);
  agent_->wait(victim);
}

TEST_F(Hardening, CgroupLimitsAndMembershipCannotBeChanged) {
  TaskRun task = run(
      "p=$(grep -E ':memory:|^0::' /proc/self/cgroup | head -1 | cut -d: -f3); "
      "if [ -d /sys/fs/cgroup/memory ]; then "
      "  f=/sys/fs/cgroup/memory$p/memory.limit_in_bytes; "
      "procs=/sys/fs/cgroup/memory/cgroup.procs; "
      "else f=/sys/fs/cgroup$p/memory.max; procs=/sys/fs/cgroup/cgroup.procs; fi; "
      "echo 99999999999 > $f 2>/dev/null; echo raise=$?; "
      "echo $$ > $procs 2>/dev/null; echo move=$?; "
      "echo /bin/true > /sys/fs/cgroup/memory/release_agent 2>/dev/null; echo release_agent=$?; "
      "echo 1 > /sys/fs/cgroup/memory/notify_on_release 2>/dev/null; echo notify=$?");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  for (const char* name : {"raise", "move", "release_agent", "notify"}) {
    EXPECT_THAT(task.out, Not(HasSubstr(std::string(name) + "=0\n"))) << task.out;
  }
}

TEST_F(Hardening, NoFdAboveTwoReachesTheTask) {
  // Checked by a program the task execs (a shell's own pipes would blur a listing).
  TaskRun task = runEscapeAttempts("fd_above_2");
  EXPECT_THAT(task.out, HasSubstr("fd_above_2=EBADF\n")) << task.out << task.err;
}

TEST_F(Hardening, TheLauncherRunsFromASealedCopy) {
  const std::string id = nextId();
  ASSERT_EQ(agent_->launch(id, "sleep 60").status, 200);
  pid_t supervisor = 0;
  for (int i = 0; i < 200 && (supervisor = agent_->supervisorPid(id)) <= 0; ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_GT(supervisor, 0);
  const std::string exe = "/proc/" + std::to_string(supervisor) + "/exe";
  EXPECT_THAT(std::filesystem::read_symlink(exe).string(), HasSubstr("memfd:mesos-containerizer"));
  const int writable = ::open(exe.c_str(), O_WRONLY | O_CLOEXEC);
  EXPECT_LT(writable, 0) << "the launcher's binary opened for writing";
  if (writable >= 0) ::close(writable);
  const int readable = ::open(exe.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(readable, 0);
  EXPECT_TRUE(::fcntl(readable, F_GET_SEALS) & F_SEAL_WRITE);
  ::close(readable);
  agent_->kill(id, SIGKILL);
  agent_->wait(id);
}

TEST_F(Hardening, SigtermEndsASleepAtOnceThroughTheInit) {
  const std::string id = nextId();
  ASSERT_EQ(agent_->launch(id, "exec sleep 1000").status, 200);
  for (int i = 0;
       i < 200 && !std::filesystem::exists(agent_->runtimeDir() + "/containers/" + id + "/pid");
       ++i)
    std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(100ms);  // let the task reach its exec
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(agent_->kill(id, SIGTERM).status, 200);
  json end = agent_->wait(id, 10s);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 2s) << "SIGTERM to a sleep must not wait for anything";
  ASSERT_TRUE(end.contains("exit_status")) << end.dump();
  EXPECT_TRUE(WIFSIGNALED(end["exit_status"].get<int>())) << end.dump();
  EXPECT_EQ(WTERMSIG(end["exit_status"].get<int>()), SIGTERM) << end.dump();
}

TEST_F(Hardening, TheInitIsPidOneAndTheTaskItsChild) {
  TaskRun task = run("echo pid=$$; cat /proc/1/cmdline | tr '\\0' ' '; echo");
  EXPECT_THAT(task.out, HasSubstr("pid=2\n")) << task.out;
}

TEST_F(Hardening, AnExecFailureIsALaunchFailure) {
  const std::string id = nextId();
  json launch = {{"container_id", {{"value", id}}},
                 {"command", {{"shell", false}, {"value", "/nonexistent/program"}}}};
  auto response = agent_->call({{"type", "LAUNCH_CONTAINER"}, {"launch_container", launch}});
  ASSERT_EQ(response.status, 200) << response.body;
  json end = agent_->wait(id);
  EXPECT_EQ(end["state"], "TASK_FAILED") << end.dump();
  EXPECT_EQ(end["reason"], "REASON_CONTAINER_LAUNCH_FAILED") << end.dump();
  EXPECT_THAT(end.value("message", ""), HasSubstr("cannot exec '/nonexistent/program'"));
}

TEST_F(Hardening, UnconfinedSeccompIsRefusedUnlessTheOperatorAllowsIt) {
  json unconfined = {{"type", "MESOS"}, {"linux_info", {{"seccomp", {{"unconfined", true}}}}}};
  auto refused = agent_->launch(nextId(), "true", "cpus:0.1;mem:32", unconfined);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("--seccomp_allow_unconfined"));

  StandaloneAgent permissive({"--seccomp_allow_unconfined"});
  ASSERT_TRUE(permissive.ok()) << permissive.startError();
  TaskRun task = run("grep Seccomp: /proc/self/status", unconfined, "", &permissive);
  EXPECT_THAT(task.out, HasSubstr("Seccomp:\t0")) << task.out << task.end.dump();
}

TEST_F(Hardening, FieldsNoIsolatorHonoursAreRefused) {
  json sharing = {{"type", "MESOS"}, {"linux_info", {{"share_pid_namespace", true}}}};
  auto refused = agent_->launch(nextId(), "true", "cpus:0.1;mem:32", sharing);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("share_pid_namespace"));
  EXPECT_THAT(refused.body, HasSubstr("is not supported"));

  // The operator's explicit refusal is named when given.
  StandaloneAgent strict(
      {"--disallow_sharing_agent_pid_namespace", "--disallow_sharing_agent_ipc_namespace"});
  ASSERT_TRUE(strict.ok()) << strict.startError();
  refused = strict.launch(nextId(), "true", "cpus:0.1;mem:32", sharing);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("--disallow_sharing_agent_pid_namespace"));
  json ipc = {{"type", "MESOS"}, {"linux_info", {{"ipc_mode", "SHARE_PARENT"}}}};
  refused = strict.launch(nextId(), "true", "cpus:0.1;mem:32", ipc);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("--disallow_sharing_agent_ipc_namespace"));

  json docker = {{"type", "DOCKER"}, {"docker", {{"image", "alpine"}}}};
  refused = agent_->launch(nextId(), "true", "cpus:0.1;mem:32", docker);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("no Docker containerizer"));
}

TEST_F(Hardening, MesosphereConfigurationsStartTheAgent) {
  StandaloneAgent dockerBesideMesos({"--containerizers=docker,mesos"});
  ASSERT_TRUE(dockerBesideMesos.ok()) << dockerBesideMesos.startError();
  EXPECT_THAT(dockerBesideMesos.startError(), HasSubstr("docker containerizer is not built"));

  StandaloneAgent posixFilesystem({"--isolation=cgroups/cpu,cgroups/mem,filesystem/posix"});
  EXPECT_TRUE(posixFilesystem.ok()) << posixFilesystem.startError();
  StandaloneAgent both({"--isolation=filesystem/posix,filesystem/linux"});
  EXPECT_FALSE(both.ok());
  EXPECT_THAT(both.startError(), HasSubstr("exclude each other"));
}

TEST_F(Hardening, BadProfilesAndCapabilityFlagsStopTheAgent) {
  const std::string dir = agent_->directory() + "/profiles";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/broken.json") << R"({"defaultAction": "SCMP_ACT_NOPE", "syscalls": []})";
  StandaloneAgent badProfile({"--seccomp_config_dir=" + dir});
  EXPECT_FALSE(badProfile.ok());
  EXPECT_THAT(badProfile.startError(), HasSubstr("broken.json"));

  StandaloneAgent badCapability({R"(--effective_capabilities={"capabilities":["ALL_OF_THEM"]})"});
  EXPECT_FALSE(badCapability.ok());
  EXPECT_THAT(badCapability.startError(), HasSubstr("--effective_capabilities"));
}

TEST_F(Hardening, ForkAndMemoryBombsLeaveTheAgentAnswering) {
  const std::string forks = nextId(), memory = nextId();
  ASSERT_EQ(agent_->launch(forks, "b() { b | b & }; b", "cpus:0.1;mem:64").status, 200);
  ASSERT_EQ(
      agent_->launch(memory, "while :; do s=\"$s$s$s$s$s$s$s$s\"x; done", "cpus:0.1;mem:64").status,
      200);
  auto slowest = std::chrono::milliseconds(0);
  const auto until = std::chrono::steady_clock::now() + 5s;
  for (int i = 0; i < 50 && std::chrono::steady_clock::now() < until; ++i) {
    const auto start = std::chrono::steady_clock::now();
    http::Request health{.method = "GET", .path = "/health"};
    auto answer = http::fetch(agent_->endpoint(), health, {.timeout = 5s});
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(answer) << answer.error().message;
    EXPECT_EQ(answer->status, 200);
    slowest = std::max(slowest, took);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_LT(slowest, 1s) << "the agent's /health took " << slowest.count() << " ms";
  agent_->kill(forks, SIGKILL);
  agent_->kill(memory, SIGKILL);
  agent_->wait(forks);
  agent_->wait(memory);
}

// A cgroup v1 freezer of the test's own: a task frozen there cannot die, even of a
// SIGKILL, until it is thawed -- as a task stuck in uninterruptible sleep on a dead
// NFS server. Thawed, emptied and removed when the test ends, however it ends.
class StuckTasks {
 public:
  StuckTasks() : dir_("/sys/fs/cgroup/freezer/mesolite-stuck-" + std::to_string(getpid())) {
    std::filesystem::create_directory(dir_);
  }
  ~StuckTasks() {
    thaw();
    std::ifstream procs(dir_ + "/cgroup.procs");
    for (pid_t pid; procs >> pid;)
      std::ofstream("/sys/fs/cgroup/freezer/cgroup.procs") << pid;
    for (int i = 0; i < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(10ms);
  }
  bool freeze(pid_t pid) {
    std::ofstream(dir_ + "/cgroup.procs") << pid;
    std::ofstream(dir_ + "/freezer.state") << "FROZEN";
    for (int i = 0; i < 200; ++i) {
      std::ifstream state(dir_ + "/freezer.state");
      std::string value;
      state >> value;
      if (value == "FROZEN") return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  void thaw() { std::ofstream(dir_ + "/freezer.state") << "THAWED"; }

 private:
  std::string dir_;
};

// A process that cannot die holds up its own container's teardown (its cgroups cannot
// be removed) and nothing else: the agent answers, and other containers start and end.
// Without a pid namespace the launcher ends as soon as its command has, so the stuck
// process is left to the cgroup teardown, which must run off the agent's loop.
TEST_F(Hardening, AProcessThatCannotDieDelaysOnlyItsOwnContainer) {
  if (!std::filesystem::exists("/sys/fs/cgroup/freezer/cgroup.procs")) {
    GTEST_SKIP() << "needs a cgroup v1 freezer to hold a process that cannot die (a task "
                    "frozen by cgroup v2 still dies of SIGKILL)";
  }
  StandaloneAgent agent({"--isolation=cgroups/cpu,cgroups/mem,cgroups/pids"});
  ASSERT_TRUE(agent.ok()) << agent.startError();
  ASSERT_EQ(agent.launch("stuck", "sleep 1000 & wait").status, 200);
  const std::string procs = "/sys/fs/cgroup/memory/" + agent.cgroupsRoot() + "/stuck/cgroup.procs";
  pid_t sleeper = -1;
  for (int i = 0; i < 500 && sleeper < 0; ++i) {
    std::ifstream list(procs);
    for (pid_t pid; list >> pid;) {
      std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
      std::string name;
      comm >> name;
      if (name == "sleep") sleeper = pid;
    }
    if (sleeper < 0) std::this_thread::sleep_for(10ms);
  }
  ASSERT_GT(sleeper, 0) << "no sleep in " << procs;
  StuckTasks stuck;
  ASSERT_TRUE(stuck.freeze(sleeper));
  ASSERT_EQ(agent.kill("stuck", SIGKILL).status, 200);

  // Its teardown now waits for a process that cannot die; meanwhile the agent answers
  // at once and another container runs from start to end.
  auto slowest = std::chrono::milliseconds(0);
  for (int i = 0; i < 10; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto answer = http::fetch(agent.endpoint(), http::Request{.method = "GET", .path = "/health"},
                              {.timeout = 5s});
    ASSERT_TRUE(answer) << answer.error().message;
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start));
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_LT(slowest, 1s) << "the agent's /health took " << slowest.count() << " ms";
  ASSERT_EQ(agent.launch("bystander", "echo fine").status, 200);
  EXPECT_EQ(agent.wait("bystander", 5s)["state"], "TASK_FINISHED");
  EXPECT_EQ(agent.out("bystander"), "fine\n");
  // The stuck container has not ended: its waiters are still waiting.
  EXPECT_TRUE(agent.wait("stuck", 500ms).contains("error")) << "it ended while a process lived";

  stuck.thaw();  // the pending SIGKILL takes it
  EXPECT_EQ(agent.wait("stuck", 15s)["state"], "TASK_KILLED");
}

}  // namespace
}  // namespace mesolite
