// TaskManager: the tasks and frameworks as /state and the operator API show them.
#include "common/task_state.h"

#include "agent/checkpoint.h"
#include "agent/task_manager.h"
#include "agent/task_manager_internal.h"
#include "common/protobuf_json.h"
#include "common/resources.h"
#include "common/state_model.h"

namespace mesolite::agent {

using internal::AgentCall;
using internal::AgentEvent;
using mesos::v1::TaskState;
using mesos::v1::TaskStatus;

// ---- State -------------------------------------------------------------------

nlohmann::json TaskManager::taskJson(const mesos::v1::Task& task) const {
  return model::task(task);
}

nlohmann::json TaskManager::frameworkJson(const Framework& framework) const {
  nlohmann::json executors = nlohmann::json::array();
  nlohmann::json completedExecutors = nlohmann::json::array();
  for (const auto& [tid, task] : framework.tasks) {
    executors.push_back(
        {{"id", tid},
         {"name", task->executor.name()},
         {"source", task->executor.source()},
         {"framework_id", framework.info.id().value()},
         {"container", task->containerId},
         {"directory", paths::sandboxDir(options_.workDir, agentId_, framework.info.id().value(),
                                         tid, task->containerId)},
         {"resources", model::resources(task->executor.resources())},
         {"role", model::allocationRole(task->task.resources())},
         {"tasks", nlohmann::json::array({taskJson(task->task)})},
         {"queued_tasks", nlohmann::json::array()},
         {"completed_tasks", nlohmann::json::array()}});
  }
  for (const auto& task : framework.completedTasks) {
    nlohmann::json executor = {{"id", task.executor_id().value()},
                               {"name", "Command Executor (Task: " + task.task_id().value() + ")"},
                               {"source", task.task_id().value()},
                               {"framework_id", framework.info.id().value()},
                               {"resources", model::resources(task.resources())},
                               {"role", model::allocationRole(task.resources())},
                               {"tasks", nlohmann::json::array()},
                               {"queued_tasks", nlohmann::json::array()},
                               {"completed_tasks", nlohmann::json::array({taskJson(task)})}};
    // Its sandbox stays readable (/files) until collected: Mesos names it here too.
    for (const auto& status : task.statuses()) {
      if (!status.container_status().has_container_id()) continue;
      const std::string& container = status.container_status().container_id().value();
      executor["container"] = container;
      executor["directory"] =
          paths::sandboxDir(options_.workDir, agentId_, framework.info.id().value(),
                            task.executor_id().value(), container);
    }
    completedExecutors.push_back(std::move(executor));
  }
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& role : framework.info.roles())
    roles.push_back(role);
  nlohmann::json out = {{"id", framework.info.id().value()},
                        {"name", framework.info.name()},
                        {"user", framework.info.user()},
                        {"failover_timeout", framework.info.failover_timeout()},
                        {"checkpoint", framework.info.checkpoint()},
                        {"hostname", framework.info.hostname()},
                        {"role", framework.info.roles_size() > 0 ? framework.info.roles(0) : "*"},
                        {"roles", roles},
                        {"executors", executors},
                        {"completed_executors", completedExecutors}};
  if (framework.info.has_principal()) out["principal"] = framework.info.principal();
  return out;
}

void TaskManager::addState(nlohmann::json& state) const {
  state["id"] = agentId_;
  nlohmann::json frameworks = nlohmann::json::array();
  for (const auto& [fid, framework] : frameworks_)
    frameworks.push_back(frameworkJson(*framework));
  nlohmann::json completed = nlohmann::json::array();
  for (const auto& framework : completedFrameworks_)
    completed.push_back(frameworkJson(*framework));
  state["frameworks"] = frameworks;
  state["completed_frameworks"] = completed;
}

std::optional<std::string> TaskManager::frameworkUser(const std::string& frameworkId) const {
  if (auto found = frameworks_.find(frameworkId); found != frameworks_.end()) {
    return found->second->info.user();
  }
  for (const auto& framework : completedFrameworks_) {
    if (framework->info.id().value() == frameworkId) return framework->info.user();
  }
  return std::nullopt;
}

mesos::v1::agent::Response::GetTasks TaskManager::getTasks() const {
  mesos::v1::agent::Response::GetTasks tasks;
  for (const auto& [fid, framework] : frameworks_) {
    for (const auto& [tid, task] : framework->tasks) {
      *(isTerminal(task->task.state()) ? tasks.add_terminated_tasks()
                                       : tasks.add_launched_tasks()) = task->task;
    }
    for (const auto& task : framework->completedTasks)
      *tasks.add_completed_tasks() = task;
  }
  for (const auto& framework : completedFrameworks_) {
    for (const auto& task : framework->completedTasks)
      *tasks.add_completed_tasks() = task;
  }
  return tasks;
}

