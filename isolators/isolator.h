// The isolator interface, Mesos's shape kept small. An isolator adds to a container's
// launch plan before it starts (prepare), may act on the task once it exists
// (isolate), reports limits hit (watch), follows resource changes (update), measures
// (usage), re-adopts containers after an agent restart (recover) and undoes what it
// did (cleanup). One class per isolator; the registry maps Mesos's names to them.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/resources.h"
#include "common/result.h"
#include "launcher/launch_request.h"
#include "mesos/v1/mesos.pb.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::isolation {

// A container as the isolators see it.
struct ContainerSpec {
  std::string id;
  Resources resources;            // cpus, mem (MB), disk (MB), ports, ...
  // TaskInfo.limits (LaunchContainer.limits): "cpus", "mem" (MB) above the request;
  // infinity for none at all.
  std::map<std::string, double> limits;
  mesos::v1::ContainerInfo info;  // linux_info, rlimit_info, hostname, network_infos, ...
  std::string sandbox;
  std::optional<std::string> user;
  std::optional<uint32_t> uid;  // the task's uid; none: it runs as the agent (root)
  std::optional<uint32_t> gid;  // its primary group, with uid
};

// What the isolators plan for a launch: the launcher's Isolation (namespaces, cgroups,
// rlimits, filesystem view, init, capabilities, no_new_privs, seccomp) plus the
// environment they add. Isolators only add to it.
struct LaunchPlan : launcher::Isolation {
  std::vector<std::string> environment;  // "NAME=value"
};

// A limit the container hit; the containerizer ends the container and reports it.
struct Limitation {
  mesos::v1::TaskStatus::Reason reason = mesos::v1::TaskStatus::REASON_CONTAINER_LIMITATION;
  std::string message;  // e.g. "Memory limit exceeded: Requested: 64MB ..."
  Resources resources;  // the resources whose limit was hit
};

class Isolator {
 public:
  virtual ~Isolator() = default;

  virtual std::string_view name() const = 0;

  // After an agent restart, for the containers still known; others are unknown to it.
  virtual Result<void> recover(const std::vector<ContainerSpec>& containers) { return success(); }
  virtual Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) = 0;
  // The task exists (pid as the host sees it) but has not exec'ed yet.
  virtual Result<void> isolate(const std::string& containerId, pid_t pid) { return success(); }
  // Calls `onLimitation` (on the agent's io_context) if the container hits a limit.
  virtual void watch(const std::string& containerId,
                     std::function<void(const Limitation&)> onLimitation) {}
  virtual Result<void> update(const std::string& containerId, const Resources& resources) {
    return success();
  }
  virtual Result<void> usage(const std::string& containerId,
                             mesos::v1::ResourceStatistics* statistics) {
    return success();
  }
  // What Mesos's ResourceStatistics has no field for (PSI pressure on cgroup v2, OOM
  // kill counts), as name -> value; /monitor/statistics shows them under "metrics".
  virtual Result<void> metrics(const std::string& containerId,
                               std::map<std::string, double>* metrics) {
    return success();
  }
  // Kills every process of the container if this isolator can (the cgroups isolator
  // can, double-forked daemons included); false when it cannot. Never waits: the
  // signals go out, cleanup waits for the processes to be gone.
  virtual Result<bool> kill(const std::string& containerId) { return false; }
  // Every process of the container is gone; undo what prepare did.
  virtual Result<void> cleanup(const std::string& containerId) { return success(); }
  // The same for the agent's event loop: `done` is called on it once cleaned up. An
  // isolator whose cleanup may wait (for processes to die, cgroups to empty) does the
  // waiting off the loop.
  virtual void cleanupAsync(const std::string& containerId,
                            std::function<void(Result<void>)> done) {
    done(cleanup(containerId));
  }
};

}  // namespace mesolite::isolation
