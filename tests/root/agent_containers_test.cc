// Standalone containers through mesos-agent's v1 operator API, as an operator would
// drive them, with real cgroups and namespaces on this host (root only).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/http_client.h"
#include "isolators/cgroups/cgroups.h"
#include "tests/support/cgroup_sweep.h"
#include "tests/support/operator_credential.h"
#include "tests/support/standalone_agent.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::Subprocess;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class AgentContainers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates cgroups and namespaces";
    char dir[] = "/tmp/mesolite-agent-XXXXXX";
    dir_ = mkdtemp(dir);
    cgroupsRoot_ = "mesolite-test-" + std::to_string(getpid());
  }

  void TearDown() override {
    agent_.reset();  // SIGKILL if still running
    // Containers outlive the agent by design: end what this test left, by cgroup.
    testing::removeCgroupTree(cgroupsRoot_);
    testing::removeTestDirectory(dir_);
  }

  void startAgent(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        std::getenv("MESOLITE_AGENT"),
        "--work_dir=" + dir_ + "/work",
        "--runtime_dir=" + dir_ + "/run",
        "--launcher_dir=" + std::string(std::getenv("MESOLITE_LAUNCHER_DIR")),
        "--ip=127.0.0.1",
        "--port=0",
        "--cgroups_root=" + cgroupsRoot_};
    operator_ = testing::makeOperatorCredential(dir_);
    argv.push_back(operator_.flag);
    argv.insert(argv.end(), extra.begin(), extra.end());
    agent_ = std::make_unique<Subprocess>(argv);
    auto line = agent_->waitForLine("agent listening on", 20s);
    ASSERT_TRUE(line) << agent_->err();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))")));
    endpoint_ = {"127.0.0.1", uint16_t(std::stoi(match[1]))};
  }

  void stopAgent() {
    auto status = agent_->stop(SIGTERM, 10s);
    ASSERT_TRUE(status);
    agent_.reset();
  }

  http::Response call(const json& body, std::chrono::milliseconds timeout = 30s) {
    http::Request request{.method = "POST", .path = "/api/v1", .body = body.dump()};
    testing::authorize(request, operator_.credential);
    request.headers["Content-Type"] = "application/json";
    auto response = http::fetch(endpoint_, request, {.timeout = timeout});
    EXPECT_TRUE(response) << response.error().message;
    return response ? *response : http::Response{.status = 0};
  }

  int launch(const std::string& id, const std::string& command, const std::string& resources,
             json container = nullptr) {
    launched_.push_back(id);
    auto response = call(testing::launchContainerCall(id, command, resources, container));
    EXPECT_TRUE(response.status == 200 || response.status == 202) << response.body;
    return response.status;
  }

  json wait(const std::string& id) {
    auto response =
        call({{"type", "WAIT_CONTAINER"}, {"wait_container", {{"container_id", {{"value", id}}}}}},
             120s);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.status == 200 ? json::parse(response.body)["wait_container"] : json();
  }

  http::Response kill(const std::string& id) {
    return call(
        {{"type", "KILL_CONTAINER"}, {"kill_container", {{"container_id", {{"value", id}}}}}});
  }

  http::Response remove(const std::string& id) {
    return call(
        {{"type", "REMOVE_CONTAINER"}, {"remove_container", {{"container_id", {{"value", id}}}}}});
  }

  json containers() {
    auto response =
        call({{"type", "GET_CONTAINERS"}, {"get_containers", {{"show_standalone", true}}}});
    return json::parse(response.body)["get_containers"].value("containers", json::array());
  }

  std::string sandbox(const std::string& id) { return dir_ + "/work/containers/" + id; }

  bool waitForFile(const std::string& path, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(path) && std::filesystem::file_size(path) > 0) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  // Dead: gone, or a zombie waiting for init to reap it (it was reparented there).
  static bool processEnds(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
      const size_t paren = stat.rfind(')');
      if (stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z")) {
        return true;
      }
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  std::string dir_;
  testing::OperatorCredential operator_;
  std::string cgroupsRoot_;
  std::vector<std::string> launched_;
  std::unique_ptr<Subprocess> agent_;
  http::Endpoint endpoint_;
};

TEST_F(AgentContainers, ExitCodeAndOutputComeBack) {
  startAgent();
  launch("exits", "echo out; echo err >&2; exit 3", "cpus:0.1;mem:32");
  json end = wait("exits");
  ASSERT_TRUE(end.contains("exit_status")) << end.dump();
  EXPECT_TRUE(WIFEXITED(end["exit_status"].get<int>()));
  EXPECT_EQ(WEXITSTATUS(end["exit_status"].get<int>()), 3);
  EXPECT_EQ(end["state"], "TASK_FAILED");
  EXPECT_EQ(readFile(sandbox("exits") + "/stdout"), "out\n");
  EXPECT_EQ(readFile(sandbox("exits") + "/stderr"), "err\n");
}

