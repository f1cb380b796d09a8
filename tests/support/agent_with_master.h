// The fixture of root tests that drive a real mesos-agent with --master against the
// in-process FakeMaster: a scratch work dir, the agent started on 127.0.0.1 with an
// ephemeral port, and helpers to GET its endpoints and POST operator calls.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "tests/support/cgroup_sweep.h"
#include "tests/support/fake_master.h"
#include "tests/support/operator_credential.h"
#include "tests/support/subprocess.h"

namespace mesolite::testing {

using namespace std::chrono_literals;

// A file a task wrote to its sandbox, wherever the agent put that sandbox.
inline std::string sandboxFile(const std::string& workDir, const std::string& taskId,
                               const std::string& name) {
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(workDir, error)) {
    const std::string path = entry.path().string();
    if (entry.path().filename() == name &&
        path.find("/executors/" + taskId + "/runs/") != std::string::npos) {
      std::ifstream file(path);
      return std::string((std::istreambuf_iterator<char>(file)), {});
    }
  }
  return "";
}

class AgentWithMaster : public ::testing::Test {
 public:
  using json = nlohmann::json;

 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates cgroups and namespaces";
    char dir[] = "/tmp/mesolite-agent-master-XXXXXX";
    dir_ = mkdtemp(dir);
    cgroupsRoot_ = "mesolite-test-master-" + std::to_string(getpid());
    master_ = std::make_unique<FakeMaster>();
  }

  void TearDown() override {
    agent_.reset();  // SIGKILL if still running
    master_.reset();
    // Task containers outlive the agent by design: end them by cgroup, whatever their id.
    testing::removeCgroupTree(cgroupsRoot_);
    testing::removeTestDirectory(dir_);
  }

  void startAgent(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        std::getenv("MESOLITE_AGENT"),
        "--master=127.0.0.1:" + std::to_string(master_->port()),
        "--work_dir=" + dir_ + "/work",
        "--runtime_dir=" + dir_ + "/run",
        "--launcher_dir=" + std::string(std::getenv("MESOLITE_LAUNCHER_DIR")),
        "--ip=127.0.0.1",
        "--port=0",
        "--registration_backoff_factor=100ms",
        "--executor_shutdown_grace_period=1secs",
        "--resources=cpus:2;mem:1024;disk:1024",
        "--attributes=rack:r1",
        "--cgroups_root=" + cgroupsRoot_};
    operator_ = testing::makeOperatorCredential(dir_);
    argv.push_back(operator_.flag);
    argv.insert(argv.end(), extra.begin(), extra.end());
    agent_ = std::make_unique<Subprocess>(argv);
    auto line = agent_->waitForLine("agent listening on", 20s);
    ASSERT_TRUE(line) << agent_->err();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))")));
    endpoint_ = {"127.0.0.1", uint16_t(std::stoi(match[1]))};
  }

  json get(const std::string& path) {
    auto response = http::fetch(endpoint_, {.method = "GET", .path = path}, {.timeout = 10s});
    EXPECT_TRUE(response) << response.error().message;
    if (!response || response->status != 200) return json();
    return json::parse(response->body);
  }

  json call(const json& body) {
    http::Request request{.method = "POST", .path = "/api/v1", .body = body.dump()};
    testing::authorize(request, operator_.credential);
    request.headers["Content-Type"] = "application/json";
    request.headers["Accept"] = "application/json";
    auto response = http::fetch(endpoint_, request, {.timeout = 10s});
    EXPECT_TRUE(response) << response.error().message;
    if (!response || response->status != 200) return json();
    return json::parse(response->body);
  }

  // The task's pid as the agent reports it (GET_CONTAINERS), once the launcher wrote it.
  pid_t taskPid(const std::string& taskId) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      json answer = call({{"type", "GET_CONTAINERS"}});
      for (const auto& container : answer["get_containers"].value("containers", json::array())) {
        if (container.value("executor_id", json::object()).value("value", "") != taskId) continue;
        const auto pid = container["container_status"].value("executor_pid", 0);
        if (pid > 0) return pid_t(pid);
      }
      std::this_thread::sleep_for(50ms);
    }
    return 0;
  }

  std::string dir_;
  testing::OperatorCredential operator_;
  std::string cgroupsRoot_;
  std::unique_ptr<FakeMaster> master_;
  std::unique_ptr<Subprocess> agent_;
  http::Endpoint endpoint_;
};

}  // namespace mesolite::testing
