// The health check and the check of one task (TaskInfo.health_check, TaskInfo.check),
// run by the agent as Mesos's command executor runs them: a COMMAND inside the task's
// container (its namespaces, cgroups, user and hardening), an HTTP GET or a TCP
// connect to the task's loopback from inside its network namespace; after
// `delay_seconds`, then `interval_seconds` after each run ends, each run bounded by
// `timeout_seconds`. Only tasks that ask for checks get any of this.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/check_definition.h"
#include "mesos/v1/mesos.pb.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

class Containerizer;

// What the agent tells the framework after a health check ran.
struct HealthVerdict {
  bool healthy = false;
  bool killTask = false;  // `consecutive_failures` reached
  uint32_t consecutiveFailures = 0;
};

// Mesos's rules for when a health check result is news: the first success and the
// first success after failures; every failure outside the grace period (which lasts
// until the first success or until it runs out).
class HealthTracker {
 public:
  using Clock = std::chrono::steady_clock;
  HealthTracker(uint32_t consecutiveFailures, std::chrono::milliseconds gracePeriod,
                Clock::time_point start);
  std::optional<HealthVerdict> success();
  std::optional<HealthVerdict> failure(Clock::time_point now);
  // For a task whose health was told before an agent restart: no second grace period,
  // and no news until it changes.
  void resume(bool healthy) {
    initializing_ = false;
    failures_ = healthy ? 0 : 1;
  }

 private:
  uint32_t limit_;
  std::chrono::milliseconds gracePeriod_;
  Clock::time_point start_;
  bool initializing_ = true;
  uint32_t failures_ = 0;
};

class TaskChecks {
 public:
  struct Callbacks {
    std::function<void(const HealthVerdict&)> health;
    std::function<void(const mesos::v1::CheckStatusInfo&)> check;  // when it changed
  };

  // Starts the checks a task asks for (validated at RUN_TASK). `toldHealth`: what the
  // task's newest status already says of its health (after an agent restart).
  TaskChecks(boost::asio::io_context& io, Containerizer& containerizer, std::string containerId,
             const std::string& taskId, const mesos::v1::HealthCheck* healthCheck,
             const mesos::v1::CheckInfo* check, std::optional<bool> toldHealth,
             Callbacks callbacks);
  ~TaskChecks();  // stops them; a run in flight is cancelled (a command killed)
  TaskChecks(const TaskChecks&) = delete;
  TaskChecks& operator=(const TaskChecks&) = delete;

  // What the first TASK_RUNNING of a task with a check carries: the type, no result.
  static std::optional<mesos::v1::CheckStatusInfo> initialCheckStatus(
      const mesos::v1::CheckInfo& check);

  class Runner;

 private:
  std::unique_ptr<Runner> health_;
  std::unique_ptr<Runner> check_;
};

}  // namespace mesolite::agent
