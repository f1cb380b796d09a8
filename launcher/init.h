// A PID-1 init for a task in its own pid namespace, as Mesos's command executor is:
// the kernel gives pid 1 no default signal actions, so a task that is pid 1 itself
// (`sleep`) ignores SIGTERM, and nobody would reap the orphans it leaves.
#pragma once

#include <sys/types.h>

namespace mesolite::launcher {

// Forks in the task's process. In the child (the task, pid 2) returns 0 so that its
// set-up goes on. The parent stays as the namespace's init and never returns: it
// forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the task, reaps
// every process, and once the task has ended writes its wait status (an int) to
// `statusFd` for the supervisor and exits. The init keeps no other fd above 2.
// Returns -1 (errno set) if it cannot fork.
pid_t startInit(int statusFd);

}  // namespace mesolite::launcher
