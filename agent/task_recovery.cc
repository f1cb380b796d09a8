// TaskManager: recovering the agent id, frameworks, tasks and their updates at start.
#include <filesystem>

#include "agent/checkpoint.h"
#include "agent/task_manager.h"
#include "agent/task_manager_internal.h"
#include "common/fs.h"
#include "common/logging.h"

namespace mesolite::agent {

using internal::AgentCall;
using internal::AgentEvent;
using mesos::v1::TaskState;
using mesos::v1::TaskStatus;

// ---- Recovery ----------------------------------------------------------------

Result<void> TaskManager::recover() {
  const std::string& workDir = options_.workDir;
  const std::string bootId = checkpoint::currentBootId();
  auto recordedBoot = fs::readFile(paths::bootIdPath(workDir));
  std::string recorded = recordedBoot ? *recordedBoot : "";
  while (!recorded.empty() && recorded.back() == '\n')
    recorded.pop_back();

  if (auto latest = checkpoint::readLatestAgent(workDir)) {
    if (!options_.reconnect) {
      log::info("--recover=cleanup: registering as a new agent, not as {}", *latest);
      checkpoint::forgetLatestAgent(workDir);
    } else if (!recorded.empty() && !bootId.empty() && recorded != bootId) {
      log::info("the host rebooted since agent {} ran: registering as a new agent", *latest);
      checkpoint::forgetLatestAgent(workDir);
    } else {
      agentId_ = *latest;
      log::info("recovering agent {}", agentId_);
    }
  }
  if (!bootId.empty()) {
    if (auto made = fs::makeDirectories(paths::metaDir(workDir)); !made) return made;
    if (auto written = fs::writeFileAtomically(paths::bootIdPath(workDir), bootId + "\n");
        !written) {
      return written;
    }
  }

  std::set<std::string> recovered;
  std::vector<std::string> problems;
  if (!agentId_.empty()) {
    const std::string frameworksDir = paths::agentMetaDir(workDir, agentId_) + "/frameworks";
    for (const std::string& fid : paths::listDirectories(frameworksDir)) {
      auto framework = std::make_unique<Framework>();
      if (auto read = checkpoint::readMessage(paths::frameworkInfoPath(workDir, agentId_, fid),
                                              &framework->info);
          !read) {
        problems.push_back(read.error().message);
        continue;
      }
      const std::string executorsDir =
          paths::frameworkMetaDir(workDir, agentId_, fid) + "/executors";
      for (const std::string& eid : paths::listDirectories(executorsDir)) {
        mesos::v1::ExecutorInfo executor;
        (void)checkpoint::readMessage(paths::executorInfoPath(workDir, agentId_, fid, eid),
                                      &executor);
        const std::string runsDir = paths::executorMetaDir(workDir, agentId_, fid, eid) + "/runs";
        for (const std::string& cid : paths::listDirectories(runsDir)) {
          const std::string tasksDir =
              paths::runMetaDir(workDir, agentId_, fid, eid, cid) + "/tasks";
          for (const std::string& tid : paths::listDirectories(tasksDir)) {
            auto task = std::make_unique<Task>();
            task->containerId = cid;
            task->checkpoint = true;
            task->executor = executor;
            if (auto read = checkpoint::readMessage(
                    paths::taskInfoPath(workDir, agentId_, fid, eid, cid, tid), &task->task);
                !read) {
              problems.push_back(read.error().message);
              continue;
            }
            const std::string log = paths::taskUpdatesPath(workDir, agentId_, fid, eid, cid, tid);
            ReplayedUpdates replayed;
            if (std::filesystem::exists(log)) {
              auto read = replayUpdates(log);
              if (!read) {
                problems.push_back(read.error().message);
                continue;
              }
              replayed = std::move(*read);
            }
            if (replayed.terminalAcknowledged) {
              // Done before the restart; only its leftovers remain.
              std::error_code ignored;
              std::filesystem::remove_all(paths::executorMetaDir(workDir, agentId_, fid, eid),
                                          ignored);
              continue;
            }
            if (mesos::v1::CheckInfo check;
                checkpoint::readMessage(checkInfoPath(fid, *task), &check)) {
              task->check = std::move(check);
            }
            if (replayed.latestState) task->task.set_state(*replayed.latestState);
            if (replayed.latestStatus) {
              task->task.clear_statuses();
              *task->task.add_statuses() = *replayed.latestStatus;
            }
            updates_.recover(fid, tid, std::move(replayed.pending), log);
            recovered.insert(cid);
            log::info("recovered task {} of framework {} ({}) in container {}", tid, fid,
                      mesos::v1::TaskState_Name(task->task.state()), cid);
            framework->tasks[tid] = std::move(task);
          }
        }
      }
      if (framework->tasks.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(paths::frameworkMetaDir(workDir, agentId_, fid), ignored);
        continue;
      }
      frameworks_[fid] = std::move(framework);
    }
  }

  // Now that every recovered task is known, learn how their containers are doing
  // (a container that ended while the agent was away reports at once).
  std::vector<std::pair<std::string, std::string>> lost;
  for (auto& [fid, framework] : frameworks_) {
    for (auto& [tid, task] : framework->tasks) {
      if (containerizer_.exists(task->containerId)) {
        watch(*framework, *task);
        if (task->task.state() == mesos::v1::TASK_RUNNING) startChecks(fid, *task);
        if (auto deadline = fs::readFile(completionDeadlinePath(fid, *task))) {
          const auto nanos = std::chrono::nanoseconds(std::strtoll(deadline->c_str(), nullptr, 10));
          if (nanos.count() > 0 && !isTerminal(task->task.state())) {
            armCompletionTimer(
                *task, fid,
                std::chrono::system_clock::time_point(
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(nanos)));
          }
        }
      } else if (!isTerminal(task->task.state())) {
        lost.emplace_back(fid, tid);
      } else {
        task->containerEnded = true;
      }
    }
  }
  for (const auto& [fid, tid] : lost) {
    auto& framework = *frameworks_.at(fid);
    Task& task = *framework.tasks.at(tid);
    task.containerEnded = true;
    const std::string marker = fetchingMarkerPath(fid, task);
    const bool wasFetching = std::filesystem::exists(marker);
    auto status =
        makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_AGENT,
                   wasFetching ? "the agent restarted while the task's URIs were being fetched"
                               : "the task's container was gone after the agent restarted");
    status.set_reason(wasFetching ? TaskStatus::REASON_CONTAINER_LAUNCH_FAILED
                                  : TaskStatus::REASON_EXECUTOR_TERMINATED);
    if (wasFetching) {
      task.fetched = true;  // its sandbox holds the fetcher's log
      std::filesystem::remove(marker);
    }
    update(framework, task, std::move(status));
  }

  // Containers of tasks nobody recovered (non-checkpointing frameworks, or a new
  // agent id) are killed and removed; nothing of them is reported.
  for (const auto& view : containerizer_.containers()) {
    if (view.frameworkId.empty() || recovered.count(view.id)) continue;
    log::info("container {} of framework {} is not recovered: killing it", view.id,
              view.frameworkId);
    dyingContainers_.insert(view.id);
    (void)containerizer_.kill(view.id, SIGKILL);
    (void)containerizer_.wait(view.id, [this, id = view.id](const Containerizer::Termination&) {
      removeContainerLater(id);
    });
  }

  if (!problems.empty()) {
    std::string message;
    for (const auto& problem : problems)
      message += (message.empty() ? "" : "; ") + problem;
    return Error(message);
  }
  return success();
}

}  // namespace mesolite::agent
