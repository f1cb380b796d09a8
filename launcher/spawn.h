// The supervisor's side of starting the task: its stdio, clone3 into namespaces and
// cgroups, the cgroups clone cannot place it in, then letting it go on to exec.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "launcher/fd.h"
#include "launcher/launch_request.h"
#include "launcher/log_rotation.h"

namespace mesolite::launcher {

// The files the task's fds 0-2 become, opened by the supervisor (so that errors land
// in the termination record). Invalid: the task keeps the launcher's own. A rotated
// stream is a pipe instead: `out`/`err` its write end, `logs` the supervisor's side.
struct TaskStdio {
  UniqueFd in;
  UniqueFd out;
  UniqueFd err;
  std::vector<LogPipe> logs;
};
Result<TaskStdio> openTaskStdio(const LaunchRequest& request);

// A cloned task that waits for `release` before it sets itself up and execs.
struct Task {
  pid_t pid = -1;
  bool inCgroupV2 = false;  // CLONE_INTO_CGROUP placed it there
  UniqueFd release;         // one byte lets the child go on; EOF makes it exit
  UniqueFd errors;          // the child's error messages; EOF once exec succeeded
  UniqueFd status;          // with an init: the task's wait status, once it has ended
};

Result<Task> spawnTask(const LaunchRequest& request, const TaskStdio& stdio);

// Writes the task's (host) pid into every v1 cgroup.procs and, when clone3 could not
// do it, into the v2 cgroup's.
Result<void> attachToCgroups(const LaunchRequest& request, const Task& task);

// Lets the task go on and waits until it has exec'ed (success) or reported why it
// could not (the error; the child has then been reaped).
Result<void> releaseTask(Task& task);

// For a task that must not start: SIGKILL and reap.
void abandonTask(Task& task);

}  // namespace mesolite::launcher
