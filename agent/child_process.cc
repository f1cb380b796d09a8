#include "agent/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "launcher/fd.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using launcher::UniqueFd;

namespace {

constexpr int kInputFd = 3;
constexpr int kOutputFd = 4;
constexpr size_t kMaxInput = 1 << 20;

// Above the fds the child's are dup'ed to, so that no dup2 overwrites a later source.
Result<UniqueFd> aboveChildFds(int fd, const char* what) {
  UniqueFd original(fd);
  UniqueFd moved(::fcntl(fd, F_DUPFD_CLOEXEC, kOutputFd + 1));
  if (!moved.valid()) return Error::fromErrno(std::string("move ") + what + " above fd 4");
  return moved;
}

Result<launcher::Pipe> pipeAbove(const char* what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::fromErrno(std::string("pipe2 for ") + what);
  auto read = aboveChildFds(fds[0], what);
  auto write = aboveChildFds(fds[1], what);
  if (!read) return read.error();
  if (!write) return write.error();
  return launcher::Pipe{std::move(*read), std::move(*write)};
}

// The whole input goes into the pipe's buffer at once: the loop never waits for the child.
Result<void> fill(int fd, const std::string& input) {
  if (input.size() > kMaxInput) return Error("the input is larger than 1 MiB");
  if (input.size() > 60000 && ::fcntl(fd, F_SETPIPE_SZ, int(kMaxInput)) < 0) {
    return Error::fromErrno("grow the input pipe");
  }
  if (::fcntl(fd, F_SETFL, O_NONBLOCK) != 0) return Error::fromErrno("fcntl the input pipe");
  size_t done = 0;
  while (done < input.size()) {
    const ssize_t n = ::write(fd, input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::fromErrno("write the input pipe");
    done += size_t(n);
  }
  return success();
}

std::string drain(int fd) {
  std::string text;
  char buffer[4096];
  while (text.size() < 65536) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, size_t(n));
  }
  return text;
}

Result<pid_t> spawnWith(const ChildSpec& spec, int input, int output) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, input, kInputFd);
  posix_spawn_file_actions_adddup2(&actions, output, kOutputFd);
  // Asio's sockets are not close-on-exec (see launcher_process.cc): none may leak.
  posix_spawn_file_actions_addclosefrom_np(&actions, kOutputFd + 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const std::string& arg : spec.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path, nullptr};
  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, spec.path.c_str(), &actions, &attributes, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return Error::fromErrno("spawn " + spec.path, spawned);
  return pid;
}

}  // namespace

struct ChildProcess::State {
  pid_t pid = 0;
  bool reaped = false;
  UniqueFd output;
  std::unique_ptr<asio::posix::stream_descriptor> exit;  // the pidfd
  Exited exited;

  // Called when the pidfd is readable: reaps without blocking, re-arms if still running.
  static void watch(const std::shared_ptr<State>& state) {
    state->exit->async_wait(asio::posix::stream_descriptor::wait_read,
                            [state](const boost::system::error_code& ec) {
                              if (ec == asio::error::operation_aborted) return;
                              int status = 0;
                              pid_t done = ::waitpid(state->pid, &status, WNOHANG);
                              while (done < 0 && errno == EINTR)
                                done = ::waitpid(state->pid, &status, WNOHANG);
                              if (done == 0) return watch(state);
                              state->reaped = true;
                              state->exit.reset();
                              const std::string output = drain(state->output.get());
                              state->output.reset();
                              if (auto exited = std::move(state->exited)) exited(status, output);
                            });
  }
};

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(asio::io_context& io,
                                                          const ChildSpec& spec, Exited exited) {
  auto input = pipeAbove("the child's input");
  if (!input) return input.error();
  auto output = pipeAbove("the child's output");
  if (!output) return output.error();
  if (auto filled = fill(input->write.get(), spec.input); !filled) return filled.error();
  input->write.reset();  // the child sees EOF after the input
  auto pid = spawnWith(spec, input->read.get(), output->write.get());
  if (!pid) return pid.error();
  output->write.reset();
  if (::fcntl(output->read.get(), F_SETFL, O_NONBLOCK) != 0) {
    ::kill(*pid, SIGKILL);
  }
  auto state = std::make_shared<State>();
  state->pid = *pid;
  state->output = std::move(output->read);
  state->exited = std::move(exited);
  const int pidfd = int(::syscall(SYS_pidfd_open, *pid, 0));
  if (pidfd < 0) {
    // No pidfd (kernel < 5.3): the child cannot be watched without blocking; stop it.
    ::kill(*pid, SIGKILL);
    int status = 0;
    ::waitpid(*pid, &status, 0);
    return Error::fromErrno("pidfd_open for " + spec.path);
  }
  state->exit = std::make_unique<asio::posix::stream_descriptor>(io, pidfd);
  State::watch(state);
  return std::make_unique<ChildProcess>(state);
}

ChildProcess::~ChildProcess() {
  state_->exited = nullptr;
  kill(SIGKILL);
}

pid_t ChildProcess::pid() const {
  return state_->pid;
}

void ChildProcess::kill(int signal) {
  if (!state_->reaped) ::kill(state_->pid, signal);
}

}  // namespace mesolite::agent
