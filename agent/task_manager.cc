#include "agent/task_manager.h"

#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <random>

#include "agent/checkpoint.h"
#include "agent/fetcher.h"
#include "agent/sandbox_gc.h"
#include "agent/task_manager_internal.h"
#include "common/fs.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/protobuf_json.h"
#include "common/resources.h"
#include "common/task_fields.h"
#include "common/version.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using internal::AgentCall;
using internal::AgentEvent;
using mesos::v1::TaskState;
using mesos::v1::TaskStatus;

namespace {

constexpr size_t kMaxCompletedTasks = 200;
constexpr size_t kMaxCompletedFrameworks = 50;
constexpr int kMaxStatusesPerTask = 16;

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool hasCapability(const mesos::v1::FrameworkInfo& info,
                   mesos::v1::FrameworkInfo::Capability::Type type) {
  for (const auto& capability : info.capabilities()) {
    if (capability.type() == type) return true;
  }
  return false;
}

}  // namespace

TaskManager::TaskManager(asio::io_context& io, Containerizer& containerizer,
                         TaskManagerOptions options, SendCall send, std::function<void()> shutdown)
    : io_(io),
      containerizer_(containerizer),
      options_(std::move(options)),
      send_(std::move(send)),
      shutdown_(std::move(shutdown)),
      updates_(
          io, options_.updates,
          [this](const internal::StatusUpdate& update) {
            AgentCall call;
            call.set_type(AgentCall::STATUS_UPDATE);
            *call.mutable_status_update() = update;
            send_(std::move(call));  // not subscribed: the retry or resume() sends it
          },
          [this](const std::string& frameworkId, const std::string& taskId) {
            onTerminalAcknowledged(frameworkId, taskId);
          }) {}

TaskManager::~TaskManager() = default;

// ---- Master connection -------------------------------------------------------

AgentCall::Subscribe TaskManager::subscribePayload() const {
  AgentCall::Subscribe subscribe;
  subscribe.set_protocol_version(internal::CURRENT_PROTOCOL_VERSION);
  subscribe.set_version(std::string(kMesosApiVersion) + "-mesolite" + kVersion);
  *subscribe.mutable_agent_info() = options_.agentInfo;
  if (!agentId_.empty()) subscribe.mutable_agent_info()->mutable_id()->set_value(agentId_);
  *subscribe.mutable_resources() = options_.totalResources;
  if (options_.advertiseIp) subscribe.set_advertise_ip(*options_.advertiseIp);
  for (auto type : kAgentCapabilities)
    subscribe.add_capabilities()->set_type(type);
  for (const auto& [fid, framework] : frameworks_) {
    *subscribe.add_frameworks() = framework->info;
    for (const auto& [tid, task] : framework->tasks) {
      *subscribe.add_executors() = task->executor;
      *subscribe.add_tasks() = task->task;
    }
  }
  return subscribe;
}

void TaskManager::subscribed(const AgentEvent::Subscribed& subscribed) {
  const std::string id = subscribed.agent_id().value();
  if (id != agentId_) {
    if (!agentId_.empty()) {
      log::error("the master gave agent id {} where this agent was {}; keeping the tasks", id,
                 agentId_);
    }
    agentId_ = id;
    for (auto& [fid, framework] : frameworks_) {
      for (auto& [tid, task] : framework->tasks)
        task->task.mutable_agent_id()->set_value(id);
    }
  }
  // The id is on disk before anything is acted on, so a restart comes back as this agent.
  mesos::v1::AgentInfo info = options_.agentInfo;
  info.mutable_id()->set_value(agentId_);
  if (auto saved = checkpoint::writeMessage(paths::agentInfoPath(options_.workDir, agentId_), info);
      !saved) {
    log::error("cannot checkpoint the agent id: {}", saved.error().message);
  } else if (auto linked = checkpoint::writeLatestAgent(options_.workDir, agentId_); !linked) {
    log::error("cannot checkpoint the agent id: {}", linked.error().message);
  }
  updates_.resume();
  registered_ = true;
}

