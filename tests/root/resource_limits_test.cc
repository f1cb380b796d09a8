// TaskInfo.limits on a real agent: the task's cgroups get the limit as their hard cap
// and the request as weight and soft limit, as Mesos sets them; a task may use memory
// between its request and its limit, and is stopped at the limit. Root only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "isolators/cgroups/cgroups.h"
#include "tests/support/agent_with_master.h"
#include "tests/support/fake_master.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using testing::framework;
using testing::task;
using AgentWithMaster = testing::AgentWithMaster;

std::string readTrimmed(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

// Where `controller`'s files of the cgroup of `pid` are on this host.
std::string cgroupDir(pid_t pid, const std::string& controller) {
  auto hierarchy = cgroups::detect();
  if (!hierarchy) return "";
  std::istringstream lines(readTrimmed("/proc/" + std::to_string(pid) + "/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (hierarchy->onV2(controller)) {
      if (controllers.empty() && hierarchy->v2Mount) return *hierarchy->v2Mount + path;
      continue;
    }
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');) {
      if (name == controller) return hierarchy->v1Mounts.at(controller) + path;
    }
  }
  return "";
}

bool onV2(const std::string& controller) {
  auto hierarchy = cgroups::detect();
  return hierarchy && hierarchy->onV2(controller);
}

mesos::v1::TaskInfo limited(const std::string& id, const std::string& command, double cpus,
                            double mem) {
  auto info = task(id, command, 32);  // requests: 0.1 cpus, 32 MB
  (*info.mutable_limits())["cpus"].set_value(cpus);
  (*info.mutable_limits())["mem"].set_value(mem);
  return info;
}

