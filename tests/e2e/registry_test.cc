// The registry of a single master (--registry=replicated_log, in --work_dir): a master
// restarted with kill -9 knows its agents and frameworks, keeps every task of a framework
// recovered from its agents (even one without failover timeout), marks unreachable the
// agents that do not come back in time, within the removal limits, and refuses a corrupt
// registry by its path. The real mesos-master, scripted agents and schedulers; no root.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "mesolite/internal.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"
#include "tests/support/api_client.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace e2e;
using internal::AgentEvent;

const std::string kUuid = "0123456789abcdef";

class WorkDir {
 public:
  WorkDir() {
    char path[] = "/tmp/mesolite-registry-XXXXXX";
    path_ = ::mkdtemp(path);
  }
  ~WorkDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string registry() const { return path_ + "/registry/registry.pb"; }

 private:
  std::string path_;
};

std::vector<std::string> durable(const WorkDir& dir, std::vector<std::string> extra = {}) {
  extra.push_back("--registry=replicated_log");
  extra.push_back("--work_dir=" + dir.path());
  return extra;
}

void killHard(Master& master) {
  ASSERT_TRUE(master.process().stop(SIGKILL, 10s).has_value());
}

double metric(const Master& master, const std::string& name) {
  auto snapshot = master.getJson("/metrics/snapshot");
  if (!snapshot.is_object() || !snapshot.contains(name)) return -1;
  return snapshot[name].get<double>();
}

TEST(Registry, RestartedMasterKeepsTheTasksOfAFrameworkWithoutFailoverTimeout) {
  WorkDir dir;
  auto first = std::make_unique<Master>(durable(dir));
  const uint16_t port = first->endpoint().port;
  mesos::v1::FrameworkInfo info = frameworkInfo();
  info.set_failover_timeout(0);  // mesos-execute's: gone the moment it disconnects
  info.clear_capabilities();     // not partition-aware either
  auto scheduler = std::make_unique<Scheduler>(*first, info);
  ASSERT_EQ(scheduler->status(), 200);
  const std::string frameworkId = scheduler->id();
  auto agent = std::make_unique<FakeAgent>(*first);
  const std::string agentId = agent->id();
  mesos::v1::Offer offer = scheduler->nextOffer();
  ASSERT_EQ(scheduler->launch(offer, "survivor", 1, 128).status, 202);
  ASSERT_TRUE(agent->next());  // RUN_TASK
  ASSERT_EQ(agent->update(frameworkId, "survivor", mesos::v1::TASK_RUNNING, kUuid), 202);

  killHard(*first);
  agent.reset();
  scheduler.reset();
  Master second(durable(dir), port);

  // Before the agent is back, the new master knows it from the registry.
  auto slaves = second.getJson("/master/slaves");
  ASSERT_TRUE(slaves.is_object());
  ASSERT_EQ(slaves["recovered_slaves"].size(), 1u) << slaves.dump();
  EXPECT_EQ(slaves["recovered_slaves"][0]["id"], agentId);
  EXPECT_EQ(metric(second, "master/elected"), 1);
  // And the framework, from the registry, recovered and not connected.
  auto frameworks = second.getJson("/master/frameworks");
  ASSERT_EQ(frameworks["frameworks"].size(), 1u) << frameworks.dump();
  EXPECT_EQ(frameworks["frameworks"][0]["id"], frameworkId);

  info.mutable_id()->set_value(frameworkId);
  FakeAgent back(second, agentId, {runningTask(frameworkId, agentId, "survivor")}, {info});
  EXPECT_EQ(back.id(), agentId);
  // Mesos's bug-compatible behaviour would remove the framework 0 s after the agent's
  // return and kill its task; nothing of the kind may reach the agent.
  expectNoKill(back, 2500ms);
  EXPECT_EQ(second.getJson("/master/slaves")["recovered_slaves"].size(), 0u);

  Scheduler again(second, info);
  ASSERT_EQ(again.status(), 200);
  EXPECT_EQ(again.id(), frameworkId);
  auto tasks = second.getJson("/master/tasks");
  ASSERT_EQ(tasks["tasks"].size(), 1u) << tasks.dump();
  EXPECT_EQ(tasks["tasks"][0]["state"], "TASK_RUNNING");
  // Offers resume: what the task does not hold.
  mesos::v1::Offer resumed = again.nextOffer();
  EXPECT_EQ(resumed.agent_id().value(), agentId);
  expectNoKill(back, 500ms);
}

