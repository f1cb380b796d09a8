// The task's side of its namespaces: what the kernel does not set up by itself.
// Runs in the cloned child, after the supervisor has put it in its cgroups and
// before anything else of the task's setup.
#pragma once

#include <sched.h>

#include <cstdint>

#include "common/result.h"
#include "launcher/launch_request.h"

namespace mesolite::launcher {

// The namespaces a request may ask for. CLONE_NEWCGROUP is not passed to clone: the
// child unshares it itself once it is in its cgroups (see setUpNamespaces).
constexpr uint64_t kSupportedNamespaces = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
                                          CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWUSER;

// In order: cgroup namespace, mounts private, the task's mounts (launcher/mounts.h),
// hostname, loopback up.
Result<void> setUpNamespaces(const LaunchRequest& request);

}  // namespace mesolite::launcher
