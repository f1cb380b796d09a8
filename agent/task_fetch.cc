// TaskManager: a task's CommandInfo.uris, fetched into its sandbox before its container
// is launched. A failed fetch is TASK_FAILED (REASON_CONTAINER_LAUNCH_FAILED) with the
// helper's line naming the URI; a KILL during the fetch stops it (TASK_KILLED). For a
// checkpointing framework a marker file says a fetch was under way, so that an agent
// restarted meanwhile ends the task saying so.
#include <unistd.h>

#include "agent/checkpoint.h"
#include "agent/fetcher.h"
#include "agent/task_manager.h"
#include "agent/task_manager_internal.h"
#include "common/fs.h"
#include "common/logging.h"

namespace mesolite::agent {

using mesos::v1::TaskStatus;

namespace {

// A task's disk resource caps what one download may write into its sandbox.
uint64_t diskBytes(const mesos::v1::TaskInfo& info) {
  double megabytes = 0;
  for (const auto& resource : info.resources()) {
    if (resource.name() == "disk" && resource.has_scalar()) megabytes += resource.scalar().value();
  }
  return uint64_t(megabytes * 1024 * 1024);
}

}  // namespace

std::string TaskManager::fetchingMarkerPath(const std::string& frameworkId,
                                            const Task& task) const {
  const std::string& tid = task.task.task_id().value();
  return paths::runMetaDir(options_.workDir, agentId_, frameworkId, tid, task.containerId) +
         "/tasks/" + tid + "/fetching";
}

void TaskManager::fetchThenLaunch(Framework& framework, Task& task,
                                  const mesos::v1::TaskInfo& info) {
  const std::string fid = framework.info.id().value();
  const std::string tid = info.task_id().value();
  if (!options_.fetcher) {
    auto status = makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_AGENT,
                             "command.uris: this agent runs without a fetcher");
    status.set_reason(TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
    task.containerEnded = true;
    return update(framework, task, std::move(status));
  }
  FetchRequest request;
  request.containerId = task.containerId;
  request.sandbox = paths::sandboxDir(options_.workDir, agentId_, fid, tid, task.containerId);
  request.user = task.task.user().empty() ? std::nullopt : std::optional(task.task.user());
  request.uris = info.command().uris();
  request.maxBytes = diskBytes(info);
  task.fetching = true;
  task.fetched = true;
  task.pendingLaunch = std::make_unique<mesos::v1::TaskInfo>(info);
  if (task.checkpoint) {
    if (auto saved = fs::writeFileAtomically(fetchingMarkerPath(fid, task), "\n"); !saved)
      log::warn("task {}: {}", tid, saved.error().message);
  }
  log::info("task {} of framework {}: fetching {} URI(s) into {}", tid, fid,
            info.command().uris_size(), request.sandbox);
  options_.fetcher->fetch(std::move(request), [this, fid, tid](Result<void> fetched) {
    onFetched(fid, tid, std::move(fetched));
  });
}

void TaskManager::onFetched(const std::string& frameworkId, const std::string& taskId,
                            Result<void> fetched) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  auto tit = fit->second->tasks.find(taskId);
  if (tit == fit->second->tasks.end() || !tit->second->fetching) return;
  Framework& framework = *fit->second;
  Task& task = *tit->second;
  task.fetching = false;
  if (task.checkpoint) ::unlink(fetchingMarkerPath(frameworkId, task).c_str());
  std::unique_ptr<mesos::v1::TaskInfo> info = std::move(task.pendingLaunch);
  if (!fetched) {
    log::warn("task {} of framework {}: {}", taskId, frameworkId, fetched.error().message);
    auto status =
        makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_AGENT, fetched.error().message);
    status.set_reason(TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
    task.containerEnded = true;
    return update(framework, task, std::move(status));
  }
  launchTask(framework, task, *info);
}

void TaskManager::killWhileFetching(Framework& framework, Task& task) {
  const std::string fid = framework.info.id().value();
  log::info("killing task {} of framework {} while its URIs are fetched",
            task.task.task_id().value(), fid);
  if (options_.fetcher) options_.fetcher->cancel(task.containerId);
  task.fetching = false;
  task.pendingLaunch.reset();
  if (task.checkpoint) ::unlink(fetchingMarkerPath(fid, task).c_str());
  task.containerEnded = true;
  update(framework, task,
         makeStatus(task, mesos::v1::TASK_KILLED, TaskStatus::SOURCE_AGENT,
                    "Command was killed while its URIs were being fetched"));
}

}  // namespace mesolite::agent
