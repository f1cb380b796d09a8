// High availability with real processes on 127.0.0.1 (root): a real ZooKeeper, three
// mesos-masters, a mesos-agent running a task in real cgroups and namespaces, and
// mesos-execute, the agent and the tool all given zk://. The leader killed with kill -9,
// then ZooKeeper stopped for 30 s: the task's process runs on throughout, the agent and
// the framework come back to each new leader, and nothing is killed.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "tests/e2e/cluster.h"
#include "tests/e2e/ha_ensemble.h"
#include "tests/e2e/real_agent.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace mesolite {
namespace {

using namespace e2e;

using testing::TempDir;

// The task's state as `master` reports it ("" when it does not list it).
std::string taskState(Master& master, const std::string& taskId) {
  auto tasks = master.getJson("/master/tasks");
  if (!tasks.is_object()) return "";
  for (const auto& task : tasks["tasks"])
    if (task["id"] == taskId) return task["state"];
  return "";
}

// The pids in the task's cgroup on the agent's host (any controller's cgroup.procs).
bool agentRunsTask(Agent& agent) {
  auto state = agent.state();
  if (!state.is_object()) return false;
  for (const auto& framework : state["frameworks"])
    for (const auto& executor : framework["executors"])
      for (const auto& task : executor["tasks"])
        if (task["state"] == "TASK_RUNNING") return true;
  return false;
}

// Waits until the leader lists the agent (re-registered), the framework connected and the
// task running.
bool leaderServes(Master& leader, const std::string& taskId, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frameworks = leader.getJson("/master/frameworks");
    auto slaves = leader.getJson("/master/slaves");
    const bool connected = frameworks.is_object() && frameworks["frameworks"].size() == 1 &&
                           frameworks["frameworks"][0].value("connected", false);
    const bool agentBack =
        slaves.is_object() && slaves["slaves"].size() == 1 && slaves["recovered_slaves"].empty();
    if (connected && agentBack && taskState(leader, taskId) == "TASK_RUNNING") return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST(HighAvailabilityCluster, TheTaskRunsOnThroughAFailoverAndAZooKeeperOutage) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: the agent runs tasks in cgroups";
  Ensemble ensemble;
  if (ensemble.skip()) GTEST_SKIP() << *ensemble.skip();
  TempDir dir("mesolite-ha-cluster");
  const int first = ensemble.leader();
  ASSERT_GE(first, 0);
  Agent agent(ensemble.url(), dir.path(), {"--zk_session_timeout=2secs"});
  testing::Subprocess execute({agentEnv("MESOLITE_EXECUTE"), "--master=" + ensemble.url(),
                               "--name=ha-task", "--command=sleep 300"});
  ASSERT_TRUE(execute.waitForLine("TASK_RUNNING", 30s)) << execute.out() << execute.err();
  ASSERT_TRUE(leaderServes(ensemble.master(first), "ha-task", 10s));
  const pid_t executePid = execute.pid();

  // 1. The leader killed with kill -9.
  ensemble.kill(first);
  const int second = ensemble.leader(10s);
  ASSERT_GE(second, 0) << "no new leader within 10 s\n" << ensemble.logs();
  EXPECT_TRUE(leaderServes(ensemble.master(second), "ha-task", 20s))
      << ensemble.master(second).getJson("/master/state").dump() << "\n"
      << execute.err();
  EXPECT_TRUE(execute.waitForLine("Re-subscribed with ID", 5s)) << execute.out() << execute.err();
  EXPECT_TRUE(agentRunsTask(agent));

  // 2. ZooKeeper away for 30 s: nobody leads, the task runs on.
  ensemble.zookeeper().stop();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (ensemble.leaders() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  EXPECT_EQ(ensemble.leaders(), 0) << "a master still leads without ZooKeeper";
  std::this_thread::sleep_for(28s);
  EXPECT_TRUE(agentRunsTask(agent));
  ASSERT_EQ(ensemble.zookeeper().start(), std::nullopt);
  const int third = ensemble.leader(30s);
  ASSERT_GE(third, 0) << "no leader after ZooKeeper returned\n" << ensemble.logs();
  EXPECT_TRUE(leaderServes(ensemble.master(third), "ha-task", 30s))
      << ensemble.master(third).getJson("/master/state").dump() << "\n"
      << execute.err();
  EXPECT_TRUE(agentRunsTask(agent));

  // Nothing was killed or lost on the way: mesos-execute saw only STARTING and RUNNING.
  const std::string out = execute.out() + execute.err();
  for (const std::string state : {"TASK_KILLED", "TASK_LOST", "TASK_FAILED", "TASK_GONE"})
    EXPECT_EQ(out.find(state), std::string::npos) << state << " in:\n" << out;
  EXPECT_EQ(execute.pid(), executePid);
  // The operator's end: mesos-execute tears its framework down on SIGTERM.
  execute.stop(SIGTERM, 30s);
  const auto gone = std::chrono::steady_clock::now() + 20s;
  while (agentRunsTask(agent) && std::chrono::steady_clock::now() < gone)
    std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(agentRunsTask(agent));
}

}  // namespace
}  // namespace mesolite
