// End-to-end task throughput: N `sleep` command tasks from one framework to TASK_RUNNING
// on one mesos-agent (default isolation: real cgroups and namespaces) through a real
// mesos-master and the v1 Scheduler API. References in the same run: the same N sleeps
// straight through the agent's operator API (LAUNCH_CONTAINER, no master, 8 in flight),
// and `runc run --detach` of sleep, sequentially, when runc is installed. Root only;
// prints a table, the ratios and the agent's RSS with N running tasks.
//
//   tasks_bench MASTER AGENT LAUNCHER_DIR [--tasks=500] [--parallel=8] [--runc=100]
//               [--timeout=120] [--allocation_interval=100ms]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/api_codec.h"
#include "common/http_client.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "tests/support/api_client.h"
#include "tests/support/cgroup_sweep.h"
#include "tests/support/subprocess.h"

extern char** environ;

using namespace std::chrono_literals;
using json = nlohmann::json;
using mesolite::api::ContentType;
using mesolite::http::Endpoint;
using mesolite::testing::EventStream;
using mesolite::testing::removeCgroupTree;
using mesolite::testing::Subprocess;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kTaskCpus = 0.1;
constexpr double kTaskMem = 32;
const char* kAgentResources = "cpus:64;mem:65536;disk:1024";

std::atomic<bool> interrupted{false};

double msBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

struct Stats {
  double p50 = 0, p99 = 0;
};

Stats summarize(std::vector<double> ms) {
  Stats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.p50 = ms[ms.size() / 2];
  s.p99 = ms[std::min(ms.size() - 1, size_t(double(ms.size()) * 0.99))];
  return s;
}

// One measured path: how many of the wanted launches got there, in how long.
struct Measured {
  int wanted = 0;
  int done = 0;
  double seconds = 0;
  Stats latency;
  std::string note;  // why it stopped short, if it did
  double rate() const { return seconds > 0 ? done / seconds : 0; }
};

long rssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// What a process that stopped answering is doing, from /proc: its blocking syscall, and
// for wait4 (nr 61 on x86-64) the child it waits for. An event loop blocked in wait4 on
// a live supervisor is the agent bug this benchmark keeps running into (see the report).
std::string whyStuck(pid_t pid) {
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::replace(text.begin(), text.end(), '\0', ' ');
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    return text;
  };
  const std::string proc = "/proc/" + std::to_string(pid);
  std::string why = "pid " + std::to_string(pid) + " in " + read(proc + "/wchan");
  std::istringstream syscall(read(proc + "/syscall"));
  long number = -1;
  std::string first;
  syscall >> number >> first;
  if (number == 61 && !first.empty()) {
    const long child = std::stol(first, nullptr, 16);
    const std::string childProc = "/proc/" + std::to_string(child);
    why += ", wait4(" + std::to_string(child) + ") on `" + read(childProc + "/cmdline") + "` (" +
           read(childProc + "/wchan") +
           ", still alive: " + (std::filesystem::exists(childProc) ? "yes" : "no") + ")";
  } else if (number >= 0) {
    why += ", syscall " + std::to_string(number);
  }
  return why;
}

std::optional<Endpoint> listeningOn(Subprocess& process, const std::string& needle) {
  auto line = process.waitForLine(needle, 20s);
  if (!line) return std::nullopt;
  std::smatch match;
  if (!std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))"))) return std::nullopt;
  return Endpoint{"127.0.0.1", uint16_t(std::stoi(match[1]))};
}

mesolite::Result<mesolite::http::Response> request(const Endpoint& to, const std::string& method,
                                                   const std::string& path, std::string body = "") {
  mesolite::http::Request request{.method = method, .path = path, .body = std::move(body)};
  // /master/teardown takes a form body, the v1 API JSON.
  if (path == "/api/v1") request.headers["Content-Type"] = "application/json";
  return mesolite::http::fetch(to, request, {.timeout = 10s});
}