TEST_F(AgentContainers, CommandThatDoesNotStartInTimeIsKilled) {
  // No launch execs within a nanosecond: the deadline always wins.
  startAgent({"--executor_registration_timeout=1ns"});
  launch("late", "true", "cpus:0.1;mem:32");
  json end = wait("late");
  EXPECT_EQ(end["state"], "TASK_FAILED") << end.dump();
  EXPECT_EQ(end["reason"], "REASON_EXECUTOR_REGISTRATION_TIMEOUT") << end.dump();
  EXPECT_NE(end.value("message", "").find("--executor_registration_timeout"), std::string::npos);
}

TEST_F(AgentContainers, MemoryHogIsOomKilledAndWaitSaysMemoryLimitation) {
  startAgent();
  launch("hog", "python3 -c 'b=[]\nwhile True: b.append(b\"x\" * (1 << 20))'", "cpus:0.5;mem:64");
  json end = wait("hog");
  EXPECT_EQ(end["reason"], "REASON_CONTAINER_LIMITATION_MEMORY") << end.dump();
  EXPECT_EQ(end["state"], "TASK_FAILED");
  EXPECT_NE(end.value("message", "").find("64"), std::string::npos) << end.dump();
  ASSERT_TRUE(end.contains("exit_status"));
  EXPECT_TRUE(WIFSIGNALED(end["exit_status"].get<int>()));
  EXPECT_EQ(WTERMSIG(end["exit_status"].get<int>()), SIGKILL);
}

