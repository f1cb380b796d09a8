#include "launcher/child.h"

#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>

#include "launcher/namespaces.h"

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

void switchUser(const ChildContext& context) {
  const LaunchRequest& request = *context.request;
  if (request.gid) {
    // Groups first: after setuid we could no longer drop root's supplementary groups.
    const std::vector<gid_t> groups(request.supplementaryGroups.begin(),
                                    request.supplementaryGroups.end());
    if (::setgroups(groups.size(), groups.data()) != 0) failErrno(context, "setgroups");
    if (::setgid(*request.gid) != 0) failErrno(context, "setgid " + std::to_string(*request.gid));
    gid_t real, effective, saved;
    if (::getresgid(&real, &effective, &saved) != 0 || real != *request.gid ||
        effective != *request.gid || saved != *request.gid) {
      fail(context, Error("setgid " + std::to_string(*request.gid) + " did not stick"));
    }
  }
  if (request.uid) {
    if (::setuid(*request.uid) != 0) failErrno(context, "setuid " + std::to_string(*request.uid));
    uid_t real, effective, saved;
    if (::getresuid(&real, &effective, &saved) != 0 || real != *request.uid ||
        effective != *request.uid || saved != *request.uid ||
        (*request.uid != 0 && ::setuid(0) == 0)) {
      fail(context, Error("setuid " + std::to_string(*request.uid) + " did not stick"));
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
  if (auto done = setUpNamespaces(request); !done) fail(context, done.error());
  applyRlimits(context);
  redirectStdio(context);
  if (!request.workingDirectory.empty() && ::chdir(request.workingDirectory.c_str()) != 0) {
    failErrno(context, "chdir " + request.workingDirectory);
  }
  switchUser(context);
  closeOtherFds(context);

  // execvpe searches the caller's PATH; make that the task's own.
  environ = const_cast<char**>(context.envp.data());
  ::execvpe(context.argv[0], context.argv.data(), context.envp.data());
  failErrno(context, "cannot exec '" + request.argv[0] + "'");
}

}  // namespace mesolite::launcher
