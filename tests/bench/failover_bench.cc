// Master failover: three real mesos-masters elected in a real ZooKeeper (Debian's
// `zookeeper`, on loopback), N scripted agents each running one task of one framework
// whose failover_timeout is 0, and the leader killed with kill -9. Timed from the kill:
// (a) a surviving master reports master/elected 1, (b) the framework, having found the
// new leader in ZooKeeper and re-subscribed with its id, gets its first OFFERS, (c) every
// agent has re-registered with its task. The reference in the same run: one master
// without ZooKeeper, killed with kill -9 and restarted at once on the same port by the
// benchmark, the same (b) and (c). Agents and scheduler re-detect the leader as the real
// agent does, through ZooKeeper with detect::detectLeaderOnce, in a loop until it names a
// live master other than the killed one. No agent may be told KILL_TASK,
// SHUTDOWN_FRAMEWORK or SHUTDOWN (exit 1 if one is). No root; exit 77 without ZooKeeper.
//
//   failover_bench MASTER [--agents=1,50] [--runs=3] [--session_timeout=2]
//                  [--retry_interval_ms=100] [--timeout=30]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/api_codec.h"
#include "common/http_client.h"
#include "common/leader_detector.h"
#include "common/logging.h"
#include "mesolite/internal.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "tests/support/api_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/zookeeper_server.h"

using namespace std::chrono_literals;
using json = nlohmann::json;
using mesolite::api::ContentType;
using mesolite::http::Endpoint;
using mesolite::internal::AgentCall;
using mesolite::internal::AgentEvent;
using mesolite::testing::EventStream;
using mesolite::testing::Subprocess;
using mesolite::testing::ZooKeeperServer;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

namespace {

constexpr double kTaskCpus = 1;
constexpr double kTaskMem = 128;

std::atomic<bool> interrupted{false};

double msBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

mesos::v1::Resource scalar(const std::string& name, double value) {
  mesos::v1::Resource resource;
  resource.set_name(name);
  resource.set_type(mesos::v1::Value::SCALAR);
  resource.mutable_scalar()->set_value(value);
  return resource;
}

struct Settings {
  std::string masterPath;
  std::vector<int> agentCounts = {1, 50};
  int runs = 3;
  std::chrono::seconds sessionTimeout = 2s;
  Milliseconds retryInterval = 100ms;  // between a client's attempts to find the leader
  std::chrono::seconds timeout = 30s;  // for every phase of a measurement
};

// What one measurement shares between the benchmark and its scripted clients.
class Run {
 public:
  // One attempt to find the leading master: nullopt when none (other than the killed
  // one) is known yet.
  std::function<std::optional<Endpoint>()> locate;
  Milliseconds retryInterval{100};

  std::atomic<bool> stopping{false};
  std::atomic<bool> killed{false};
  Clock::time_point killedAt;  // written before `killed` is set

  void violation(const std::string& what) {
    std::lock_guard lock(mutex_);
    violations_.push_back(what);
  }
  std::vector<std::string> violations() {
    std::lock_guard lock(mutex_);
    return violations_;
  }
  void pause() const { std::this_thread::sleep_for(retryInterval); }
  bool over() const { return stopping || interrupted; }

 private:
  std::mutex mutex_;
  std::vector<std::string> violations_;
};

// An agent played by the benchmark, speaking the agent protocol
// (proto/mesolite/internal.proto): it registers, runs what it is told to as a task that
// is instantly TASK_RUNNING, and, when its stream ends, finds the leader again and
// re-subscribes with its id, its task and its framework.
class ScriptedAgent {
 public:
  ScriptedAgent(Run& run, int index) : run_(run), index_(index) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedAgent() {
    run_.stopping = true;
    thread_.join();
  }
  ScriptedAgent(const ScriptedAgent&) = delete;
  ScriptedAgent& operator=(const ScriptedAgent&) = delete;