mesos::v1::agent::Response::GetFrameworks TaskManager::getFrameworks() const {
  mesos::v1::agent::Response::GetFrameworks frameworks;
  for (const auto& [fid, framework] : frameworks_)
    *frameworks.add_frameworks()->mutable_framework_info() = framework->info;
  for (const auto& framework : completedFrameworks_)
    *frameworks.add_completed_frameworks()->mutable_framework_info() = framework->info;
  return frameworks;
}

mesos::v1::agent::Response::GetExecutors TaskManager::getExecutors() const {
  mesos::v1::agent::Response::GetExecutors executors;
  for (const auto& [fid, framework] : frameworks_) {
    for (const auto& [tid, task] : framework->tasks)
      *executors.add_executors()->mutable_executor_info() = task->executor;
  }
  return executors;
}

}  // namespace mesolite::agent

namespace mesolite::agent {

Resources TaskManager::usedResources() const {
  Resources used;
  for (const auto& [fid, framework] : frameworks_) {
    for (const auto& [tid, task] : framework->tasks) {
      if (isTerminal(task->task.state())) continue;
      if (auto resources = Resources::fromProtos(task->task.resources())) used += *resources;
    }
  }
  return used;
}

void TaskManager::addMetrics(std::map<std::string, double>& metrics) const {
  std::map<mesos::v1::TaskState, double> live;
  double executorsRunning = 0, executorsTerminating = 0;
  Resources used;
  for (const auto& [fid, framework] : frameworks_) {
    for (const auto& [tid, task] : framework->tasks) {
      const auto state = task->task.state();
      if (isTerminal(state)) continue;
      live[state]++;
      // A command task's executor is its container: terminating while it is killed.
      (task->killing ? executorsTerminating : executorsRunning) += 1;
      if (auto resources = Resources::fromProtos(task->task.resources())) used += *resources;
    }
  }
  metrics["slave/registered"] = registered_ ? 1 : 0;
  metrics["slave/frameworks_active"] = double(frameworks_.size());
  metrics["slave/executors_running"] = executorsRunning;
  metrics["slave/executors_terminating"] = executorsTerminating;
  metrics["slave/tasks_staging"] = live[mesos::v1::TASK_STAGING];
  metrics["slave/tasks_starting"] = live[mesos::v1::TASK_STARTING];
  metrics["slave/tasks_running"] = live[mesos::v1::TASK_RUNNING];
  metrics["slave/tasks_killing"] = live[mesos::v1::TASK_KILLING];
  for (const auto& [name, state] :
       {std::pair{"finished", mesos::v1::TASK_FINISHED},
        std::pair{"failed", mesos::v1::TASK_FAILED}, std::pair{"killed", mesos::v1::TASK_KILLED},
        std::pair{"lost", mesos::v1::TASK_LOST}, std::pair{"gone", mesos::v1::TASK_GONE}}) {
    auto found = counters_.terminal.find(state);
    metrics[std::string("slave/tasks_") + name] =
        found == counters_.terminal.end() ? 0 : double(found->second);
  }
  // A command task's container is its executor: the ones that ended (not TASK_ERROR or
  // TASK_DROPPED, which never ran one).
  double terminated = 0;
  for (const auto& [state, count] : counters_.terminal) {
    if (state != mesos::v1::TASK_ERROR && state != mesos::v1::TASK_DROPPED)
      terminated += double(count);
  }
  metrics["slave/executors_terminated"] = terminated;
  metrics["slave/valid_status_updates"] = double(counters_.statusUpdates);
  metrics["slave/container_launch_errors"] = double(counters_.launchErrors);

  auto total = Resources::fromProtos(options_.totalResources);
  for (const char* name : {"cpus", "mem", "disk", "gpus"}) {
    const double all = total ? total->scalar(name).value_or(0) : 0;
    const double inUse = used.scalar(name).value_or(0);
    metrics[std::string("slave/") + name + "_total"] = all;
    metrics[std::string("slave/") + name + "_used"] = inUse;
    metrics[std::string("slave/") + name + "_percent"] = all > 0 ? inUse / all : 0;
  }
}

}  // namespace mesolite::agent
