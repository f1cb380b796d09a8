// Health checks and checks (TaskInfo.health_check, TaskInfo.check) of a real agent's
// tasks, against the in-process fake master: what a framework such as Marathon sees
// (TASK_RUNNING with `healthy`, `check_status`, a task killed for failing), and that a
// COMMAND check runs inside the task's container, as its user and with its hardening,
// while HTTP and TCP checks reach the task's own loopback. Root only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/agent_flags.h"
#include "mesolite/internal.pb.h"
#include "tests/support/agent_with_master.h"
#include "tests/support/fake_master.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using internal::StatusUpdate;
using testing::framework;
using testing::sandboxFile;
using testing::task;
using AgentWithMaster = testing::AgentWithMaster;
using mesos::v1::TaskStatus;

// The first update of `taskId` that `matches`, within `timeout`.
template <typename Match>
std::optional<StatusUpdate> waitForStatus(testing::FakeMaster& master, const std::string& taskId,
                                          Match matches, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& update : master.updatesOf(taskId)) {
      if (matches(update.status())) return update;
    }
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

mesos::v1::HealthCheck commandHealthCheck(const std::string& command) {
  mesos::v1::HealthCheck check;
  check.set_type(mesos::v1::HealthCheck::COMMAND);
  check.mutable_command()->set_shell(true);
  check.mutable_command()->set_value(command);
  check.set_delay_seconds(0);
  check.set_interval_seconds(0.2);
  check.set_timeout_seconds(10);
  check.set_grace_period_seconds(20);
  return check;
}

// What a process says of its isolation: namespaces, cgroups, ids, capabilities,
// no_new_privs and seccomp mode.
std::string describeSelf(const std::string& prefix) {
  return "for n in mnt pid net uts ipc cgroup; do readlink /proc/self/ns/$n; done > "
         "$MESOS_SANDBOX/" +
         prefix + ".ns; cat /proc/self/cgroup > $MESOS_SANDBOX/" + prefix +
         ".cgroup; grep -E '^(Uid|Gid|CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):' "
         "/proc/self/status > $MESOS_SANDBOX/" +
         prefix + ".status";
}

class HealthChecks : public AgentWithMaster, public ::testing::WithParamInterface<bool> {};

