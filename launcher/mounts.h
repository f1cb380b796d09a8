// The task's view of the filesystem, built in its own mount namespace: the sandbox
// (also at /mnt/mesos/sandbox), a private /tmp, the agent's directories hidden, the
// host's root read-only, a fresh /proc for its pid namespace with the kernel's
// sensitive files masked or read-only, and /dev/shm for its ipc namespace.
// Written so that a root filesystem from an image can slot in before the read-only step.
#pragma once

#include "common/result.h"
#include "launcher/launch_request.h"

namespace mesolite::launcher {

// Runs in the task's process, in its new mount namespace (already made rprivate).
Result<void> setUpMounts(const LaunchRequest& request);

}  // namespace mesolite::launcher