TEST(Registry, AgentsThatDoNotReturnInTimeAreMarkedUnreachableAndKeepTheirTasksOnReturn) {
  WorkDir dir;
  auto first = std::make_unique<Master>(durable(dir));
  const uint16_t port = first->endpoint().port;
  std::string agentId;
  {
    FakeAgent agent(*first);
    agentId = agent.id();
  }
  killHard(*first);

  auto second = std::make_unique<Master>(durable(dir, {"--agent_reregister_timeout=1secs"}), port);
  EXPECT_EQ(second->getJson("/master/slaves")["recovered_slaves"].size(), 1u);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (metric(*second, "master/recovery_slave_removals") < 1 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(metric(*second, "master/recovery_slave_removals"), 1);
  EXPECT_EQ(second->getJson("/master/slaves")["recovered_slaves"].size(), 0u);
  killHard(*second);

  // A third master learns from the registry that the agent was marked unreachable; when
  // it comes back after all, its task is kept: nobody told its framework otherwise.
  Master third(durable(dir), port);
  EXPECT_EQ(third.getJson("/master/slaves")["recovered_slaves"].size(), 0u);
  mesos::v1::FrameworkInfo info = frameworkInfo();
  info.clear_capabilities();  // not partition-aware
  info.mutable_id()->set_value("f-1");
  FakeAgent back(third, agentId, {runningTask("f-1", agentId, "returning-task")}, {info});
  expectNoKill(back, 1500ms);
  auto tasks = third.getJson("/master/tasks");
  ASSERT_EQ(tasks["tasks"].size(), 1u) << tasks.dump();
  EXPECT_EQ(tasks["tasks"][0]["state"], "TASK_RUNNING");
}

TEST(Registry, ANewLeaderExitsRatherThanRemoveMoreAgentsThanTheLimit) {
  WorkDir dir;
  auto first = std::make_unique<Master>(durable(dir));
  const uint16_t port = first->endpoint().port;
  { FakeAgent agent(*first); }
  killHard(*first);
  Master second(
      durable(dir, {"--agent_reregister_timeout=500ms", "--recovery_agent_removal_limit=50%"}),
      port);
  auto status = second.process().wait(10s);
  ASSERT_TRUE(status.has_value()) << "the master went on";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << *status;
  EXPECT_NE(second.process().err().find("--recovery_agent_removal_limit=50%"), std::string::npos)
      << second.process().err();
}

TEST(Registry, ACorruptOrTornRegistryIsRefusedByItsPathAndNeverCrashes) {
  WorkDir dir;
  {
    Master first(durable(dir));
    FakeAgent agent(first);
  }
  std::string record;
  {
    std::ifstream in(dir.registry(), std::ios::binary);
    record.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(record.size(), 20u);
  const std::string master = std::getenv("MESOLITE_MASTER");
  const std::vector<std::string> argv = {master, "--ip=127.0.0.1",
                                         "--port=" + std::to_string(testing::freePort()),
                                         "--registry=replicated_log", "--work_dir=" + dir.path()};
  for (const std::string& damaged :
       {record.substr(0, record.size() - 3), std::string("garbage\n") + record,
        record.substr(0, record.size() - 1) + char(record.back() ^ 0x5a)}) {
    std::ofstream(dir.registry(), std::ios::binary | std::ios::trunc) << damaged;
    auto ran = testing::run(argv, {}, 15s);
    EXPECT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 1) << ran.status << ran.err;
    EXPECT_NE(ran.err.find(dir.registry()), std::string::npos) << ran.err;
    EXPECT_NE(ran.err.find("corrupt"), std::string::npos) << ran.err;
  }
}

TEST(Registry, TwoMastersCannotShareAWorkDir) {
  WorkDir dir;
  Master first(durable(dir));
  auto ran = testing::run({std::getenv("MESOLITE_MASTER"), "--ip=127.0.0.1",
                           "--port=" + std::to_string(testing::freePort()),
                           "--registry=replicated_log", "--work_dir=" + dir.path()},
                          {}, 15s);
  EXPECT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 1) << ran.err;
  EXPECT_NE(ran.err.find("in use by another master"), std::string::npos) << ran.err;
}

TEST(Registry, WeightsUpdatedThroughTheApiSurviveARestart) {
  WorkDir dir;
  auto first = std::make_unique<Master>(durable(dir));
  const uint16_t port = first->endpoint().port;
  http::Request update{.method = "POST", .path = "/api/v1"};
  update.headers["Content-Type"] = "application/json";
  update.body =
      R"({"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"prod","weight":3}]}})";
  auto updated = http::fetch(first->endpoint(), update);
  ASSERT_TRUE(updated);
  ASSERT_EQ(updated->status, 200) << updated->body;
  std::this_thread::sleep_for(300ms);  // the store is batched on the next turn
  killHard(*first);

  Master second(durable(dir), port);
  http::Request get{.method = "POST", .path = "/api/v1"};
  get.headers["Content-Type"] = "application/json";
  get.headers["Accept"] = "application/json";
  get.body = R"({"type":"GET_WEIGHTS"})";
  auto weights = http::fetch(second.endpoint(), get);
  ASSERT_TRUE(weights);
  ASSERT_EQ(weights->status, 200) << weights->body;
  EXPECT_NE(weights->body.find("\"prod\""), std::string::npos) << weights->body;
  EXPECT_NE(weights->body.find("3"), std::string::npos) << weights->body;
}

TEST(Registry, InMemoryRestartStillKeepsFrameworksRecoveredFromAgents) {
  auto first = std::make_unique<Master>();
  const uint16_t port = first->endpoint().port;
  mesos::v1::FrameworkInfo info = frameworkInfo();
  info.set_failover_timeout(0);
  info.mutable_id()->set_value("framework-of-before");
  killHard(*first);
  Master second({}, port);
  EXPECT_EQ(second.getJson("/master/slaves")["recovered_slaves"].size(), 0u);
  FakeAgent back(second, "agent-of-before",
                 {runningTask("framework-of-before", "agent-of-before", "kept")}, {info});
  expectNoKill(back, 2000ms);
  auto frameworks = second.getJson("/master/frameworks");
  ASSERT_EQ(frameworks["frameworks"].size(), 1u) << frameworks.dump();
  EXPECT_EQ(frameworks["frameworks"][0]["id"], "framework-of-before");
}

}  // namespace
}  // namespace mesolite
