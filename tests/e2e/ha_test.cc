// Three real mesos-masters elected in a real ZooKeeper (tests/support/zookeeper_server.h),
// with scripted agents and schedulers: one leads and the others redirect to it; the leader
// killed with kill -9 is replaced within seconds and no task is killed; ZooKeeper stopped
// longer than the session timeout makes the leader stop leading at once, and a leader is
// elected again when it returns. No root.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <thread>

#include "mesolite/internal.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"
#include "tests/e2e/ha_ensemble.h"
#include "tests/support/api_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/zookeeper_server.h"

namespace mesolite {
namespace {

using namespace e2e;
using internal::AgentEvent;

const std::string kUuid = "0123456789abcdef";

#define REQUIRE_ZOOKEEPER(ensemble) \
  if ((ensemble).skip()) GTEST_SKIP() << *(ensemble).skip()

// A framework as mesos-execute's (failover timeout 0, not partition-aware) with a task
// launched on a scripted agent, through `leader`.
struct Launched {
  Launched(Master& leader, const std::string& taskId) {
    info = frameworkInfo();
    info.set_failover_timeout(0);
    info.clear_capabilities();
    scheduler = std::make_unique<Scheduler>(leader, info);
    EXPECT_EQ(scheduler->status(), 200);
    agent = std::make_unique<FakeAgent>(leader);
    EXPECT_EQ(scheduler->launch(scheduler->nextOffer(), taskId, 1, 128).status, 202);
    EXPECT_TRUE(agent->next());  // RUN_TASK
  }
  mesos::v1::FrameworkInfo info;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<FakeAgent> agent;
};

TEST(HighAvailability, OneMasterLeadsAndTheOthersRedirectToIt) {
  Ensemble ensemble;
  REQUIRE_ZOOKEEPER(ensemble);
  const int leader = ensemble.leader();
  ASSERT_GE(leader, 0);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ensemble.leaders(), 1);
  const std::string leaderAddress =
      "//127.0.0.1:" + std::to_string(ensemble.master(leader).endpoint().port);
  for (size_t i = 0; i < 3; ++i) {
    if (int(i) == leader) continue;
    Master& follower = ensemble.master(i);
    EXPECT_EQ(follower.getJson("/metrics/snapshot").value("master/elected", -1.0), 0.0);
    for (const std::string path : {"/master/state", "/state.json", "/master/frameworks",
                                   "/agent/a1-S0/monitor/statistics"}) {
      auto response = http::fetch(follower.endpoint(), {.method = "GET", .path = path});
      ASSERT_TRUE(response) << path;
      EXPECT_EQ(response->status, 307) << path;
      EXPECT_EQ(response->headers["Location"], leaderAddress + path);
    }
    auto redirect = http::fetch(follower.endpoint(), {.method = "GET", .path = "/master/redirect"});
    ASSERT_TRUE(redirect);
    EXPECT_EQ(redirect->status, 307);
    EXPECT_EQ(redirect->headers["Location"], leaderAddress);
    // Schedulers are sent to the leader too.
    Scheduler scheduler(follower, frameworkInfo());
    EXPECT_EQ(scheduler.status(), 307);
    // What every master answers itself.
    auto health = http::fetch(follower.endpoint(), {.method = "GET", .path = "/health"});
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
  }
}

TEST(HighAvailability, KillingTheLeaderElectsAnotherThatKeepsEveryTask) {
  Ensemble ensemble;
  REQUIRE_ZOOKEEPER(ensemble);
  const int first = ensemble.leader();
  ASSERT_GE(first, 0);
  Launched launched(ensemble.master(first), "survivor");
  ASSERT_FALSE(::testing::Test::HasFailure());
  mesos::v1::FrameworkInfo info = launched.info;
  auto& scheduler = launched.scheduler;
  auto& agent = launched.agent;
  const std::string frameworkId = scheduler->id();
  const std::string agentId = agent->id();
  ASSERT_EQ(agent->update(frameworkId, "survivor", mesos::v1::TASK_RUNNING, kUuid), 202);
  ASSERT_TRUE(scheduler->nextUpdate());  // not acknowledged: the agent keeps it

  const auto killed = std::chrono::steady_clock::now();
  ensemble.kill(first);
  agent.reset();
  scheduler.reset();
  const int second = ensemble.leader(10s);
  ASSERT_GE(second, 0) << "no new leader within 10 s\n" << ensemble.logs();
  const auto elected = std::chrono::steady_clock::now();
  std::cerr << "new leader elected "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elected - killed).count()
            << " ms after the kill\n";
  Master& leader = ensemble.master(second);
  // It read the registry: it waits for the agent.
  EXPECT_EQ(leader.getJson("/master/slaves")["recovered_slaves"].size(), 1u);

