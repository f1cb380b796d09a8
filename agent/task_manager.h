// The tasks a master gives this agent (command tasks: one container each): RUN_TASK,
// KILL_TASK, SHUTDOWN_FRAMEWORK and SHUTDOWN; the status updates that tell their
// story; their checkpoints, and their recovery after an agent restart. Talks to the
// master only through the callback it is given (MasterConnection::send).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "agent/containerizer.h"
#include "agent/status_update_manager.h"
#include "common/resources.h"
#include "common/result.h"
#include "mesolite/internal.pb.h"
#include "mesos/v1/agent/agent.pb.h"
#include "mesos/v1/mesos.pb.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

class Fetcher;
class SandboxGc;
struct HealthVerdict;

struct TaskManagerOptions {
  std::string workDir;
  SandboxGc* gc = nullptr;     // schedules the sandboxes of finished tasks for removal
  Fetcher* fetcher = nullptr;  // fetches CommandInfo.uris (none: tasks with URIs fail)
  // --recover=reconnect: keep the agent id and the tasks of checkpointing frameworks.
  bool reconnect = true;
  std::chrono::milliseconds shutdownGracePeriod{std::chrono::seconds(5)};
  StatusUpdateManagerOptions updates;
  // What SUBSCRIBE says about this agent (no id: the manager adds it).
  mesos::v1::AgentInfo agentInfo;
  std::optional<std::string> advertiseIp;  // --advertise_ip
  // The agent's address as its tasks are told it (MESOS_AGENT_ENDPOINT, MESOS_SLAVE_PID).
  std::string agentIp = "127.0.0.1";
  google::protobuf::RepeatedPtrField<mesos::v1::Resource> totalResources;
};

// What this agent can do of Mesos's AgentInfo.Capability (told to the master and in
// /state): only what it honours.
inline constexpr mesos::v1::AgentInfo::Capability::Type kAgentCapabilities[] = {
    mesos::v1::AgentInfo::Capability::MULTI_ROLE,
    mesos::v1::AgentInfo::Capability::HIERARCHICAL_ROLE,
    mesos::v1::AgentInfo::Capability::TASK_RESOURCE_LIMITS,
};

class TaskManager {
 public:
  using SendCall = std::function<bool(internal::AgentCall)>;

  // `shutdown` runs once every task is gone after the master's SHUTDOWN.
  TaskManager(boost::asio::io_context& io, Containerizer& containerizer, TaskManagerOptions options,
              SendCall send, std::function<void()> shutdown);
  ~TaskManager();
  TaskManager(const TaskManager&) = delete;
  TaskManager& operator=(const TaskManager&) = delete;

  // After Containerizer::recover(): picks up the checkpointed agent id, frameworks,
  // tasks and their unacknowledged updates; kills the containers of tasks that are
  // not recovered (non-checkpointing frameworks).
  Result<void> recover();

  // For MasterConnection.
  internal::AgentCall::Subscribe subscribePayload() const;
  void subscribed(const internal::AgentEvent::Subscribed& subscribed);
  void disconnected();
  void handle(const internal::AgentEvent& event);

  const std::string& agentId() const { return agentId_; }
  // Mesos's pid of this agent, "slave(1)@<ip>:<port>" (agent /state, MESOS_SLAVE_PID).
  std::string agentPid() const {
    return "slave(1)@" + options_.agentIp + ":" + std::to_string(options_.agentInfo.port());
  }
  void setAgentPort(uint32_t port) { options_.agentInfo.set_port(int32_t(port)); }

  // Mesos's agent /state fields: id, frameworks, completed_frameworks.
  void addState(nlohmann::json& state) const;
  // Mesos's slave/* metrics of tasks, executors and frameworks, and the resources
  // their tasks use (slave/<name>_used, _total, _percent).
  void addMetrics(std::map<std::string, double>& metrics) const;
  // What the live tasks hold (allocated to their roles).
  Resources usedResources() const;
  mesos::v1::agent::Response::GetTasks getTasks() const;
  mesos::v1::agent::Response::GetFrameworks getFrameworks() const;
  // The user of a framework the agent knows (running or completed); nullopt otherwise.
  std::optional<std::string> frameworkUser(const std::string& frameworkId) const;
  mesos::v1::agent::Response::GetExecutors getExecutors() const;

 private:
  struct Task;
  struct Framework;

