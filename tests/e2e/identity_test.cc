// Who may be what on the master: a second agent claiming a connected agent's id is
// refused and the genuine agent's tasks stay as they are; ids, names and labels are
// validated as Mesos validates them, with caps that name the field; the operator
// subscriber cap (--max_operator_event_stream_subscribers) and --rate_limits.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "mesos/v1/master/master.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"
#include "tests/support/api_client.h"

namespace mesolite {
namespace {

using namespace e2e;
using internal::AgentCall;
using internal::AgentEvent;

const std::string kUuid = "0123456789abcdef";

// The state's task `taskId`: its "state", or "" when the master does not show it.
std::string taskState(const Master& master, const std::string& taskId) {
  auto state = master.getJson("/master/state");
  for (const auto& framework : state.value("frameworks", nlohmann::json::array())) {
    for (const char* list : {"tasks", "unreachable_tasks", "completed_tasks"}) {
      for (const auto& task : framework.value(list, nlohmann::json::array()))
        if (task.value("id", "") == taskId) return task.value("state", "");
    }
  }
  return "";
}

TEST(Master, ASecondAgentClaimingAConnectedAgentsIdIsRefused) {
  Master master;
  Scheduler scheduler(master, frameworkInfo());
  FakeAgent agent(master);
  mesos::v1::Offer offer = scheduler.nextOffer();
  ASSERT_EQ(scheduler.launch(offer, "t1", 1, 128).status, 202);
  auto run = agent.next();
  ASSERT_TRUE(run && run->type() == AgentEvent::RUN_TASK);
  ASSERT_EQ(agent.update(scheduler.id(), "t1", mesos::v1::TASK_RUNNING, kUuid), 202);
  auto running = scheduler.nextUpdate();
  ASSERT_TRUE(running && running->state() == mesos::v1::TASK_RUNNING);

  // An impostor at another address claims the id, reporting no tasks, many times.
  for (int i = 0; i < 5; ++i) {
    auto refused = testing::postCall(master.endpoint(), "/api/v1/agent",
                                     FakeAgent::subscribeCall(agent.id(), {}, {}, 6000 + i),
                                     ContentType::kProtobuf);
    ASSERT_EQ(refused.status, 409) << refused.body;
    EXPECT_NE(refused.body.find("'" + agent.id() + "'"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("127.0.0.1:5051"), std::string::npos) << refused.body;
  }
  // The genuine agent's task never flipped: no update reached the framework.
  EXPECT_FALSE(scheduler.nextUpdate(500ms));
  EXPECT_EQ(taskState(master, "t1"), "TASK_RUNNING");
  auto metrics = master.getJson("/metrics/snapshot");
  EXPECT_EQ(metrics.value("master/slave_reregistrations", -1.0), 0);
  EXPECT_EQ(metrics.value("master/tasks_lost", -1.0), 0);
  // The genuine agent still gets what is meant for it.
  ASSERT_EQ(scheduler
                .call([&] {
                  Call kill;
                  kill.set_type(Call::KILL);
                  kill.mutable_kill()->mutable_task_id()->set_value("t1");
                  return kill;
                }())
                .status,
            202);
  auto kill = agent.next();
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->type(), AgentEvent::KILL_TASK);

  // Once the first is gone, an agent at a new address may take the id (agents move).
  agent.disconnect();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(50ms);
    EventStream moved(master.endpoint(), "/api/v1/agent",
                      FakeAgent::subscribeCall(agent.id(), {}, {}, 5052), ContentType::kProtobuf);
    status = moved.status();
    if (status == 200) {
      AgentEvent subscribed;
      ASSERT_TRUE(moved.next(&subscribed));
      EXPECT_EQ(subscribed.subscribed().agent_id().value(), agent.id());
    } else {
      EXPECT_EQ(status, 409);
    }
  }
  EXPECT_EQ(status, 200);
}

TEST(Master, IdsAndNamesAreValidatedAsMesosDoes) {
  Master master;
  auto subscribe = [&](const mesos::v1::FrameworkInfo& info) {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    if (info.has_id()) *call.mutable_framework_id() = info.id();
    *call.mutable_subscribe()->mutable_framework_info() = info;
    return testing::postCall(master.endpoint(), "/api/v1/scheduler", call, ContentType::kJson);
  };
  auto info = frameworkInfo();
  info.mutable_id()->set_value("../../etc");
  auto badId = subscribe(info);
  EXPECT_EQ(badId.status, 400);
  EXPECT_NE(badId.body.find("framework_info.id.value"), std::string::npos) << badId.body;
  info = frameworkInfo(std::string(5000, 'n'));
  auto longName = subscribe(info);
  EXPECT_EQ(longName.status, 400);
  EXPECT_NE(longName.body.find("framework_info.name"), std::string::npos) << longName.body;
  info = frameworkInfo();
  for (int i = 0; i < 300; ++i)
    info.mutable_labels()->add_labels()->set_key("k" + std::to_string(i));
  auto labels = subscribe(info);
  EXPECT_EQ(labels.status, 400);
  EXPECT_NE(labels.body.find("framework_info.labels"), std::string::npos) << labels.body;

  // Tasks: TASK_ERROR naming the field, as Mesos answers an invalid task.
  Scheduler scheduler(master, frameworkInfo());
  FakeAgent agent(master);
  const std::vector<std::pair<std::function<void(mesos::v1::TaskInfo*)>, std::string>> bad = {
      {[](auto* task) { task->mutable_task_id()->set_value("a/b"); }, "task_id.value"},
      {[](auto* task) { task->mutable_task_id()->set_value(".."); }, "task_id.value"},
      {[](auto* task) { task->mutable_task_id()->set_value("tab\there"); }, "task_id.value"},
      {[](auto* task) { task->mutable_task_id()->set_value(std::string(256, 'x')); },
       "task_id.value"},
      {[](auto* task) { task->set_name(std::string(5000, 'n')); }, "name"},
      {[](auto* task) {
         auto* label = task->mutable_labels()->add_labels();
         label->set_key("k");
         label->set_value(std::string(5000, 'v'));
       },
       "labels.labels[0].value"},
  };
  for (const auto& [spoil, field] : bad) {
    mesos::v1::Offer offer = scheduler.nextOffer();
    Call call;
    call.set_type(Call::ACCEPT);
    *call.mutable_accept()->add_offer_ids() = offer.id();
    call.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
    auto* operation = call.mutable_accept()->add_operations();
    operation->set_type(mesos::v1::Offer::Operation::LAUNCH);
    auto* task = operation->mutable_launch()->add_task_infos();
    task->set_name("t");
    task->mutable_task_id()->set_value("t");
    *task->mutable_agent_id() = offer.agent_id();
    task->mutable_command()->set_value("true");
    *task->add_resources() = scalar("cpus", 1);
    spoil(task);
    auto accepted = scheduler.call(call);
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    auto error = scheduler.nextUpdate();
    ASSERT_TRUE(error) << field;
    EXPECT_EQ(error->state(), mesos::v1::TASK_ERROR) << field;
    EXPECT_NE(error->message().find(field), std::string::npos) << error->message();
  }
  // An agent re-registering with an id that could be a path is refused.
  auto badAgent = testing::postCall(master.endpoint(), "/api/v1/agent",
                                    FakeAgent::subscribeCall("../S1"), ContentType::kProtobuf);
  EXPECT_EQ(badAgent.status, 400);
  EXPECT_NE(badAgent.body.find("agent_info.id.value"), std::string::npos) << badAgent.body;
}

TEST(Master, OperatorSubscribersBeyondTheCapGet503UntilOneLeaves) {
  Master master({"--max_operator_event_stream_subscribers=2"});
  mesos::v1::master::Call call;
  call.set_type(mesos::v1::master::Call::SUBSCRIBE);
  auto first =
      std::make_unique<EventStream>(master.endpoint(), "/api/v1", call, ContentType::kJson);
  EventStream second(master.endpoint(), "/api/v1", call, ContentType::kJson);
  ASSERT_EQ(first->status(), 200);
  ASSERT_EQ(second.status(), 200);
  auto refused = testing::postCall(master.endpoint(), "/api/v1", call, ContentType::kJson);
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("--max_operator_event_stream_subscribers"), std::string::npos)
      << refused.body;
  first->close();
  first.reset();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(50ms);
    EventStream third(master.endpoint(), "/api/v1", call, ContentType::kJson);
    status = third.status();
  }
  EXPECT_EQ(status, 200);
}