void TaskManager::disconnected() {
  updates_.pause();
  registered_ = false;
}

void TaskManager::handle(const AgentEvent& event) {
  switch (event.type()) {
    case AgentEvent::RUN_TASK: {
      const auto& run = event.run_task();
      const std::string& fid = run.framework().id().value();
      const std::string& tid = run.task().task_id().value();
      if (!options_.gc || !paths::validatePathComponent("", fid) ||
          !paths::validatePathComponent("", tid)) {
        return runTask(run);
      }
      // Its framework's and executor's directories must not be collected under it.
      const std::string& work = options_.workDir;
      return options_.gc->claim({paths::frameworkSandboxDir(work, agentId_, fid),
                                 paths::executorSandboxDir(work, agentId_, fid, tid)},
                                [this, run] { runTask(run); });
    }
    case AgentEvent::KILL_TASK:
      return killTask(event.kill_task());
    case AgentEvent::ACKNOWLEDGE_UPDATE:
      return acknowledge(event.acknowledge_update());
    case AgentEvent::SHUTDOWN_FRAMEWORK:
      return shutdownFramework(event.shutdown_framework().framework_id().value());
    case AgentEvent::SHUTDOWN:
      return shutdownAgent(event.shutdown().message());
    case AgentEvent::SHUTDOWN_EXECUTOR: {
      // Command tasks: the executor is the task.
      AgentEvent::KillTask kill;
      *kill.mutable_framework_id() = event.shutdown_executor().framework_id();
      kill.mutable_task_id()->set_value(event.shutdown_executor().executor_id().value());
      return killTask(kill);
    }
    case AgentEvent::UPDATE_FRAMEWORK:
      return updateFramework(event.update_framework().framework_info());
    default:
      log::warn("ignoring {} from the master: not supported", AgentEvent::Type_Name(event.type()));
  }
}

// ---- Tasks -------------------------------------------------------------------

