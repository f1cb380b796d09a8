// The agent's GET /containers and its `isolation` field, read from the kernel: a task of
// the hardened default shows seccomp in filter mode, no_new_privs, its own pid and mount
// namespaces and its memory limit; a task of an agent with fewer isolators shows fewer
// (so a reading made up from the configuration would fail one or the other). Root only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/proc_stat.h"
#include "tests/support/standalone_agent.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::StandaloneAgent;

constexpr uint64_t kMemBytes = 96ull << 20;  // the task's mem:96

bool contains(const json& list, const std::string& value) {
  return list.is_array() && std::find(list.begin(), list.end(), value) != list.end();
}

// The container's /containers entry, once its task runs (nullptr if it never shows).
json containerEntry(const StandaloneAgent& agent, const std::string& id, const std::string& path) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    http::Request request{.method = "GET", .path = path};
    auto response = http::fetch(agent.endpoint(), request);
    if (response && response->status == 200) {
      auto entries = json::parse(response->body, nullptr, false);
      for (const auto& entry : entries) {
        if (entry["container_id"] == id && entry["isolation"].contains("no_new_privs"))
          return entry;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  return nullptr;
}

// The memory limit the container's cgroup holds: memory.max (cgroup2) or
// memory.limit_in_bytes (v1).
json memoryLimit(const json& isolation) {
  for (const auto& cgroup : isolation["cgroups"]) {
    if (cgroup.contains("memory.limit_in_bytes")) return cgroup["memory.limit_in_bytes"];
    if (cgroup["version"] == 2 && cgroup.contains("memory.max")) return cgroup["memory.max"];
  }
  return nullptr;
}

std::map<std::string, std::string> statusOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  return proc::parseStatus(std::string(std::istreambuf_iterator<char>(in), {}));
}

class ContainerIsolation : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates cgroups and namespaces";
  }

  // Launches `sleep` in a container of `agent` and returns its /containers entry.
  json launched(StandaloneAgent& agent, const std::string& id,
                const std::string& path = "/containers") {
    auto launch = agent.launch(id, "sleep 60", "cpus:0.1;mem:96");
    EXPECT_EQ(launch.status, 200) << launch.body;
    json entry = containerEntry(agent, id, path);
    EXPECT_TRUE(entry.is_object()) << id << " is not in " << path;
    return entry;
  }
};

TEST_F(ContainerIsolation, TheHardenedDefaultIsWhatTheKernelShows) {
  StandaloneAgent agent;
  ASSERT_TRUE(agent.ok()) << agent.startError();
  const json entry = launched(agent, "hardened");
  ASSERT_TRUE(entry.is_object());
  // Mesos's fields.
  EXPECT_EQ(entry["framework_id"], "");
  EXPECT_EQ(entry["status"]["container_id"]["value"], "hardened");
  EXPECT_GT(entry["status"]["executor_pid"].get<int>(), 0);
  EXPECT_TRUE(entry["statistics"].contains("mem_limit_bytes")) << entry.dump(2);

  const json& isolation = entry["isolation"];
  EXPECT_EQ(isolation["seccomp"]["mode"], 2) << isolation.dump(2);
  EXPECT_GE(isolation["seccomp"]["filters"].get<int>(), 1);
  EXPECT_EQ(isolation["no_new_privs"], 1);
  EXPECT_TRUE(contains(isolation["namespaces"]["separate"], "pid")) << isolation.dump(2);
  EXPECT_TRUE(contains(isolation["namespaces"]["separate"], "mnt"));
  EXPECT_TRUE(contains(isolation["namespaces"]["shared"], "net"));  // no network isolator
  EXPECT_TRUE(contains(isolation["capabilities"]["effective"], "CHOWN"));
  EXPECT_FALSE(contains(isolation["capabilities"]["effective"], "NET_RAW"));
  EXPECT_FALSE(contains(isolation["capabilities"]["bounding"], "SYS_ADMIN"));
  EXPECT_EQ(memoryLimit(isolation), kMemBytes) << isolation.dump(2);
  EXPECT_TRUE(isolation["errors"].empty()) << isolation.dump(2);
  // The task under its init, not the init (which runs the launcher, unhardened).
  EXPECT_EQ(isolation["init_pid"], entry["status"]["executor_pid"]);
  const pid_t task = isolation["pid"].get<pid_t>();
  EXPECT_NE(task, entry["status"]["executor_pid"].get<pid_t>());
  auto status = statusOf(task);
  EXPECT_EQ(status["Seccomp"], "2");
  EXPECT_EQ(status["NoNewPrivs"], "1");

  // Mesos's other name of the endpoint.
  EXPECT_TRUE(containerEntry(agent, "hardened", "/slave(1)/containers").is_object());
}

TEST_F(ContainerIsolation, AnAgentWithFewerIsolatorsShowsFewerProtections) {
  StandaloneAgent agent({"--isolation=cgroups/cpu,cgroups/mem"});
  ASSERT_TRUE(agent.ok()) << agent.startError();
  const json entry = launched(agent, "plain");
  ASSERT_TRUE(entry.is_object());
  const json& isolation = entry["isolation"];
  EXPECT_EQ(isolation["seccomp"]["mode"], 0) << isolation.dump(2);
  EXPECT_EQ(isolation["no_new_privs"], 0);
  EXPECT_FALSE(contains(isolation["namespaces"]["separate"], "pid")) << isolation.dump(2);
  EXPECT_FALSE(contains(isolation["namespaces"]["separate"], "mnt"));
  EXPECT_FALSE(isolation.contains("init_pid"));
  EXPECT_EQ(isolation["pid"], entry["status"]["executor_pid"]);
  EXPECT_TRUE(contains(isolation["capabilities"]["effective"], "SYS_ADMIN")) << isolation.dump(2);
  EXPECT_EQ(memoryLimit(isolation), kMemBytes) << isolation.dump(2);
}

}  // namespace
}  // namespace mesolite