TEST_F(AgentContainers, TaskIsUnderItsInitWithItsHostname) {
  startAgent();
  launch("named", "echo pid=$$; hostname; ls /proc | grep -c '^[0-9]'", "cpus:0.1;mem:32",
         {{"type", "MESOS"}, {"hostname", "box-one"}});
  json end = wait("named");
  EXPECT_EQ(end["state"], "TASK_FINISHED") << end.dump();
  std::string out = readFile(sandbox("named") + "/stdout");
  // Pid 1 is the container's init (launcher/init.h); the task is its child.
  EXPECT_NE(out.find("pid=2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("box-one\n"), std::string::npos) << out;
  // The fresh /proc shows only the container: init, sh, ls and grep at most.
  std::smatch match;
  ASSERT_TRUE(std::regex_search(out, match, std::regex(R"(\n(\d+)\n$)"))) << out;
  EXPECT_LE(std::stoi(match[1]), 5) << out;
}

TEST_F(AgentContainers, NoneNetworkHasOnlyLoopback) {
  startAgent();
  launch("offline", "cat /proc/net/dev", "cpus:0.1;mem:32",
         {{"type", "MESOS"}, {"network_infos", {{{"name", "none"}}}}});
  json end = wait("offline");
  EXPECT_EQ(end["state"], "TASK_FINISHED") << end.dump();
  std::string out = readFile(sandbox("offline") + "/stdout");
  EXPECT_NE(out.find("lo:"), std::string::npos) << out;
  // Two header lines and lo, nothing else.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
}

TEST_F(AgentContainers, ForkBombIsContainedAndTheAgentStaysResponsive) {
  startAgent();
  launch("bomb", "f() { f | f & }; f; sleep 30", "cpus:0.5;mem:256;pids:64");
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto health = http::fetch(endpoint_, {.method = "GET", .path = "/health"}, {.timeout = 5s});
    ASSERT_TRUE(health) << health.error().message;
    EXPECT_EQ(health->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    std::this_thread::sleep_for(100ms);
  }
  json list = containers();
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_LE(list[0]["resource_statistics"].value("processes", 0), 64) << list.dump();
  EXPECT_EQ(kill("bomb").status, 200);
  json end = wait("bomb");
  EXPECT_EQ(end["state"], "TASK_KILLED") << end.dump();
}

TEST_F(AgentContainers, ConcurrentLaunchesAllRunAndTheAgentKeepsAnswering) {
  // Launches in flight together once left the agent waiting in waitpid on a supervisor
  // that still ran (a socket inherited by a launcher woke the wrong watch).
  startAgent({"--isolation=cgroups/cpu,cgroups/mem,cgroups/pids"});
  constexpr int kThreads = 8;
  constexpr int kEach = 4;
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kEach; ++i)
      launched_.push_back("c" + std::to_string(t * kEach + i));
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "c" + std::to_string(t * kEach + i);
        json launch = {
            {"container_id", {{"value", id}}},
            {"command", {{"shell", true}, {"value", "sleep 60"}}},
            {"resources", {{{"name", "mem"}, {"type", "SCALAR"}, {"scalar", {{"value", 32}}}}}}};
        auto response = call({{"type", "LAUNCH_CONTAINER"}, {"launch_container", launch}}, 20s);
        if (response.status == 200) ++accepted;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(accepted, kThreads * kEach);
  json listed = containers();
  EXPECT_EQ(listed.size(), size_t(kThreads * kEach)) << listed.dump();
  for (const std::string& id : launched_) {
    EXPECT_EQ(kill(id).status, 200) << id;
    EXPECT_EQ(wait(id)["state"], "TASK_KILLED") << id;
  }
}

TEST_F(AgentContainers, CfsQuotaHoldsABusyLoopNearHalfACpu) {
  startAgent({"--cgroups_enable_cfs"});
  launch("busy", "while :; do :; done", "cpus:0.5;mem:32");
  std::this_thread::sleep_for(500ms);
  auto cpuTime = [&] {
    json list = containers();
    if (list.empty() || !list[0].contains("resource_statistics")) return -1.0;
    const json& s = list[0]["resource_statistics"];
    return s.value("cpus_user_time_secs", 0.0) + s.value("cpus_system_time_secs", 0.0);
  };
  const double before = cpuTime();
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(3s);
  const double used = cpuTime() - before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(used / wall, 0.35) << used << " cpu-seconds in " << wall;
  EXPECT_LT(used / wall, 0.65) << used << " cpu-seconds in " << wall;

  // /monitor/statistics: Mesos's statistics, plus the OOM count and, where the
  // container has a cgroup2 directory, PSI.
  auto monitor = http::fetch(endpoint_, {.method = "GET", .path = "/monitor/statistics"});
  ASSERT_TRUE(monitor);
  json entries = json::parse(monitor->body);
  ASSERT_EQ(entries.size(), 1u) << monitor->body;
  EXPECT_EQ(entries[0]["executor_id"], "busy");
  EXPECT_GT(entries[0]["statistics"].value("cpus_user_time_secs", 0.0), 0.0) << monitor->body;
  EXPECT_EQ(entries[0]["statistics"].value("cpus_limit", 0.0), 0.5) << monitor->body;
  EXPECT_EQ(entries[0]["metrics"].value("mem_oom_kills", -1.0), 0.0) << monitor->body;
  auto hierarchy = cgroups::detect();
  ASSERT_TRUE(hierarchy);
  if (hierarchy->v2Mount && std::filesystem::exists(*hierarchy->v2Mount + "/cgroup.pressure")) {
    EXPECT_TRUE(entries[0]["metrics"].contains("cpu_pressure_some_avg10")) << monitor->body;
    EXPECT_TRUE(entries[0]["metrics"].contains("memory_pressure_full_total_usecs"))
        << monitor->body;
  }
  kill("busy");
  wait("busy");
}

// Mesos's default isolation: usage from /proc, summed over the task's process tree, and
// no limit at all (no cgroup made for the container).
TEST_F(AgentContainers, PosixCpuAndMemMeasureTheProcessTreeAndLimitNothing) {
  // namespaces/pid: without cgroups, the pid namespace is what ends the whole tree.
  startAgent({"--isolation=posix/cpu,posix/mem,namespaces/pid"});
  // A child burns cpu while its parent holds ~64 MiB of touched memory.
  launch("posix",
         "sh -c 'while :; do :; done' & "
         "exec python3 -c 'import time; b = bytearray(64 << 20); time.sleep(1000)'",
         "cpus:0.1;mem:32");
  json statistics;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    json list = containers();
    if (!list.empty() && list[0].contains("resource_statistics")) {
      statistics = list[0]["resource_statistics"];
      if (statistics.value("cpus_user_time_secs", 0.0) > 0.5 &&
          statistics.value("mem_rss_bytes", 0.0) > 64.0 * (1 << 20))
        break;
    }
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_GT(statistics.value("cpus_user_time_secs", 0.0), 0.5) << statistics.dump();
  // Over the 32 MB asked for: posix/mem does not limit.
  EXPECT_GT(statistics.value("mem_rss_bytes", 0.0), 64.0 * (1 << 20)) << statistics.dump();
  EXPECT_GE(statistics.value("processes", 0), 2) << statistics.dump();
  auto hierarchy = cgroups::detect();
  ASSERT_TRUE(hierarchy);
  for (const auto& [controller, mount] : hierarchy->v1Mounts)
    EXPECT_FALSE(std::filesystem::exists(mount + "/" + cgroupsRoot_ + "/posix")) << controller;
  // The task's processes, as the host sees them: those working in its sandbox.
  const auto inSandbox = [&] {
    std::vector<pid_t> pids;
    std::error_code error;
    const auto sandboxPath = std::filesystem::canonical(sandbox("posix"), error);
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::error_code unreadable;
      if (std::filesystem::read_symlink(entry.path() / "cwd", unreadable) == sandboxPath)
        pids.push_back(std::stoi(name));
    }
    return pids;
  };
  EXPECT_GE(inSandbox().size(), 2u);
  kill("posix");
  wait("posix");
  for (int attempt = 0; attempt < 40 && !inSandbox().empty(); ++attempt)
    std::this_thread::sleep_for(50ms);
  const std::vector<pid_t> left = inSandbox();
  EXPECT_TRUE(left.empty()) << "the task's busy child outlived its container";
  for (pid_t pid : left)
    ::kill(pid, SIGKILL);
}

