// The cluster walkthrough with real processes on 127.0.0.1: mesos-master, mesos-agent
// running tasks in real cgroups and namespaces (root), mesos-execute and mesos ps, and
// schedulers in the test. Finish, failure, kill, OOM, framework failover, agent loss,
// reconciliation and teardown, as a framework sees them.
#include "tests/e2e/cluster.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "common/resources.h"
#include "tests/e2e/real_agent.h"
#include "tests/support/cgroup_sweep.h"
#include "tests/support/temp_dir.h"

namespace mesolite {
namespace {

using namespace e2e;
using testing::removeCgroupTree;
using testing::run;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

using testing::TempDir;

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: the agent runs tasks in cgroups";
    master_ = std::make_unique<Master>(
        std::vector<std::string>{"--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=2"});
    agent_ = std::make_unique<Agent>(*master_, dir_.path());
  }

  // Frameworks still registered are torn down, so their tasks end the way an operator
  // would end them; whatever survives that goes with the agent's cgroups.
  void TearDown() override {
    if (!master_ || !agent_) return;
    auto frameworks = master_->getJson("/master/frameworks");
    if (frameworks.is_object()) {
      for (const auto& framework : frameworks["frameworks"]) {
        master_->teardown(framework["id"].get<std::string>());
      }
    }
    for (int i = 0; i < 100 && !agentTasks().empty(); ++i)
      std::this_thread::sleep_for(100ms);
    agent_.reset();
    master_.reset();
  }

  testing::Completed execute(std::vector<std::string> flags) {
    std::vector<std::string> argv = {
        env("MESOLITE_EXECUTE"), "--master=127.0.0.1:" + std::to_string(master_->endpoint().port)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return run(argv, {}, 60s);
  }

  // The live tasks the agent reports, from its /state.
  std::vector<nlohmann::json> agentTasks() {
    std::vector<nlohmann::json> tasks;
    auto state = agent_->state();
    if (!state.is_object()) return tasks;
    for (const auto& framework : state["frameworks"])
      for (const auto& executor : framework["executors"])
        for (const auto& task : executor["tasks"])
          tasks.push_back(task);
    return tasks;
  }

  TempDir dir_{"mesolite-cluster"};
  std::unique_ptr<Master> master_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(Cluster, MesosExecuteRunsATaskToTaskFinished) {
  auto result = execute({"--name=cluster-test", "--command=echo hello from the task; sleep 0.2",
                         "--resources=cpus:0.5;mem:64"});
  EXPECT_EQ(result.exitCode(), 0) << result.out << result.err;
  for (const char* line : {"Subscribed with ID", "Submitted task 'cluster-test'", "TASK_STARTING",
                           "TASK_RUNNING", "TASK_FINISHED"}) {
    EXPECT_NE(result.out.find(line), std::string::npos) << line << "\n" << result.out;
  }
  // The task wrote its stdout into a sandbox laid out as Mesos lays it out.
  bool found = false;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir_.path() + "/work/slaves")) {
    if (entry.path().filename() != "stdout") continue;
    std::ifstream file(entry.path());
    std::string text((std::istreambuf_iterator<char>(file)), {});
    if (text.find("hello from the task") != std::string::npos) {
      found = true;
      EXPECT_NE(entry.path().string().find("/executors/cluster-test/runs/"), std::string::npos)
          << entry.path();
    }
  }
  EXPECT_TRUE(found) << "no sandbox stdout holds the task's output";
  auto metrics = master_->getJson("/metrics/snapshot");
  EXPECT_EQ(metrics["master/tasks_finished"], 1);
}

