// The scripted clients of the failover benchmark (failover_bench.cc): agents speaking the
// agent protocol and a framework speaking the v1 Scheduler API, each finding the leading
// master again through ZooKeeper after a kill, as the real agent and mesos-execute do.
#pragma once

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

namespace failover_bench {

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

inline constexpr double kTaskCpus = 1;
inline constexpr double kTaskMem = 128;

// Set by the benchmark on SIGINT/SIGTERM: every client stops.
inline std::atomic<bool> interrupted{false};

inline double msBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

inline mesos::v1::Resource scalar(const std::string& name, double value) {
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

  // A client's life until the run is over: find the leader, subscribe, serve the stream
  // until it ends; again, pausing after each failure.
  template <typename Subscribe, typename Serve>
  void reconnectUntilOver(Subscribe subscribe, Serve serve) {
    while (!over()) {
      auto endpoint = locate();
      if (!endpoint || !subscribe(*endpoint)) {
        pause();
        continue;
      }
      serve();
    }
  }

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
    run_.reconnectUntilOver([this](const Endpoint& endpoint) { return subscribe(endpoint); },
                            [this] { serve(); });
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
    run_.reconnectUntilOver([this](const Endpoint& endpoint) { return subscribe(endpoint); },
                            [this] { serve(); });
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

}  // namespace failover_bench
