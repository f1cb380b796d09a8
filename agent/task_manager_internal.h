// What TaskManager keeps per framework and per task, shared by the files that implement
// it (task_manager.cc: tasks and the master; task_recovery.cc; task_state.cc).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/task_checks.h"
#include "agent/task_manager.h"

namespace mesolite::agent {

struct TaskManager::Task {
  mesos::v1::Task task;  // state = the newest state; statuses: the last 16, newest last
  mesos::v1::ExecutorInfo executor;
  std::string containerId;
  bool checkpoint = false;
  bool killing = false;
  bool containerEnded = false;
  std::unique_ptr<boost::asio::steady_timer> killTimer;
  // TaskInfo.max_completion_time: killed when it passes, TASK_FAILED with
  // REASON_MAX_COMPLETION_TIME_REACHED.
  std::unique_ptr<boost::asio::steady_timer> completionTimer;
  bool completionTimeReached = false;
  // CommandInfo.uris: being fetched (the container is launched once they are), and the
  // TaskInfo to launch then.
  bool fetching = false;
  bool fetched = false;  // a fetch ran: its sandbox exists even without a container
  std::unique_ptr<mesos::v1::TaskInfo> pendingLaunch;
  // TaskInfo.check (mesos::v1::Task has no place for it); checkpointed beside the task.
  std::optional<mesos::v1::CheckInfo> check;
  // Its health check and check, while it runs (agent/task_health.cc).
  std::unique_ptr<TaskChecks> checks;
  bool killedByHealthCheck = false;
};

struct TaskManager::Framework {
  mesos::v1::FrameworkInfo info;
  std::map<std::string, std::unique_ptr<Task>> tasks;
  std::deque<mesos::v1::Task> completedTasks;
};

}  // namespace mesolite::agent