void TaskManager::runTask(const AgentEvent::RunTask& run) {
  if (shuttingDown_) return;
  const std::string fid = run.framework().id().value();
  const mesos::v1::TaskInfo& info = run.task();
  const std::string tid = info.task_id().value();
  if (auto valid = paths::validatePathComponent("framework id", fid); !valid) {
    log::warn("RUN_TASK refused: {}", valid.error().message);
    return;
  }
  if (auto valid = paths::validatePathComponent("task id", tid); !valid) {
    log::warn("RUN_TASK refused: {}", valid.error().message);
    return;
  }

  auto& slot = frameworks_[fid];
  if (!slot) slot = std::make_unique<Framework>();
  Framework& framework = *slot;
  framework.info = run.framework();
  if (framework.tasks.count(tid)) {
    log::warn("RUN_TASK of task {} (framework {}) again: it runs already", tid, fid);
    return;
  }

  auto owned = std::make_unique<Task>();
  Task& task = *owned;
  framework.tasks[tid] = std::move(owned);
  task.containerId = randomUuid();
  task.checkpoint = framework.info.checkpoint();
  task.task.set_name(info.name());
  *task.task.mutable_task_id() = info.task_id();
  *task.task.mutable_framework_id() = framework.info.id();
  task.task.mutable_executor_id()->set_value(tid);
  task.task.mutable_agent_id()->set_value(agentId_);
  task.task.set_state(mesos::v1::TASK_STAGING);
  *task.task.mutable_resources() = info.resources();
  if (info.has_labels()) *task.task.mutable_labels() = info.labels();
  if (info.has_discovery()) *task.task.mutable_discovery() = info.discovery();
  if (info.has_container()) *task.task.mutable_container() = info.container();
  if (info.has_health_check()) *task.task.mutable_health_check() = info.health_check();
  if (info.has_kill_policy()) *task.task.mutable_kill_policy() = info.kill_policy();
  if (info.has_check()) task.check = info.check();
  task.task.set_user(info.command().has_user() ? info.command().user() : framework.info.user());

  task.executor.mutable_executor_id()->set_value(tid);
  *task.executor.mutable_framework_id() = framework.info.id();
  task.executor.set_name("Command Executor (Task: " + tid +
                         ") (Command: " + info.command().value().substr(0, 40) + ")");
  task.executor.set_source(tid);
  task.executor.set_type(mesos::v1::ExecutorInfo::DEFAULT);
  *task.executor.mutable_command() = info.command();
  *task.executor.mutable_resources() = info.resources();

  auto unhonoured = refuseUnhonouredTaskFields(info);
  if (!info.has_command() || info.has_executor() || !unhonoured) {
    auto status =
        makeStatus(task, mesos::v1::TASK_ERROR, TaskStatus::SOURCE_AGENT,
                   info.has_executor()   ? "custom executors are not supported by this agent"
                   : !info.has_command() ? "the task has no command"
                                         : unhonoured.error().message);
    status.set_reason(TaskStatus::REASON_TASK_INVALID);
    task.containerEnded = true;
    return update(framework, task, std::move(status));
  }

  const std::string& work = options_.workDir;
  if (task.checkpoint) {
    Result<void> saved =
        checkpoint::writeMessage(paths::frameworkInfoPath(work, agentId_, fid), framework.info);
    if (saved) {
      saved = checkpoint::writeMessage(paths::executorInfoPath(work, agentId_, fid, tid),
                                       task.executor);
    }
    if (saved) {
      saved = checkpoint::writeMessage(
          paths::taskInfoPath(work, agentId_, fid, tid, task.containerId, tid), task.task);
    }
    if (saved && task.check)
      saved = checkpoint::writeMessage(checkInfoPath(fid, task), *task.check);
    if (!saved) {
      log::error("task {}: {}", tid, saved.error().message);
      auto status = makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_AGENT,
                               "cannot checkpoint the task: " + saved.error().message);
      status.set_reason(TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
      task.containerEnded = true;
      return update(framework, task, std::move(status));
    }
  }

  update(framework, task,
         makeStatus(task, mesos::v1::TASK_STARTING, TaskStatus::SOURCE_EXECUTOR, ""));

  // Tasks without URIs take the launch path directly; the others fetch first.
  if (info.command().uris_size() > 0) return fetchThenLaunch(framework, task, info);
  launchTask(framework, task, info);
}

void TaskManager::launchTask(Framework& framework, Task& task, const mesos::v1::TaskInfo& info) {
  const std::string fid = framework.info.id().value();
  const std::string tid = info.task_id().value();
  const std::string& work = options_.workDir;
  mesos::v1::agent::Call::LaunchContainer launch;
  launch.mutable_container_id()->set_value(task.containerId);
  *launch.mutable_command() = info.command();
  launch.mutable_command()->clear_uris();  // fetched already
  if (!launch.command().has_user() && framework.info.has_user()) {
    launch.mutable_command()->set_user(framework.info.user());
  }
  *launch.mutable_resources() = info.resources();
  *launch.mutable_limits() = info.limits();
  if (info.has_container()) *launch.mutable_container() = info.container();
  TaskLaunch extras{.sandbox = paths::sandboxDir(work, agentId_, fid, tid, task.containerId),
                    .frameworkId = fid,
                    .executorId = tid};
  extras.environment = taskEnvironment(framework, task, info, extras.sandbox);
  auto launched = containerizer_.launch(launch, &extras);
  if (auto* error = std::get_if<ContainerError>(&launched)) {
    log::warn("task {} (framework {}): {}", tid, fid, error->message);
    auto status =
        makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_AGENT, error->message);
    status.set_reason(TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
    task.containerEnded = true;
    return update(framework, task, std::move(status));
  }
  if (task.checkpoint) {
    // Mesos records the executor's pid; here the container's supervisor is that process.
    if (pid_t pid = containerizer_.supervisorPid(task.containerId); pid > 0) {
      const std::string path = paths::forkedPidPath(work, agentId_, fid, tid, task.containerId);
      Result<void> saved = fs::makeDirectories(path.substr(0, path.rfind('/')));
      if (saved) saved = fs::writeFileAtomically(path, std::to_string(pid) + "\n");
      if (!saved) log::warn("task {}: {}", tid, saved.error().message);
    }
  }
  if (auto linked = checkpoint::linkLatestRun(extras.sandbox); !linked) {
    log::warn("task {}: {}", tid, linked.error().message);
  }
  log::info("task {} of framework {} starts in container {}", tid, fid, task.containerId);
  // Running only once its command has exec'ed: an exec failure is TASK_FAILED alone.
  containerizer_.whenStarted(task.containerId, [this, fid, tid] { onContainerStarted(fid, tid); });
  watch(framework, task);
  if (info.has_max_completion_time() && info.max_completion_time().nanoseconds() > 0) {
    const auto deadline = std::chrono::system_clock::now() +
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::nanoseconds(info.max_completion_time().nanoseconds()));
    if (task.checkpoint) {
      const auto nanos =
          std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
      if (auto saved = fs::writeFileAtomically(completionDeadlinePath(fid, task),
                                               std::to_string(nanos) + "\n");
          !saved)
        log::warn("task {}: {}", tid, saved.error().message);
    }
    armCompletionTimer(task, fid, deadline);
  }
}