  void runTask(const internal::AgentEvent::RunTask& run);
  void killTask(const internal::AgentEvent::KillTask& kill);
  void shutdownFramework(const std::string& frameworkId);
  // The scheduler's UPDATE_FRAMEWORK: its tasks are told as the new FrameworkInfo says.
  void updateFramework(const mesos::v1::FrameworkInfo& info);
  void shutdownAgent(const std::string& message);
  void acknowledge(const internal::AgentEvent::AcknowledgeUpdate& ack);

  void launchTask(Framework& framework, Task& task, const mesos::v1::TaskInfo& info);
  // CommandInfo.uris (agent/task_fetch.cc): the sandbox is filled, then the task launched.
  void fetchThenLaunch(Framework& framework, Task& task, const mesos::v1::TaskInfo& info);
  void onFetched(const std::string& frameworkId, const std::string& taskId, Result<void> fetched);
  void killWhileFetching(Framework& framework, Task& task);
  std::string fetchingMarkerPath(const std::string& frameworkId, const Task& task) const;

  void onContainerStarted(const std::string& frameworkId, const std::string& taskId);
  void watch(Framework& framework, Task& task);
  // max_completion_time: the deadline is checkpointed beside the task, so that a
  // restarted agent keeps it.
  void armCompletionTimer(Task& task, const std::string& frameworkId,
                          std::chrono::system_clock::time_point deadline);
  void onCompletionTimeReached(const std::string& frameworkId, const std::string& taskId);
  std::string completionDeadlinePath(const std::string& frameworkId, const Task& task) const;
  std::optional<std::string> hostNetworkIp(const Task& task) const;
  // Health checks and checks (agent/task_health.cc): started once the task runs (or is
  // recovered running), stopped when it is killed or ends.
  void startChecks(const std::string& frameworkId, Task& task);
  void stopChecks(Task& task);
  void onHealthVerdict(const std::string& frameworkId, const std::string& taskId,
                       const HealthVerdict& verdict);
  void onCheckStatus(const std::string& frameworkId, const std::string& taskId,
                     const mesos::v1::CheckStatusInfo& checkStatus);
  // The newest status again, with a fresh uuid and time and `reason`: how a health or
  // check result is told, keeping what the status said before.
  mesos::v1::TaskStatus restatement(const Task& task, mesos::v1::TaskStatus::Reason reason) const;
  std::string checkInfoPath(const std::string& frameworkId, const Task& task) const;
  std::vector<std::string> taskEnvironment(const Framework& framework, const Task& task,
                                           const mesos::v1::TaskInfo& info,
                                           const std::string& sandbox) const;
  void onContainerEnded(const std::string& frameworkId, const std::string& taskId,
                        const Containerizer::Termination& termination);
  void onTerminalAcknowledged(const std::string& frameworkId, const std::string& taskId);
  void removeContainerLater(const std::string& containerId);
  void maybeFinishShutdown();

  mesos::v1::TaskStatus makeStatus(const Task& task, mesos::v1::TaskState state,
                                   mesos::v1::TaskStatus::Source source,
                                   const std::string& message) const;
  void update(Framework& framework, Task& task, mesos::v1::TaskStatus status);
  void updateUnknownTask(const mesos::v1::FrameworkID& frameworkId,
                         const mesos::v1::TaskID& taskId);
  std::string updatesPath(const Framework& framework, const Task& task) const;
  void completeFramework(const std::string& frameworkId);
  nlohmann::json taskJson(const mesos::v1::Task& task) const;
  nlohmann::json frameworkJson(const Framework& framework) const;

  boost::asio::io_context& io_;
  Containerizer& containerizer_;
  TaskManagerOptions options_;
  SendCall send_;
  std::function<void()> shutdown_;
  StatusUpdateManager updates_;
  std::string agentId_;
  std::map<std::string, std::unique_ptr<Framework>> frameworks_;
  std::deque<std::unique_ptr<Framework>> completedFrameworks_;
  std::set<std::string> dyingContainers_;  // being killed for a framework that is gone
  bool shuttingDown_ = false;
  bool registered_ = false;
  struct Counters {
    uint64_t statusUpdates = 0;
    uint64_t launchErrors = 0;
    std::map<mesos::v1::TaskState, uint64_t> terminal;
  } counters_;
};

}  // namespace mesolite::agent
