// Garbage collection of finished sandboxes, as Mesos's agent does it: a finished
// executor run's sandbox (<work_dir>/slaves/<agent>/frameworks/<f>/executors/<e>/runs/<c>)
// and, once nothing of them runs, its executor's and framework's directories are removed
// --gc_delay after they were scheduled; every --disk_watch_interval the disk holding the
// work dir is measured and whatever is older than
//   gc_delay * max(0, 1 - gc_disk_headroom - usage)
// goes at once. Removals and disk measurements run on a thread of their own, the results
// come back to the agent's loop. A directory holding a live container's sandbox is never
// removed: that is checked on the loop just before each removal.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace mesolite::agent {

// Mesos's rule (src/slave/slave.cpp, age): how old a scheduled sandbox may get.
std::chrono::nanoseconds maxSandboxAge(std::chrono::nanoseconds gcDelay, double diskHeadroom,
                                       double diskUsage);

// Removes `path` and everything under it without following a symlink: a symlink at
// `path` itself is removed as a link, nothing it points to. Gone already is success.
Result<void> removeSandboxTree(const std::string& path);

struct SandboxGcOptions {
  std::string workDir;
  std::chrono::nanoseconds delay = std::chrono::hours(24 * 7);  // --gc_delay
  double diskHeadroom = 0.1;                                    // --gc_disk_headroom
  std::chrono::nanoseconds diskWatchInterval = std::chrono::minutes(1);
};

class SandboxGc {
 public:
  using Clock = std::chrono::system_clock;
  // Whether a container not yet removed has its sandbox at or under a directory.
  using InUse = std::function<bool(const std::string& directory)>;

  SandboxGc(boost::asio::io_context& io, SandboxGcOptions options, InUse inUse);
  ~SandboxGc();
  SandboxGc(const SandboxGc&) = delete;
  SandboxGc& operator=(const SandboxGc&) = delete;

  // Starts the disk watch.
  void start();

  // Schedules `directory` for removal `delay` after `since`. Its modification time is set
  // to `since`, which is how a restarted agent learns when it was scheduled.
  void schedule(const std::string& directory, Clock::time_point since = Clock::now());
  // A finished run's sandbox: the run and its executor's directory (commands run one
  // executor run each). Anything not shaped like a task's sandbox is left alone.
  void scheduleRun(const std::string& sandbox);

  // Before a launch under `directories` (a framework's and an executor's): unschedules
  // them and calls `then`, at once, or once a removal of one of them under way has ended.
  void claim(std::vector<std::string> directories, std::function<void()> then);

  // After a restart: schedules the finished sandboxes found under <work_dir>/slaves (each
  // by its modification time, a parent by its newest run's), the directories of other
  // agent ids too, but never `currentAgentId`'s own directory (empty: the checkpointed
  // latest agent id).
  void recover(const std::string& currentAgentId);

  size_t scheduledCount() const { return scheduled_.size(); }
  // Mesos's gc/path_removals_succeeded and _failed.
  uint64_t removalsSucceeded() const { return removalsSucceeded_; }
  uint64_t removalsFailed() const { return removalsFailed_; }

 private:
  struct Entry {
    Clock::time_point since;
    Clock::time_point retryAt;  // kept back because a container still used it
    bool removing = false;
    std::vector<std::function<void()>> afterRemoval;
  };

  void arm();
  void collectDue();
  void removed(const std::vector<std::pair<std::string, Result<void>>>& results);
  void watchDisk();
  // Runs `work` off the loop, then `done` on it (unless this object is gone by then).
  void offLoop(std::function<std::function<void()>()> work);

  boost::asio::io_context& io_;
  SandboxGcOptions options_;
  InUse inUse_;
  std::chrono::nanoseconds maxAge_;
  std::map<std::string, Entry> scheduled_;
  struct Timers;
  std::unique_ptr<Timers> timers_;
  std::unique_ptr<boost::asio::thread_pool> worker_;
  std::shared_ptr<bool> alive_;
  uint64_t removalsSucceeded_ = 0;
  uint64_t removalsFailed_ = 0;
};

}  // namespace mesolite::agent