// The number of live tasks the agent reports in /state (-1 if it does not answer).
int agentTaskCount(const Endpoint& agent) {
  auto response = request(agent, "GET", "/state");
  if (!response || response->status != 200) return -1;
  auto state = json::parse(response->body, nullptr, false);
  if (!state.is_object()) return -1;
  int count = 0;
  for (const auto& framework : state["frameworks"])
    for (const auto& executor : framework["executors"])
      count += int(executor["tasks"].size());
  return count;
}

mesos::v1::Resource scalar(const std::string& name, double value) {
  mesos::v1::Resource resource;
  resource.set_name(name);
  resource.set_type(mesos::v1::Value::SCALAR);
  resource.mutable_scalar()->set_value(value);
  return resource;
}

// Acknowledgements are POSTed by a few threads of their own: the agent sends a task's
// TASK_RUNNING only once its TASK_STARTING is acknowledged, and the event loop must keep
// stamping arrivals while the POSTs are in flight.
class Acknowledger {
 public:
  Acknowledger(Endpoint master, std::string streamId, std::string frameworkId, int threads)
      : master_(std::move(master)),
        streamId_(std::move(streamId)),
        frameworkId_(std::move(frameworkId)) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { work(); });
  }
  ~Acknowledger() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (auto& thread : threads_)
      thread.join();
  }
  void push(const mesos::v1::TaskStatus& status) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(status);
    }
    changed_.notify_one();
  }
  int failures() const { return failures_; }

 private:
  void work() {
    for (;;) {
      mesos::v1::TaskStatus status;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        status = std::move(queue_.front());
        queue_.pop_front();
      }
      Call call;
      call.set_type(Call::ACKNOWLEDGE);
      call.mutable_framework_id()->set_value(frameworkId_);
      *call.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
      *call.mutable_acknowledge()->mutable_task_id() = status.task_id();
      call.mutable_acknowledge()->set_uuid(status.uuid());
      auto response =
          mesolite::testing::postCall(master_, "/api/v1/scheduler", call, ContentType::kProtobuf,
                                      {{"Mesos-Stream-Id", streamId_}});
      if (response.status != 202) ++failures_;
    }
  }

  Endpoint master_;
  std::string streamId_;
  std::string frameworkId_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<mesos::v1::TaskStatus> queue_;
  bool stopping_ = false;
  std::atomic<int> failures_{0};
  std::vector<std::thread> threads_;
};

struct SchedulerRun {
  Measured result;
  std::string frameworkId;
  int accepts = 0;
  int offers = 0;
  int maxPerAccept = 0;
  int failed = 0;
  std::string firstFailure;
};

