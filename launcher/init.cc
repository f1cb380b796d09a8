#include "launcher/init.h"

#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/capabilities.h"

namespace mesolite::launcher {

namespace {

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

[[noreturn]] void reportAndExit(int statusFd, int status) {
  ssize_t written;
  do {
    written = ::write(statusFd, &status, sizeof(status));
  } while (written < 0 && errno == EINTR);
  ::_exit(0);
}

[[noreturn]] void runInit(pid_t task, int statusFd) {
  // Nothing of the init is for the task to read or trace (its /proc/1/exe is the
  // launcher), and it needs no power but to signal its task.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  // a task without its supervisor ends
  (void)keepOnlyCapabilities(uint64_t(1) << CAP_KILL);
  if (statusFd > 3) ::close_range(3, unsigned(statusFd) - 1, 0);
  ::close_range(unsigned(statusFd) + 1, ~0U, 0);

  sigset_t waited;
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  for (int signal : kForwarded)
    sigaddset(&waited, signal);
  for (;;) {
    siginfo_t info;
    const int signal = ::sigwaitinfo(&waited, &info);
    if (signal < 0) continue;  // EINTR
    if (signal != SIGCHLD) {
      ::kill(task, signal);
      continue;
    }
    int status = 0;
    pid_t reaped;
    while ((reaped = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (reaped == task) reportAndExit(statusFd, status);
    }
  }
}

}  // namespace

pid_t startInit(int statusFd) {
  // Blocked before the fork, so that nothing sent in between is lost: the init takes
  // them with sigwaitinfo, the task unblocks them.
  sigset_t waited, previous;
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  for (int signal : kForwarded)
    sigaddset(&waited, signal);
  ::sigprocmask(SIG_BLOCK, &waited, &previous);
  const pid_t task = ::fork();
  if (task != 0) {
    if (task < 0) return -1;
    runInit(task, statusFd);
  }
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  ::close(statusFd);
  return 0;
}

}  // namespace mesolite::launcher