// disk/du with enforcement: a sandbox that outgrows its disk resource ends the
// container with Mesos's disk reason; one within it runs on, its usage reported.
TEST_F(AgentContainers, DiskDuEndsAContainerOverItsDiskQuota) {
  startAgent({"--isolation=cgroups/cpu,cgroups/mem,disk/du",
              "--container_disk_watch_interval=100ms", "--enforce_container_disk_quota"});
  launch("within", "head -c 1048576 /dev/urandom > blob; exec sleep 1000",
         "cpus:0.1;mem:32;disk:4");
  launch("over", "head -c 8388608 /dev/urandom > blob; exec sleep 1000", "cpus:0.1;mem:32;disk:2");
  json end = wait("over");
  EXPECT_EQ(end["state"], "TASK_FAILED") << end.dump();
  EXPECT_EQ(end["reason"], "REASON_CONTAINER_LIMITATION_DISK") << end.dump();
  EXPECT_NE(end.value("message", "").find("exceeds quota (2MB)"), std::string::npos) << end.dump();

  // The 1 MiB blob counts once written and sampled (every 100ms): a slow host (a VM)
  // may still be writing when "over" has already ended.
  json statistics;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    for (const json& container : containers())
      if (container["container_id"]["value"] == "within")
        statistics = container["resource_statistics"];
    if (statistics.value("disk_used_bytes", 0.0) >= 1.0 * (1 << 20)) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(statistics.value("disk_limit_bytes", 0.0), 4.0 * (1 << 20)) << statistics.dump();
  EXPECT_GE(statistics.value("disk_used_bytes", 0.0), 1.0 * (1 << 20)) << statistics.dump();
  EXPECT_EQ(kill("within").status, 200);
  EXPECT_EQ(wait("within")["state"], "TASK_KILLED");
}

TEST_F(AgentContainers, KillEndsADoubleForkedDaemonAndRemoveLeavesNothing) {
  // Without a pid namespace the daemon truly escapes its parent: only the cgroup holds it.
  startAgent({"--isolation=cgroups/cpu,cgroups/mem,cgroups/pids"});
  launch("daemon",
         "sh -c 'setsid sh -c \"echo \\$\\$ > daemon.pid; exec sleep 1000\" &'; exec sleep 1000",
         "cpus:0.1;mem:32");
  ASSERT_TRUE(waitForFile(sandbox("daemon") + "/daemon.pid", 10s));
  const pid_t daemon = std::stoi(readFile(sandbox("daemon") + "/daemon.pid"));
  ASSERT_EQ(::kill(daemon, 0), 0) << "the daemon should be running";

  EXPECT_EQ(kill("daemon").status, 200);
  json end = wait("daemon");
  EXPECT_EQ(end["state"], "TASK_KILLED") << end.dump();
  EXPECT_TRUE(processEnds(daemon, 2s)) << "the double-forked daemon survived KILL_CONTAINER";

  EXPECT_EQ(remove("daemon").status, 200);
  EXPECT_FALSE(std::filesystem::exists(sandbox("daemon")));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/run/containers/daemon"));
  auto hierarchy = cgroups::detect();
  ASSERT_TRUE(hierarchy);
  for (const auto& [controller, mount] : hierarchy->v1Mounts) {
    EXPECT_FALSE(std::filesystem::exists(mount + "/" + cgroupsRoot_ + "/daemon")) << controller;
  }
  if (hierarchy->v2Mount) {
    const std::string base = testing::containerCgroup2Base();
    EXPECT_TRUE(std::filesystem::exists(base + "/" + cgroupsRoot_)) << base;
    EXPECT_FALSE(std::filesystem::exists(base + "/" + cgroupsRoot_ + "/daemon"));
  }
  EXPECT_TRUE(containers().empty());
}

