// TaskManager: a task's health check and check (TaskInfo.health_check, .check), told
// to the framework as Mesos's command executor tells them: TASK_RUNNING again with
// `healthy` (REASON_TASK_HEALTH_CHECK_STATUS_UPDATED) or `check_status`
// (REASON_TASK_CHECK_STATUS_UPDATED); `consecutive_failures` failed health checks
// kill the task, which ends TASK_KILLED with healthy false.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "agent/checkpoint.h"
#include "agent/task_manager_internal.h"
#include "common/ids.h"
#include "common/logging.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using internal::AgentEvent;
using mesos::v1::TaskStatus;

void TaskManager::startChecks(const std::string& frameworkId, Task& task) {
  const bool hasHealthCheck = task.task.has_health_check();
  if ((!hasHealthCheck && !task.check) || task.checks) return;
  const std::string tid = task.task.task_id().value();
  TaskChecks::Callbacks callbacks;
  callbacks.health = [this, frameworkId, tid](const HealthVerdict& verdict) {
    onHealthVerdict(frameworkId, tid, verdict);
  };
  callbacks.check = [this, frameworkId, tid](const mesos::v1::CheckStatusInfo& status) {
    onCheckStatus(frameworkId, tid, status);
  };
  std::optional<bool> toldHealth;
  if (const int n = task.task.statuses_size(); n > 0 && task.task.statuses(n - 1).has_healthy()) {
    toldHealth = task.task.statuses(n - 1).healthy();
  }
  task.checks = std::make_unique<TaskChecks>(io_, containerizer_, task.containerId, tid,
                                             hasHealthCheck ? &task.task.health_check() : nullptr,
                                             task.check ? &*task.check : nullptr, toldHealth,
                                             std::move(callbacks));
}

void TaskManager::stopChecks(Task& task) {
  if (!task.checks) return;
  // Not here: this may run inside one of their own callbacks.
  asio::post(io_, [checks = std::shared_ptr<TaskChecks>(std::move(task.checks))] {});
}

TaskStatus TaskManager::restatement(const Task& task, TaskStatus::Reason reason) const {
  TaskStatus status = task.task.statuses_size() > 0
                          ? task.task.statuses(task.task.statuses_size() - 1)
                          : makeStatus(task, task.task.state(), TaskStatus::SOURCE_EXECUTOR, "");
  status.set_source(TaskStatus::SOURCE_EXECUTOR);
  status.set_reason(reason);
  status.set_uuid(randomUuidBytes());
  status.set_timestamp(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  return status;
}

namespace {

template <typename Frameworks>
auto* runningTask(Frameworks& frameworks, const std::string& frameworkId,
                  const std::string& taskId) {
  using TaskPointer = decltype(frameworks.begin()->second->tasks.begin()->second.get());
  auto fit = frameworks.find(frameworkId);
  if (fit == frameworks.end()) return TaskPointer(nullptr);
  auto tit = fit->second->tasks.find(taskId);
  if (tit == fit->second->tasks.end()) return TaskPointer(nullptr);
  auto* task = tit->second.get();
  // After a kill or the end nothing more is told (as in Mesos, which stops checking).
  if (task->killing || task->containerEnded || task->task.state() != mesos::v1::TASK_RUNNING) {
    return TaskPointer(nullptr);
  }
  return task;
}

}  // namespace

void TaskManager::onHealthVerdict(const std::string& frameworkId, const std::string& taskId,
                                  const HealthVerdict& verdict) {
  Task* task = runningTask(frameworks_, frameworkId, taskId);
  if (task == nullptr) return;
  TaskStatus status = restatement(*task, TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  status.set_healthy(verdict.healthy);
  update(*frameworks_.at(frameworkId), *task, std::move(status));
  if (!verdict.killTask) return;
  log::warn("killing task {} of framework {}: its health check failed {} times in a row", taskId,
            frameworkId, verdict.consecutiveFailures);
  task->killedByHealthCheck = true;
  AgentEvent::KillTask kill;
  kill.mutable_framework_id()->set_value(frameworkId);
  kill.mutable_task_id()->set_value(taskId);
  killTask(kill);
}

void TaskManager::onCheckStatus(const std::string& frameworkId, const std::string& taskId,
                                const mesos::v1::CheckStatusInfo& checkStatus) {
  Task* task = runningTask(frameworks_, frameworkId, taskId);
  if (task == nullptr) return;
  TaskStatus status = restatement(*task, TaskStatus::REASON_TASK_CHECK_STATUS_UPDATED);
  *status.mutable_check_status() = checkStatus;
  update(*frameworks_.at(frameworkId), *task, std::move(status));
}

std::string TaskManager::checkInfoPath(const std::string& frameworkId, const Task& task) const {
  const std::string& tid = task.task.task_id().value();
  return paths::runMetaDir(options_.workDir, agentId_, frameworkId, tid, task.containerId) +
         "/tasks/" + tid + "/check.info";
}

}  // namespace mesolite::agent
