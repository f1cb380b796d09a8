// The master's side of the agent <-> master contract, played in-process for root tests
// of a real mesos-agent: an HTTP server on 127.0.0.1 speaking /api/v1/agent (protobuf
// AgentCall in, RecordIO AgentEvent out), plus helpers to build frameworks and tasks.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/http.h"
#include "common/http_server.h"
#include "common/recordio.h"
#include "mesolite/internal.pb.h"

namespace mesolite::testing {

using internal::AgentCall;
using internal::AgentEvent;
using internal::StatusUpdate;

inline constexpr const char* kAgentId = "agent-under-test";

// The master's side of the contract, just enough to drive an agent. Its own
// io_context runs on a thread; the test talks to it under a mutex.
class FakeMaster {
 public:
  FakeMaster() : server_(io_) {
    server_.route("/api/v1/agent", [this](http::Request&& request, http::Responder responder) {
      handle(std::move(request), std::move(responder));
    });
    auto listening = server_.listen("127.0.0.1", 0);
    EXPECT_TRUE(listening) << listening.error().message;
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }

  ~FakeMaster() {
    boost::asio::post(io_, [this] {
      if (stream_) stream_->close();
      server_.stop();
      io_.stop();
    });
    thread_.join();
  }

  uint16_t port() const { return server_.port(); }

  // Sent to the agent in SUBSCRIBED.
  double pingTimeoutSeconds = 30;
  // Acknowledge every status update as soon as it arrives.
  bool autoAck = true;

  std::optional<AgentCall::Subscribe> waitForSubscription(size_t count,
                                                          std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return subscriptions_.size() >= count; })) {
      return std::nullopt;
    }
    return subscriptions_[count - 1];
  }

  // The first update (from `from` on) of `task` in `state`.
  std::optional<StatusUpdate> waitForUpdate(const std::string& task, mesos::v1::TaskState state,
                                            std::chrono::milliseconds timeout, size_t from = 0) {
    std::unique_lock lock(mutex_);
    std::optional<StatusUpdate> found;
    changed_.wait_for(lock, timeout, [&] {
      for (size_t i = from; i < updates_.size(); ++i) {
        if (updates_[i].status().task_id().value() == task &&
            updates_[i].status().state() == state) {
          found = updates_[i];
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // Every update of `task` received so far, re-sends included.
  std::vector<StatusUpdate> updatesOf(const std::string& task) {
    std::lock_guard lock(mutex_);
    std::vector<StatusUpdate> list;
    for (const auto& update : updates_) {
      if (update.status().task_id().value() == task) list.push_back(update);
    }
    return list;
  }

  size_t updateCount() {
    std::lock_guard lock(mutex_);
    return updates_.size();
  }

  std::optional<AgentCall::Pong> waitForPong(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return !pongs_.empty(); })) return std::nullopt;
    return pongs_.front();
  }

  void send(AgentEvent event) {
    boost::asio::post(io_, [this, event = std::move(event)] {
      if (stream_ && !stream_->closed())
        stream_->write(recordio::encode(event.SerializeAsString()));
    });
  }

  void acknowledge(const StatusUpdate& update) { send(ackFor(update)); }

  void runTask(const mesos::v1::FrameworkInfo& framework, const mesos::v1::TaskInfo& task) {
    AgentEvent event;
    event.set_type(AgentEvent::RUN_TASK);
    *event.mutable_run_task()->mutable_framework() = framework;
    *event.mutable_run_task()->mutable_task() = task;
    send(std::move(event));
  }

  // Ends the event stream, as a master that lost the agent would.
  void cutStream() {
    boost::asio::post(io_, [this] {
      if (stream_) stream_->close();
      stream_.reset();
    });
  }

 private:
  static AgentEvent ackFor(const StatusUpdate& update) {
    AgentEvent event;
    event.set_type(AgentEvent::ACKNOWLEDGE_UPDATE);
    auto* ack = event.mutable_acknowledge_update();
    *ack->mutable_framework_id() = update.framework_id();
    *ack->mutable_task_id() = update.status().task_id();
    ack->set_uuid(update.uuid());
    return event;
  }

  void handle(http::Request&& request, http::Responder responder) {
    AgentCall call;
    if (request.method != "POST" || !call.ParseFromString(request.body)) {
      return responder.respond(http::Response::badRequest("not a protobuf AgentCall"));
    }
    if (call.type() == AgentCall::SUBSCRIBE) {
      if (call.subscribe().protocol_version() != 1) {
        return responder.respond(http::Response::badRequest("unsupported protocol_version"));
      }
      if (stream_) stream_->close();
      streamId_ = "stream-" + std::to_string(++streams_);
      http::Headers headers;
      headers["Content-Type"] = "application/x-protobuf";
      headers["Mesos-Stream-Id"] = streamId_;
      stream_ = responder.stream(200, headers);
      AgentEvent subscribed;
      subscribed.set_type(AgentEvent::SUBSCRIBED);
      subscribed.mutable_subscribed()->mutable_agent_id()->set_value(kAgentId);
      subscribed.mutable_subscribed()->set_protocol_version(1);
      subscribed.mutable_subscribed()->set_ping_interval_seconds(pingTimeoutSeconds / 5);
      subscribed.mutable_subscribed()->set_ping_timeout_seconds(pingTimeoutSeconds);
      stream_->write(recordio::encode(subscribed.SerializeAsString()));
      std::lock_guard lock(mutex_);
      subscriptions_.push_back(call.subscribe());
      changed_.notify_all();
      return;
    }
    if (request.header("Mesos-Stream-Id") != streamId_ || !stream_ || stream_->closed()) {
      return responder.respond(http::Response::text(403, "agent is not subscribed"));
    }
    if (call.agent_id().value() != kAgentId) {
      return responder.respond(http::Response::badRequest("wrong agent id"));
    }
    responder.respond(http::Response::text(202, ""));
    std::lock_guard lock(mutex_);
    if (call.type() == AgentCall::STATUS_UPDATE) {
      updates_.push_back(call.status_update());
      if (autoAck)
        stream_->write(recordio::encode(ackFor(call.status_update()).SerializeAsString()));
    } else if (call.type() == AgentCall::PONG) {
      pongs_.push_back(call.pong());
    }
    changed_.notify_all();
  }

  boost::asio::io_context io_;
  http::Server server_;
  std::thread thread_;
  std::shared_ptr<http::ResponseStream> stream_;  // io thread only
  std::string streamId_;                          // io thread only
  int streams_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<AgentCall::Subscribe> subscriptions_;
  std::vector<StatusUpdate> updates_;
  std::vector<AgentCall::Pong> pongs_;
};

inline mesos::v1::FrameworkInfo framework(const std::string& id, bool checkpoint) {
  mesos::v1::FrameworkInfo info;
  info.mutable_id()->set_value(id);
  info.set_user("root");
  info.set_name("fake-" + id);
  info.set_checkpoint(checkpoint);
  return info;
}

inline mesos::v1::TaskInfo task(const std::string& id, const std::string& command,
                                double mem = 32) {
  mesos::v1::TaskInfo info;
  info.set_name(id);
  info.mutable_task_id()->set_value(id);
  info.mutable_agent_id()->set_value(kAgentId);
  info.mutable_command()->set_shell(true);
  info.mutable_command()->set_value(command);
  for (auto [name, value] : {std::pair<const char*, double>{"cpus", 0.1}, {"mem", mem}}) {
    auto* resource = info.add_resources();
    resource->set_name(name);
    resource->set_type(mesos::v1::Value::SCALAR);
    resource->mutable_scalar()->set_value(value);
  }
  return info;
}

}  // namespace mesolite::testing