TEST_F(Cluster, NonZeroExitIsTaskFailedWithTheExitCode) {
  // In JSON this time: the scheduler API speaks both.
  auto result = execute({"--name=failing", "--command=exit 7", "--content_type=json"});
  EXPECT_EQ(result.exitCode(), 1) << result.out;
  EXPECT_NE(result.out.find("TASK_FAILED"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Command exited with status 7"), std::string::npos) << result.out;
}

TEST_F(Cluster, KillAfterStopsTheTaskAndItsProcesses) {
  auto result = execute({"--name=killed", "--command=sleep 300", "--kill_after=1secs"});
  EXPECT_EQ(result.exitCode(), 1) << result.out;
  EXPECT_NE(result.out.find("TASK_KILLED"), std::string::npos) << result.out;
  EXPECT_TRUE(agentTasks().empty());
  // Nothing is left in the container's cgroup: the cgroup itself is gone.
  for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup")) {
    auto root = entry.path() / agent_->cgroupsRoot();
    if (!std::filesystem::is_directory(root)) continue;
    for (const auto& child : std::filesystem::directory_iterator(root)) {
      EXPECT_FALSE(child.is_directory()) << "container cgroup left: " << child.path();
    }
  }
}

TEST_F(Cluster, OutOfMemoryTaskFailsWithTheMemoryLimitationReason) {
  auto result = execute(
      {"--name=hog", "--resources=cpus:0.5;mem:32", "--command=head -c 300m /dev/zero | tail"});
  EXPECT_EQ(result.exitCode(), 1) << result.out;
  EXPECT_NE(result.out.find("TASK_FAILED"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("REASON_CONTAINER_LIMITATION_MEMORY"), std::string::npos) << result.out;
}

TEST_F(Cluster, MesosPsListsTheRunningTask) {
  Scheduler scheduler(*master_, frameworkInfo("ps-framework"));
  auto offer = scheduler.nextOffer();
  ASSERT_EQ(scheduler.launch(offer, "listed", 1, 128).status, 202);
  std::optional<mesos::v1::TaskStatus> status;
  while ((status = scheduler.nextUpdate()) && status->state() != mesos::v1::TASK_RUNNING) {
    scheduler.acknowledge(*status);
  }
  ASSERT_TRUE(status);
  scheduler.acknowledge(*status);
  auto ps = run({env("MESOLITE_MESOS"), "ps",
                 "--master=127.0.0.1:" + std::to_string(master_->endpoint().port)});
  EXPECT_EQ(ps.exitCode(), 0) << ps.err;
  EXPECT_NE(ps.out.find("USER"), std::string::npos) << ps.out;
  EXPECT_NE(ps.out.find("listed"), std::string::npos) << ps.out;
  EXPECT_NE(ps.out.find("ps-framew"), std::string::npos) << ps.out;
  EXPECT_NE(ps.out.find("/128.0 MB"), std::string::npos) << ps.out;

  // --verbose says on stderr where the state came from; the table is the same.
  auto verbose = run({env("MESOLITE_MESOS"), "ps", "--verbose",
                      "--master=127.0.0.1:" + std::to_string(master_->endpoint().port)});
  EXPECT_EQ(verbose.exitCode(), 0) << verbose.err;
  EXPECT_NE(verbose.err.find("the master's state came from master@127.0.0.1:"), std::string::npos)
      << verbose.err;
  EXPECT_NE(verbose.out.find("listed"), std::string::npos) << verbose.out;
}

TEST_F(Cluster, MesosResolvePrintsTheLeader) {
  const std::string master = "127.0.0.1:" + std::to_string(master_->endpoint().port);
  auto resolved = run({env("MESOLITE_MESOS"), "resolve", master});
  EXPECT_EQ(resolved.exitCode(), 0) << resolved.err;
  EXPECT_EQ(resolved.out, master + "\n");
  // No ZooKeeper answers on port 1: no leader within the timeout, said with the URL.
  auto zk = run({env("MESOLITE_MESOS"), "resolve", "--timeout=1", "zk://127.0.0.1:1/mesos"});
  EXPECT_EQ(zk.exitCode(), 1);
  EXPECT_NE(zk.err.find("Failed to detect master from 'zk://127.0.0.1:1/mesos'"), std::string::npos)
      << zk.err;
  auto badUrl = run({env("MESOLITE_MESOS"), "resolve", "zk://"});
  EXPECT_EQ(badUrl.exitCode(), 1);
  EXPECT_NE(badUrl.err.find("zk://"), std::string::npos) << badUrl.err;
  auto nobody = run({env("MESOLITE_MESOS"), "resolve", "--timeout=1", "127.0.0.1:1"});
  EXPECT_EQ(nobody.exitCode(), 1);
  EXPECT_NE(nobody.err.find("Failed to detect master from '127.0.0.1:1'"), std::string::npos)
      << nobody.err;
}

TEST_F(Cluster, MesosCatAndTailReadATasksOutputThroughItsAgent) {
  Scheduler scheduler(*master_, frameworkInfo("files-framework"));
  auto offer = scheduler.nextOffer();
  ASSERT_EQ(scheduler
                .launch(offer, "talker", 0.5, 64,
                        "for i in 1 2 3 4; do echo line-$i; sleep 0.4; done; echo oops >&2")
                .status,
            202);
  std::optional<mesos::v1::TaskStatus> status;
  while ((status = scheduler.nextUpdate()) && status->state() != mesos::v1::TASK_RUNNING) {
    scheduler.acknowledge(*status);
  }
  ASSERT_TRUE(status);
  scheduler.acknowledge(*status);
  const std::string master = "--master=127.0.0.1:" + std::to_string(master_->endpoint().port);
  const std::string framework = "--framework=" + scheduler.id();

  // tail follows the running task to its end, then stops by itself.
  auto tail = run({env("MESOLITE_MESOS"), "tail", master, framework, "--task=talker"}, {}, 30s);
  EXPECT_EQ(tail.exitCode(), 0) << tail.err;
  EXPECT_EQ(tail.out, "line-1\nline-2\nline-3\nline-4\n") << tail.err;

  auto cat =
      run({env("MESOLITE_MESOS"), "cat", master, framework, "--task=talker", "--file=stderr"});
  EXPECT_EQ(cat.exitCode(), 0) << cat.err;
  EXPECT_NE(cat.out.find("oops"), std::string::npos) << cat.out;

  auto outside = run({env("MESOLITE_MESOS"), "cat", master, framework, "--task=talker",
                      "--file=../../../../../../../../etc/passwd"});
  EXPECT_NE(outside.exitCode(), 0);
  EXPECT_EQ(outside.out.find("root:"), std::string::npos);
  EXPECT_NE(outside.err.find("400"), std::string::npos) << outside.err;

  auto unknown = run({env("MESOLITE_MESOS"), "cat", master, framework, "--task=nobody-here"});
  EXPECT_NE(unknown.exitCode(), 0);
  EXPECT_NE(unknown.err.find("no task 'nobody-here'"), std::string::npos) << unknown.err;
}

// Runs `sleep` through `scheduler` and returns once the task is RUNNING (acknowledged).
void launchSleep(Scheduler& scheduler, const std::string& taskId) {
  auto offer = scheduler.nextOffer();
  ASSERT_EQ(scheduler.launch(offer, taskId, 0.5, 64, "sleep 300").status, 202);
  std::optional<mesos::v1::TaskStatus> status;
  while ((status = scheduler.nextUpdate()) && status->state() != mesos::v1::TASK_RUNNING) {
    ASSERT_FALSE(status->state() == mesos::v1::TASK_FAILED) << status->message();
    scheduler.acknowledge(*status);
  }
  ASSERT_TRUE(status);
  EXPECT_EQ(scheduler.acknowledge(*status).status, 202);
}

TEST_F(Cluster, FrameworkFailoverKeepsItsRunningTasks) {
  mesos::v1::FrameworkInfo info = frameworkInfo("failover");
  info.set_checkpoint(true);
  std::string id;
  {
    Scheduler first(*master_, info);
    id = first.id();
    launchSleep(first, "kept");
  }  // the scheduler goes away; the framework has 60 s to come back

  info.mutable_id()->set_value(id);
  Scheduler second(*master_, info);
  ASSERT_EQ(second.status(), 200);
  EXPECT_EQ(second.id(), id);
  EXPECT_EQ(second.reconcile(), 202);
  auto status = second.nextUpdate();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->task_id().value(), "kept");
  EXPECT_EQ(status->state(), mesos::v1::TASK_RUNNING);
  auto tasks = agentTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0]["state"], "TASK_RUNNING");
}