  bool registered() const { return registered_; }
  bool hasTask() const { return hasTask_; }
  // When it re-registered after the kill (with its task).
  std::optional<Clock::time_point> reregisteredAt() {
    std::lock_guard lock(mutex_);
    return reregisteredAt_;
  }

 private:
  void loop() {
    while (!run_.over()) {
      auto endpoint = run_.locate();
      if (!endpoint || !subscribe(*endpoint)) {
        run_.pause();
        continue;
      }
      serve();
    }
    if (stream_) stream_->close();
  }

  bool subscribe(const Endpoint& endpoint) {
    AgentCall call;
    call.set_type(AgentCall::SUBSCRIBE);
    auto* subscribe = call.mutable_subscribe();
    subscribe->set_protocol_version(1);
    subscribe->set_version("failover-bench");
    auto* info = subscribe->mutable_agent_info();
    info->set_hostname("bench-agent-" + std::to_string(index_));
    info->set_port(uint32_t(20000 + index_));  // nothing listens there; the master never calls
    if (!id_.empty()) info->mutable_id()->set_value(id_);
    for (auto* resources : {info->mutable_resources(), subscribe->mutable_resources()}) {
      *resources->Add() = scalar("cpus", 2);
      *resources->Add() = scalar("mem", 1024);
    }
    const bool withTask = hasTask_;
    if (withTask) {
      *subscribe->add_tasks() = task_;
      *subscribe->add_frameworks() = framework_;
    }
    const bool afterKill = run_.killed;
    auto stream =
        std::make_unique<EventStream>(endpoint, "/api/v1/agent", call, ContentType::kProtobuf);
    // Refused (307 or 503 while the new leader reads its registry) or not listening (0).
    if (stream->status(5s) != 200) return false;
    AgentEvent subscribed;
    if (!stream->next(&subscribed, 5s) || subscribed.type() != AgentEvent::SUBSCRIBED) return false;
    const auto now = Clock::now();
    if (!id_.empty() && subscribed.subscribed().agent_id().value() != id_) {
      run_.violation("agent " + std::to_string(index_) + " was given a new id " +
                     subscribed.subscribed().agent_id().value() + " instead of " + id_);
    }
    id_ = subscribed.subscribed().agent_id().value();
    streamId_ = stream->header("Mesos-Stream-Id");
    endpoint_ = endpoint;
    stream_ = std::move(stream);
    registered_ = true;
    if (afterKill && withTask) {
      std::lock_guard lock(mutex_);
      if (!reregisteredAt_) reregisteredAt_ = now;
    }
    return true;
  }

  // Events until the stream ends (the master died) or the run is over.
  void serve() {
    AgentEvent event;
    while (!run_.over()) {
      if (!stream_->next(&event, 200ms)) {
        if (stream_->ended()) return;
        continue;
      }
      switch (event.type()) {
        case AgentEvent::PING: {
          AgentCall pong;
          pong.set_type(AgentCall::PONG);
          pong.mutable_pong()->set_sequence(event.ping().sequence());
          post(pong);
          break;
        }
        case AgentEvent::RUN_TASK:
          runTask(event.run_task());
          break;
        case AgentEvent::KILL_TASK:
        case AgentEvent::SHUTDOWN_FRAMEWORK:
        case AgentEvent::SHUTDOWN:
          run_.violation("agent " + std::to_string(index_) + " (" + id_ + ") was sent " +
                         AgentEvent::Type_Name(event.type()) + ": " + event.ShortDebugString());
          break;
        default:
          break;
      }
    }
  }

