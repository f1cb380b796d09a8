#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

extern char** environ;

namespace mesolite::testing {

Subprocess::Subprocess(std::vector<std::string> argv,
                       std::map<std::string, std::string> environment) {
  int outPipe[2];
  int errPipe[2];
  if (pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  // Nothing else of the test's: Boost.Asio's sockets are not close-on-exec, and a child
  // holding a fake server's listening socket keeps its port taken after the server stops.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    if (environment.count(entry.substr(0, entry.find('='))) == 0) env.push_back(entry);
  }
  for (const auto& [name, value] : environment)
    env.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : env)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (std::string& arg : argv)
    args.push_back(arg.data());
  args.push_back(nullptr);

  const int error = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(outPipe[1]);
  close(errPipe[1]);
  outFd_ = outPipe[0];
  errFd_ = errPipe[0];
  if (error != 0) {
    close(outFd_);
    close(errFd_);
    throw std::runtime_error("cannot spawn " + argv[0]);
  }
  reader_ = std::thread([this] { drain(); });
}

Subprocess::~Subprocess() {
  {
    std::lock_guard lock(mutex_);
    if (!status_) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
  }
  stopping_ = true;
  reader_.join();
  close(outFd_);
  close(errFd_);
}

// Reads both pipes until EOF on both, or until told to stop (a grandchild may keep
// them open forever).
void Subprocess::drain() {
  bool outOpen = true;
  bool errOpen = true;
  while ((outOpen || errOpen) && !stopping_) {
    pollfd fds[2] = {{outOpen ? outFd_ : -1, POLLIN, 0}, {errOpen ? errFd_ : -1, POLLIN, 0}};
    if (poll(fds, 2, 20) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[8192];
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      std::lock_guard lock(mutex_);
      if (n > 0) {
        (i == 0 ? out_ : err_).append(buffer, size_t(n));
      } else {
        (i == 0 ? outOpen : errOpen) = false;
        (i == 0 ? outClosed_ : errClosed_) = true;
      }
      changed_.notify_all();
    }
  }
}

std::optional<std::string> Subprocess::waitForLine(const std::string& needle,
                                                   std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    for (const std::string* text : {&err_, &out_}) {
      const size_t at = text->find(needle);
      if (at == std::string::npos) continue;
      const size_t start = text->rfind('\n', at);
      const size_t begin = start == std::string::npos ? 0 : start + 1;
      const size_t end = text->find('\n', at);
      found = text->substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      return true;
    }
    return outClosed_ && errClosed_;  // it exited: the line will never come
  });
  return found;
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (status_) break;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        break;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    usleep(500);
  }
  // Let the reader collect the last output: until both pipes close, or briefly if a
  // grandchild keeps them open.
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::milliseconds(200),
                    [this] { return outClosed_ && errClosed_; });
  return status_;
}

std::optional<int> Subprocess::stop(int signal, std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mutex_);
    if (!status_) kill(pid_, signal);
  }
  return wait(timeout);
}

std::string Subprocess::out() const {
  std::lock_guard lock(mutex_);
  return out_;
}

std::string Subprocess::err() const {
  std::lock_guard lock(mutex_);
  return err_;
}

int Completed::exitCode() const {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Completed run(std::vector<std::string> argv, std::map<std::string, std::string> environment,
              std::chrono::milliseconds timeout) {
  Subprocess process(std::move(argv), std::move(environment));
  auto status = process.wait(timeout);
  return {status.value_or(-1), process.out(), process.err()};
}

}  // namespace mesolite::testing