// The framework: subscribe, launch what fits on every offer (one ACCEPT each), count
// TASK_RUNNING. Time runs from the first ACCEPT to the last TASK_RUNNING. Then
// `whileSubscribed` (the framework would lose its tasks once its stream closes).
SchedulerRun runScheduler(const Endpoint& master, int tasks, std::chrono::seconds timeout,
                          const std::function<void(const SchedulerRun&)>& whileSubscribed) {
  SchedulerRun run;
  run.result.wanted = tasks;
  mesos::v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("tasks-bench");
  info.set_failover_timeout(0);
  Call subscribe;
  subscribe.set_type(Call::SUBSCRIBE);
  *subscribe.mutable_subscribe()->mutable_framework_info() = info;
  EventStream stream(master, "/api/v1/scheduler", subscribe, ContentType::kProtobuf);
  if (int status = stream.status(); status != 200) {
    run.result.note = "SUBSCRIBE answered " + std::to_string(status) + ": " + stream.body();
    return run;
  }
  const std::string streamId = stream.header("Mesos-Stream-Id");
  Event event;
  if (!stream.next(&event) || event.type() != Event::SUBSCRIBED) {
    run.result.note = "no SUBSCRIBED event";
    return run;
  }
  run.frameworkId = event.subscribed().framework_id().value();
  Acknowledger acknowledger(master, streamId, run.frameworkId, 4);

  auto post = [&](Call call) {
    call.mutable_framework_id()->set_value(run.frameworkId);
    return mesolite::testing::postCall(master, "/api/v1/scheduler", call, ContentType::kProtobuf,
                                       {{"Mesos-Stream-Id", streamId}});
  };

  std::vector<Clock::time_point> accepted(static_cast<size_t>(tasks));
  std::vector<double> latencies;
  std::vector<bool> running(size_t(tasks), false);
  int next = 0;
  std::optional<Clock::time_point> first;
  Clock::time_point last;
  const auto deadline = Clock::now() + timeout;
  while (run.result.done < tasks && !interrupted) {
    if (Clock::now() > deadline) {
      run.result.note = "gave up after " + std::to_string(timeout.count()) + " s";
      break;
    }
    if (!stream.next(&event, 200ms)) {
      if (stream.ended()) {
        run.result.note = "the event stream ended: " + stream.endError();
        break;
      }
      continue;
    }
    const auto now = Clock::now();
    if (event.type() == Event::UPDATE) {
      const auto& status = event.update().status();
      if (status.has_uuid()) acknowledger.push(status);
      const std::string& id = status.task_id().value();
      const int index = id.rfind("task-", 0) == 0 ? std::atoi(id.c_str() + 5) : -1;
      if (index < 0 || index >= tasks) continue;
      if (status.state() == mesos::v1::TASK_RUNNING && !running[size_t(index)]) {
        running[size_t(index)] = true;
        latencies.push_back(msBetween(accepted[size_t(index)], now));
        last = now;
        ++run.result.done;
      } else if (status.state() != mesos::v1::TASK_STARTING &&
                 status.state() != mesos::v1::TASK_STAGING &&
                 status.state() != mesos::v1::TASK_RUNNING) {
        if (run.failed++ == 0) {
          run.firstFailure =
              id + ": " + mesos::v1::TaskState_Name(status.state()) + " " + status.message();
        }
      }
      continue;
    }
    if (event.type() != Event::OFFERS) continue;
    for (const auto& offer : event.offers().offers()) {
      ++run.offers;
      double cpus = 0, mem = 0;
      for (const auto& resource : offer.resources()) {
        if (resource.name() == "cpus") cpus += resource.scalar().value();
        if (resource.name() == "mem") mem += resource.scalar().value();
      }
      // 1e-6: 64 / 0.1 is 639.99... in binary.
      const int fit =
          int(std::min(std::floor(cpus / kTaskCpus + 1e-6), std::floor(mem / kTaskMem + 1e-6)));
      const int count = std::min(fit, tasks - next);
      Call call;
      if (count <= 0) {
        call.set_type(Call::DECLINE);
        *call.mutable_decline()->add_offer_ids() = offer.id();
        call.mutable_decline()->mutable_filters()->set_refuse_seconds(3600);
        post(call);
        continue;
      }
      call.set_type(Call::ACCEPT);
      auto* accept = call.mutable_accept();
      *accept->add_offer_ids() = offer.id();
      accept->mutable_filters()->set_refuse_seconds(0);
      auto* launch = accept->add_operations();
      launch->set_type(mesos::v1::Offer::Operation::LAUNCH);
      for (int i = next; i < next + count; ++i) {
        auto* task = launch->mutable_launch()->add_task_infos();
        task->set_name("task-" + std::to_string(i));
        task->mutable_task_id()->set_value("task-" + std::to_string(i));
        *task->mutable_agent_id() = offer.agent_id();
        task->mutable_command()->set_value("sleep 600");
        *task->add_resources() = scalar("cpus", kTaskCpus);
        *task->add_resources() = scalar("mem", kTaskMem);
      }
      const auto sent = Clock::now();
      if (!first) first = sent;
      for (int i = next; i < next + count; ++i)
        accepted[size_t(i)] = sent;
      auto response = post(call);
      if (response.status != 202) {
        run.result.note =
            "ACCEPT answered " + std::to_string(response.status) + ": " + response.body;
        break;
      }
      ++run.accepts;
      run.maxPerAccept = std::max(run.maxPerAccept, count);
      next += count;
    }
    if (!run.result.note.empty()) break;
  }
  if (interrupted && run.result.note.empty()) run.result.note = "interrupted";
  if (first && run.result.done > 0) run.result.seconds = msBetween(*first, last) / 1000;
  run.result.latency = summarize(latencies);
  whileSubscribed(run);
  if (acknowledger.failures() > 0) {
    run.result.note += (run.result.note.empty() ? "" : "; ") +
                       std::to_string(acknowledger.failures()) + " acknowledgements failed";
  }
  return run;
}

