#include "launcher/child.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>

#include "launcher/capabilities.h"
#include "launcher/init.h"
#include "launcher/namespaces.h"
#include "launcher/seccomp.h"

extern char** environ;

namespace mesolite::launcher {

namespace {

[[noreturn]] void fail(const ChildContext& context, const Error& error) {
  const std::string& message = error.message;
  // Best effort: if even this fails the supervisor still sees a failed start.
  [[maybe_unused]] ssize_t ignored = ::write(context.errorWrite, message.data(), message.size());
  ::_exit(127);
}

[[noreturn]] void failErrno(const ChildContext& context, const std::string& what) {
  fail(context, Error::fromErrno(what));
}

void check(const ChildContext& context, const Result<void>& done) {
  if (!done) fail(context, done.error());
}

void restoreSignals() {
  // The supervisor ignores these; SIG_IGN survives exec, and a task that cannot be
  // stopped with SIGTERM would be a surprise.
  for (int signal : {SIGINT, SIGHUP, SIGTERM, SIGPIPE})
    ::signal(signal, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void waitForSupervisor(const ChildContext& context) {
  char go = 0;
  ssize_t n;
  do {
    n = ::read(context.syncRead, &go, 1);
  } while (n < 0 && errno == EINTR);
  // EOF: the supervisor gave up on us (or died) before we were in our cgroups.
  if (n != 1) ::_exit(127);
  ::close(context.syncRead);
}

void applyRlimits(const ChildContext& context) {
  for (const RLimit& limit : context.request->rlimits) {
    const rlimit value{rlim_t(limit.soft), rlim_t(limit.hard)};
    if (::setrlimit(static_cast<__rlimit_resource_t>(limit.resource), &value) != 0) {
      failErrno(context, "setrlimit(" + std::to_string(limit.resource) + ", " +
                             std::to_string(limit.soft) + ", " + std::to_string(limit.hard) + ")");
    }
  }
}

void redirectStdio(const ChildContext& context) {
  const int targets[3] = {context.stdinFd, context.stdoutFd, context.stderrFd};
  for (int fd = 0; fd < 3; ++fd) {
    // The supervisor's fds 0-2 are always open, so ours are above 2 and dup2 is never
    // a no-op that would keep O_CLOEXEC.
    if (targets[fd] >= 0 && ::dup2(targets[fd], fd) < 0) {
      failErrno(context, "dup2 to fd " + std::to_string(fd));
    }
  }
}

void closeOtherFds(const ChildContext& context) {
  // Everything above 2 except the error pipe, which exec closes (O_CLOEXEC).
  const unsigned keep = unsigned(context.errorWrite);
  if (keep > 3 && ::close_range(3, keep - 1, 0) != 0) failErrno(context, "close_range");
  if (::close_range(keep + 1, ~0U, 0) != 0) failErrno(context, "close_range");
}

}  // namespace

void runChild(const ChildContext& context) {
  ::close(context.syncWrite);  // or we would never see EOF if the supervisor dies
  ::close(context.errorRead);
  restoreSignals();
  waitForSupervisor(context);

  const LaunchRequest& request = *context.request;
  // The supervisor has written our id maps: nothing of the container, its init
  // included, keeps the host root's ids past this point.
  if (request.joinPid > 0) {
    // Into a running container: its namespaces are set up already. Rlimits first,
    // while this process still has the host's CAP_SYS_RESOURCE.
    applyRlimits(context);
    check(context, enterNamespaces(context.joinNamespaces));
    if (request.userNamespace) check(context, becomeNamespaceRoot());
  } else {
    if (request.userNamespace) check(context, becomeNamespaceRoot());
    if (auto done = setUpNamespaces(request); !done) fail(context, done.error());
  }
  if (request.init) {
    // From here on this process is the task's init (pid 1) and the rest happens in its
    // child; the init keeps nothing of the task's fds, so exec still closes the error pipe.
    if (startInit(context.statusWrite) < 0) failErrno(context, "fork the task under its init");
  }
  // In a user namespace the supervisor set them (prlimit): raising a hard limit takes
  // the host's CAP_SYS_RESOURCE.
  if (!request.userNamespace && request.joinPid == 0) applyRlimits(context);
  redirectStdio(context);
  if (!request.workingDirectory.empty() && ::chdir(request.workingDirectory.c_str()) != 0) {
    failErrno(context, "chdir " + request.workingDirectory);
  }
  // Without no_new_privs only a holder of CAP_SYS_ADMIN may install a filter: then it
  // goes on before the capabilities are dropped (the filter allows what follows).
  const bool filterEarly = context.seccompFilter && !request.noNewPrivileges;
  if (filterEarly) check(context, installSeccompFilter(*context.seccompFilter));
  check(context, switchUserAndCapabilities(request));
  if (request.noNewPrivileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    failErrno(context, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
  closeOtherFds(context);
  if (context.seccompFilter && !filterEarly)
    check(context, installSeccompFilter(*context.seccompFilter));

  // execvpe searches the caller's PATH; make that the task's own.
  environ = const_cast<char**>(context.envp.data());
  ::execvpe(context.argv[0], context.argv.data(), context.envp.data());
  failErrno(context, "cannot exec '" + request.argv[0] + "'");
}

}  // namespace mesolite::launcher