  info.mutable_id()->set_value(frameworkId);
  FakeAgent back(leader, agentId, {runningTask(frameworkId, agentId, "survivor")}, {info});
  Scheduler again(leader, info);
  ASSERT_EQ(again.status(), 200);
  EXPECT_EQ(again.id(), frameworkId);
  // Offers resume: what the task does not hold.
  EXPECT_EQ(again.nextOffer().agent_id().value(), agentId);
  // The update that was never acknowledged, retried by the agent, reaches the framework.
  ASSERT_EQ(back.update(frameworkId, "survivor", mesos::v1::TASK_RUNNING, kUuid), 202);
  auto retried = again.nextUpdate();
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->uuid(), kUuid);
  expectNoKill(back, 1500ms);
  auto tasks = leader.getJson("/master/tasks");
  ASSERT_EQ(tasks["tasks"].size(), 1u) << tasks.dump();
  EXPECT_EQ(tasks["tasks"][0]["state"], "TASK_RUNNING");
  EXPECT_EQ(ensemble.leaders(), 1);

  // The operator event stream of the new leader starts with the state as it is now.
  mesos::v1::master::Call subscribe;
  subscribe.set_type(mesos::v1::master::Call::SUBSCRIBE);
  testing::EventStream operatorStream(leader.endpoint(), "/api/v1", subscribe,
                                      ContentType::kProtobuf);
  ASSERT_EQ(operatorStream.status(), 200);
  mesos::v1::master::Event snapshot;
  ASSERT_TRUE(operatorStream.next(&snapshot));
  ASSERT_EQ(snapshot.type(), mesos::v1::master::Event::SUBSCRIBED);
  const auto& state = snapshot.subscribed().get_state();
  ASSERT_EQ(state.get_tasks().tasks_size(), 1) << state.DebugString();
  EXPECT_EQ(state.get_tasks().tasks(0).task_id().value(), "survivor");
  EXPECT_EQ(state.get_tasks().tasks(0).state(), mesos::v1::TASK_RUNNING);
  ASSERT_EQ(state.get_agents().agents_size(), 1);
  EXPECT_EQ(state.get_agents().agents(0).agent_info().id().value(), agentId);
  ASSERT_EQ(state.get_frameworks().frameworks_size(), 1);
  EXPECT_EQ(state.get_frameworks().frameworks(0).framework_info().id().value(), frameworkId);
}

TEST(HighAvailability, ALeaderWithoutZooKeeperStopsLeadingAndOneLeadsAgainWhenItReturns) {
  Ensemble ensemble;
  REQUIRE_ZOOKEEPER(ensemble);
  const int first = ensemble.leader();
  ASSERT_GE(first, 0);
  Launched launched(ensemble.master(first), "steady");
  ASSERT_FALSE(::testing::Test::HasFailure());
  mesos::v1::FrameworkInfo info = launched.info;
  auto& scheduler = launched.scheduler;
  auto& agent = launched.agent;
  const std::string frameworkId = scheduler->id();
  const std::string agentId = agent->id();

  ensemble.zookeeper().stop();
  // The session timeout is 2 s: past it, nobody leads, and the old leader's streams end.
  const auto deadline = std::chrono::steady_clock::now() + 8s;
  while (ensemble.leaders() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(ensemble.leaders(), 0) << "a master still leads without ZooKeeper";
  // The stepped-down master hands out nothing: its scheduler stream is over, and a new
  // scheduler is told that no leader is elected (503) or sent elsewhere (307).
  EXPECT_TRUE(scheduler->endsWithin(2s));
  Scheduler refused(ensemble.master(first), frameworkInfo());
  EXPECT_TRUE(refused.status() == 503 || refused.status() == 307) << refused.status();
  expectNoKill(*agent, 500ms);
  std::this_thread::sleep_for(3s);  // ZooKeeper away for ~6 s in all

  ASSERT_EQ(ensemble.zookeeper().start(), std::nullopt);
  const int second = ensemble.leader(20s);
  ASSERT_GE(second, 0) << "no leader after ZooKeeper returned\n" << ensemble.logs();
  Master& leader = ensemble.master(second);
  agent.reset();
  scheduler.reset();
  info.mutable_id()->set_value(frameworkId);
  FakeAgent back(leader, agentId, {runningTask(frameworkId, agentId, "steady")}, {info});
  Scheduler again(leader, info);
  ASSERT_EQ(again.status(), 200);
  EXPECT_EQ(again.id(), frameworkId);
  expectNoKill(back, 1500ms);
  EXPECT_EQ(leader.getJson("/master/tasks")["tasks"].size(), 1u);
}

}  // namespace
}  // namespace mesolite
