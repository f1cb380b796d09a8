// A command run inside a running container (LaunchRequest::joinPid), as `runc exec`
// does, under its own short-lived mesos-containerizer, watched on the agent's loop
// without blocking it. The COMMAND checks of a task run this way, with exactly the
// task's namespaces, cgroups, user and hardening.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/launcher_process.h"
#include "common/result.h"
#include "launcher/launch_request.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

class ContainerExec {
 public:
  // The command's wait status, or why there is none (it did not start, timed out).
  using Done = std::function<void(Result<int> waitStatus)>;

  // `done` runs on the loop once the command has ended or been killed at `timeout`
  // (0: no timeout), unless this object is destroyed first. The launcher's log (the
  // command's stdout and stderr) is `logPath`, emptied first.
  static Result<std::unique_ptr<ContainerExec>> start(boost::asio::io_context& io,
                                                      const SealedLauncher& launcher,
                                                      const launcher::LaunchRequest& request,
                                                      const std::string& logPath,
                                                      std::chrono::milliseconds timeout, Done done);
  // Kills the command if it still runs; its launcher is reaped all the same.
  ~ContainerExec();
  ContainerExec(const ContainerExec&) = delete;
  ContainerExec& operator=(const ContainerExec&) = delete;

  struct State;
  explicit ContainerExec(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mesolite::agent