  void runTask(const AgentEvent::RunTask& run) {
    const auto& info = run.task();
    task_.Clear();
    task_.set_name(info.name());
    *task_.mutable_task_id() = info.task_id();
    *task_.mutable_framework_id() = run.framework().id();
    task_.mutable_agent_id()->set_value(id_);
    task_.set_state(mesos::v1::TASK_RUNNING);
    *task_.mutable_resources() = info.resources();
    framework_ = run.framework();
    hasTask_ = true;

    AgentCall call;
    call.set_type(AgentCall::STATUS_UPDATE);
    auto* update = call.mutable_status_update();
    *update->mutable_framework_id() = run.framework().id();
    auto* status = update->mutable_status();
    *status->mutable_task_id() = info.task_id();
    status->set_state(mesos::v1::TASK_RUNNING);
    status->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
    status->mutable_agent_id()->set_value(id_);
    char uuid[17];
    std::snprintf(uuid, sizeof uuid, "bench-uuid-%05d", index_);
    status->set_uuid(uuid);
    update->set_uuid(uuid);
    update->set_latest_state(mesos::v1::TASK_RUNNING);
    if (int answer = post(call); answer != 202) {
      run_.violation("agent " + std::to_string(index_) + ": STATUS_UPDATE answered " +
                     std::to_string(answer));
    }
  }

  int post(AgentCall call) {
    call.mutable_agent_id()->set_value(id_);
    return mesolite::testing::postCall(endpoint_, "/api/v1/agent", call, ContentType::kProtobuf,
                                       {{"Mesos-Stream-Id", streamId_}})
        .status;
  }

