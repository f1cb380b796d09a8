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
    pid_ = -1;
    throw std::runtime_error("cannot spawn " + argv[0]);
  }
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  if (outFd_ >= 0) close(outFd_);
  if (errFd_ >= 0) close(errFd_);
}

bool Subprocess::pump(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{outFd_, POLLIN, 0}, {errFd_, POLLIN, 0}};
  int open = (outFd_ >= 0) + (errFd_ >= 0);
  if (open == 0) return false;
  if (poll(fds, 2, int(timeout.count())) <= 0) return true;
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    char buffer[4096];
    ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
    if (n > 0) {
      (i == 0 ? out_ : err_).append(buffer, size_t(n));
    } else {
      close(fds[i].fd);
      (i == 0 ? outFd_ : errFd_) = -1;
    }
  }
  return true;
}

std::optional<std::string> Subprocess::waitForLine(const std::string& needle,
                                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (const std::string* text : {&err_, &out_}) {
      const size_t at = text->find(needle);
      if (at != std::string::npos) {
        const size_t start = text->rfind('\n', at);
        const size_t end = text->find('\n', at);
        return text->substr(start == std::string::npos ? 0 : start + 1,
                            end == std::string::npos
                                ? std::string::npos
                                : end - (start == std::string::npos ? 0 : start + 1));
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !pump(std::min(left, std::chrono::milliseconds(100)))) {
      return std::nullopt;
    }
  }
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    if (!pump(std::chrono::milliseconds(20))) usleep(20000);
  }
  // Collect what is left; a grandchild may hold the pipes open, so not for long.
  const auto drainUntil = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while ((outFd_ >= 0 || errFd_ >= 0) && std::chrono::steady_clock::now() < drainUntil &&
         pump(std::chrono::milliseconds(50))) {
  }
  return status_;
}

std::optional<int> Subprocess::stop(int signal, std::chrono::milliseconds timeout) {
  if (!status_) kill(pid_, signal);
  return wait(timeout);
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
