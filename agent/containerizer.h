// The Mesos containerizer, standalone-container flavour: drives the isolators and
// mesos-containerizer (the launcher) through a container's life, and re-adopts
// containers after an agent restart. Runs on the agent's one io_context.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/container_exec.h"
#include "agent/container_logger.h"
#include "agent/launcher_process.h"
#include "common/resources.h"
#include "common/result.h"
#include "isolators/isolator.h"
#include "launcher/launch_request.h"
#include "mesos/v1/agent/agent.pb.h"
#include "mesos/v1/mesos.pb.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

struct ContainerizerOptions {
  std::string workDir;       // sandboxes: <work_dir>/containers/<id>
  std::string runtimeDir;    // state: <runtime_dir>/containers/<id>/{config,pid,...}
  std::string launcherPath;  // mesos-containerizer
  bool switchUser = true;
  bool recoverByCleanup = false;  // --recover=cleanup: kill what survives a restart
  // --executor_registration_timeout: a command that has not exec'ed by then is killed.
  std::chrono::milliseconds startTimeout = std::chrono::minutes(1);
  // --container_logger: none, the task writes stdout/stderr itself (unbounded).
  std::optional<LogrotateSettings> logrotate;
  // Run before each launch when set: gets systemd's delegated scope again if it is gone.
  std::function<Result<void>()> beforeLaunch;
  // --executor_environment_variables: under everything else a container's command sees.
  std::map<std::string, std::string> executorEnvironment;
};

// A failure with the HTTP status it maps to (400 bad request, 404 unknown, 409 ...).
struct ContainerError {
  int status;
  std::string message;
};

// What a launch for a master's task adds to a LAUNCH_CONTAINER call.
struct TaskLaunch {
  std::string sandbox;  // absolute; default <work_dir>/containers/<id>
  std::string frameworkId;
  std::string executorId;
  // "NAME=value": Mesos's MESOS_* variables of a task; the command's own override them.
  std::vector<std::string> environment;
};

class Containerizer {
 public:
  using Termination = mesos::v1::agent::Response::WaitContainer;

  Containerizer(boost::asio::io_context& io, ContainerizerOptions options,
                std::vector<std::unique_ptr<isolation::Isolator>> isolators);
  ~Containerizer();

  // Copies the launcher into a sealed memfd (see agent/launcher_process.h); before any
  // launch.
  Result<void> sealLauncher();

  // Re-adopts the containers of an earlier run found under the runtime dir.
  Result<void> recover();

  enum class Launched { kNew, kAlreadyExists };
  std::variant<Launched, ContainerError> launch(const mesos::v1::agent::Call::LaunchContainer& call,
                                                const TaskLaunch* task = nullptr);

  // Calls `done` once the container has ended (now, if it has); 404 if unknown.
  std::optional<ContainerError> wait(const std::string& id,
                                     std::function<void(const Termination&)> done);
  std::optional<ContainerError> kill(const std::string& id, int signal);
  // Calls `started` once the container's task has exec'ed (now, if it has); never if
  // it ends before that (its termination says why).
  void whenStarted(const std::string& id, std::function<void()> started);
  // Forgets an ended container and deletes its runtime directory and, unless
  // `keepSandbox`, its sandbox.
  std::optional<ContainerError> remove(const std::string& id, bool keepSandbox = false);

  // Runs `command` inside the running container `id`, in its namespaces and cgroups,
  // as its user and with its hardening (COMMAND checks). Destroying the result kills
  // the command; `done` gets its wait status. The container's environment is
  // inherited, the command's own on top. `name` names its files in the container's
  // runtime directory (<name>.log keeps the last run's output): one run per name at a time.
  std::variant<std::unique_ptr<ContainerExec>, ContainerError> exec(
      const std::string& id, const std::string& name, const mesos::v1::CommandInfo& command,
      std::chrono::milliseconds timeout, ContainerExec::Done done);

  bool exists(const std::string& id) const { return containers_.count(id) > 0; }
  // The container's sandbox; empty when unknown.
  std::string sandbox(const std::string& id) const;
  // Whether a container not yet removed has its sandbox at or under `directory`.
  bool usesSandboxUnder(const std::string& directory) const;
  // The user a container runs as (its command's user), nullopt when it names none and
  // runs as the agent's own user; nullopt also for an unknown container.
  std::optional<std::string> userOf(const std::string& id) const;
  bool known(const std::string& id) const;
  // The task's pid as the host sees it (0 when not known yet).
  pid_t taskPid(const std::string& id) const;
  // The container's supervisor (mesos-containerizer); 0 when not known.
  pid_t supervisorPid(const std::string& id) const;

  struct View {
    std::string id;
    pid_t pid = 0;  // the task's pid as the host sees it; 0 when not known
    bool running = false;
    Resources resources;
    std::string frameworkId;  // empty for standalone containers
    std::string executorId;
    std::optional<mesos::v1::ResourceStatistics> statistics;
    std::map<std::string, double> metrics;  // beyond ResourceStatistics: PSI, OOM kills
  };
  std::vector<View> containers();

 private:
  struct Container;

  Result<void> start(Container& container, const mesos::v1::CommandInfo& command,
                     const std::vector<std::string>& taskEnvironment);
  void watchSupervisor(Container& container);
  void watchStarted(Container& container, launcher::UniqueFd started);
  void markStarted(Container& container);
  void onSupervisorExit(const std::string& id);
  void onLimitation(const std::string& id, const isolation::Limitation& limitation);
  void killEverything(Container& container);
  void finish(Container& container, Termination termination);
  void cleanupIsolators(const std::string& id);
  // Cleans up with the last `remaining` isolators, last first, then calls `done`.
  void cleanupIsolatorsAsync(const std::string& id, size_t remaining, std::function<void()> done);

  boost::asio::io_context& io_;
  ContainerizerOptions options_;
  std::vector<std::unique_ptr<isolation::Isolator>> isolators_;
  std::unique_ptr<SealedLauncher> launcher_;
  std::map<std::string, std::unique_ptr<Container>> containers_;
};

// Mesos's rule for container ids: letters, digits, '-', '_', '.'; not "." or "..".
Result<void> validateContainerId(const std::string& id);

}  // namespace mesolite::agent