  Run& run_;
  const int index_;
  std::string id_;
  Endpoint endpoint_;
  std::string streamId_;
  std::unique_ptr<EventStream> stream_;
  // Written by the agent's thread only; the flags are read by the benchmark.
  mesos::v1::Task task_;
  mesos::v1::FrameworkInfo framework_;
  std::atomic<bool> registered_{false};
  std::atomic<bool> hasTask_{false};
  std::mutex mutex_;
  std::optional<Clock::time_point> reregisteredAt_;
  std::thread thread_;
};

// The framework (failover_timeout 0): one task on each agent; when its stream ends it
// finds the leader again and re-subscribes with its framework id.
class ScriptedScheduler {
 public:
  ScriptedScheduler(Run& run, int tasks) : run_(run), tasks_(tasks) {
    info_.set_user("root");
    info_.set_name("failover-bench");
    info_.set_failover_timeout(0);
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedScheduler() {
    run_.stopping = true;
    thread_.join();
  }
  ScriptedScheduler(const ScriptedScheduler&) = delete;
  ScriptedScheduler& operator=(const ScriptedScheduler&) = delete;

  int running() const { return running_; }
  std::optional<Clock::time_point> firstOfferAfterKill() {
    std::lock_guard lock(mutex_);
    return firstOffer_;
  }

 private:
  void loop() {
    while (!run_.over()) {
      auto endpoint = run_.locate();
      if (!endpoint || !subscribe(*endpoint)) {
        run_.pause();
        continue;
      }
      serve();
    }
    // The stream stays open until the scheduler is destroyed: with failover_timeout 0,
    // its end removes the framework and shuts it down on the agents still connected.
  }

  bool subscribe(const Endpoint& endpoint) {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    if (info_.has_id()) *call.mutable_framework_id() = info_.id();
    *call.mutable_subscribe()->mutable_framework_info() = info_;
    const bool afterKill = run_.killed;
    auto stream =
        std::make_unique<EventStream>(endpoint, "/api/v1/scheduler", call, ContentType::kProtobuf);
    if (stream->status(5s) != 200) return false;
    Event subscribed;
    if (!stream->next(&subscribed, 5s) || subscribed.type() != Event::SUBSCRIBED) return false;
    const std::string id = subscribed.subscribed().framework_id().value();
    if (info_.has_id() && info_.id().value() != id) {
      run_.violation("the framework re-subscribed as " + id + " instead of " + info_.id().value());
    }
    info_.mutable_id()->set_value(id);
    streamId_ = stream->header("Mesos-Stream-Id");
    endpoint_ = endpoint;
    stream_ = std::move(stream);
    afterKill_ = afterKill;
    return true;
  }

  void serve() {
    Event event;
    while (!run_.over()) {
      if (!stream_->next(&event, 200ms)) {
        if (stream_->ended()) return;
        continue;
      }
      if (event.type() == Event::OFFERS) {
        if (afterKill_) {
          // Timed only; the offers are left outstanding.
          std::lock_guard lock(mutex_);
          if (!firstOffer_) firstOffer_ = Clock::now();
          continue;
        }
        for (const auto& offer : event.offers().offers())
          answer(offer);
      } else if (event.type() == Event::UPDATE) {
        const auto& status = event.update().status();
        if (status.state() == mesos::v1::TASK_RUNNING) {
          if (runningTasks_.insert(status.task_id().value()).second) ++running_;
        } else {
          run_.violation("task " + status.task_id().value() + " is " +
                         mesos::v1::TaskState_Name(status.state()) + ": " + status.message());
        }
        if (status.has_uuid()) acknowledge(status);
      } else if (event.type() == Event::ERROR) {
        run_.violation("the framework got ERROR: " + event.error().message());
      }
    }
  }

  // One task on each agent not yet used; what is left is declined for the run.
  void answer(const mesos::v1::Offer& offer) {
    Call call;
    call.mutable_framework_id()->set_value(info_.id().value());
    const std::string& agentId = offer.agent_id().value();
    if (usedAgents_.contains(agentId) || int(usedAgents_.size()) >= tasks_) {
      call.set_type(Call::DECLINE);
      *call.mutable_decline()->add_offer_ids() = offer.id();
      call.mutable_decline()->mutable_filters()->set_refuse_seconds(3600);
      post(call);
      return;
    }
    usedAgents_.insert(agentId);
    const std::string taskId = "task-" + std::to_string(usedAgents_.size());
    call.set_type(Call::ACCEPT);
    auto* accept = call.mutable_accept();
    *accept->add_offer_ids() = offer.id();
    accept->mutable_filters()->set_refuse_seconds(3600);
    auto* launch = accept->add_operations();
    launch->set_type(mesos::v1::Offer::Operation::LAUNCH);
    auto* task = launch->mutable_launch()->add_task_infos();
    task->set_name(taskId);
    task->mutable_task_id()->set_value(taskId);
    *task->mutable_agent_id() = offer.agent_id();
    task->mutable_command()->set_value("sleep 1000");
    *task->add_resources() = scalar("cpus", kTaskCpus);
    *task->add_resources() = scalar("mem", kTaskMem);
    if (auto response = post(call); response.status != 202) {
      run_.violation("ACCEPT answered " + std::to_string(response.status) + ": " + response.body);
    }
  }

  void acknowledge(const mesos::v1::TaskStatus& status) {
    Call call;
    call.set_type(Call::ACKNOWLEDGE);
    call.mutable_framework_id()->set_value(info_.id().value());
    *call.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
    *call.mutable_acknowledge()->mutable_task_id() = status.task_id();
    call.mutable_acknowledge()->set_uuid(status.uuid());
    post(call);
  }

  mesolite::http::Response post(const Call& call) {
    return mesolite::testing::postCall(endpoint_, "/api/v1/scheduler", call, ContentType::kProtobuf,
                                       {{"Mesos-Stream-Id", streamId_}});
  }

  Run& run_;
  const int tasks_;
  mesos::v1::FrameworkInfo info_;
  Endpoint endpoint_;
  std::string streamId_;
  std::unique_ptr<EventStream> stream_;
  bool afterKill_ = false;
  std::set<std::string> usedAgents_;
  std::set<std::string> runningTasks_;
  std::atomic<int> running_{0};
  std::mutex mutex_;
  std::optional<Clock::time_point> firstOffer_;
  std::thread thread_;
};

mesolite::Result<mesolite::http::Response> get(const Endpoint& to, const std::string& path) {
  return mesolite::http::fetch(to, {.method = "GET", .path = path}, {.timeout = 2s});
}

bool elected(const Endpoint& master) {
  auto response = get(master, "/metrics/snapshot");
  if (!response || response->status != 200) return false;
  auto snapshot = json::parse(response->body, nullptr, false);
  return snapshot.is_object() && snapshot.value("master/elected", 0.0) == 1.0;
}

// The tasks the master knows as TASK_RUNNING (-1 if it does not answer).
int runningTasks(const Endpoint& master) {
  auto response = get(master, "/master/tasks");
  if (!response || response->status != 200) return -1;
  auto tasks = json::parse(response->body, nullptr, false);
  if (!tasks.is_object()) return -1;
  int count = 0;
  for (const auto& task : tasks["tasks"])
    count += task.value("state", "") == "TASK_RUNNING";
  return count;
}

// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false).
bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = 20ms) {
  const auto deadline = Clock::now() + timeout;
  while (!interrupted) {
    if (condition()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(interval);
  }
  return false;
}

// One master process on 127.0.0.1:`port`.
std::unique_ptr<Subprocess> startMaster(const Settings& settings, uint16_t port,
                                        const std::string& workDir,
                                        const std::vector<std::string>& extra, std::string* error) {
  std::filesystem::create_directories(workDir);
  // Pings every 30 s: none is due during a measurement, so a busy machine cannot make
  // a master give up on an agent and skew the figures.
  std::vector<std::string> argv = {settings.masterPath,
                                   "--ip=127.0.0.1",
                                   "--port=" + std::to_string(port),
                                   "--hostname=127.0.0.1",
                                   "--allocation_interval=50ms",
                                   "--agent_ping_timeout=30secs",
                                   "--registry=replicated_log",
                                   "--work_dir=" + workDir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto master = std::make_unique<Subprocess>(argv);
  if (!master->waitForLine("master listening on", 20s)) {
    *error = "master on port " + std::to_string(port) + " did not start: " + master->err();
    return nullptr;
  }
  return master;
}

// One measurement's results in ms from the kill; negative when not reached.
struct Sample {
  double elected = -1;
  double firstOffer = -1;
  double allReregistered = -1;
  std::string failure;  // why the measurement is void
};

// What both kinds of measurement share once the masters run: the cluster brought up
// through `run.locate`, the kill by `killLeader` (which returns the masters to poll for
// master/elected), then the clocks.
Sample measure(const Settings& settings, Run& run, int agentCount,
               const std::function<std::vector<Endpoint>()>& killLeader) {
  Sample sample;
  run.retryInterval = settings.retryInterval;
  // Declared first, destroyed last: the agents are gone before the framework leaves.
  std::unique_ptr<ScriptedScheduler> scheduler;
  std::vector<std::unique_ptr<ScriptedAgent>> agents;
  for (int i = 0; i < agentCount; ++i)
    agents.push_back(std::make_unique<ScriptedAgent>(run, i));
  const auto setupTimeout = std::chrono::duration_cast<Milliseconds>(settings.timeout);
  if (!waitUntil(
          [&] {
            return std::all_of(agents.begin(), agents.end(),
                               [](const auto& agent) { return agent->registered(); });
          },
          setupTimeout)) {
    sample.failure = "the agents did not all register";
    return sample;
  }
  scheduler = std::make_unique<ScriptedScheduler>(run, agentCount);
  if (!waitUntil(
          [&] {
            return scheduler->running() == agentCount &&
                   std::all_of(agents.begin(), agents.end(),
                               [](const auto& agent) { return agent->hasTask(); });
          },
          setupTimeout)) {
    sample.failure = "only " + std::to_string(scheduler->running()) + " of " +
                     std::to_string(agentCount) + " tasks running before the kill";
    return sample;
  }
  // The registry's writes are batched: let the last admitted agent reach it.
  std::this_thread::sleep_for(500ms);

  run.killedAt = Clock::now();
  run.killed = true;
  const std::vector<Endpoint> survivors = killLeader();
  std::optional<Endpoint> leader;
  waitUntil(
      [&] {
        for (const auto& master : survivors) {
          if (elected(master)) {
            leader = master;
            return true;
          }
        }
        return false;
      },
      setupTimeout, 10ms);
  if (!leader) {
    sample.failure = "no master reported master/elected 1";
    return sample;
  }
  sample.elected = msBetween(run.killedAt, Clock::now());

  std::optional<Clock::time_point> lastBack;
  const bool back = waitUntil(
      [&] {
        Clock::time_point latest = run.killedAt;
        for (const auto& agent : agents) {
          auto at = agent->reregisteredAt();
          if (!at) return false;
          latest = std::max(latest, *at);
        }
        lastBack = latest;
        return scheduler->firstOfferAfterKill().has_value();
      },
      setupTimeout, 10ms);
  if (auto offer = scheduler->firstOfferAfterKill())
    sample.firstOffer = msBetween(run.killedAt, *offer);
  if (lastBack) sample.allReregistered = msBetween(run.killedAt, *lastBack);
  if (!back) {
    int count = 0;
    for (const auto& agent : agents)
      count += agent->reregisteredAt().has_value();
    sample.failure = std::to_string(count) + " of " + std::to_string(agentCount) +
                     " agents re-registered and " +
                     (sample.firstOffer < 0 ? "no offer came" : "an offer came") + " within " +
                     std::to_string(settings.timeout.count()) + " s";
    return sample;
  }
  // The failure issue 12 fixed removed a framework with failover_timeout 0 (killing its
  // tasks) ~0.9 s after its agents came back: keep watching a while.
  std::this_thread::sleep_for(1500ms);
  if (int tasks = runningTasks(*leader); tasks != agentCount) {
    sample.failure = "the new leader knows " + std::to_string(tasks) + " running tasks, not " +
                     std::to_string(agentCount);
  }
  return sample;
}

// What a master logged about frameworks, for a failure's report: the last `limit` lines.
std::string frameworkLog(const Subprocess& master, size_t limit = 12) {
  std::vector<std::string> lines;
  std::istringstream in(master.err() + master.out());
  for (std::string line; std::getline(in, line);)
    if (line.find("framework") != std::string::npos) lines.push_back(line);
  std::string text;
  for (size_t i = lines.size() > limit ? lines.size() - limit : 0; i < lines.size(); ++i)
    text += "\n    " + lines[i];
  return text;
}

// Three masters in ZooKeeper (a fresh znode path per measurement); the leader killed.
Sample measureFailover(const Settings& settings, ZooKeeperServer& zookeeper, const std::string& dir,
                       int agentCount) {
  Sample sample;
  const std::string url = zookeeper.url("/" + std::filesystem::path(dir).filename().string());
  std::vector<uint16_t> ports;
  std::vector<std::unique_ptr<Subprocess>> masters;
  for (int i = 0; i < 3; ++i) {
    ports.push_back(mesolite::testing::freePort());
    std::string error;
    masters.push_back(startMaster(
        settings, ports.back(), dir + "/master" + std::to_string(i),
        {"--zk=" + url, "--quorum=2",
         "--zk_session_timeout=" + std::to_string(settings.sessionTimeout.count()) + "secs"},
        &error));
    if (!masters.back()) {
      sample.failure = error;
      return sample;
    }
  }
  auto endpoint = [&](size_t i) { return Endpoint{"127.0.0.1", ports[i]}; };
  int first = -1;
  waitUntil(
      [&] {
        for (size_t i = 0; i < masters.size(); ++i) {
          if (elected(endpoint(i))) first = int(i);
        }
        return first >= 0;
      },
      20s, 50ms);
  if (first < 0) {
    sample.failure = "no master was elected at start";
    return sample;
  }

  Run run;
  std::atomic<uint16_t> killedPort{0};
  const mesolite::detect::DetectorOptions detector{.sessionTimeout = settings.sessionTimeout};
  // As the real agent: the leader is whoever ZooKeeper names; the killed master is named
  // until its session expires, so that answer is not taken.
  run.locate = [&]() -> std::optional<Endpoint> {
    auto leader = mesolite::detect::detectLeaderOnce(url, 2s, detector);
    if (!leader || leader->endpoint.port == killedPort) return std::nullopt;
    return leader->endpoint;
  };
  sample = measure(settings, run, agentCount, [&] {
    killedPort = ports[size_t(first)];
    masters[size_t(first)]->stop(SIGKILL, 10s);
    std::vector<Endpoint> survivors;
    for (size_t i = 0; i < masters.size(); ++i)
      if (int(i) != first) survivors.push_back(endpoint(i));
    return survivors;
  });
  for (const auto& violation : run.violations())
    sample.failure += (sample.failure.empty() ? "" : "; ") + violation;
  if (!sample.failure.empty()) {
    for (size_t i = 0; i < masters.size(); ++i) {
      if (int(i) != first) {
        sample.failure += "\n  master " + std::to_string(i) + ":" + frameworkLog(*masters[i]);
      }
    }
  }
  return sample;
}

// The reference: one master without ZooKeeper, killed and restarted on the same port.
Sample measureRestart(const Settings& settings, const std::string& dir, int agentCount) {
  Sample sample;
  const uint16_t port = mesolite::testing::freePort();
  const Endpoint endpoint{"127.0.0.1", port};
  std::string error;
  auto master = startMaster(settings, port, dir + "/master", {}, &error);
  if (!master) {
    sample.failure = error;
    return sample;
  }
  Run run;
  run.locate = [&]() -> std::optional<Endpoint> { return endpoint; };
  std::string restartError;
  sample = measure(settings, run, agentCount, [&] {
    master->stop(SIGKILL, 10s);
    master.reset();
    // At once, on the same port and work dir (the log waits for it to listen).
    master = startMaster(settings, port, dir + "/master", {}, &restartError);
    return std::vector<Endpoint>{endpoint};
  });
  if (!restartError.empty()) sample.failure = restartError;
  for (const auto& violation : run.violations())
    sample.failure += (sample.failure.empty() ? "" : "; ") + violation;
  if (!sample.failure.empty() && master) sample.failure += "\n  master:" + frameworkLog(*master);
  return sample;
}

double median(std::vector<double> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// "median (min-max)" of the samples, "-" without any.
std::string cell(const std::vector<double>& values) {
  if (values.empty()) return "-";
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  char text[64];
  std::snprintf(text, sizeof text, "%.0f (%.0f-%.0f)", median(values), *low, *high);
  return text;
}

struct Series {
  std::vector<double> elected, firstOffer, allReregistered;
  void add(const Sample& sample) {
    elected.push_back(sample.elected);
    firstOffer.push_back(sample.firstOffer);
    allReregistered.push_back(sample.allReregistered);
  }
};

std::vector<int> parseList(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) values.push_back(std::max(1, std::stoi(item)));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: failover_bench MASTER [--agents=1,50] [--runs=3] [--session_timeout=2] "
                 "[--retry_interval_ms=100] [--timeout=30]\n";
    return 2;
  }
  Settings settings;
  settings.masterPath = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* prefix) -> std::optional<std::string> {
      if (arg.rfind(prefix, 0) != 0) return std::nullopt;
      return arg.substr(std::strlen(prefix));
    };
    if (auto v = value("--agents=")) settings.agentCounts = parseList(*v);
    if (auto v = value("--runs=")) settings.runs = std::max(1, std::stoi(*v));
    if (auto v = value("--session_timeout="))
      settings.sessionTimeout = std::chrono::seconds(std::clamp(std::stoi(*v), 1, 10));
    if (auto v = value("--retry_interval_ms="))
      settings.retryInterval = Milliseconds(std::max(1, std::stoi(*v)));
    if (auto v = value("--timeout=")) settings.timeout = std::chrono::seconds(std::stoi(*v));
  }
  // The leader detectors of the scripted clients log every look-up.
  spdlog::set_level(spdlog::level::warn);
  if (auto why = ZooKeeperServer::unavailable()) {
    std::cout << "SKIP: failover_bench needs a ZooKeeper server: " << *why << "\n";
    return 77;
  }
  // Ends the bounded waits early; every process is still stopped by its owner.
  struct sigaction action {};
  action.sa_handler = [](int) { interrupted = true; };
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  ZooKeeperServer zookeeper(1);
  if (auto error = zookeeper.start()) {
    std::cout << "FAIL: ZooKeeper did not start: " << *error << "\n";
    return 1;
  }
  char dirTemplate[] = "/tmp/mesolite-failover-bench-XXXXXX";
  const std::string dir = mkdtemp(dirTemplate);

