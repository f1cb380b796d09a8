#include "launcher/supervisor.h"

#include <signal.h>
#include <sys/prctl.h>
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

Result<int> waitForTask(pid_t task) {
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
