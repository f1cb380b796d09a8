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

// In a fresh user namespace a process still has the host's ids it was cloned with
// (root's, which own most of the host's files, and which cannot create files in what
// the namespace mounts). This takes the namespace's own root ids (mapped to the
// container's range) and drops root's groups; capabilities within the namespace stay,
// and from here on the kernel's usual rules for root apply.
Result<void> becomeNamespaceRoot();

// Keeps only `keep` (CAP_* bits) in every set and the bounding set; for the PID-1 init,
// which needs nothing but to signal its task.
Result<void> keepOnlyCapabilities(uint64_t keep);

}  // namespace mesolite::launcher