TEST_F(Cluster, LostAgentMakesTasksUnreachableAndItsReturnRestoresThem) {
  Scheduler scheduler(*master_, frameworkInfo("partition-aware"));
  launchSleep(scheduler, "partitioned");

  // A frozen agent answers no pings: after 2 x 1 s it is unreachable.
  ASSERT_EQ(kill(agent_->pid(), SIGSTOP), 0);
  auto unreachable = scheduler.nextUpdate(20s);
  kill(agent_->pid(), SIGCONT);
  ASSERT_TRUE(unreachable);
  EXPECT_EQ(unreachable->state(), mesos::v1::TASK_UNREACHABLE);
  EXPECT_EQ(unreachable->task_id().value(), "partitioned");

  // Thawed, the agent finds its stream gone and registers again with the task.
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    auto state = master_->getJson("/master/state");
    back = state.is_object() && state["unreachable_slaves"] == 0 && !state["frameworks"].empty() &&
           state["frameworks"][0]["tasks"].size() == 1;
    if (!back) std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(back) << master_->getJson("/master/state").dump();
  EXPECT_EQ(scheduler.reconcile({"partitioned"}), 202);
  std::optional<mesos::v1::TaskStatus> status;
  while ((status = scheduler.nextUpdate()) &&
         status->reason() != mesos::v1::TaskStatus::REASON_RECONCILIATION) {
  }
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state(), mesos::v1::TASK_RUNNING);
}

TEST_F(Cluster, TeardownKillsTheFrameworksTasksOnTheAgent) {
  Scheduler scheduler(*master_, frameworkInfo("torn-down"));
  launchSleep(scheduler, "doomed");
  ASSERT_EQ(agentTasks().size(), 1u);

  EXPECT_EQ(master_->teardown(scheduler.id()), 200);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = agentTasks().empty();
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << agent_->state().dump();
  auto state = master_->getJson("/master/state");
  EXPECT_TRUE(state["frameworks"].empty());
  EXPECT_EQ(state["completed_frameworks"].size(), 1u);
}

