// The launcher's life after the task has started: it stays as the task's supervisor
// (a "shim"), reaps it and whatever it leaves behind, and records how it ended.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"
#include "launcher/log_rotation.h"

namespace mesolite::launcher {

// setsid (the task must outlive the agent's session and process group), ignore
// SIGINT/SIGHUP/SIGTERM/SIGPIPE (the agent ends containers through their cgroups, and
// the supervisor lives outside them), become a child subreaper (daemons that double-fork
// out of a task without a pid namespace are reaped here), and keep SIGCHLD at its
// default so that waitpid sees our children.
Result<void> becomeSupervisor();

// Reaps every child (reparented orphans too) until `task` exits; its wait status.
// Meanwhile copies the task's output from `logs` into their files; once the task has
// ended, takes what it left in the pipes (not what its leftovers write after it).
Result<int> waitForTask(pid_t task, std::span<LogPipe> logs = {});

// The "oom_kill N" count of memory.events (v2) or memory.oom_control (v1).
Result<uint64_t> readOomKills(const std::string& file);

}  // namespace mesolite::launcher
