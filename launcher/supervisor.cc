#include "launcher/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <string_view>

#include "launcher/files.h"

namespace mesolite::launcher {

Result<void> becomeSupervisor() {
  // EPERM: we already lead a process group (started from an interactive shell, say).
  // Leading our own session is all we need, so only fail when we lead none.
  if (::setsid() < 0 && ::getsid(0) != ::getpid()) {
    return Error::fromErrno("setsid (the launcher leads a process group but not a session)");
  }
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  for (int signal : {SIGINT, SIGHUP, SIGTERM, SIGPIPE}) {
    if (::sigaction(signal, &ignore, nullptr) != 0) return Error::fromErrno("sigaction");
  }
  struct sigaction byDefault = {};
  byDefault.sa_handler = SIG_DFL;
  if (::sigaction(SIGCHLD, &byDefault, nullptr) != 0) return Error::fromErrno("sigaction(SIGCHLD)");
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return Error::fromErrno("prctl(PR_SET_CHILD_SUBREAPER)");
  }
  return success();
}

namespace {

Result<int> reapUntilTask(pid_t task) {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return Error::fromErrno("waitpid for task " + std::to_string(task));
    }
    if (pid == task) return status;
    // Anything else is an orphan reparented to us: reaped, nothing more.
  }
}

// Reaps whatever has ended, without waiting; the task's status once it is among them.
Result<std::optional<int>> reapEnded(pid_t task) {
  std::optional<int> taskStatus;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0) return taskStatus;
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD && taskStatus) return taskStatus;  // it was the last one
      return Error::fromErrno("waitpid for task " + std::to_string(task));
    }
    if (pid == task) taskStatus = status;
  }
}

}  // namespace

Result<int> waitForTask(pid_t task, std::span<LogPipe> logs) {
  if (logs.empty()) return reapUntilTask(task);
  // SIGCHLD through a signalfd, so that one poll() waits for output and ends alike.
  // The task was cloned with SIGCHLD unblocked (and resets its mask anyway).
  sigset_t child;
  sigemptyset(&child);
  sigaddset(&child, SIGCHLD);
  if (::sigprocmask(SIG_BLOCK, &child, nullptr) != 0) {
    return Error::fromErrno("sigprocmask(SIG_BLOCK, SIGCHLD)");
  }
  UniqueFd ended(::signalfd(-1, &child, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!ended.valid()) return Error::fromErrno("signalfd(SIGCHLD)");
  for (LogPipe& log : logs) {
    const int flags = ::fcntl(log.pipe.get(), F_GETFL);
    if (flags < 0 || ::fcntl(log.pipe.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
      return Error::fromErrno("fcntl(O_NONBLOCK) on a pipe of the task's output");
    }
  }
  std::optional<int> status;
  while (!status) {
    // Before each wait: a SIGCHLD sent before the signalfd existed was discarded.
    auto reaped = reapEnded(task);
    if (!reaped) return reaped.error();
    status = *reaped;
    if (status) break;
    pollfd fds[3] = {{ended.get(), POLLIN, 0}};
    size_t count = 1;
    LogPipe* polled[3] = {};
    for (LogPipe& log : logs) {
      if (!log.pipe.valid() || count == 3) continue;
      polled[count] = &log;
      fds[count++] = {log.pipe.get(), POLLIN, 0};
    }
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      return Error::fromErrno("poll the task's output pipes");
    }
    signalfd_siginfo info;
    while (::read(ended.get(), &info, sizeof(info)) > 0) {
    }
    for (size_t i = 1; i < count; ++i) {
      if (fds[i].revents != 0) copyToLog(*polled[i]);
    }
  }
  // What the task wrote is in the pipes now; take just that much, or daemons it left
  // behind that keep writing would keep us (and its end) from being recorded.
  for (LogPipe& log : logs) {
    int waiting = 0;
    if (log.pipe.valid() && ::ioctl(log.pipe.get(), FIONREAD, &waiting) == 0 && waiting > 0) {
      copyToLog(log, size_t(waiting));
    }
  }
  return *status;
}

Result<uint64_t> readOomKills(const std::string& file) {
  auto content = readSmallFile(file);
  if (!content) return content.error();
  std::string_view rest = *content;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    constexpr std::string_view kKey = "oom_kill ";
    if (line.substr(0, kKey.size()) != kKey) continue;
    const std::string_view number = line.substr(kKey.size());
    uint64_t kills = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), kills);
    if (ec != std::errc() || ptr != number.data() + number.size()) {
      return Error(file + ": bad line '" + std::string(line) + "'");
    }
    return kills;
  }
  return Error(file + ": no oom_kill line");
}

}  // namespace mesolite::launcher