TEST_F(Cluster, RestartedAgentStillRunsCheckpointedTasks) {
  mesos::v1::FrameworkInfo info = frameworkInfo("checkpointed");
  info.set_checkpoint(true);
  Scheduler scheduler(*master_, info);
  launchSleep(scheduler, "durable");
  agent_->stop();
  agent_->start();
  auto tasks = agentTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0]["id"], "durable");
  EXPECT_EQ(tasks[0]["state"], "TASK_RUNNING");
  auto state = master_->getJson("/master/state");
  ASSERT_EQ(state["frameworks"].size(), 1u);
  EXPECT_EQ(state["frameworks"][0]["tasks"].size(), 1u);
}

}  // namespace
}  // namespace mesolite

namespace mesolite {
namespace {

using nlohmann::json;

// Every path of a JSON document with its type: "/slaves[]/resources/cpus" -> "number".
// Objects whose keys are data rather than fields (flags, attributes, resources by role,
// ...) contribute their own path only.
void shapeOf(const json& value, const std::string& path, std::map<std::string, std::string>& out) {
  static const std::set<std::string> kFreeForm = {"flags",
                                                  "attributes",
                                                  "reserved_resources",
                                                  "reserved_resources_full",
                                                  "labels",
                                                  "reserved_resources_allocated",
                                                  "offer_constraints",
                                                  "guarantee",
                                                  "limit",
                                                  "offered",
                                                  "reserved"};
  const std::string key = path.substr(path.rfind('/') + 1);
  if (value.is_object()) {
    out.emplace(path.empty() ? "/" : path, "object");
    if (kFreeForm.count(key)) return;
    for (const auto& [name, child] : value.items())
      shapeOf(child, path + "/" + name, out);
  } else if (value.is_array()) {
    out.emplace(path + "[]", "array");
    for (const auto& item : value)
      shapeOf(item, path + "[]", out);
  } else {
    out.emplace(path, value.is_number()    ? "number"
                      : value.is_string()  ? "string"
                      : value.is_boolean() ? "bool"
                                           : "null");
  }
}

// The paths of `reference` (a Mesos capture) that `ours` lacks or types differently.
std::vector<std::string> shapeDifferences(const std::string& captured, const json& ours,
                                          const std::set<std::string>& absentOnPurpose) {
  std::ifstream file(env("MESOLITE_MESOS_JSON") + "/" + captured);
  json reference = json::parse(file, nullptr, false);
  if (reference.is_discarded()) return {"cannot read " + captured};
  std::map<std::string, std::string> want, have;
  shapeOf(reference, "", want);
  shapeOf(ours, "", have);
  std::vector<std::string> differences;
  for (const auto& [path, type] : want) {
    if (absentOnPurpose.count(path)) continue;
    auto found = have.find(path);
    if (found == have.end()) {
      differences.push_back("missing " + path);
    } else if (found->second != type) {
      differences.push_back(path + " is " + found->second + ", Mesos writes " + type);
    }
  }
  return differences;
}

TEST_F(Cluster, LegacyJsonHasMesossShape) {
  // As the captures were made: one task FINISHED, one RUNNING.
  ASSERT_EQ(execute({"--name=shape-done", "--command=echo done", "--resources=cpus:0.1;mem:32"})
                .exitCode(),
            0);
  Scheduler scheduler(*master_, frameworkInfo("shape"));
  launchSleep(scheduler, "shape-running");

  // Mesos writes these only when built from git, or with its build's date and user.
  const std::set<std::string> buildInfo = {"/git_sha", "/git_branch", "/build_date", "/build_time",
                                           "/build_user"};
  for (const std::string name :
       {"state", "state-summary", "frameworks", "slaves", "tasks", "roles"}) {
    auto differences = shapeDifferences("master__master_" + name + ".json",
                                        master_->getJson("/master/" + name), buildInfo);
    EXPECT_TRUE(differences.empty())
        << "/master/" << name << ":\n  " << fmt::format("{}", fmt::join(differences, "\n  "));
  }
  http::Request request{.method = "GET", .path = "/slave(1)/state"};
  auto state = http::fetch(agent_->endpoint(), request);
  ASSERT_TRUE(state && state->status == 200);
  auto differences =
      shapeDifferences("agent__slave_1__state.json", json::parse(state->body), buildInfo);
  EXPECT_TRUE(differences.empty())
      << "/slave(1)/state:\n  " << fmt::format("{}", fmt::join(differences, "\n  "));

  request.path = "/files/browse";
  request.query = {
      {"path", "/frameworks/" + scheduler.id() + "/executors/shape-running/runs/latest"}};
  auto listing = http::fetch(agent_->endpoint(), request);
  ASSERT_TRUE(listing && listing->status == 200);
  differences = shapeDifferences("agent__files_browse.json", json::parse(listing->body), {});
  EXPECT_TRUE(differences.empty())
      << "/files/browse:\n  " << fmt::format("{}", fmt::join(differences, "\n  "));
}

}  // namespace
}  // namespace mesolite
