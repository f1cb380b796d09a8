// What the end-to-end tests share: a real mesos-master on a free loopback port, and a
// scheduler speaking the v1 Scheduler API from the test's side.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/api_codec.h"
#include "common/http_client.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "tests/support/api_client.h"
#include "tests/support/subprocess.h"

namespace mesolite::e2e {

using api::ContentType;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using testing::EventStream;
using testing::Subprocess;
using namespace std::chrono_literals;

class Master {
 public:
  // `port` 0: a free one; a master restarted on the port of an earlier one names it.
  explicit Master(std::vector<std::string> extra = {}, uint16_t port = 0)
      : port_(port != 0 ? port : testing::freePort()) {
    std::vector<std::string> argv = {std::getenv("MESOLITE_MASTER"), "--ip=127.0.0.1",
                                     "--port=" + std::to_string(port_),
                                     "--allocation_interval=50ms"};
    bool pings = false, registry = false;
    for (const auto& flag : extra) {
      pings |= flag.rfind("--agent_ping_timeout", 0) == 0;
      registry |= flag.rfind("--registry", 0) == 0 || flag.rfind("--work_dir", 0) == 0;
    }
    if (!pings) argv.push_back("--agent_ping_timeout=30secs");  // scripted agents stay
    if (!registry) argv.push_back("--registry=in_memory");
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Subprocess>(argv);
    if (!process_->waitForLine("master listening on", 10s)) {
      ADD_FAILURE() << "master did not start: " << process_->err();
    }
  }
  http::Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  // POST /master/teardown as operators do: the HTTP status (0 if nothing answered).
  int teardown(const std::string& frameworkId) const {
    http::Request request;
    request.method = "POST";
    request.path = "/master/teardown";
    request.headers["Content-Type"] = "application/x-www-form-urlencoded";
    request.body = "frameworkId=" + frameworkId;
    auto response = http::fetch(endpoint(), request);
    return response ? response->status : 0;
  }
  nlohmann::json getJson(const std::string& path) const {
    http::Request request;
    request.method = "GET";
    request.path = path;
    auto response = http::fetch(endpoint(), request);
    if (!response || response->status != 200) return nullptr;
    return nlohmann::json::parse(response->body, nullptr, false);
  }
  Subprocess& process() { return *process_; }

 private:
  uint16_t port_;
  std::unique_ptr<Subprocess> process_;
};

inline mesos::v1::Resource scalar(const std::string& name, double value) {
  mesos::v1::Resource resource;
  resource.set_name(name);
  resource.set_type(mesos::v1::Value::SCALAR);
  resource.mutable_scalar()->set_value(value);
  return resource;
}

// An agent played by the test: it registers, then shows what the master sends it.
inline mesos::v1::FrameworkInfo frameworkInfo(const std::string& name = "test-framework") {
  mesos::v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name(name);
  info.set_failover_timeout(60);
  info.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE);
  return info;
}

class Scheduler {
 public:
  Scheduler(const Master& master, mesos::v1::FrameworkInfo info,
            ContentType type = ContentType::kJson)
      : endpoint_(master.endpoint()), type_(type) {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    if (info.has_id()) *call.mutable_framework_id() = info.id();
    *call.mutable_subscribe()->mutable_framework_info() = info;
    stream_ = std::make_unique<EventStream>(endpoint_, "/api/v1/scheduler", call, type);
    status_ = stream_->status();
    if (status_ != 200) {
      std::cerr << "SUBSCRIBE answered " << status_ << ": " << stream_->body() << " "
                << stream_->endError() << "\n";
      return;
    }
    streamId_ = stream_->header("Mesos-Stream-Id");
    Event subscribed;
    EXPECT_TRUE(stream_->next(&subscribed));
    EXPECT_EQ(subscribed.type(), Event::SUBSCRIBED);
    heartbeat_ = subscribed.subscribed().heartbeat_interval_seconds();
    id_ = subscribed.subscribed().framework_id().value();
  }

  int status() const { return status_; }
  const std::string& id() const { return id_; }
  const std::string& streamId() const { return streamId_; }
  double heartbeat() const { return heartbeat_; }

  // Reads what is left of the stream; true when the master ended it within `timeout`.
  bool endsWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Event event;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!stream_->next(&event, left)) break;
    }
    return stream_->ended();
  }

  // The next event of `type`, skipping others (heartbeats, offers...) on the way.
  std::optional<Event> waitFor(Event::Type type, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Event event;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!stream_->next(&event, left)) return std::nullopt;
      if (event.type() == type) return event;
    }
    return std::nullopt;
  }

  // The next UPDATE event (other events are skipped).
  std::optional<mesos::v1::TaskStatus> nextUpdate(std::chrono::milliseconds timeout = 10s) {
    auto event = waitFor(Event::UPDATE, timeout);
    if (!event) return std::nullopt;
    return event->update().status();
  }

  mesos::v1::Offer nextOffer() {
    auto event = waitFor(Event::OFFERS);
    EXPECT_TRUE(event.has_value());
    if (!event || event->offers().offers().empty()) return {};
    return event->offers().offers(0);
  }

  http::Response call(Call call) {
    call.mutable_framework_id()->set_value(id_);
    return testing::postCall(endpoint_, "/api/v1/scheduler", call, type_,
                             {{"Mesos-Stream-Id", streamId_}});
  }

  http::Response launch(const mesos::v1::Offer& offer, const std::string& taskId, double cpus,
                        double mem, const std::string& command = "sleep 1000") {
    Call call;
    call.set_type(Call::ACCEPT);
    auto* accept = call.mutable_accept();
    *accept->add_offer_ids() = offer.id();
    accept->mutable_filters()->set_refuse_seconds(0);
    auto* task = accept->add_operations();
    task->set_type(mesos::v1::Offer::Operation::LAUNCH);
    auto* info = task->mutable_launch()->add_task_infos();
    info->set_name(taskId);
    info->mutable_task_id()->set_value(taskId);
    *info->mutable_agent_id() = offer.agent_id();
    info->mutable_command()->set_value(command);
    *info->add_resources() = scalar("cpus", cpus);
    *info->add_resources() = scalar("mem", mem);
    return this->call(call);
  }

  // RECONCILE of these tasks, or of all (implicit) when none are named: the HTTP status.
  int reconcile(const std::vector<std::string>& taskIds = {}) {
    Call call;
    call.set_type(Call::RECONCILE);
    call.mutable_reconcile();
    for (const auto& id : taskIds)
      call.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value(id);
    return this->call(call).status;
  }

  http::Response acknowledge(const mesos::v1::TaskStatus& status) {
    Call call;
    call.set_type(Call::ACKNOWLEDGE);
    *call.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
    *call.mutable_acknowledge()->mutable_task_id() = status.task_id();
    call.mutable_acknowledge()->set_uuid(status.uuid());
    return this->call(call);
  }

  void disconnect() { stream_->close(); }
  bool ended() { return stream_->ended(); }

 private:
  http::Endpoint endpoint_;
  ContentType type_;
  std::unique_ptr<EventStream> stream_;
  int status_ = 0;
  std::string streamId_;
  std::string id_;
  double heartbeat_ = 0;
};

}  // namespace mesolite::e2e