// What Mesos's agent and command executor put in a command task's environment.
std::vector<std::string> TaskManager::taskEnvironment(const Framework& framework, const Task& task,
                                                      const mesos::v1::TaskInfo& info,
                                                      const std::string& sandbox) const {
  const std::string endpoint = options_.agentIp + ":" + std::to_string(options_.agentInfo.port());
  std::vector<std::string> environment = {
      "MESOS_FRAMEWORK_ID=" + framework.info.id().value(),
      "MESOS_EXECUTOR_ID=" + task.executor.executor_id().value(),
      "MESOS_TASK_ID=" + info.task_id().value(),
      "MESOS_DIRECTORY=" + sandbox,
      "MESOS_SLAVE_ID=" + agentId_,
      "MESOS_SLAVE_PID=slave(1)@" + endpoint,
      "MESOS_AGENT_ENDPOINT=" + endpoint,
      std::string("MESOS_CHECKPOINT=") + (task.checkpoint ? "1" : "0"),
      "MESOS_HTTP_COMMAND_EXECUTOR=0",
      "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=" + Duration{options_.shutdownGracePeriod}.toString(),
  };
  for (const auto& resource : info.resources()) {
    if (!resource.has_allocation_info()) continue;
    environment.push_back("MESOS_ALLOCATION_ROLE=" + resource.allocation_info().role());
    break;
  }
  if (auto ip = hostNetworkIp(task)) environment.push_back("MESOS_CONTAINER_IP=" + *ip);
  return environment;
}

// A task without network_infos shares the host's network: its address is the agent's.
// One in a network of its own (NetworkInfo none: loopback only) has none to report.
std::optional<std::string> TaskManager::hostNetworkIp(const Task& task) const {
  if (task.task.container().network_infos_size() > 0) return std::nullopt;
  return options_.agentIp;
}

std::string TaskManager::completionDeadlinePath(const std::string& frameworkId,
                                                const Task& task) const {
  const std::string& tid = task.task.task_id().value();
  return paths::runMetaDir(options_.workDir, agentId_, frameworkId, tid, task.containerId) +
         "/tasks/" + tid + "/max_completion_deadline";
}

void TaskManager::armCompletionTimer(Task& task, const std::string& frameworkId,
                                     std::chrono::system_clock::time_point deadline) {
  const auto left = std::max(std::chrono::system_clock::duration::zero(),
                             deadline - std::chrono::system_clock::now());
  task.completionTimer = std::make_unique<asio::steady_timer>(io_);
  task.completionTimer->expires_after(left);
  task.completionTimer->async_wait(
      [this, frameworkId, tid = task.task.task_id().value()](const boost::system::error_code& ec) {
        if (!ec) onCompletionTimeReached(frameworkId, tid);
      });
}

