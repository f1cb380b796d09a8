// The master's large answers under load: scripted agents report tens of thousands of
// tasks (a /master/state of about 10 MiB), several clients fetch the state endpoints in a
// loop, and /health, polled all along, must keep answering within 100 ms (p99): the JSON
// is built off the master's event loop. Prints the figures: state size, time to serve,
// /health latency and the master's RSS.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"

namespace mesolite {
namespace {

using namespace e2e;
using Clock = std::chrono::steady_clock;

constexpr int kAgents = 8;
constexpr int kTasksPerAgent = 2500;
constexpr int kFrameworks = 4;
constexpr int kClients = 4;
constexpr auto kLoadTime = 6s;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The resident set of `pid` in MiB (VmRSS, or VmHWM for the peak).
double residentMiB(pid_t pid, const std::string& field = "VmRSS:") {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size())) / 1024;
  }
  return 0;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, size_t(double(values.size()) * p))];
}

std::vector<mesos::v1::Task> scriptedTasks(int agent) {
  std::vector<mesos::v1::Task> tasks;
  for (int i = 0; i < kTasksPerAgent; ++i) {
    mesos::v1::Task task;
    task.mutable_task_id()->set_value("task-" + std::to_string(agent) + "-" + std::to_string(i));
    task.set_name("a scripted task with a name of some length, number " + std::to_string(i));
    task.mutable_framework_id()->set_value("framework-" + std::to_string(i % kFrameworks));
    task.mutable_agent_id()->set_value("S" + std::to_string(agent));
    task.set_state(mesos::v1::TASK_RUNNING);
    *task.add_resources() = scalar("cpus", 0.0001);
    *task.add_resources() = scalar("mem", 0.01);
    for (int l = 0; l < 3; ++l) {
      auto* label = task.mutable_labels()->add_labels();
      label->set_key("label-" + std::to_string(l));
      label->set_value("value of the label, long enough to weigh " + std::to_string(l));
    }
    auto* status = task.add_statuses();
    status->mutable_task_id()->set_value(task.task_id().value());
    status->set_state(mesos::v1::TASK_RUNNING);
    status->set_timestamp(1700000000.5);
    tasks.push_back(std::move(task));
  }
  return tasks;
}

// Known to the agents, with a failover timeout long enough to outlive the test.
std::vector<mesos::v1::FrameworkInfo> scriptedFrameworks() {
  std::vector<mesos::v1::FrameworkInfo> frameworks;
  for (int f = 0; f < kFrameworks; ++f) {
    auto info = frameworkInfo("scripted-" + std::to_string(f));
    info.mutable_id()->set_value("framework-" + std::to_string(f));
    info.set_failover_timeout(3600);
    frameworks.push_back(std::move(info));
  }
  return frameworks;
}

struct Fetched {
  int status = 0;
  size_t bytes = 0;
  double ms = 0;
};

Fetched get(const http::Endpoint& endpoint, const std::string& path,
            std::chrono::milliseconds timeout = 30s) {
  http::Request request;
  request.method = "GET";
  request.path = path;
  const auto start = Clock::now();
  auto response = http::fetch(endpoint, request, {.timeout = timeout});
  return {response ? response->status : 0, response ? response->body.size() : 0, msSince(start)};
}

TEST(StateUnderLoad, HealthAnswersWithin100msWhileA10MiBStateIsServed) {
  Master master;
  std::vector<std::unique_ptr<FakeAgent>> agents;
  for (int a = 0; a < kAgents; ++a)
    agents.push_back(std::make_unique<FakeAgent>(master, "S" + std::to_string(a), scriptedTasks(a),
                                                 scriptedFrameworks()));
  const pid_t pid = master.process().pid();
  const double idleRss = residentMiB(pid);

  const Fetched alone = get(master.endpoint(), "/master/state");
  ASSERT_EQ(alone.status, 200);
  std::cout << "state: " << alone.bytes / 1024 << " KiB, " << kAgents * kTasksPerAgent
            << " tasks, served alone in " << alone.ms << " ms\n";
  EXPECT_GT(alone.bytes, size_t(8) << 20);

  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<double> stateMs;
  int stateErrors = 0;
  const std::vector<std::string> paths = {"/master/state", "/master/tasks?limit=100000",
                                          "/master/frameworks", "/master/state-summary",
                                          "/master/slaves"};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int round = 0; round < 1000 && !stop; ++round) {
        const Fetched fetched = get(master.endpoint(), paths[size_t(c + round) % paths.size()]);
        std::lock_guard lock(mutex);
        if (fetched.status == 200) {
          stateMs.push_back(fetched.ms);
        } else {
          ++stateErrors;
        }
      }
    });
  }

  std::vector<double> healthMs;
  int healthErrors = 0;
  double peakRss = 0;
  const auto start = Clock::now();
  for (int i = 0; i < 100000 && Clock::now() - start < kLoadTime; ++i) {
    const Fetched health = get(master.endpoint(), "/health", 5s);
    if (health.status == 200) {
      healthMs.push_back(health.ms);
    } else {
      ++healthErrors;
    }
    peakRss = std::max(peakRss, residentMiB(pid));
    std::this_thread::sleep_for(10ms);
  }
  stop = true;
  for (auto& client : clients)
    client.join();

  const double p50 = percentile(healthMs, 0.5), p99 = percentile(healthMs, 0.99);
  std::cout << "under load (" << kClients << " clients): " << stateMs.size()
            << " state answers, p50 " << percentile(stateMs, 0.5) << " ms, max "
            << percentile(stateMs, 1.0) << " ms; /health: " << healthMs.size() << " answers, p50 "
            << p50 << " ms, p99 " << p99 << " ms, max " << percentile(healthMs, 1.0)
            << " ms; master RSS idle " << idleRss << " MiB, peak sampled " << peakRss
            << " MiB (VmHWM " << residentMiB(pid, "VmHWM:") << " MiB)\n";
  EXPECT_EQ(healthErrors, 0);
  EXPECT_EQ(stateErrors, 0);
  EXPECT_GT(stateMs.size(), 0u);
  EXPECT_GT(healthMs.size(), 50u);
  EXPECT_LT(p99, 100.0);
  EXPECT_LT(peakRss, 512.0);  // measured 250-280 MiB for a 10 MiB state
}

}  // namespace
}  // namespace mesolite