json launchCall(const std::string& id) {
  return {{"type", "LAUNCH_CONTAINER"},
          {"launch_container",
           {{"container_id", {{"value", id}}},
            {"command", {{"shell", true}, {"value", "sleep 600"}}},
            {"resources",
             {{{"name", "cpus"}, {"type", "SCALAR"}, {"scalar", {{"value", kTaskCpus}}}},
              {{"name", "mem"}, {"type", "SCALAR"}, {"scalar", {{"value", kTaskMem}}}}}}}}};
}

json idCall(const char* type, const char* field, const std::string& id) {
  return {{"type", type}, {field, {{"container_id", {{"value", id}}}}}};
}

// The reference: LAUNCH_CONTAINER answers once the container runs; `parallel` in flight.
Measured runDirect(const Endpoint& agent, pid_t agentPid, int tasks, int parallel,
                   std::chrono::seconds timeout) {
  Measured result;
  result.wanted = tasks;
  std::vector<double> latencies(size_t(tasks), -1);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  std::vector<std::thread> workers;
  for (int w = 0; w < parallel; ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < tasks && Clock::now() < deadline && !interrupted && !failed;
           i = next++) {
        const auto sent = Clock::now();
        auto response =
            request(agent, "POST", "/api/v1", launchCall("direct-" + std::to_string(i)).dump());
        if (response && response->status == 200) {
          latencies[size_t(i)] = msBetween(sent, Clock::now());
        } else {
          // A launch that fails or hangs ends the run: the agent is unlikely to recover.
          failed = true;
          std::lock_guard lock(mutex);
          if (result.note.empty()) {
            result.note = "LAUNCH_CONTAINER direct-" + std::to_string(i) + ": " +
                          (response ? std::to_string(response->status) + " " + response->body
                                    : response.error().message + "; agent " + whyStuck(agentPid));
          }
        }
      }
    });
  }
  for (auto& worker : workers)
    worker.join();
  result.seconds = msBetween(start, Clock::now()) / 1000;
  std::erase_if(latencies, [](double v) { return v < 0; });
  result.done = int(latencies.size());
  if (result.done < tasks && result.note.empty()) {
    result.note =
        interrupted ? "interrupted" : "gave up after " + std::to_string(timeout.count()) + " s";
  }
  result.latency = summarize(latencies);
  return result;
}

