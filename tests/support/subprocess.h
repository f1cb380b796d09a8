// A child process for end-to-end tests: spawned with its stdout and stderr in pipes
// that a thread drains all along (a chatty daemon never blocks on a full pipe),
// killed (by its pid, with SIGKILL) if the test ends while it still runs.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mesolite::testing {

class Subprocess {
 public:
  // argv[0] is the program's path; `environment` is added to the test's own.
  Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> environment = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until a line of stderr or stdout contains `needle`; returns that line (none
  // once both are closed without it).
  std::optional<std::string> waitForLine(const std::string& needle,
                                         std::chrono::milliseconds timeout);
  // Sends `signal`, then waits for the exit; returns the wait status (nullopt on timeout).
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout);
  // Waits for the exit; returns the wait status.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  std::string out() const;
  std::string err() const;

 private:
  void drain();

  pid_t pid_ = -1;
  int outFd_ = -1;
  int errFd_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string out_;
  std::string err_;
  std::optional<int> status_;
  bool outClosed_ = false;
  bool errClosed_ = false;
  std::atomic<bool> stopping_{false};
  std::thread reader_;
};

// Runs a program to completion: {wait status, stdout, stderr}.
struct Completed {
  int status;
  std::string out;
  std::string err;
  int exitCode() const;
};
Completed run(std::vector<std::string> argv, std::map<std::string, std::string> environment = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace mesolite::testing