TEST(Master, RateLimitsQueueThenRefuseAPrincipalsCalls) {
  Master master({R"(--rate_limits={"limits": [{"principal": "slow", "qps": 2, "capacity": 2}]})"});
  auto info = frameworkInfo();
  info.set_principal("slow");
  Scheduler slow(master, info);
  ASSERT_EQ(slow.status(), 200);  // the bucket's first call runs at once
  auto fast = frameworkInfo("fast");
  fast.set_principal("fast");
  Scheduler other(master, fast);
  ASSERT_EQ(other.status(), 200);

  // Four REVIVEs at once: the first two wait (0.5 s, 1 s), the next two are refused.
  std::vector<std::thread> threads;
  std::vector<int> statuses(4);
  std::vector<double> seconds(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * i));
      Call revive;
      revive.set_type(Call::REVIVE);
      const auto start = std::chrono::steady_clock::now();
      statuses[size_t(i)] = slow.call(revive).status;
      seconds[size_t(i)] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 202), 2);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429), 2);
  EXPECT_GT(*std::max_element(seconds.begin(), seconds.end()), 0.3);
  // Another principal is not throttled.
  Call revive;
  revive.set_type(Call::REVIVE);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(other.call(revive).status, 202);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
}

TEST(Master, RateLimitsWithUnknownFieldsAreRefusedAtStart) {
  testing::Subprocess master({std::getenv("MESOLITE_MASTER"), "--ip=127.0.0.1",
                              "--port=" + std::to_string(testing::freePort()),
                              "--registry=in_memory",
                              R"(--rate_limits={"limits": [{"principal": "a", "burst": 1}]})"});
  auto status = master.wait(10s);
  ASSERT_TRUE(status);
  EXPECT_NE(*status, 0);
  EXPECT_NE(master.err().find("'burst'"), std::string::npos) << master.err();
}

}  // namespace
}  // namespace mesolite