void TaskManager::onCompletionTimeReached(const std::string& frameworkId,
                                          const std::string& taskId) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  auto tit = fit->second->tasks.find(taskId);
  if (tit == fit->second->tasks.end()) return;
  Task& task = *tit->second;
  if (task.containerEnded || task.killing || isTerminal(task.task.state())) return;
  log::info("killing task {} of framework {}: it reached its max_completion_time", taskId,
            frameworkId);
  task.completionTimeReached = true;
  (void)containerizer_.kill(task.containerId, SIGKILL);  // Mesos: no grace period
}

void TaskManager::onContainerStarted(const std::string& frameworkId, const std::string& taskId) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  auto tit = fit->second->tasks.find(taskId);
  if (tit == fit->second->tasks.end() || tit->second->task.state() != mesos::v1::TASK_STARTING) {
    return;  // killed or ended meanwhile
  }
  Task& task = *tit->second;
  TaskStatus running = makeStatus(task, mesos::v1::TASK_RUNNING, TaskStatus::SOURCE_EXECUTOR, "");
  if (task.check) {
    // As Mesos: the first TASK_RUNNING of a checked task names the check's type.
    if (auto initial = TaskChecks::initialCheckStatus(*task.check)) {
      *running.mutable_check_status() = *initial;
    }
  }
  update(*fit->second, task, std::move(running));
  startChecks(frameworkId, task);
}

void TaskManager::watch(Framework& framework, Task& task) {
  const std::string fid = framework.info.id().value();
  const std::string tid = task.task.task_id().value();
  (void)containerizer_.wait(task.containerId,
                            [this, fid, tid](const Containerizer::Termination& termination) {
                              onContainerEnded(fid, tid, termination);
                            });
}

void TaskManager::onContainerEnded(const std::string& frameworkId, const std::string& taskId,
                                   const Containerizer::Termination& termination) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  auto tit = fit->second->tasks.find(taskId);
  if (tit == fit->second->tasks.end()) return;
  Framework& framework = *fit->second;
  Task& task = *tit->second;
  task.containerEnded = true;
  task.killTimer.reset();
  task.completionTimer.reset();
  stopChecks(task);
  if (isTerminal(task.task.state())) return;  // told already (before a restart)

  const bool exited = termination.has_exit_status();
  const int status = termination.exit_status();
  TaskStatus made;
  if (task.completionTimeReached) {
    made = makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_EXECUTOR,
                      "Command was killed: it reached its max_completion_time");
    made.set_reason(TaskStatus::REASON_MAX_COMPLETION_TIME_REACHED);
  } else if (task.killing) {
    made = makeStatus(
        task, mesos::v1::TASK_KILLED, TaskStatus::SOURCE_EXECUTOR,
        exited && WIFSIGNALED(status)
            ? std::string("Command terminated with signal ") + strsignal(WTERMSIG(status))
            : "Command was killed");
    // As Mesos tells it: killed because its health check kept failing.
    if (task.killedByHealthCheck) made.set_healthy(false);
  } else if (termination.has_reason()) {
    // A limitation (OOM, ...), a launch failure or a vanished supervisor: the agent speaks.
    made =
        makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_AGENT, termination.message());
    made.set_reason(termination.reason());
    if (termination.has_limitation()) *made.mutable_limitation() = termination.limitation();
  } else if (exited && WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    made = makeStatus(task, code == 0 ? mesos::v1::TASK_FINISHED : mesos::v1::TASK_FAILED,
                      TaskStatus::SOURCE_EXECUTOR,
                      "Command exited with status " + std::to_string(code));
  } else if (exited && WIFSIGNALED(status)) {
    made = makeStatus(task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_EXECUTOR,
                      std::string("Command terminated by signal ") + strsignal(WTERMSIG(status)));
  } else {
    made = makeStatus(
        task, mesos::v1::TASK_FAILED, TaskStatus::SOURCE_AGENT,
        termination.message().empty() ? "the command ended abnormally" : termination.message());
    made.set_reason(TaskStatus::REASON_EXECUTOR_TERMINATED);
  }
  update(framework, task, std::move(made));
}

