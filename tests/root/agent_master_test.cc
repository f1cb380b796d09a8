// mesos-agent with --master, against a fake master played by this test: an
// in-process HTTP server on 127.0.0.1 that speaks the agent <-> master contract
// (/api/v1/agent, protobuf AgentCall / RecordIO AgentEvent). Real cgroups and
// namespaces (root only).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/recordio.h"
#include "isolators/cgroups/cgroups.h"
#include "mesolite/internal.pb.h"
#include "tests/support/agent_with_master.h"
#include "tests/support/cgroup_sweep.h"
#include "tests/support/fake_master.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using internal::AgentCall;
using internal::AgentEvent;
using internal::StatusUpdate;
using json = nlohmann::json;
using testing::FakeMaster;
using testing::framework;
using testing::kAgentId;
using testing::sandboxFile;
using testing::Subprocess;
using testing::task;
using AgentWithMaster = testing::AgentWithMaster;

bool processAlive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat(std::istreambuf_iterator<char>(in), {});
  const size_t paren = stat.rfind(')');
  return !stat.empty() && paren != std::string::npos && stat.substr(paren + 2, 1) != "Z";
}

bool processEnds(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (processAlive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST_F(AgentWithMaster, RegistersWithItsResourcesAndAnswersPings) {
  startAgent();
  auto subscribe = master_->waitForSubscription(1, 20s);
  ASSERT_TRUE(subscribe) << agent_->err();
  EXPECT_EQ(subscribe->protocol_version(), 1u);
  EXPECT_FALSE(subscribe->agent_info().has_id());
  EXPECT_FALSE(subscribe->agent_info().hostname().empty());
  EXPECT_EQ(subscribe->agent_info().port(), endpoint_.port);
  ASSERT_EQ(subscribe->agent_info().attributes_size(), 1);
  EXPECT_EQ(subscribe->agent_info().attributes(0).name(), "rack");
  std::map<std::string, double> total;
  for (const auto& resource : subscribe->resources())
    total[resource.name()] = resource.scalar().value();
  EXPECT_EQ(total["cpus"], 2);
  EXPECT_EQ(total["mem"], 1024);
  EXPECT_TRUE(subscribe->tasks().empty());
  EXPECT_FALSE(subscribe->has_advertise_ip());  // the master takes the connection's source

  AgentEvent ping;
  ping.set_type(AgentEvent::PING);
  ping.mutable_ping()->set_sequence(42);
  master_->send(ping);
  auto pong = master_->waitForPong(10s);
  ASSERT_TRUE(pong) << agent_->err();
  EXPECT_EQ(pong->sequence(), 42u);

  // The agent id is checkpointed for the next start.
  const std::string latest = dir_ + "/work/meta/slaves/latest";
  ASSERT_TRUE(std::filesystem::is_symlink(latest));
  EXPECT_EQ(std::filesystem::read_symlink(latest).filename(), kAgentId);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/work/meta/slaves/" + kAgentId + "/slave.info"));
  EXPECT_EQ(get("/state").value("id", ""), kAgentId);
}

TEST_F(AgentWithMaster, AdvertisesItsAddressBehindNat) {
  startAgent({"--advertise_ip=192.0.2.7"});
  auto subscribe = master_->waitForSubscription(1, 20s);
  ASSERT_TRUE(subscribe) << agent_->err();
  EXPECT_EQ(subscribe->advertise_ip(), "192.0.2.7");
}

TEST_F(AgentWithMaster, FinishedTaskUpdatesComeInOrderEachUntilAcknowledged) {
  master_->autoAck = false;
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F1", false), task("t-ok", "echo hello; exit 0"));

  auto starting = master_->waitForUpdate("t-ok", mesos::v1::TASK_STARTING, 20s);
  ASSERT_TRUE(starting) << agent_->err();
  const auto& status = starting->status();
  EXPECT_EQ(starting->framework_id().value(), "F1");
  EXPECT_EQ(status.source(), mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  EXPECT_EQ(status.agent_id().value(), kAgentId);
  EXPECT_EQ(status.executor_id().value(), "t-ok");
  EXPECT_EQ(status.uuid().size(), 16u);
  EXPECT_EQ(starting->uuid(), status.uuid());
  EXPECT_GT(status.timestamp(), 0);
  const std::string containerId = status.container_status().container_id().value();
  EXPECT_FALSE(containerId.empty());

  // Let the command run and end first (the launcher records its end), so that newer
  // states exist behind the unacknowledged STARTING.
  const std::string termination = dir_ + "/run/containers/" + containerId + "/termination";
  for (int i = 0; i < 400 && !std::filesystem::exists(termination); ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(std::filesystem::exists(termination)) << agent_->err();

  // Nothing else goes while STARTING waits. Cut the stream instead of acknowledging:
  // the agent subscribes again, listing the task, and re-sends STARTING at once.
  master_->cutStream();
  auto again = master_->waitForSubscription(2, 20s);
  ASSERT_TRUE(again) << agent_->err();
  EXPECT_EQ(again->agent_info().id().value(), kAgentId);
  ASSERT_EQ(again->tasks_size(), 1);
  EXPECT_EQ(again->tasks(0).task_id().value(), "t-ok");
  EXPECT_EQ(again->tasks(0).framework_id().value(), "F1");
  ASSERT_EQ(again->frameworks_size(), 1);
  EXPECT_EQ(again->frameworks(0).id().value(), "F1");
  const size_t before = master_->updatesOf("t-ok").size();
  // "At once": well before the 10 s retry timer could have sent it.
  auto resent = master_->waitForUpdate("t-ok", mesos::v1::TASK_STARTING, 8s, before);
  ASSERT_TRUE(resent) << agent_->err();
  EXPECT_EQ(resent->uuid(), starting->uuid());
  for (const auto& update : master_->updatesOf("t-ok"))
    EXPECT_EQ(update.status().state(), mesos::v1::TASK_STARTING);
  // By now the command has long ended: the newest state rides along.
  EXPECT_TRUE(resent->latest_state() == mesos::v1::TASK_FINISHED ||
              resent->latest_state() == mesos::v1::TASK_RUNNING)
      << mesos::v1::TaskState_Name(resent->latest_state());

  master_->acknowledge(*resent);
  auto running = master_->waitForUpdate("t-ok", mesos::v1::TASK_RUNNING, 20s);
  ASSERT_TRUE(running) << agent_->err();
  master_->acknowledge(*running);
  auto finished = master_->waitForUpdate("t-ok", mesos::v1::TASK_FINISHED, 20s);
  ASSERT_TRUE(finished) << agent_->err();
  EXPECT_EQ(finished->status().message(), "Command exited with status 0");
  EXPECT_EQ(finished->latest_state(), mesos::v1::TASK_FINISHED);

  // In order, no state twice except for re-sends of the same update.
  std::vector<mesos::v1::TaskState> states;
  for (const auto& update : master_->updatesOf("t-ok")) {
    if (states.empty() || states.back() != update.status().state()) {
      states.push_back(update.status().state());
    }
  }
  EXPECT_EQ(states,
            (std::vector<mesos::v1::TaskState>{mesos::v1::TASK_STARTING, mesos::v1::TASK_RUNNING,
                                               mesos::v1::TASK_FINISHED}));

  const std::string sandbox =
      dir_ + "/work/slaves/" + kAgentId + "/frameworks/F1/executors/t-ok/runs/" + containerId;
  std::ifstream out(sandbox + "/stdout");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(out), {}), "hello\n");

  // Acknowledged: the task is done and listed as completed; its sandbox stays.
  master_->acknowledge(*finished);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  json state;
  do {
    state = get("/state");
    if (!state["completed_frameworks"].empty()) break;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(state["completed_frameworks"].size(), 1u) << state.dump();
  EXPECT_TRUE(state["frameworks"].empty()) << state.dump();
  EXPECT_TRUE(std::filesystem::exists(sandbox + "/stdout"));
  // Its runtime state goes once the acknowledgement is processed (on the next turn of
  // the agent's loop).
  const std::string runtime = dir_ + "/run/containers/" + containerId;
  while (std::filesystem::exists(runtime) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(std::filesystem::exists(runtime)) << agent_->err();
}

TEST_F(AgentWithMaster, NonZeroExitIsTaskFailed) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F1", false), task("t-3", "exit 3"));
  auto failed = master_->waitForUpdate("t-3", mesos::v1::TASK_FAILED, 30s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().message(), "Command exited with status 3");
  EXPECT_EQ(failed->status().source(), mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  EXPECT_FALSE(master_->waitForUpdate("t-3", mesos::v1::TASK_FINISHED, 0ms));
}

TEST_F(AgentWithMaster, KilledTaskIsTaskKilledAndShowsInStateAndStatistics) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = framework("F1", false);
  info.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  master_->runTask(info, task("t-sleep", "sleep 1000"));
  ASSERT_TRUE(master_->waitForUpdate("t-sleep", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-sleep");
  ASSERT_GT(pid, 0);

  json state = get("/state");
  ASSERT_EQ(state["frameworks"].size(), 1u) << state.dump();
  const json& fw = state["frameworks"][0];
  EXPECT_EQ(fw["id"], "F1");
  ASSERT_EQ(fw["executors"].size(), 1u) << state.dump();
  ASSERT_EQ(fw["executors"][0]["tasks"].size(), 1u) << state.dump();
  EXPECT_EQ(fw["executors"][0]["tasks"][0]["id"], "t-sleep");
  EXPECT_EQ(fw["executors"][0]["tasks"][0]["state"], "TASK_RUNNING");

  json tasks = call({{"type", "GET_TASKS"}});
  ASSERT_EQ(tasks["get_tasks"]["launched_tasks"].size(), 1u) << tasks.dump();
  EXPECT_EQ(tasks["get_tasks"]["launched_tasks"][0]["task_id"]["value"], "t-sleep");
  EXPECT_EQ(tasks["get_tasks"]["launched_tasks"][0]["state"], "TASK_RUNNING");
  json frameworks = call({{"type", "GET_FRAMEWORKS"}});
  ASSERT_EQ(frameworks["get_frameworks"]["frameworks"].size(), 1u) << frameworks.dump();
  EXPECT_EQ(frameworks["get_frameworks"]["frameworks"][0]["framework_info"]["id"]["value"], "F1");

  json statistics = get("/monitor/statistics");
  bool listed = false;
  for (const auto& entry : statistics) {
    if (entry["executor_id"] == "t-sleep") {
      listed = true;
      EXPECT_EQ(entry["framework_id"], "F1");
      EXPECT_TRUE(entry["statistics"].contains("mem_limit_bytes")) << entry.dump();
    }
  }
  EXPECT_TRUE(listed) << statistics.dump();

  AgentEvent kill;
  kill.set_type(AgentEvent::KILL_TASK);
  kill.mutable_kill_task()->mutable_framework_id()->set_value("F1");
  kill.mutable_kill_task()->mutable_task_id()->set_value("t-sleep");
  kill.mutable_kill_task()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
      500'000'000);
  master_->send(kill);
  ASSERT_TRUE(master_->waitForUpdate("t-sleep", mesos::v1::TASK_KILLING, 20s)) << agent_->err();
  auto killed = master_->waitForUpdate("t-sleep", mesos::v1::TASK_KILLED, 20s);
  ASSERT_TRUE(killed) << agent_->err();
  EXPECT_TRUE(processEnds(pid, 10s));
  EXPECT_FALSE(master_->waitForUpdate("t-sleep", mesos::v1::TASK_FAILED, 0ms));

  // A task it never knew: TASK_LOST.
  kill.mutable_kill_task()->mutable_task_id()->set_value("t-never");
  master_->send(kill);
  auto lost = master_->waitForUpdate("t-never", mesos::v1::TASK_LOST, 20s);
  ASSERT_TRUE(lost) << agent_->err();
  EXPECT_EQ(lost->status().reason(), mesos::v1::TaskStatus::REASON_TASK_UNKNOWN);
}

// UPDATE_FRAMEWORK reaches the agent: a capability added later changes what it tells.
TEST_F(AgentWithMaster, UpdatedFrameworkInfoHoldsForItsRunningTasks) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = framework("F-upd", true);  // without TASK_KILLING_STATE
  master_->runTask(info, task("t-upd", "exec sleep 1000"));
  ASSERT_TRUE(master_->waitForUpdate("t-upd", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();

  info.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  AgentEvent update;
  update.set_type(AgentEvent::UPDATE_FRAMEWORK);
  *update.mutable_update_framework()->mutable_framework_info() = info;
  master_->send(update);
  AgentEvent kill;
  kill.set_type(AgentEvent::KILL_TASK);
  kill.mutable_kill_task()->mutable_framework_id()->set_value("F-upd");
  kill.mutable_kill_task()->mutable_task_id()->set_value("t-upd");
  master_->send(kill);
  ASSERT_TRUE(master_->waitForUpdate("t-upd", mesos::v1::TASK_KILLED, 20s)) << agent_->err();
  EXPECT_TRUE(master_->waitForUpdate("t-upd", mesos::v1::TASK_KILLING, 0ms))
      << "the agent still tells the FrameworkInfo the task came with";
  EXPECT_NE(agent_->err().find("framework F-upd updated its FrameworkInfo"), std::string::npos);
}

TEST_F(AgentWithMaster, MemoryHogFailsWithMemoryLimitation) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  // `tail` keeps the whole newline-free input in memory.
  master_->runTask(framework("F1", false), task("t-hog", "head -c 300m /dev/zero | tail", 32));
  auto failed = master_->waitForUpdate("t-hog", mesos::v1::TASK_FAILED, 60s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY)
      << failed->status().DebugString();
  EXPECT_EQ(failed->status().source(), mesos::v1::TaskStatus::SOURCE_AGENT);
  EXPECT_NE(failed->status().message().find("32"), std::string::npos) << failed->status().message();
}

TEST_F(AgentWithMaster, MetricsUseMesosKeysInJsonTheOperatorApiAndPrometheus) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F1", false), task("t-metered", "sleep 1000", 48));
  ASSERT_TRUE(master_->waitForUpdate("t-metered", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  master_->runTask(framework("F1", false), task("t-done", "exit 0"));
  ASSERT_TRUE(master_->waitForUpdate("t-done", mesos::v1::TASK_FINISHED, 20s)) << agent_->err();

  json snapshot = get("/metrics/snapshot");
  EXPECT_EQ(snapshot["slave/registered"], 1) << snapshot;
  EXPECT_EQ(snapshot["slave/tasks_running"], 1) << snapshot;
  EXPECT_EQ(snapshot["slave/tasks_finished"], 1) << snapshot;
  EXPECT_EQ(snapshot["slave/executors_running"], 1) << snapshot;
  EXPECT_EQ(snapshot["slave/frameworks_active"], 1) << snapshot;
  EXPECT_EQ(snapshot["slave/mem_total"], 1024) << snapshot;
  EXPECT_EQ(snapshot["slave/mem_used"], 48) << snapshot;
  EXPECT_DOUBLE_EQ(snapshot.value("slave/mem_percent", 0.0), 48.0 / 1024) << snapshot;
  EXPECT_GT(snapshot.value("slave/uptime_secs", 0.0), 0) << snapshot;
  EXPECT_GT(snapshot.value("system/mem_total_bytes", 0.0), 0) << snapshot;
  EXPECT_TRUE(snapshot.contains("gc/path_removals_pending")) << snapshot;

  json answer = call({{"type", "GET_METRICS"}, {"get_metrics", json::object()}});
  std::map<std::string, double> listed;
  for (const auto& metric : answer["get_metrics"].value("metrics", json::array()))
    listed[metric.value("name", "")] = metric.value("value", -1.0);
  EXPECT_EQ(listed["slave/tasks_running"], 1) << answer;
  EXPECT_TRUE(call({{"type", "GET_METRICS"}}).is_null());  // 400: Mesos wants get_metrics

  auto prometheus =
      http::fetch(endpoint_, {.method = "GET", .path = "/metrics/prometheus"}, {.timeout = 10s});
  ASSERT_TRUE(prometheus);
  EXPECT_NE(prometheus->body.find("\nmesos_slave_tasks_running 1\n"), std::string::npos)
      << prometheus->body.substr(0, 400);
}

TEST_F(AgentWithMaster, MaxCompletionTimeKillsTheTaskWithItsReason) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-late", "sleep 1000");
  info.mutable_max_completion_time()->set_nanoseconds(int64_t(500e6));
  master_->runTask(framework("F1", false), info);
  ASSERT_TRUE(master_->waitForUpdate("t-late", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-late");
  ASSERT_GT(pid, 0);
  auto failed = master_->waitForUpdate("t-late", mesos::v1::TASK_FAILED, 20s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_MAX_COMPLETION_TIME_REACHED);
  EXPECT_TRUE(processEnds(pid, 10s));

  // A task that ends in time is not touched.
  auto quick = task("t-quick", "exit 0");
  quick.mutable_max_completion_time()->set_nanoseconds(int64_t(60e9));
  master_->runTask(framework("F1", false), quick);
  ASSERT_TRUE(master_->waitForUpdate("t-quick", mesos::v1::TASK_FINISHED, 20s)) << agent_->err();
}

TEST_F(AgentWithMaster, MaxCompletionTimeOutlivesAnAgentRestart) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-deadline", "sleep 1000");
  info.mutable_max_completion_time()->set_nanoseconds(int64_t(4e9));
  master_->runTask(framework("F-ckpt", true), info);
  ASSERT_TRUE(master_->waitForUpdate("t-deadline", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-deadline");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(agent_->stop(SIGTERM, 10s));
  agent_.reset();
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(2, 20s)) << agent_->err();
  auto failed = master_->waitForUpdate("t-deadline", mesos::v1::TASK_FAILED, 20s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_MAX_COMPLETION_TIME_REACHED);
  EXPECT_TRUE(processEnds(pid, 10s));
}

TEST_F(AgentWithMaster, TaskFieldsNotBuiltAreTaskErrorFromTheAgentToo) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-fetch", "exit 0");
  info.mutable_command()->add_uris()->set_value("hdfs://127.0.0.1:1/file");
  master_->runTask(framework("F1", false), info);
  auto error = master_->waitForUpdate("t-fetch", mesos::v1::TASK_ERROR, 20s);
  ASSERT_TRUE(error) << agent_->err();
  EXPECT_NE(error->status().message().find("command.uris"), std::string::npos)
      << error->status().message();
  EXPECT_NE(error->status().message().find("scheme 'hdfs'"), std::string::npos)
      << error->status().message();
  EXPECT_FALSE(master_->waitForUpdate("t-fetch", mesos::v1::TASK_RUNNING, 0ms));
}

TEST_F(AgentWithMaster, TasksGetMesosEnvironmentUnderTheirOwn) {
  startAgent({R"(--executor_environment_variables={"PATH":"/usr/bin:/bin","FROM_AGENT":"a",)"
              R"("MESOS_TASK_ID":"agent-wide"})"});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-env", "env > env.out");
  auto* variables = info.mutable_command()->mutable_environment();
  auto* own = variables->add_variables();
  own->set_name("FROM_AGENT");
  own->set_value("task-wins");
  auto* extra = variables->add_variables();
  extra->set_name("FROM_TASK");
  extra->set_value("t");
  master_->runTask(framework("F1", true), info);
  ASSERT_TRUE(master_->waitForUpdate("t-env", mesos::v1::TASK_FINISHED, 30s)) << agent_->err();

  const std::string env = "\n" + sandboxFile(dir_ + "/work", "t-env", "env.out");
  const std::string endpoint = "127.0.0.1:" + std::to_string(endpoint_.port);
  for (const std::string& line : std::vector<std::string>{
           "MESOS_FRAMEWORK_ID=F1", "MESOS_EXECUTOR_ID=t-env", "MESOS_TASK_ID=t-env",
           "MESOS_SLAVE_ID=" + std::string(kAgentId), "MESOS_AGENT_ENDPOINT=" + endpoint,
           "MESOS_SLAVE_PID=slave(1)@" + endpoint, "MESOS_CHECKPOINT=1",
           "MESOS_HTTP_COMMAND_EXECUTOR=0", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=1secs",
           "PATH=/usr/bin:/bin", "FROM_AGENT=task-wins", "FROM_TASK=t"}) {
    EXPECT_NE(env.find("\n" + line + "\n"), std::string::npos) << line << " in\n" << env;
  }
  EXPECT_NE(env.find("\nMESOS_DIRECTORY=" + dir_ + "/work/slaves/"), std::string::npos) << env;
  EXPECT_NE(env.find("\nMESOS_SANDBOX="), std::string::npos) << env;
  // Each name once.
  EXPECT_EQ(env.find("FROM_AGENT=a"), std::string::npos) << env;
  EXPECT_EQ(env.find("agent-wide"), std::string::npos) << env;

  auto secret = task("t-secret", "true");
  auto* hidden = secret.mutable_command()->mutable_environment()->add_variables();
  hidden->set_name("TOKEN");
  hidden->set_type(mesos::v1::Environment::Variable::SECRET);
  master_->runTask(framework("F1", true), secret);
  auto failed = master_->waitForUpdate("t-secret", mesos::v1::TASK_FAILED, 20s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_NE(failed->status().message().find("'TOKEN' is a SECRET"), std::string::npos)
      << failed->status().message();
}

TEST_F(AgentWithMaster, RestartedAgentKeepsCheckpointedTasksAndKillsTheOthers) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F-ckpt", true), task("t-kept", "sleep 1000"));
  master_->runTask(framework("F-plain", false), task("t-dropped", "sleep 1000"));
  ASSERT_TRUE(master_->waitForUpdate("t-kept", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  ASSERT_TRUE(master_->waitForUpdate("t-dropped", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t kept = taskPid("t-kept");
  const pid_t dropped = taskPid("t-dropped");
  ASSERT_GT(kept, 0);
  ASSERT_GT(dropped, 0);
  const std::string meta = dir_ + "/work/meta/slaves/" + kAgentId + "/frameworks/F-ckpt";
  EXPECT_TRUE(std::filesystem::exists(meta + "/framework.info"));
  EXPECT_TRUE(std::filesystem::exists(meta + "/executors/t-kept/executor.info"));
  EXPECT_FALSE(
      std::filesystem::exists(dir_ + "/work/meta/slaves/" + kAgentId + "/frameworks/F-plain"));

  auto status = agent_->stop(SIGTERM, 10s);
  ASSERT_TRUE(status);
  agent_.reset();
  EXPECT_TRUE(processAlive(kept));

  startAgent();
  auto again = master_->waitForSubscription(2, 20s);
  ASSERT_TRUE(again) << agent_->err();
  EXPECT_EQ(again->agent_info().id().value(), kAgentId);
  ASSERT_EQ(again->tasks_size(), 1) << again->DebugString();
  EXPECT_EQ(again->tasks(0).task_id().value(), "t-kept");
  EXPECT_EQ(again->tasks(0).state(), mesos::v1::TASK_RUNNING);
  ASSERT_EQ(again->frameworks_size(), 1);
  EXPECT_EQ(again->frameworks(0).id().value(), "F-ckpt");

  EXPECT_TRUE(processAlive(kept));
  EXPECT_TRUE(processEnds(dropped, 10s));
  EXPECT_FALSE(master_->waitForUpdate("t-dropped", mesos::v1::TASK_KILLED, 0ms));
  EXPECT_FALSE(master_->waitForUpdate("t-dropped", mesos::v1::TASK_FAILED, 0ms));

  // The re-adopted task is still under the agent's control.
  AgentEvent kill;
  kill.set_type(AgentEvent::KILL_TASK);
  kill.mutable_kill_task()->mutable_framework_id()->set_value("F-ckpt");
  kill.mutable_kill_task()->mutable_task_id()->set_value("t-kept");
  master_->send(kill);
  ASSERT_TRUE(master_->waitForUpdate("t-kept", mesos::v1::TASK_KILLED, 20s)) << agent_->err();
  EXPECT_TRUE(processEnds(kept, 10s));
}

TEST_F(AgentWithMaster, UnacknowledgedUpdateIsReplayedAfterAgentRestart) {
  master_->autoAck = false;
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F-ckpt", true), task("t-pending", "sleep 1000"));
  auto starting = master_->waitForUpdate("t-pending", mesos::v1::TASK_STARTING, 20s);
  ASSERT_TRUE(starting) << agent_->err();
  master_->acknowledge(*starting);
  auto running = master_->waitForUpdate("t-pending", mesos::v1::TASK_RUNNING, 20s);
  ASSERT_TRUE(running) << agent_->err();
  const pid_t pid = taskPid("t-pending");
  ASSERT_GT(pid, 0);

  // RUNNING is not acknowledged: the restarted agent must send it again, same uuid.
  ASSERT_TRUE(agent_->stop(SIGTERM, 10s));
  agent_.reset();
  const size_t before = master_->updateCount();
  startAgent();
  auto again = master_->waitForSubscription(2, 20s);
  ASSERT_TRUE(again) << agent_->err();
  ASSERT_EQ(again->tasks_size(), 1);
  EXPECT_EQ(again->tasks(0).state(), mesos::v1::TASK_RUNNING);
  auto replayed = master_->waitForUpdate("t-pending", mesos::v1::TASK_RUNNING, 20s, before);
  ASSERT_TRUE(replayed) << agent_->err();
  EXPECT_EQ(replayed->uuid(), running->uuid());
  // STARTING was acknowledged before the restart: it does not come back.
  EXPECT_FALSE(master_->waitForUpdate("t-pending", mesos::v1::TASK_STARTING, 0ms, before));
  EXPECT_TRUE(processAlive(pid));
  master_->acknowledge(*replayed);

  AgentEvent shutdown;
  shutdown.set_type(AgentEvent::SHUTDOWN_FRAMEWORK);
  shutdown.mutable_shutdown_framework()->mutable_framework_id()->set_value("F-ckpt");
  master_->send(shutdown);
  EXPECT_TRUE(processEnds(pid, 10s));
  // The framework is forgotten: no TASK_KILLED for it, its checkpoints are gone.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  json state;
  do {
    state = get("/state");
    if (state["frameworks"].empty()) break;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(state["frameworks"].empty()) << state.dump();
  ASSERT_EQ(state["completed_frameworks"].size(), 1u) << state.dump();
  EXPECT_EQ(state["completed_frameworks"][0]["id"], "F-ckpt");
  EXPECT_FALSE(
      std::filesystem::exists(dir_ + "/work/meta/slaves/" + kAgentId + "/frameworks/F-ckpt"));
  EXPECT_FALSE(master_->waitForUpdate("t-pending", mesos::v1::TASK_KILLED, 0ms));
}

TEST_F(AgentWithMaster, LaunchFailureIsTaskFailedFromTheAgent) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = framework("F1", false);
  info.set_user("no-such-user-mesolite");
  master_->runTask(info, task("t-nouser", "true"));
  auto failed = master_->waitForUpdate("t-nouser", mesos::v1::TASK_FAILED, 20s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().source(), mesos::v1::TaskStatus::SOURCE_AGENT);
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_NE(failed->status().message().find("no-such-user-mesolite"), std::string::npos)
      << failed->status().message();
}

TEST_F(AgentWithMaster, ExecFailureIsTaskFailedWithoutEverRunning) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-noexec", "");
  info.mutable_command()->set_shell(false);
  info.mutable_command()->set_value("/nonexistent/mesolite-program");
  info.mutable_command()->add_arguments("mesolite-program");
  master_->runTask(framework("F1", false), info);
  auto failed = master_->waitForUpdate("t-noexec", mesos::v1::TASK_FAILED, 20s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_NE(failed->status().message().find("cannot exec '/nonexistent/mesolite-program'"),
            std::string::npos)
      << failed->status().message();
  // Running is said only once the command has exec'ed: here, never.
  EXPECT_FALSE(master_->waitForUpdate("t-noexec", mesos::v1::TASK_RUNNING, 0ms));
}

TEST_F(AgentWithMaster, SilentMasterIsDroppedAndSubscribedAgain) {
  master_->pingTimeoutSeconds = 0.5;  // and no PING ever comes
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto again = master_->waitForSubscription(2, 20s);
  ASSERT_TRUE(again) << agent_->err();
  EXPECT_EQ(again->agent_info().id().value(), kAgentId);
}

TEST_F(AgentWithMaster, ShutdownKillsEveryTaskAndExitsZero) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F1", true), task("t-sleep", "sleep 1000"));
  ASSERT_TRUE(master_->waitForUpdate("t-sleep", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-sleep");
  ASSERT_GT(pid, 0);
  AgentEvent shutdown;
  shutdown.set_type(AgentEvent::SHUTDOWN);
  shutdown.mutable_shutdown()->set_message("removed by the test");
  master_->send(shutdown);
  auto status = agent_->wait(20s);
  ASSERT_TRUE(status) << agent_->err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_TRUE(processEnds(pid, 10s));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/work/meta/slaves/latest"));
}

// Mesos's rule with --gc_disk_headroom=0: how long a finished sandbox may be kept here.
std::chrono::milliseconds gcAge(std::chrono::milliseconds delay, const std::string& dir) {
  struct statvfs stats;
  if (statvfs(dir.c_str(), &stats) != 0 || stats.f_blocks == 0) return 0ms;
  const double usage = double(stats.f_blocks - stats.f_bfree) / double(stats.f_blocks);
  return std::chrono::milliseconds(int64_t(double(delay.count()) * std::max(0.0, 1.0 - usage)));
}

bool vanishes(const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::filesystem::exists(std::filesystem::symlink_status(path))) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

TEST_F(AgentWithMaster, FinishedSandboxesAreCollectedAfterGcDelayRunningOnesStay) {
  startAgent({"--gc_delay=3secs", "--disk_watch_interval=1secs", "--gc_disk_headroom=0"});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F1", false), task("t-running", "sleep 1000"));
  // The finished task leaves a link to a host directory behind: collection must not
  // follow it.
  const std::string outside = dir_ + "/outside";
  std::filesystem::create_directories(outside);
  std::ofstream(outside + "/precious") << "keep";
  master_->runTask(framework("F2", false),
                   task("t-done", "ln -s " + outside + " escape; echo done"));
  auto running = master_->waitForUpdate("t-running", mesos::v1::TASK_RUNNING, 20s);
  ASSERT_TRUE(running) << agent_->err();
  auto finished = master_->waitForUpdate("t-done", mesos::v1::TASK_FINISHED, 20s);
  ASSERT_TRUE(finished) << agent_->err();

  const std::string frameworks = dir_ + "/work/slaves/" + kAgentId + "/frameworks";
  const std::string runDone = frameworks + "/F2/executors/t-done/runs/" +
                              finished->status().container_status().container_id().value();
  const std::string runRunning = frameworks + "/F1/executors/t-running/runs/" +
                                 running->status().container_status().container_id().value();
  ASSERT_TRUE(agent_->waitForLine("scheduling " + runDone + " for removal", 10s)) << agent_->err();
  const auto scheduled = std::chrono::steady_clock::now();
  if (gcAge(3s, dir_) >= 1s) {
    EXPECT_TRUE(std::filesystem::exists(runDone + "/stdout"));
  }
  // Gone within the delay and a few disk watches; the framework's directory with it.
  EXPECT_TRUE(vanishes(runDone, 15s)) << agent_->err();
  EXPECT_GE(std::chrono::steady_clock::now() - scheduled, gcAge(3s, dir_) - 500ms);
  EXPECT_TRUE(vanishes(frameworks + "/F2", 10s)) << agent_->err();
  EXPECT_TRUE(std::filesystem::exists(outside + "/precious"));
  // Logged for the run, or for its executor's directory when that went first with it.
  EXPECT_TRUE(agent_->waitForLine("removed " + frameworks + "/F2/", 5s)) << agent_->err();
  // The running task's sandbox stays, however long the agent waits.
  std::this_thread::sleep_for(4s);
  EXPECT_TRUE(std::filesystem::exists(runRunning + "/stdout"));
  EXPECT_TRUE(std::filesystem::exists(frameworks + "/F1"));
}

TEST_F(AgentWithMaster, RestartedAgentCollectsOldFinishedSandboxesFoundOnDisk) {
  startAgent({"--gc_delay=1hrs", "--gc_disk_headroom=0"});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F1", false), task("t-old", "echo old"));
  auto finished = master_->waitForUpdate("t-old", mesos::v1::TASK_FINISHED, 20s);
  ASSERT_TRUE(finished) << agent_->err();
  const std::string framework1 = dir_ + "/work/slaves/" + kAgentId + "/frameworks/F1";
  const std::string executor = framework1 + "/executors/t-old";
  const std::string run =
      executor + "/runs/" + finished->status().container_status().container_id().value();
  ASSERT_TRUE(agent_->waitForLine("scheduling " + executor + " for removal", 10s)) << agent_->err();
  std::this_thread::sleep_for(500ms);  // the scheduled time is written off the loop
  agent_.reset();                      // SIGKILL, as a crash would

  // Finished two hours ago, as far as the disk tells; and a recent sandbox of an earlier
  // agent id, which must stay.
  const auto old = std::filesystem::file_time_type::clock::now() - 2h;
  for (const std::string& dir : {run, executor, framework1})
    std::filesystem::last_write_time(dir, old);
  const std::string recent = dir_ + "/work/slaves/earlier/frameworks/F0/executors/e/runs/c";
  std::filesystem::create_directories(recent);
  std::ofstream(recent + "/stdout") << "recent";

  startAgent({"--gc_delay=1hrs", "--gc_disk_headroom=0"});
  EXPECT_TRUE(vanishes(run, 15s)) << agent_->err();
  EXPECT_TRUE(vanishes(framework1, 10s)) << agent_->err();
  if (gcAge(1h, dir_) > 1min) {
    EXPECT_TRUE(std::filesystem::exists(recent + "/stdout"));
    EXPECT_NE(agent_->err().find("scheduling " + recent + " for removal"), std::string::npos)
        << agent_->err();
  }
}

}  // namespace
}  // namespace mesolite