// Runs a program with stdio on /dev/null (a detached container keeps runc's stdio, so
// pipes would never close) and waits at most `timeout`; its exit code, -1 otherwise.
int spawnQuiet(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd < 3; ++fd)
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(1ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Busybox bundles running `sleep 600` with cpu/memory/pids limits in pid, ipc, uts and
// mount namespaces: one rootfs, one config per container so that each gets its own
// cgroup under `cgroupParent` (where the sweep finds what runc leaves).
bool makeRuncBundles(const std::string& dir, const std::string& cgroupParent,
                     const std::vector<std::string>& ids) {
  std::error_code error;
  std::filesystem::create_directories(dir + "/rootfs/bin", error);
  std::filesystem::copy_file("/bin/busybox", dir + "/rootfs/bin/busybox", error);
  if (error) return false;
  std::filesystem::create_symlink("busybox", dir + "/rootfs/bin/sleep", error);
  for (const char* sub : {"proc", "dev", "sys", "tmp"})
    std::filesystem::create_directories(dir + "/rootfs/" + sub, error);
  if (spawnQuiet({"/usr/sbin/runc", "spec", "--bundle", dir}, 30s) != 0) return false;
  std::ifstream in(dir + "/config.json");
  json config = json::parse(in, nullptr, false);
  if (!config.is_object()) return false;
  config["root"]["path"] = dir + "/rootfs";
  config["process"]["terminal"] = false;
  config["process"]["args"] = {"/bin/sleep", "600"};
  json namespaces = json::array();
  for (const char* kind : {"pid", "ipc", "uts", "mount"})
    namespaces.push_back({{"type", kind}});
  config["linux"]["namespaces"] = namespaces;
  config["linux"]["resources"]["memory"] = {{"limit", int64_t(kTaskMem) << 20}};
  config["linux"]["resources"]["cpu"] = {{"shares", 102}};
  config["linux"]["resources"]["pids"] = {{"limit", 4096}};
  for (const auto& id : ids) {
    config["linux"]["cgroupsPath"] = "/" + cgroupParent + "/" + id;
    std::filesystem::create_directories(dir + "/" + id, error);
    std::ofstream(dir + "/" + id + "/config.json") << config.dump(2);
  }
  return !error;
}

std::string mib(long kib) {
  if (kib < 0) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", double(kib) / 1024);
  return text;
}

void printRow(const std::string& name, const Measured& result) {
  std::printf("%-36s %5d/%-5d %9.1f %9.2f %9.2f %8.2f\n", name.c_str(), result.done, result.wanted,
              result.rate(), result.latency.p50, result.latency.p99, result.seconds);
  if (!result.note.empty()) std::printf("  ! %s: %s\n", name.c_str(), result.note.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: tasks_bench MASTER AGENT LAUNCHER_DIR [--tasks=N] [--parallel=N] "
                 "[--runc=N] [--timeout=SECONDS] [--allocation_interval=DURATION]\n";
    return 2;
  }
  if (geteuid() != 0) {
    std::cout << "SKIP: tasks_bench needs root (the agent runs tasks in cgroups and "
                 "namespaces)\n";
    return 77;
  }
  int tasks = 500, parallel = 8, runcRuns = 100;
  auto timeout = 120s;
  std::string allocationInterval = "100ms";
  for (int i = 4; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* prefix) -> std::optional<std::string> {
      if (arg.rfind(prefix, 0) != 0) return std::nullopt;
      return arg.substr(std::strlen(prefix));
    };
    if (auto v = value("--tasks=")) tasks = std::max(1, std::stoi(*v));
    if (auto v = value("--parallel=")) parallel = std::max(1, std::stoi(*v));
    if (auto v = value("--runc=")) runcRuns = std::max(0, std::stoi(*v));
    if (auto v = value("--timeout=")) timeout = std::chrono::seconds(std::stoi(*v));
    if (auto v = value("--allocation_interval=")) allocationInterval = *v;
  }
  // Ends the bounded loops early; the teardown below still runs.
  struct sigaction action {};
  action.sa_handler = [](int) { interrupted = true; };
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  const std::string masterPath = argv[1], agentPath = argv[2], launcherDir = argv[3];
  char dirTemplate[] = "/tmp/mesolite-tasks-bench-XXXXXX";
  const std::string dir = mkdtemp(dirTemplate);
  const std::string tag = "mesolite-tasks-bench-" + std::to_string(getpid());
  const std::string clusterRoot = tag + "-cluster", directRoot = tag + "-direct",
                    runcRoot = tag + "-runc";
  // --runtime_dir is /var/run/mesos on a real host: tmpfs, like /dev/shm here.
  const std::string runtimeBase = "/dev/shm/" + tag;
  int exitCode = 0;

  auto agentArgv = [&](const std::string& name, const std::string& cgroupsRoot) {
    return std::vector<std::string>{
        agentPath, "--ip=127.0.0.1", "--port=0", "--hostname=127.0.0.1",
        "--work_dir=" + dir + "/" + name, "--runtime_dir=" + runtimeBase + "/" + name,
        "--launcher_dir=" + launcherDir, "--cgroups_root=" + cgroupsRoot,
        std::string("--resources=") + kAgentResources,
        // The direct runs' client launches, unauthenticated.
        "--allow_unauthenticated_operator_writes"};
  };

  // 1. Through the master: one framework, one agent.
  SchedulerRun viaMaster;
  long clusterRss = -1, clusterIdleRss = -1, masterRss = -1;
  double teardownSeconds = -1;
  {
    std::unique_ptr<Subprocess> master, agent;
    std::optional<Endpoint> masterEndpoint, agentEndpoint;
    const uint16_t masterPort = mesolite::testing::freePort();
    master = std::make_unique<Subprocess>(std::vector<std::string>{
        masterPath, "--ip=127.0.0.1", "--port=" + std::to_string(masterPort),
        "--hostname=127.0.0.1", "--registry=in_memory",
        "--allocation_interval=" + allocationInterval});
    if (master->waitForLine("master listening on", 20s)) {
      masterEndpoint = Endpoint{"127.0.0.1", masterPort};
      auto flags = agentArgv("cluster", clusterRoot);
      flags.push_back("--master=127.0.0.1:" + std::to_string(masterPort));
      agent = std::make_unique<Subprocess>(flags);
      agentEndpoint = listeningOn(*agent, "agent listening on");
      if (!agentEndpoint || !agent->waitForLine("subscribed to the master", 20s)) {
        viaMaster.result.note = "agent did not register: " + agent->err();
        agentEndpoint.reset();
      }
    } else {
      viaMaster.result.note = "master did not start: " + master->err();
    }
    if (agentEndpoint) {
      std::this_thread::sleep_for(500ms);
      clusterIdleRss = rssKiB(agent->pid());
      std::string stuck;
      viaMaster = runScheduler(*masterEndpoint, tasks, timeout, [&](const SchedulerRun& run) {
        if (run.result.done < tasks) {
          stuck = "agent " + whyStuck(agent->pid()) + "; master " + whyStuck(master->pid());
        }
        // Settled: the last acknowledgements are in and the agent is idle again.
        std::this_thread::sleep_for(1s);
        clusterRss = rssKiB(agent->pid());
        masterRss = rssKiB(master->pid());
        if (run.frameworkId.empty()) return;
        // Teardown as an operator would; whatever is left goes with the cgroups below.
        const auto start = Clock::now();
        auto answer =
            request(*masterEndpoint, "POST", "/master/teardown", "frameworkId=" + run.frameworkId);
        if (!answer || answer->status != 200) {
          std::cerr << "teardown of " << run.frameworkId << " failed\n";
          return;
        }
        for (int i = 0; i < 600 && agentTaskCount(*agentEndpoint) > 0 && !interrupted; ++i)
          std::this_thread::sleep_for(100ms);
        if (agentTaskCount(*agentEndpoint) == 0)
          teardownSeconds = msBetween(start, Clock::now()) / 1000;
      });
      if (!stuck.empty()) viaMaster.result.note += "; " + stuck;
    }
    if (agent) agent->stop(SIGTERM, 20s);
    if (master) master->stop(SIGTERM, 20s);
    removeCgroupTree(clusterRoot);
  }

  // 2. Reference: the same launches straight into a standalone agent (no master).
  Measured direct;
  direct.wanted = tasks;
  long directRss = -1;
  {
    Subprocess agent(agentArgv("direct", directRoot));
    auto endpoint = listeningOn(agent, "agent listening on");
    if (endpoint) {
      std::this_thread::sleep_for(500ms);
      direct = runDirect(*endpoint, agent.pid(), tasks, parallel, timeout);
      std::this_thread::sleep_for(1s);
      directRss = rssKiB(agent.pid());
      const auto deadline = Clock::now() + 60s;
      for (int i = 0; i < tasks && Clock::now() < deadline; ++i) {
        // A wedged agent is left to the cgroup sweep below.
        auto killed = request(
            *endpoint, "POST", "/api/v1",
            idCall("KILL_CONTAINER", "kill_container", "direct-" + std::to_string(i)).dump());
        if (!killed) break;
      }
      agent.stop(SIGTERM, 20s);
    } else {
      direct.note = "agent did not start: " + agent.err();
    }
    removeCgroupTree(directRoot);
  }

  // 3. Reference: runc, sequential, detached (runc returns once the process runs).
  Measured runc;
  runc.wanted = runcRuns;
  bool haveRunc = runcRuns > 0 && std::filesystem::exists("/usr/sbin/runc") &&
                  std::filesystem::exists("/bin/busybox");
  if (haveRunc) {
    const std::string bundles = dir + "/runc", state = runtimeBase + "/runc";
    std::vector<std::string> ids;
    for (int i = 0; i < runcRuns; ++i)
      ids.push_back(tag + "-" + std::to_string(i));
    std::vector<std::string> started;
    if (makeRuncBundles(bundles, runcRoot, ids)) {
      std::vector<double> latencies;
      const auto start = Clock::now();
      const auto deadline = start + timeout;
      for (const auto& id : ids) {
        if (Clock::now() > deadline || interrupted) break;
        const auto sent = Clock::now();
        started.push_back(id);
        const int code = spawnQuiet({"/usr/sbin/runc", "--root", state, "run", "--detach",
                                     "--bundle", bundles + "/" + id, id},
                                    30s);
        if (code != 0) {
          runc.note = "runc run " + id + " exited with " + std::to_string(code);
          break;
        }
        latencies.push_back(msBetween(sent, Clock::now()));
      }
      runc.seconds = msBetween(start, Clock::now()) / 1000;
      runc.done = int(latencies.size());
      runc.latency = summarize(latencies);
      if (runc.done < runcRuns && runc.note.empty()) {
        runc.note =
            interrupted ? "interrupted" : "gave up after " + std::to_string(timeout.count()) + " s";
      }
      for (const auto& id : started)
        spawnQuiet({"/usr/sbin/runc", "--root", state, "delete", "--force", id}, 30s);
    } else {
      runc.note = "could not build the busybox bundles";
    }
    removeCgroupTree(runcRoot);
  }

  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::filesystem::remove_all(runtimeBase, ignored);

  std::printf(
      "%d `sleep 600` tasks (cpus:%.1f;mem:%.0f) to running, one agent (%s), default "
      "isolation; master --allocation_interval=%s\n",
      tasks, kTaskCpus, kTaskMem, kAgentResources, allocationInterval.c_str());
  std::printf("%-36s %11s %9s %9s %9s %8s\n", "", "running", "tasks/s", "p50 ms", "p99 ms",
              "total s");
  printRow("scheduler -> master -> agent", viaMaster.result);
  printRow("direct LAUNCH_CONTAINER, " + std::to_string(parallel) + " in flight", direct);
  if (haveRunc) {
    printRow("runc run --detach, sequential", runc);
  } else {
    std::printf("runc: not measured (needs /usr/sbin/runc, /bin/busybox and --runc above 0)\n");
  }
  std::printf("scheduler path: %d offers, %d ACCEPTs, up to %d tasks per ACCEPT", viaMaster.offers,
              viaMaster.accepts, viaMaster.maxPerAccept);
  if (viaMaster.failed > 0) {
    std::printf("; %d tasks failed (first: %s)", viaMaster.failed, viaMaster.firstFailure.c_str());
  }
  std::printf("\n");
  // A ratio against a reference that stopped short would flatter or damn at random.
  const bool complete = viaMaster.result.done == tasks;
  if (complete && direct.done == tasks) {
    std::printf("ratio scheduler path / direct: %.2f\n", viaMaster.result.rate() / direct.rate());
  } else {
    std::printf("ratio scheduler path / direct: n/a (a run stopped short, see above)\n");
  }
  if (haveRunc && complete && runc.done == runcRuns) {
    std::printf("ratio scheduler path / runc: %.2f\n", viaMaster.result.rate() / runc.rate());
    if (direct.done == tasks)
      std::printf("ratio direct / runc: %.2f\n", direct.rate() / runc.rate());
  }
  std::printf(
      "agent RSS: idle %s; with %d running tasks %s (scheduler path); with %d running "
      "containers %s (direct)\n",
      mib(clusterIdleRss).c_str(), viaMaster.result.done, mib(clusterRss).c_str(), direct.done,
      mib(directRss).c_str());
  std::printf("master RSS with %d running tasks: %s\n", viaMaster.result.done,
              mib(masterRss).c_str());
  if (teardownSeconds >= 0) {
    std::printf("framework teardown until the agent reports no task: %.2f s\n", teardownSeconds);
  }
  if (viaMaster.result.done < tasks || direct.done < tasks || (haveRunc && runc.done < runcRuns))
    exitCode = 1;
  return exitCode;
}
