// The task's user and capabilities: supplementary groups, gid, uid, then the bounding,
// permitted, effective, inheritable and ambient sets, so that what /proc/<task>/status
// shows after exec is what the isolator planned.
#pragma once

#include "common/result.h"
#include "launcher/launch_request.h"

namespace mesolite::launcher {

// Runs in the task's process while it is still root with every capability. Without
// `request.capabilities` only the user changes (the kernel's usual rules apply).
Result<void> switchUserAndCapabilities(const LaunchRequest& request);

// Keeps only `keep` (CAP_* bits) in every set and the bounding set; for the PID-1 init,
// which needs nothing but to signal its task.
Result<void> keepOnlyCapabilities(uint64_t keep);

}  // namespace mesolite::launcher