TEST_F(AgentWithMaster, LimitsAboveRequestsAreTheCgroupsHardCaps) {
  startAgent();
  const auto subscription = master_->waitForSubscription(1, 20s);
  ASSERT_TRUE(subscription) << agent_->err();
  bool toldLimits = false;
  for (const auto& capability : subscription->capabilities()) {
    toldLimits |= capability.type() == mesos::v1::AgentInfo::Capability::TASK_RESOURCE_LIMITS;
  }
  EXPECT_TRUE(toldLimits) << "the agent does not say it honours limits";
  master_->runTask(framework("F1", false), limited("t-capped", "exec sleep 1000", 0.5, 128));
  ASSERT_TRUE(master_->waitForUpdate("t-capped", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-capped");
  ASSERT_GT(pid, 0);
  const std::string memory = cgroupDir(pid, "memory"), cpu = cgroupDir(pid, "cpu");
  ASSERT_FALSE(memory.empty());
  ASSERT_FALSE(cpu.empty());
  if (onV2("memory")) {
    EXPECT_EQ(readTrimmed(memory + "/memory.max"), std::to_string(128 << 20));
    EXPECT_EQ(readTrimmed(memory + "/memory.low"), std::to_string(32 << 20));
  } else {
    EXPECT_EQ(readTrimmed(memory + "/memory.limit_in_bytes"), std::to_string(128 << 20));
    EXPECT_EQ(readTrimmed(memory + "/memory.soft_limit_in_bytes"), std::to_string(32 << 20));
  }
  if (onV2("cpu")) {
    EXPECT_EQ(readTrimmed(cpu + "/cpu.max"), "50000 100000");
  } else {
    EXPECT_EQ(readTrimmed(cpu + "/cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(readTrimmed(cpu + "/cpu.shares"), "102");  // the request, 0.1 cpus
  }
}

TEST_F(AgentWithMaster, InfiniteLimitsLeaveTheTaskUncapped) {
  startAgent({"--cgroups_enable_cfs"});  // without the limit, the request would be the quota
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  const double inf = std::numeric_limits<double>::infinity();
  master_->runTask(framework("F1", false), limited("t-free", "exec sleep 1000", inf, inf));
  ASSERT_TRUE(master_->waitForUpdate("t-free", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-free");
  ASSERT_GT(pid, 0);
  const std::string memory = cgroupDir(pid, "memory"), cpu = cgroupDir(pid, "cpu");
  if (onV2("memory")) {
    EXPECT_EQ(readTrimmed(memory + "/memory.max"), "max");
  } else {
    EXPECT_GT(std::stoull(readTrimmed(memory + "/memory.limit_in_bytes")), 1ull << 50);
  }
  if (onV2("cpu")) {
    EXPECT_EQ(readTrimmed(cpu + "/cpu.max"), "max 100000");
  } else {
    EXPECT_EQ(readTrimmed(cpu + "/cpu.cfs_quota_us"), "-1");
  }
}

TEST_F(AgentWithMaster, MemoryBetweenRequestAndLimitIsAllowedAndTheLimitHolds) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  // `tail` keeps the whole newline-free input in memory: 64 MB, twice the request.
  master_->runTask(framework("F1", false),
                   limited("t-within", "head -c 64m /dev/zero | tail | wc -c", 1, 256));
  auto finished = master_->waitForUpdate("t-within", mesos::v1::TASK_FINISHED, 60s);
  ASSERT_TRUE(finished) << agent_->err();

  master_->runTask(framework("F1", false),
                   limited("t-beyond", "head -c 300m /dev/zero | tail", 1, 128));
  auto failed = master_->waitForUpdate("t-beyond", mesos::v1::TASK_FAILED, 60s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);
  // The message names the limit that was hit, not the request.
  EXPECT_NE(failed->status().message().find("128"), std::string::npos)
      << failed->status().message();
}

TEST_F(AgentWithMaster, BadLimitsAreTaskErrorsNamingWhatIsWrong) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto disk = task("t-disk", "exit 0");
  (*disk.mutable_limits())["disk"].set_value(100);
  auto below = limited("t-below", "exit 0", 0.05, 64);
  auto negative = limited("t-negative", "exit 0", 1, 64);
  (*negative.mutable_limits())["mem"].set_value(-1);
  for (const auto& [info, words] : std::vector<std::pair<mesos::v1::TaskInfo, std::string>>{
           {disk, "Only cpus and mem may be included in a task's resource limits, not 'disk'"},
           {below, "The cpu limit must be greater than or equal to the cpu request"},
           {negative, "the mem limit must be a non-negative number"}}) {
    master_->runTask(framework("F1", false), info);
    auto error = master_->waitForUpdate(info.task_id().value(), mesos::v1::TASK_ERROR, 20s);
    ASSERT_TRUE(error) << info.task_id().value() << agent_->err();
    EXPECT_NE(error->status().message().find("limits"), std::string::npos);
    EXPECT_NE(error->status().message().find(words), std::string::npos)
        << error->status().message();
  }
}

TEST_F(AgentWithMaster, LimitsNeedTheirCgroupIsolator) {
  startAgent({"--isolation=cgroups/mem,namespaces/pid"});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(framework("F1", false), limited("t-nocpu", "exit 0", 1, 64));
  auto failed = master_->waitForUpdate("t-nocpu", mesos::v1::TASK_FAILED, 20s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), mesos::v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_NE(failed->status().message().find("limits.cpus needs the cgroups/cpu isolator"),
            std::string::npos)
      << failed->status().message();
}

TEST_F(AgentWithMaster, StandaloneContainersHonourLimitsToo) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  const json launch = {{"type", "LAUNCH_CONTAINER"},
                       {"launch_container",
                        {{"container_id", {{"value", "standalone-limited"}}},
                         {"command", {{"value", "exec sleep 1000"}}},
                         {"resources",
                          {{{"name", "cpus"}, {"type", "SCALAR"}, {"scalar", {{"value", 0.1}}}},
                           {{"name", "mem"}, {"type", "SCALAR"}, {"scalar", {{"value", 32}}}}}},
                         {"limits", {{"mem", {{"value", 96}}}}}}}};
  http::Request request{.method = "POST", .path = "/api/v1", .body = launch.dump()};
  testing::authorize(request, operator_.credential);
  request.headers["Content-Type"] = "application/json";
  auto response = http::fetch(endpoint_, request, {.timeout = 10s});
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(response->status, 200) << response->body;
  pid_t pid = 0;
  for (int i = 0; i < 200 && pid == 0; ++i) {
    json answer =
        call({{"type", "GET_CONTAINERS"}, {"get_containers", {{"show_standalone", true}}}});
    for (const auto& container : answer["get_containers"].value("containers", json::array())) {
      if (container["container_id"].value("value", "") == "standalone-limited")
        pid = container.value("container_status", json::object()).value("executor_pid", 0);
    }
    if (pid == 0) std::this_thread::sleep_for(50ms);
  }
  ASSERT_GT(pid, 0);
  const std::string memory = cgroupDir(pid, "memory");
  EXPECT_EQ(readTrimmed(memory + (onV2("memory") ? "/memory.max" : "/memory.limit_in_bytes")),
            std::to_string(96 << 20));
  request.body = json({{"type", "KILL_CONTAINER"},
                       {"kill_container", {{"container_id", {{"value", "standalone-limited"}}}}}})
                     .dump();
  response = http::fetch(endpoint_, request, {.timeout = 10s});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200) << response->body;

  json bad = launch;
  bad["launch_container"]["container_id"]["value"] = "standalone-bad";
  bad["launch_container"]["limits"] = {{"gpus", {{"value", 1}}}};
  request.body = bad.dump();
  response = http::fetch(endpoint_, request, {.timeout = 10s});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("'gpus'"), std::string::npos) << response->body;
}

// Mesos's floors (its cgroups isolator): cpu.shares = max(1024 * cpus, 2), so cpus:0 gets
// 2 (cpu.weight 1 on v2), never the 1024 of a cgroup left alone; no mem gets the 32 MiB
// smallest memory limit, never an unlimited cgroup.
void expectFloors(pid_t pid) {
  const std::string memory = cgroupDir(pid, "memory"), cpu = cgroupDir(pid, "cpu");
  ASSERT_FALSE(memory.empty());
  ASSERT_FALSE(cpu.empty());
  if (onV2("memory")) {
    EXPECT_EQ(readTrimmed(memory + "/memory.max"), std::to_string(32 << 20));
  } else {
    EXPECT_EQ(readTrimmed(memory + "/memory.limit_in_bytes"), std::to_string(32 << 20));
  }
  if (onV2("cpu")) {
    EXPECT_EQ(readTrimmed(cpu + "/cpu.weight"), "1");
  } else {
    EXPECT_EQ(readTrimmed(cpu + "/cpu.shares"), "2");
  }
}

TEST_F(AgentWithMaster, TasksWithoutCpusOrMemGetMesosFloors) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  auto info = task("t-floor", "exec sleep 1000");
  info.clear_resources();
  for (auto [name, value] : {std::pair<const char*, double>{"cpus", 0}, {"disk", 1}}) {
    auto* resource = info.add_resources();
    resource->set_name(name);
    resource->set_type(mesos::v1::Value::SCALAR);
    resource->mutable_scalar()->set_value(value);
  }
  master_->runTask(framework("F1", false), info);
  ASSERT_TRUE(master_->waitForUpdate("t-floor", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();
  const pid_t pid = taskPid("t-floor");
  ASSERT_GT(pid, 0);
  expectFloors(pid);
}

TEST_F(AgentWithMaster, StandaloneContainersWithoutResourcesGetMesosFloors) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  const json launch = {{"type", "LAUNCH_CONTAINER"},
                       {"launch_container",
                        {{"container_id", {{"value", "standalone-floor"}}},
                         {"command", {{"value", "exec sleep 1000"}}},
                         {"resources",
                          {{{"name", "cpus"}, {"type", "SCALAR"}, {"scalar", {{"value", 0}}}},
                           {{"name", "mem"}, {"type", "SCALAR"}, {"scalar", {{"value", 0}}}}}}}}};
  http::Request request{.method = "POST", .path = "/api/v1", .body = launch.dump()};
  testing::authorize(request, operator_.credential);
  request.headers["Content-Type"] = "application/json";
  auto response = http::fetch(endpoint_, request, {.timeout = 10s});
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(response->status, 200) << response->body;
  pid_t pid = 0;
  for (int i = 0; i < 200 && pid == 0; ++i) {
    json answer =
        call({{"type", "GET_CONTAINERS"}, {"get_containers", {{"show_standalone", true}}}});
    for (const auto& container : answer["get_containers"].value("containers", json::array())) {
      if (container["container_id"].value("value", "") == "standalone-floor")
        pid = container.value("container_status", json::object()).value("executor_pid", 0);
    }
    if (pid == 0) std::this_thread::sleep_for(50ms);
  }
  ASSERT_GT(pid, 0);
  expectFloors(pid);
  request.body = json({{"type", "KILL_CONTAINER"},
                       {"kill_container", {{"container_id", {{"value", "standalone-floor"}}}}}})
                     .dump();
  response = http::fetch(endpoint_, request, {.timeout = 10s});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200) << response->body;
}

}  // namespace
}  // namespace mesolite