void TaskManager::killTask(const AgentEvent::KillTask& kill) {
  const std::string fid = kill.framework_id().value();
  const std::string tid = kill.task_id().value();
  auto fit = frameworks_.find(fid);
  Task* task = nullptr;
  if (fit != frameworks_.end()) {
    auto tit = fit->second->tasks.find(tid);
    if (tit != fit->second->tasks.end()) task = tit->second.get();
    for (const auto& done : fit->second->completedTasks) {
      if (done.task_id().value() == tid) return;  // ended already; its update was acknowledged
    }
  }
  if (task == nullptr) {
    for (const auto& framework : completedFrameworks_) {
      if (framework->info.id().value() != fid) continue;
      for (const auto& done : framework->completedTasks) {
        if (done.task_id().value() == tid) return;
      }
    }
    log::warn("KILL_TASK of unknown task {} (framework {}): answering TASK_LOST", tid, fid);
    return updateUnknownTask(kill.framework_id(), kill.task_id());
  }
  Framework& framework = *fit->second;
  if (isTerminal(task->task.state()) || task->containerEnded || task->killing) return;

  task->killing = true;
  stopChecks(*task);
  if (hasCapability(framework.info, mesos::v1::FrameworkInfo::Capability::TASK_KILLING_STATE)) {
    update(framework, *task,
           makeStatus(*task, mesos::v1::TASK_KILLING, TaskStatus::SOURCE_EXECUTOR, ""));
  }
  std::chrono::nanoseconds grace = options_.shutdownGracePeriod;
  if (kill.has_kill_policy() && kill.kill_policy().has_grace_period()) {
    grace = std::chrono::nanoseconds(kill.kill_policy().grace_period().nanoseconds());
  } else if (task->task.has_kill_policy() && task->task.kill_policy().has_grace_period()) {
    grace = std::chrono::nanoseconds(task->task.kill_policy().grace_period().nanoseconds());
  }
  if (task->fetching) return killWhileFetching(framework, *task);
  log::info("killing task {} of framework {} (grace period {} ms)", tid, fid,
            std::chrono::duration_cast<std::chrono::milliseconds>(grace).count());
  const std::string cid = task->containerId;
  if (grace.count() <= 0) {
    (void)containerizer_.kill(cid, SIGKILL);
    return;
  }
  (void)containerizer_.kill(cid, SIGTERM);
  task->killTimer = std::make_unique<asio::steady_timer>(io_);
  task->killTimer->expires_after(grace);
  task->killTimer->async_wait([this, cid](const boost::system::error_code& ec) {
    if (ec) return;
    (void)containerizer_.kill(cid, SIGKILL);
  });
}

void TaskManager::acknowledge(const AgentEvent::AcknowledgeUpdate& ack) {
  auto acked = updates_.acknowledge(ack.framework_id().value(), ack.task_id().value(), ack.uuid());
  if (!acked) log::error("acknowledgement not recorded: {}", acked.error().message);
}

void TaskManager::onTerminalAcknowledged(const std::string& frameworkId,
                                         const std::string& taskId) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  Framework& framework = *fit->second;
  auto tit = framework.tasks.find(taskId);
  if (tit == framework.tasks.end()) return;
  std::unique_ptr<Task> task = std::move(tit->second);
  framework.tasks.erase(tit);
  log::info("task {} of framework {} is done", taskId, frameworkId);
  if (containerizer_.exists(task->containerId)) {
    removeContainerLater(task->containerId);
  } else if (options_.gc && task->fetched) {
    // No container (its fetch failed or was killed): its sandbox holds the fetcher's log.
    options_.gc->scheduleRun(
        paths::sandboxDir(options_.workDir, agentId_, frameworkId, taskId, task->containerId));
  }
  if (task->checkpoint) {
    std::error_code ignored;
    std::filesystem::remove_all(
        paths::executorMetaDir(options_.workDir, agentId_, frameworkId, taskId), ignored);
  }
  framework.completedTasks.push_back(task->task);
  if (framework.completedTasks.size() > kMaxCompletedTasks) framework.completedTasks.pop_front();
  if (framework.tasks.empty()) completeFramework(frameworkId);
}

