// The task's process between clone and exec.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "launcher/launch_request.h"

namespace mesolite::launcher {

// Everything the child needs, prepared by the supervisor before clone so that the
// child only makes system calls. Fds are plain ints: the child never returns into the
// supervisor's code, so nothing here is owned by it.
struct ChildContext {
  const LaunchRequest* request = nullptr;
  std::vector<char*> argv;  // NULL-terminated, pointing into *request
  std::vector<char*> envp;
  int stdinFd = -1;  // -1: keep the launcher's own
  int stdoutFd = -1;
  int stderrFd = -1;
  int syncRead = -1;     // the child waits here until the supervisor has placed it in its cgroups
  int syncWrite = -1;    // the supervisor's end, closed in the child
  int errorRead = -1;    // the supervisor's end, closed in the child
  int errorWrite = -1;   // CLOEXEC: EOF for the supervisor once exec succeeded
  int statusWrite = -1;  // with an init: where it reports the task's wait status
  const std::string* seccompFilter = nullptr;  // compiled BPF, read by the supervisor
  // Joining a running container: {CLONE_NEW*, fd} to setns into, in order.
  std::vector<std::pair<int, int>> joinNamespaces;
};

// Sets the task up (namespaces and mounts, init, rlimits, stdio, working directory,
// user and capabilities, no_new_privs, fds, seccomp) and execs it. On any failure writes "what:
// strerror" to errorWrite and _exit(127)s.
[[noreturn]] void runChild(const ChildContext& context);

}  // namespace mesolite::launcher
