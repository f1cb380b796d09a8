// The task's side of its namespaces: what the kernel does not set up by itself.
// Runs in the cloned child, after the supervisor has put it in its cgroups and
// before anything else of the task's setup.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "common/result.h"
#include "launcher/fd.h"
#include "launcher/launch_request.h"

namespace mesolite::launcher {

// The namespaces a request may ask for. CLONE_NEWCGROUP is not passed to clone: the
// child unshares it itself once it is in its cgroups (see setUpNamespaces).
constexpr uint64_t kSupportedNamespaces = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
                                          CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWUSER;

// In order: cgroup namespace, mounts private, the task's mounts (launcher/mounts.h),
// hostname, loopback up.
Result<void> setUpNamespaces(const LaunchRequest& request);

// Joining a running container (LaunchRequest::joinPid): its namespaces, opened by the
// supervisor from /proc/<pid>/ns/ before the clone.
struct JoinedNamespaces {
  UniqueFd pid;  // entered by the supervisor: only its children are born there
  // Entered by the child, in this order (the user namespace last, so that every
  // other setns is done with the host's capabilities): {CLONE_NEW*, fd}.
  std::vector<std::pair<int, UniqueFd>> others;
};
Result<JoinedNamespaces> openNamespacesOf(pid_t pid, uint64_t namespaces);

// The supervisor's side: children it clones from now on are in the container's pid
// namespace. Call it right before the clone.
Result<void> enterPidNamespace(const JoinedNamespaces& joined, pid_t pid);

// The child's side: setns into each of `namespaces` ({CLONE_NEW*, fd}), in order.
Result<void> enterNamespaces(const std::vector<std::pair<int, int>>& namespaces);

}  // namespace mesolite::launcher