void TaskManager::completeFramework(const std::string& frameworkId) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  std::error_code ignored;
  std::filesystem::remove_all(paths::frameworkMetaDir(options_.workDir, agentId_, frameworkId),
                              ignored);
  if (options_.gc) {
    options_.gc->schedule(paths::frameworkSandboxDir(options_.workDir, agentId_, frameworkId));
  }
  completedFrameworks_.push_back(std::move(fit->second));
  frameworks_.erase(fit);
  if (completedFrameworks_.size() > kMaxCompletedFrameworks) completedFrameworks_.pop_front();
}

void TaskManager::removeContainerLater(const std::string& containerId) {
  // Not from inside the containerizer's own callbacks: it still holds the container.
  asio::post(io_, [this, containerId] {
    dyingContainers_.erase(containerId);
    const std::string sandbox = containerizer_.sandbox(containerId);
    if (auto error = containerizer_.remove(containerId, /*keepSandbox=*/true)) {
      log::warn("cannot remove container {}: {}", containerId, error->message);
    } else if (options_.gc) {
      options_.gc->scheduleRun(sandbox);
    }
    maybeFinishShutdown();
  });
}

void TaskManager::updateFramework(const mesos::v1::FrameworkInfo& info) {
  auto it = frameworks_.find(info.id().value());
  if (it == frameworks_.end()) return;  // no task of it here any more
  Framework& framework = *it->second;
  framework.info = info;
  log::info("framework {} updated its FrameworkInfo", info.id().value());
  // A restarted agent must still know it (checkpoint cannot change: the master refuses).
  if (info.checkpoint()) {
    auto saved = checkpoint::writeMessage(
        paths::frameworkInfoPath(options_.workDir, agentId_, info.id().value()), info);
    if (!saved) log::warn("framework {}: {}", info.id().value(), saved.error().message);
  }
}

void TaskManager::shutdownFramework(const std::string& frameworkId) {
  auto fit = frameworks_.find(frameworkId);
  updates_.removeFramework(frameworkId);
  if (fit == frameworks_.end()) return;
  log::info("shutting down framework {}", frameworkId);
  Framework& framework = *fit->second;
  for (auto& [tid, task] : framework.tasks) {
    if (task->fetching && options_.fetcher) options_.fetcher->cancel(task->containerId);
    if (containerizer_.exists(task->containerId)) {
      dyingContainers_.insert(task->containerId);
      (void)containerizer_.kill(task->containerId, SIGKILL);
      // The wait registered at launch finds no task any more; this one cleans up.
      (void)containerizer_.wait(task->containerId,
                                [this, cid = task->containerId](const Containerizer::Termination&) {
                                  removeContainerLater(cid);
                                });
    }
    framework.completedTasks.push_back(task->task);
  }
  framework.tasks.clear();
  completeFramework(frameworkId);
}

void TaskManager::shutdownAgent(const std::string& message) {
  log::warn("the master shuts this agent down: {}",
            message.empty() ? "(no reason given)" : message);
  shuttingDown_ = true;
  std::vector<std::string> ids;
  for (const auto& [fid, framework] : frameworks_)
    ids.push_back(fid);
  for (const auto& fid : ids)
    shutdownFramework(fid);
  // The master removed this agent: a restart registers as a new one.
  checkpoint::forgetLatestAgent(options_.workDir);
  asio::post(io_, [this] { maybeFinishShutdown(); });
}

