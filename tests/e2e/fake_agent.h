// An agent played by the test, speaking the agent protocol (proto/mesolite/internal.proto)
// to a real mesos-master: it registers, then shows what the master sends it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mesolite/internal.pb.h"
#include "tests/e2e/cluster.h"

namespace mesolite::e2e {

class FakeAgent {
  using AgentCall = internal::AgentCall;
  using AgentEvent = internal::AgentEvent;

 public:
  FakeAgent(const Master& master, const std::string& id = "",
            std::vector<mesos::v1::Task> tasks = {},
            std::vector<mesos::v1::FrameworkInfo> frameworks = {}, uint32_t port = 5051)
      : endpoint_(master.endpoint()) {
    const AgentCall call = subscribeCall(id, std::move(tasks), std::move(frameworks), port);
    stream_ =
        std::make_unique<EventStream>(endpoint_, "/api/v1/agent", call, ContentType::kProtobuf);
    EXPECT_EQ(stream_->status(), 200);
    streamId_ = stream_->header("Mesos-Stream-Id");
    AgentEvent subscribed;
    EXPECT_TRUE(stream_->next(&subscribed));
    EXPECT_EQ(subscribed.type(), AgentEvent::SUBSCRIBED);
    id_ = subscribed.subscribed().agent_id().value();
  }

  // The SUBSCRIBE of an agent at `port` (of 127.0.0.1), claiming `id` when not empty.
  static AgentCall subscribeCall(const std::string& id, std::vector<mesos::v1::Task> tasks = {},
                                 std::vector<mesos::v1::FrameworkInfo> frameworks = {},
                                 uint32_t port = 5051) {
    AgentCall call;
    call.set_type(AgentCall::SUBSCRIBE);
    auto* subscribe = call.mutable_subscribe();
    subscribe->set_protocol_version(1);
    subscribe->set_version("test");
    auto* info = subscribe->mutable_agent_info();
    info->set_hostname("fake-agent");
    info->set_port(port);
    if (!id.empty()) info->mutable_id()->set_value(id);
    *info->add_resources() = scalar("cpus", 2);
    *info->add_resources() = scalar("mem", 1024);
    *subscribe->add_resources() = scalar("cpus", 2);
    *subscribe->add_resources() = scalar("mem", 1024);
    for (auto& task : tasks)
      *subscribe->add_tasks() = std::move(task);
    for (auto& framework : frameworks)
      *subscribe->add_frameworks() = std::move(framework);
    return call;
  }

  const std::string& id() const { return id_; }

  // The next event that is not a PING (pings are answered when `answerPings`).
  std::optional<AgentEvent> next(std::chrono::milliseconds timeout = 10s) {
    AgentEvent event;
    while (stream_->next(&event, timeout)) {
      if (event.type() != AgentEvent::PING) return event;
      if (answerPings) {
        AgentCall pong;
        pong.set_type(AgentCall::PONG);
        pong.mutable_pong()->set_sequence(event.ping().sequence());
        call(pong);
      }
    }
    return std::nullopt;
  }

  int call(AgentCall call) {
    call.mutable_agent_id()->set_value(id_);
    return testing::postCall(endpoint_, "/api/v1/agent", call, ContentType::kProtobuf,
                             {{"Mesos-Stream-Id", streamId_}})
        .status;
  }

  int update(const std::string& frameworkId, const std::string& taskId, mesos::v1::TaskState state,
             const std::string& uuid) {
    AgentCall call;
    call.set_type(AgentCall::STATUS_UPDATE);
    auto* update = call.mutable_status_update();
    update->mutable_framework_id()->set_value(frameworkId);
    auto* status = update->mutable_status();
    status->mutable_task_id()->set_value(taskId);
    status->set_state(state);
    status->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
    status->mutable_agent_id()->set_value(id_);
    status->set_uuid(uuid);
    // As a real agent, which stamps each status when it makes it.
    status->set_timestamp(
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    update->set_uuid(uuid);
    update->set_latest_state(state);
    return this->call(call);
  }

  void disconnect() { stream_->close(); }

  bool answerPings = true;

 private:
  http::Endpoint endpoint_;
  std::unique_ptr<EventStream> stream_;
  std::string streamId_;
  std::string id_;
};

// A task as an agent reports it when it subscribes again: running, 1 cpu and 128 MB.
inline mesos::v1::Task runningTask(const std::string& frameworkId, const std::string& agentId,
                                   const std::string& taskId) {
  mesos::v1::Task task;
  task.set_name(taskId);
  task.mutable_task_id()->set_value(taskId);
  task.mutable_framework_id()->set_value(frameworkId);
  task.mutable_agent_id()->set_value(agentId);
  task.set_state(mesos::v1::TASK_RUNNING);
  *task.add_resources() = scalar("cpus", 1);
  *task.add_resources() = scalar("mem", 128);
  return task;
}

// Fails the test if the agent hears, during `during`, that a task or framework must stop.
inline void expectNoKill(FakeAgent& agent, std::chrono::milliseconds during) {
  const auto deadline = std::chrono::steady_clock::now() + during;
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = agent.next(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!event) return;
    EXPECT_NE(event->type(), internal::AgentEvent::SHUTDOWN_FRAMEWORK) << event->DebugString();
    EXPECT_NE(event->type(), internal::AgentEvent::KILL_TASK) << event->DebugString();
  }
}

}  // namespace mesolite::e2e