  std::vector<Series> failover(settings.agentCounts.size()), restart(failover.size());
  std::vector<std::string> failures;
  int measurement = 0;
  // Interleaved, so that the machine's drift falls on both kinds alike.
  for (int r = 0; r < settings.runs && !interrupted; ++r) {
    for (size_t k = 0; k < settings.agentCounts.size() && !interrupted; ++k) {
      const int agents = settings.agentCounts[k];
      for (const bool ha : {true, false}) {
        const std::string runDir = dir + "/run" + std::to_string(++measurement);
        const auto sample = ha ? measureFailover(settings, zookeeper, runDir, agents)
                               : measureRestart(settings, runDir, agents);
        std::error_code ignored;
        std::filesystem::remove_all(runDir, ignored);
        std::fprintf(
            stderr, "%s, %d agents, run %d: elected %.0f ms, offer %.0f ms, agents %.0f ms%s%s\n",
            ha ? "failover" : "restart", agents, r + 1, sample.elected, sample.firstOffer,
            sample.allReregistered, sample.failure.empty() ? "" : ": ", sample.failure.c_str());
        if (!sample.failure.empty()) {
          failures.push_back(std::string(ha ? "failover" : "restart") + ", " +
                             std::to_string(agents) + " agents, run " + std::to_string(r + 1) +
                             ": " + sample.failure);
          continue;
        }
        (ha ? failover : restart)[k].add(sample);
      }
    }
  }
  zookeeper.stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);

  std::printf(
      "Master failover, ms from kill -9 of the leader: median (min-max) of %d runs; one "
      "framework (failover_timeout 0), one task per scripted agent; clients retry every %lld ms\n",
      settings.runs, static_cast<long long>(settings.retryInterval.count()));
  std::printf("%-28s %6s %8s %16s %16s %18s\n", "", "agents", "session", "elected", "first offer",
              "all re-registered");
  for (size_t k = 0; k < settings.agentCounts.size(); ++k) {
    const std::string session = std::to_string(settings.sessionTimeout.count()) + " s";
    std::printf("%-28s %6d %8s %16s %16s %18s\n", "3 masters, ZooKeeper", settings.agentCounts[k],
                session.c_str(), cell(failover[k].elected).c_str(),
                cell(failover[k].firstOffer).c_str(), cell(failover[k].allReregistered).c_str());
    std::printf("%-28s %6d %8s %16s %16s %18s\n", "1 master, restarted", settings.agentCounts[k],
                "-", cell(restart[k].elected).c_str(), cell(restart[k].firstOffer).c_str(),
                cell(restart[k].allReregistered).c_str());
  }
  for (size_t k = 0; k < settings.agentCounts.size(); ++k) {
    const auto& ha = failover[k];
    const auto& reference = restart[k];
    if (ha.elected.empty() || reference.elected.empty()) {
      std::printf("%d agents: ratios n/a (a measurement failed)\n", settings.agentCounts[k]);
      continue;
    }
    std::printf(
        "%d agents: HA/restart first offer %.2f, all re-registered %.2f; elected/session "
        "timeout %.2f\n",
        settings.agentCounts[k], median(ha.firstOffer) / median(reference.firstOffer),
        median(ha.allReregistered) / median(reference.allReregistered),
        median(ha.elected) / double(std::chrono::milliseconds(settings.sessionTimeout).count()));
  }
  for (const auto& failure : failures)
    std::printf("FAIL: %s\n", failure.c_str());
  return failures.empty() && !interrupted ? 0 : 1;
}