void TaskManager::maybeFinishShutdown() {
  if (!shuttingDown_ || !dyingContainers_.empty() || !shutdown_) return;
  auto done = std::move(shutdown_);
  shutdown_ = nullptr;
  done();
}

// ---- Status updates ----------------------------------------------------------

TaskStatus TaskManager::makeStatus(const Task& task, TaskState state, TaskStatus::Source source,
                                   const std::string& message) const {
  TaskStatus status;
  *status.mutable_task_id() = task.task.task_id();
  status.set_state(state);
  status.set_source(source);
  if (!message.empty()) status.set_message(message);
  status.mutable_agent_id()->set_value(agentId_);
  *status.mutable_executor_id() = task.task.executor_id();
  status.set_timestamp(now());
  status.set_uuid(randomUuidBytes());
  status.mutable_container_status()->mutable_container_id()->set_value(task.containerId);
  if (pid_t pid = containerizer_.taskPid(task.containerId); pid > 0) {
    status.mutable_container_status()->set_executor_pid(uint32_t(pid));
  }
  if (auto ip = hostNetworkIp(task)) {
    // As Mesos reports a host-networked container: what service discovery reads.
    auto* address = status.mutable_container_status()->add_network_infos()->add_ip_addresses();
    address->set_protocol(ip->find(':') == std::string::npos ? mesos::v1::NetworkInfo::IPv4
                                                             : mesos::v1::NetworkInfo::IPv6);
    address->set_ip_address(*ip);
  }
  return status;
}

std::string TaskManager::updatesPath(const Framework& framework, const Task& task) const {
  return paths::taskUpdatesPath(options_.workDir, agentId_, framework.info.id().value(),
                                task.task.executor_id().value(), task.containerId,
                                task.task.task_id().value());
}

void TaskManager::update(Framework& framework, Task& task, TaskStatus status) {
  log::info("task {} of framework {}: {}{}", task.task.task_id().value(),
            framework.info.id().value(), mesos::v1::TaskState_Name(status.state()),
            status.has_message() ? " (" + status.message() + ")" : "");
  ++counters_.statusUpdates;
  if (isTerminal(status.state())) ++counters_.terminal[status.state()];
  if (status.reason() == TaskStatus::REASON_CONTAINER_LAUNCH_FAILED) ++counters_.launchErrors;
  task.task.set_state(status.state());
  // Its story, as Mesos keeps it, bounded: checks may restate a task for months.
  *task.task.add_statuses() = status;
  if (task.task.statuses_size() > kMaxStatusesPerTask) {
    task.task.mutable_statuses()->DeleteSubrange(0, 1);
  }
  internal::StatusUpdate update;
  *update.mutable_framework_id() = framework.info.id();
  update.set_uuid(status.uuid());
  update.set_latest_state(status.state());
  *update.mutable_status() = std::move(status);
  if (auto queued = updates_.update(update, task.checkpoint ? updatesPath(framework, task) : "");
      !queued) {
    // Without its checkpoint the update could be lost on restart; send it anyway.
    log::error("task {}: {}; sending the update without its checkpoint",
               task.task.task_id().value(), queued.error().message);
    (void)updates_.update(update);
  }
}

void TaskManager::updateUnknownTask(const mesos::v1::FrameworkID& frameworkId,
                                    const mesos::v1::TaskID& taskId) {
  TaskStatus status;
  *status.mutable_task_id() = taskId;
  status.set_state(mesos::v1::TASK_LOST);
  status.set_source(TaskStatus::SOURCE_AGENT);
  status.set_reason(TaskStatus::REASON_TASK_UNKNOWN);
  status.set_message("the agent does not know this task");
  status.mutable_agent_id()->set_value(agentId_);
  status.set_timestamp(now());
  status.set_uuid(randomUuidBytes());
  internal::StatusUpdate update;
  *update.mutable_framework_id() = frameworkId;
  update.set_uuid(status.uuid());
  update.set_latest_state(status.state());
  *update.mutable_status() = std::move(status);
  (void)updates_.update(update);
}

}  // namespace mesolite::agent
