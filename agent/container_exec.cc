#include "agent/container_exec.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <filesystem>

#include "common/fs.h"
#include "common/logging.h"
#include "common/proc_stat.h"

namespace mesolite::agent {

namespace asio = boost::asio;

struct ContainerExec::State : std::enable_shared_from_this<ContainerExec::State> {
  explicit State(asio::io_context& io) : exited(io), deadline(io) {}

  asio::posix::stream_descriptor exited;  // the launcher's pidfd
  asio::steady_timer deadline;
  pid_t launcher = 0;
  std::string pidPath;
  std::string terminationPath;
  std::string logPath;
  std::chrono::milliseconds timeout{0};
  Done done;  // emptied once called, or when the owner goes
  bool timedOut = false;
  bool ended = false;  // the launcher is reaped: its pid may be anybody's now

  void watch() {
    exited.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                        if (ec == asio::error::operation_aborted) return;
                        self->onLauncherExit();
                      });
  }

  // The command is the launcher's only child; a pid read from the file is signalled
  // only while it is still that child (not a later process given the same pid).
  void killCommand() {
    if (ended) return;
    auto text = fs::readFile(pidPath);
    if (!text) {
      // Not released yet: without its launcher the command never starts. (The
      // launcher is our unreaped child: its pid is still its own.)
      ::kill(launcher, SIGKILL);
      return;
    }
    const pid_t pid = pid_t(std::atoi(text->c_str()));
    if (pid <= 0) return;
    const int pidfd = int(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) return;
    auto stat = proc::readStat(pid);
    if (stat && stat->parent == launcher) {
      ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    }
    ::close(pidfd);
  }

  void onLauncherExit() {
    int status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(launcher, &status, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped == 0) return watch();  // not gone yet
    ended = true;
    deadline.cancel();
    Result<int> outcome = Error("the command's launcher ended without a record");
    if (auto text = fs::readFile(terminationPath)) {
      if (auto termination = launcher::Termination::decode(*text)) {
        if (termination->waitStatus) {
          outcome = *termination->waitStatus;
        } else {
          outcome = Error(termination->message);
        }
      }
    }
    if (timedOut) {
      outcome = Error("timed out after " + std::to_string(double(timeout.count()) / 1000.0) + " s");
    }
    std::error_code ignored;
    std::filesystem::remove(terminationPath, ignored);
    std::filesystem::remove(pidPath, ignored);
    if (done) {
      Done callback = std::move(done);
      done = nullptr;
      callback(std::move(outcome));
    }
  }
};

Result<std::unique_ptr<ContainerExec>> ContainerExec::start(
    asio::io_context& io, const SealedLauncher& launcher, const launcher::LaunchRequest& request,
    const std::string& logPath, std::chrono::milliseconds timeout, Done done) {
  // The log holds the last run only: a check runs for months.
  if (::truncate(logPath.c_str(), 0) != 0 && errno != ENOENT) {
    return Error::fromErrno("truncate " + logPath);
  }
  auto spawned = spawnLauncher(launcher, request, logPath);
  if (!spawned) return spawned.error();
  auto state = std::make_shared<State>(io);
  state->launcher = spawned->pid;
  state->pidPath = request.pidPath;
  state->terminationPath = request.terminationPath;
  state->logPath = logPath;
  state->timeout = timeout;
  state->done = std::move(done);
  const int pidfd = int(::syscall(SYS_pidfd_open, spawned->pid, 0));
  if (pidfd < 0) {
    const int error = errno;
    ::kill(spawned->pid, SIGKILL);
    int status;
    ::waitpid(spawned->pid, &status, 0);
    return Error::fromErrno("pidfd_open of launcher " + std::to_string(spawned->pid), error);
  }
  state->exited.assign(pidfd);
  state->watch();
  if (timeout.count() > 0) {
    state->deadline.expires_after(timeout);
    state->deadline.async_wait(
        [weak = std::weak_ptr<State>(state)](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (ec || !self) return;
          self->timedOut = true;
          self->killCommand();
        });
  }
  return std::make_unique<ContainerExec>(std::move(state));
}

ContainerExec::~ContainerExec() {
  if (!state_) return;
  state_->done = nullptr;
  state_->deadline.cancel();
  // The launcher reports the killed command and exits; the pending watch reaps it.
  state_->killCommand();
}

}  // namespace mesolite::agent
