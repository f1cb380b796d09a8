// namespaces/user, the supervisor's side: the task was cloned into a new user
// namespace and waits; its id maps and resource limits are set from outside, where
// the supervisor is still root of the host.
#pragma once

#include <sys/types.h>

#include "common/result.h"
#include "launcher/launch_request.h"

namespace mesolite::launcher {

// Writes /proc/<pid>/{uid_map,gid_map} for the task's range, then applies its
// rlimits with prlimit(2): inside its namespace the task could lower them but never
// raise a hard limit (that takes CAP_SYS_RESOURCE in the host's namespace).
Result<void> setUpUserNamespace(const LaunchRequest& request, pid_t task);

// Inside the namespace the task must switch to ids of its own: until it does it still
// has the host root's ids, which own most of the host's files. Root's supplementary
// groups go too, and groups outside the range could not be set.
void useIdsInsideUserNamespace(LaunchRequest* request);

}  // namespace mesolite::launcher