// With and without a user namespace (joined last, after every other namespace).
TEST_P(HealthChecks, CommandHealthCheckRunsInsideTheTasksContainerAsItsUser) {
  const bool userNamespace = GetParam();
  // A container in its own user namespace must be able to reach its sandbox below this.
  std::filesystem::permissions(dir_, std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  startAgent(userNamespace ? std::vector<std::string>{std::string("--isolation=") +
                                                      agent::kDefaultIsolation + ",namespaces/user"}
                           : std::vector<std::string>{});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto fw = framework("F1", false);
  fw.set_user("nobody");
  // The task's private /tmp holds a marker only its own mount namespace sees.
  auto info =
      task("t-inside", describeSelf("task") + "; echo inside > /tmp/marker; exec sleep 1000");
  *info.mutable_health_check() = commandHealthCheck(
      "[ -f $MESOS_SANDBOX/task.status ] && grep -q inside /tmp/marker && "
      "{ [ -f $MESOS_SANDBOX/check.status ] || { " +  // written once: read while it runs again
      describeSelf("check") +
      "; }; }");
  master_->runTask(fw, info);
  auto healthy = waitForStatus(
      *master_, "t-inside",
      [](const TaskStatus& status) { return status.has_healthy() && status.healthy(); }, 30s);
  ASSERT_TRUE(healthy) << agent_->err();
  EXPECT_EQ(healthy->status().state(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(healthy->status().reason(), TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);

  // The check saw exactly what the task sees of itself: joined, not merely similar.
  const std::string work = dir_ + "/work";
  for (const char* what : {".ns", ".cgroup", ".status"}) {
    const std::string ofTask = sandboxFile(work, "t-inside", std::string("task") + what);
    ASSERT_FALSE(ofTask.empty()) << what;
    EXPECT_EQ(sandboxFile(work, "t-inside", std::string("check") + what), ofTask) << what;
  }
  // ... and that is not the host's: a check run by the agent itself would differ.
  const std::string status = sandboxFile(work, "t-inside", "check.status");
  EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos) << status;
  EXPECT_NE(status.find("Seccomp:\t2"), std::string::npos) << status;
  if (!userNamespace) {
    EXPECT_NE(status.find("Uid:\t65534"), std::string::npos) << status;
  }
  EXPECT_NE(status.find("CapEff:\t0000000000000000"), std::string::npos) << status;
  char link[256] = {};
  ASSERT_GT(readlink("/proc/self/ns/mnt", link, sizeof(link) - 1), 0);
  EXPECT_EQ(sandboxFile(work, "t-inside", "check.ns").find(link), std::string::npos);
  // The agent's /state keeps the task's story, oldest first, health included.
  json statuses;
  const json state = get("/state");
  for (const auto& fw : state["frameworks"])
    for (const auto& executor : fw["executors"])
      for (const auto& running : executor["tasks"])
        if (running["id"] == "t-inside") statuses = running["statuses"];
  ASSERT_TRUE(statuses.is_array() && statuses.size() >= 3) << statuses.dump();
  EXPECT_EQ(statuses.front()["state"], "TASK_STARTING");
  EXPECT_EQ(statuses[1]["state"], "TASK_RUNNING");
  EXPECT_EQ(statuses.back()["healthy"], true) << statuses.dump();
  // A healthy task is told once, not at every run.
  std::this_thread::sleep_for(1s);
  size_t healthyUpdates = 0;
  for (const auto& update : master_->updatesOf("t-inside")) {
    if (update.status().has_healthy()) ++healthyUpdates;
  }
  EXPECT_EQ(healthyUpdates, 1u);
}
INSTANTIATE_TEST_SUITE_P(AgentWithMaster, HealthChecks, ::testing::Values(false, true),
                         [](const auto& param) {
                           return std::string(param.param ? "InAUserNamespace" : "Plain");
                         });

TEST_F(AgentWithMaster, FailingHealthCheckKillsTheTaskAfterConsecutiveFailures) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-sick", "exec sleep 1000");
  auto check = commandHealthCheck("exit 1");
  check.set_grace_period_seconds(0);
  check.set_consecutive_failures(3);
  *info.mutable_health_check() = check;
  master_->runTask(framework("F1", false), info);
  ASSERT_TRUE(master_->waitForUpdate("t-sick", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-sick");
  ASSERT_GT(pid, 0);
  auto killed = master_->waitForUpdate("t-sick", mesos::v1::TASK_KILLED, 30s);
  ASSERT_TRUE(killed) << agent_->err();
  EXPECT_TRUE(killed->status().has_healthy());
  EXPECT_FALSE(killed->status().healthy());
  size_t unhealthy = 0;
  for (const auto& update : master_->updatesOf("t-sick")) {
    const auto& status = update.status();
    if (status.state() == mesos::v1::TASK_RUNNING && status.has_healthy()) {
      EXPECT_FALSE(status.healthy());
      EXPECT_EQ(status.reason(), TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
      ++unhealthy;
    }
  }
  EXPECT_EQ(unhealthy, 3u);  // one update per failure, the third kills
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_NE(kill(pid, 0), 0) << "the task still runs";
}

TEST_F(AgentWithMaster, FailuresInTheGracePeriodAreNotCounted) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  // Healthy only once the task has been up for a second; until then, failures.
  auto info = task("t-slow", "sleep 1; touch $MESOS_SANDBOX/ready; exec sleep 1000");
  auto check = commandHealthCheck("test -f $MESOS_SANDBOX/ready");
  check.set_consecutive_failures(1);
  check.set_grace_period_seconds(30);
  *info.mutable_health_check() = check;
  master_->runTask(framework("F1", false), info);
  auto healthy = waitForStatus(
      *master_, "t-slow", [](const TaskStatus& status) { return status.has_healthy(); }, 30s);
  ASSERT_TRUE(healthy) << agent_->err();
  EXPECT_TRUE(healthy->status().healthy());
  EXPECT_FALSE(master_->waitForUpdate("t-slow", mesos::v1::TASK_KILLED, 0ms));
}

TEST_F(AgentWithMaster, HttpAndTcpChecksReachTheTasksOwnLoopback) {
  if (system("python3 -c 'import http.server' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "needs python3 for the task's HTTP server";
  }
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  // In a network namespace of its own: nothing on the host's loopback answers there.
  auto info = task("t-web", "exec python3 -m http.server 18080 --bind 127.0.0.1", 64);
  info.mutable_container()->set_type(mesos::v1::ContainerInfo::MESOS);
  info.mutable_container()->add_network_infos()->set_name("none");
  auto& health = *info.mutable_health_check();
  health.set_type(mesos::v1::HealthCheck::HTTP);
  health.mutable_http()->set_port(18080);
  health.mutable_http()->set_path("/");
  health.set_delay_seconds(0);
  health.set_interval_seconds(0.2);
  health.set_grace_period_seconds(30);
  auto& check = *info.mutable_check();
  check.set_type(mesos::v1::CheckInfo::TCP);
  check.mutable_tcp()->set_port(18080);
  check.set_delay_seconds(0);
  check.set_interval_seconds(0.2);
  master_->runTask(framework("F1", false), info);
  auto running = master_->waitForUpdate("t-web", mesos::v1::TASK_RUNNING, 20s);
  ASSERT_TRUE(running) << agent_->err();
  // The first TASK_RUNNING names the check's type, without a result yet.
  EXPECT_EQ(running->status().check_status().type(), mesos::v1::CheckInfo::TCP);
  EXPECT_FALSE(running->status().check_status().tcp().has_succeeded());
  auto healthy = waitForStatus(
      *master_, "t-web",
      [](const TaskStatus& status) { return status.has_healthy() && status.healthy(); }, 30s);
  ASSERT_TRUE(healthy) << agent_->err();
  auto connected = waitForStatus(
      *master_, "t-web",
      [](const TaskStatus& status) { return status.check_status().tcp().succeeded(); }, 30s);
  ASSERT_TRUE(connected) << agent_->err();
  EXPECT_EQ(connected->status().reason(), TaskStatus::REASON_TASK_CHECK_STATUS_UPDATED);
}

TEST_F(AgentWithMaster, ChecksReportResultsOnlyWhenTheyChange) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-exit3", "exec sleep 1000");
  auto& check = *info.mutable_check();
  check.set_type(mesos::v1::CheckInfo::COMMAND);
  check.mutable_command()->mutable_command()->set_value("exit 3");
  check.set_delay_seconds(0);
  check.set_interval_seconds(0.1);
  auto& tcp = *info.mutable_health_check();  // nothing listens: unhealthy, never fatal
  tcp.set_type(mesos::v1::HealthCheck::TCP);
  tcp.mutable_tcp()->set_port(1);
  tcp.set_delay_seconds(3600);
  master_->runTask(framework("F1", false), info);
  auto three = waitForStatus(
      *master_, "t-exit3",
      [](const TaskStatus& status) { return status.check_status().command().exit_code() == 3; },
      30s);
  ASSERT_TRUE(three) << agent_->err();
  std::this_thread::sleep_for(1s);
  size_t results = 0;
  for (const auto& update : master_->updatesOf("t-exit3")) {
    if (update.status().check_status().command().has_exit_code()) ++results;
  }
  EXPECT_EQ(results, 1u);
}

TEST_F(AgentWithMaster, InvalidOrUnsupportedChecksAreTaskErrorsNamingTheField) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto https = task("t-https", "exec sleep 1000");
  https.mutable_health_check()->set_type(mesos::v1::HealthCheck::HTTP);
  https.mutable_health_check()->mutable_http()->set_port(443);
  https.mutable_health_check()->mutable_http()->set_scheme("https");
  auto untyped = task("t-untyped", "exec sleep 1000");
  untyped.mutable_check()->set_interval_seconds(1);
  auto negative = task("t-negative", "exec sleep 1000");
  *negative.mutable_health_check() = commandHealthCheck("true");
  negative.mutable_health_check()->set_interval_seconds(-1);
  for (const auto& [info, words] : std::vector<std::pair<mesos::v1::TaskInfo, std::string>>{
           {https, "health_check.http.scheme 'https'"},
           {untyped, "check is invalid: CheckInfo must specify 'type'"},
           {negative, "'interval_seconds' to be non-negative"}}) {
    master_->runTask(framework("F1", false), info);
    auto error = master_->waitForUpdate(info.task_id().value(), mesos::v1::TASK_ERROR, 20s);
    ASSERT_TRUE(error) << info.task_id().value() << agent_->err();
    EXPECT_NE(error->status().message().find(words), std::string::npos)
        << error->status().message();
  }
}

TEST_F(AgentWithMaster, HealthChecksGoOnAfterAnAgentRestart) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-restart", "touch $MESOS_SANDBOX/ok; exec sleep 1000");
  auto check = commandHealthCheck("test -f $MESOS_SANDBOX/ok");
  check.set_consecutive_failures(2);
  *info.mutable_health_check() = check;
  master_->runTask(framework("F-ckpt", true), info);
  ASSERT_TRUE(waitForStatus(
      *master_, "t-restart",
      [](const TaskStatus& status) { return status.has_healthy() && status.healthy(); }, 30s))
      << agent_->err();
  ASSERT_TRUE(agent_->stop(SIGTERM, 10s));
  agent_.reset();
  // While the agent is away the task turns sick; the restarted agent notices.
  const std::string ok = [&] {
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ + "/work", error)) {
      if (entry.path().filename() == "ok") return entry.path().string();
    }
    return std::string();
  }();
  ASSERT_FALSE(ok.empty());
  std::filesystem::remove(ok);
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(2, 20s)) << agent_->err();
  auto killed = master_->waitForUpdate("t-restart", mesos::v1::TASK_KILLED, 30s);
  ASSERT_TRUE(killed) << agent_->err();
  EXPECT_FALSE(killed->status().healthy());
}

}  // namespace
}  // namespace mesolite