TEST_F(AgentContainers, ARestartedAgentStillSeesItsContainers) {
  startAgent();
  launch("survivor", "sleep 1000", "cpus:0.1;mem:32");
  launch("quick", "sleep 1; exit 4", "cpus:0.1;mem:32");
  stopAgent();
  std::this_thread::sleep_for(1500ms);  // "quick" ends while no agent runs

  startAgent();
  json list = containers();
  EXPECT_EQ(list.size(), 2u) << list.dump();
  json quick = wait("quick");
  ASSERT_TRUE(quick.contains("exit_status")) << quick.dump();
  EXPECT_EQ(WEXITSTATUS(quick["exit_status"].get<int>()), 4);

  EXPECT_EQ(kill("survivor").status, 200);
  json end = wait("survivor");
  EXPECT_EQ(end["state"], "TASK_KILLED") << end.dump();
}

TEST_F(AgentContainers, ModuleIsolatorFromModulesFlagMarksTheTask) {
  const char* module = std::getenv("MESOLITE_EXAMPLE_MODULE");
  ASSERT_NE(module, nullptr) << "MESOLITE_EXAMPLE_MODULE is not set (meson test sets it)";
  auto modules = [&](const std::string& name) {
    json parameters = {{{"key", "value"}, {"value", "marked by a module"}}};
    json libraries = {
        {{"file", module}, {"modules", {{{"name", name}, {"parameters", parameters}}}}}};
    return "--modules=" + json{{"libraries", libraries}}.dump();
  };

  // A module the library does not offer stops the agent at start, saying so.
  auto refused = testing::run(
      {std::getenv("MESOLITE_AGENT"), "--work_dir=" + dir_ + "/work",
       "--runtime_dir=" + dir_ + "/run", "--ip=127.0.0.1", "--port=0", modules("org_example_Nope")},
      {}, 20s);
  EXPECT_EQ(refused.exitCode(), 1) << refused.err;
  EXPECT_NE((refused.out + refused.err).find("has no module 'org_example_Nope'"), std::string::npos)
      << refused.out << refused.err;

  startAgent(
      {modules("org_example_Marker"), "--isolation=cgroups/cpu,cgroups/mem,org_example_Marker"});
  launch("marked", "echo $MARKER", "cpus:0.1;mem:32");
  json end = wait("marked");
  EXPECT_EQ(end["state"], "TASK_FINISHED") << end.dump();
  EXPECT_EQ(readFile(sandbox("marked") + "/stdout"), "marked by a module\n");
  // The module's cleanup ran when the container ended.
  EXPECT_EQ(readFile(sandbox("marked") + "/marker.cleanup"), "marked by a module\n");
}

TEST_F(AgentContainers, MalformedCallsGet4xxWithAMessage) {
  startAgent();
  auto noId = call(
      {{"type", "LAUNCH_CONTAINER"}, {"launch_container", {{"command", {{"value", "true"}}}}}});
  EXPECT_EQ(noId.status, 400);
  EXPECT_NE(noId.body.find("container_id"), std::string::npos) << noId.body;

  auto badId =
      call({{"type", "LAUNCH_CONTAINER"},
            {"launch_container",
             {{"container_id", {{"value", "../escape"}}}, {"command", {{"value", "true"}}}}}});
  EXPECT_EQ(badId.status, 400);
  EXPECT_NE(badId.body.find("../escape"), std::string::npos) << badId.body;

  auto badResources = call(
      {{"type", "LAUNCH_CONTAINER"},
       {"launch_container",
        {{"container_id", {{"value", "x"}}},
         {"command", {{"value", "true"}}},
         {"resources", {{{"name", "cpus"}, {"type", "SCALAR"}, {"scalar", {{"value", -1}}}}}}}}});
  EXPECT_EQ(badResources.status, 400);
  EXPECT_NE(badResources.body.find("cpus"), std::string::npos) << badResources.body;

  auto unknown = call(
      {{"type", "WAIT_CONTAINER"}, {"wait_container", {{"container_id", {{"value", "nobody"}}}}}});
  EXPECT_EQ(unknown.status, 404);

  auto garbage = call(json("not a call"));
  EXPECT_EQ(garbage.status, 400);
}

}  // namespace
}  // namespace mesolite
