#include "agent/sandbox_gc.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cmath>
#include <filesystem>
#include <set>

#include "agent/checkpoint.h"
#include "common/logging.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using Clock = SandboxGc::Clock;

namespace {

bool isWithin(const std::string& path, const std::string& directory) {
  return path.rfind(directory, 0) == 0 &&
         (path.size() == directory.size() || path[directory.size()] == '/');
}

std::string parentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? std::string() : path.substr(0, slash);
}

std::string nameOf(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

std::string describe(std::chrono::nanoseconds duration) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  return std::to_string(seconds) + "s";
}

Result<double> diskUsage(const std::string& path) {
  struct statvfs stats;
  if (::statvfs(path.c_str(), &stats) != 0) return Error::fromErrno("statvfs " + path);
  if (stats.f_blocks == 0) return 0.0;
  // As Mesos's fs::usage: blocks in use (root's reserve counted as free) over all.
  return double(stats.f_blocks - stats.f_bfree) / double(stats.f_blocks);
}

Clock::time_point modified(const std::filesystem::path& path) {
  struct stat status;
  if (::lstat(path.c_str(), &status) != 0) return Clock::now();
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(status.st_mtim.tv_sec) +
      std::chrono::nanoseconds(status.st_mtim.tv_nsec)));
}

// Real subdirectories (symlinks such as Mesos's runs/latest are not followed).
std::vector<std::filesystem::path> subdirectories(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.is_directory(error) && !entry.is_symlink(error)) found.push_back(entry.path());
  }
  return found;
}

// The directories a restarted agent may collect, each with the time it counts from:
// every run by its own mtime, every executor, framework and agent directory by the
// newest of those below it (or its own when it holds no run).
using Found = std::vector<std::pair<std::string, Clock::time_point>>;
Clock::time_point walk(const std::filesystem::path& directory, int level, Found* found) {
  static const char* const kChildren[] = {"frameworks", "executors", "runs"};
  Clock::time_point newest = Clock::time_point::min();
  if (level < 3) {
    for (const auto& child : subdirectories(directory / kChildren[level]))
      newest = std::max(newest, walk(child, level + 1, found));
  }
  if (newest == Clock::time_point::min()) newest = modified(directory);
  found->emplace_back(directory.string(), newest);
  return newest;
}

}  // namespace

std::chrono::nanoseconds maxSandboxAge(std::chrono::nanoseconds gcDelay, double diskHeadroom,
                                       double diskUsage) {
  const double factor = std::max(0.0, 1.0 - diskHeadroom - diskUsage);
  return std::chrono::nanoseconds(int64_t(std::floor(double(gcDelay.count()) * factor)));
}

Result<void> removeSandboxTree(const std::string& path) {
  struct stat status;
  if (::lstat(path.c_str(), &status) != 0) {
    if (errno == ENOENT) return success();
    return Error::fromErrno("lstat " + path);
  }
  if (!S_ISDIR(status.st_mode)) {
    // Not what the agent made there: remove the name, never what a link points to.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Error::fromErrno("unlink " + path);
    return success();
  }
  // remove_all does not follow symlinks inside the tree: a link a task planted goes as
  // a link.
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) return Error("remove " + path + ": " + error.message());
  return success();
}

struct SandboxGc::Timers {
  explicit Timers(asio::io_context& io) : next(io), disk(io) {}
  asio::steady_timer next;
  asio::steady_timer disk;
};

SandboxGc::SandboxGc(asio::io_context& io, SandboxGcOptions options, InUse inUse)
    : io_(io),
      options_(std::move(options)),
      inUse_(std::move(inUse)),
      maxAge_(options_.delay),
      timers_(std::make_unique<Timers>(io)),
      worker_(std::make_unique<asio::thread_pool>(1)),
      alive_(std::make_shared<bool>(true)) {}

SandboxGc::~SandboxGc() {
  *alive_ = false;
  // Queued work is dropped; a removal under way ends first and posts nothing that runs.
  worker_->stop();
  worker_->join();
}

void SandboxGc::offLoop(std::function<std::function<void()>()> work) {
  asio::post(*worker_, [this, alive = std::weak_ptr<bool>(alive_), work = std::move(work)] {
    std::function<void()> done = work();
    asio::post(io_, [alive, done = std::move(done)] {
      if (auto live = alive.lock(); live && *live) done();
    });
  });
}

void SandboxGc::start() {
  watchDisk();
}

void SandboxGc::schedule(const std::string& directory, Clock::time_point since) {
  Entry& entry = scheduled_[directory];
  if (entry.removing) return;  // going already
  entry.since = since;
  entry.retryAt = {};
  log::info("scheduling {} for removal in {} (--gc_delay {}, now at most {} old)", directory,
            describe(since + options_.delay - Clock::now()), describe(options_.delay),
            describe(maxAge_));
  offLoop([directory, since] {
    const auto stamp =
        std::chrono::duration_cast<std::chrono::nanoseconds>(since.time_since_epoch());
    const timespec time{time_t(stamp.count() / 1000000000), long(stamp.count() % 1000000000)};
    const timespec times[2] = {time, time};
    ::utimensat(AT_FDCWD, directory.c_str(), times, AT_SYMLINK_NOFOLLOW);  // best effort
    return std::function<void()>([] {});
  });
  arm();
}

void SandboxGc::scheduleRun(const std::string& sandbox) {
  // <work_dir>/slaves/<a>/frameworks/<f>/executors/<e>/runs/<c>
  const std::string runs = parentOf(sandbox);
  const std::string executor = parentOf(runs);
  const std::string executors = parentOf(executor);
  if (nameOf(runs) != "runs" || nameOf(executors) != "executors" ||
      !isWithin(sandbox, options_.workDir + "/slaves")) {
    return;
  }
  const auto now = Clock::now();
  schedule(sandbox, now);
  schedule(executor, now);
}

void SandboxGc::claim(std::vector<std::string> directories, std::function<void()> then) {
  // The scheduled ones among the directories and their ancestors, looked up one by one
  // (this runs at every launch: no scan of every entry).
  std::set<std::string> covering;
  for (const std::string& directory : directories) {
    for (size_t end = directory.find('/', 1);; end = directory.find('/', end + 1)) {
      std::string prefix = directory.substr(0, end);
      if (scheduled_.count(prefix)) covering.insert(std::move(prefix));
      if (end == std::string::npos) break;
    }
  }
  for (const std::string& path : covering) {
    Entry& entry = scheduled_.at(path);
    if (entry.removing) {
      // Mesos waits for such a removal too; the launch then makes the directories anew.
      entry.afterRemoval.push_back(
          [this, directories = std::move(directories), then = std::move(then)]() mutable {
            claim(std::move(directories), std::move(then));
          });
      return;
    }
  }
  for (const std::string& path : covering) {
    log::info("unscheduling {} from removal: a task starts under it", path);
    scheduled_.erase(path);
  }
  then();
}

void SandboxGc::recover(const std::string& currentAgentId) {
  const std::string slaves = options_.workDir + "/slaves";
  // Without one (standalone), the id a start with a master would take up again.
  const std::string id = currentAgentId.empty()
                             ? checkpoint::readLatestAgent(options_.workDir).value_or("")
                             : currentAgentId;
  const std::string current = id.empty() ? "" : slaves + "/" + id;
  offLoop([this, slaves, current] {
    auto found = std::make_shared<Found>();
    for (const auto& agent : subdirectories(slaves))
      walk(agent, 0, found.get());
    return std::function<void()>([this, found, current] {
      for (const auto& [directory, since] : *found) {
        if (directory == current || inUse_(directory)) continue;
        schedule(directory, since);
      }
    });
  });
}

void SandboxGc::arm() {
  Clock::time_point next = Clock::time_point::max();
  for (const auto& [directory, entry] : scheduled_) {
    if (!entry.removing) next = std::min(next, std::max(entry.since + maxAge_, entry.retryAt));
  }
  if (next == Clock::time_point::max()) {
    timers_->next.cancel();
    return;
  }
  const auto wait = std::max<Clock::duration>(next - Clock::now(), Clock::duration::zero());
  timers_->next.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(wait));
  timers_->next.async_wait([this, alive = std::weak_ptr<bool>(alive_)](auto ec) {
    if (ec || alive.expired()) return;
    collectDue();
  });
}

void SandboxGc::collectDue() {
  const auto now = Clock::now();
  std::vector<std::string> due;
  for (auto& [directory, entry] : scheduled_) {
    if (entry.removing || now < entry.since + maxAge_ || now < entry.retryAt) continue;
    if (inUse_(directory)) {
      // A container still has its sandbox there (a framework shut down, its tasks dying).
      entry.retryAt = now + options_.diskWatchInterval;
      continue;
    }
    entry.removing = true;
    due.push_back(directory);
  }
  if (!due.empty()) {
    // Deepest first, so that each removal is logged by its own name.
    std::sort(due.begin(), due.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    offLoop([this, due] {
      std::vector<std::pair<std::string, Result<void>>> results;
      for (const std::string& directory : due)
        results.emplace_back(directory, removeSandboxTree(directory));
      return std::function<void()>([this, results = std::move(results)] { removed(results); });
    });
  }
  arm();
}

void SandboxGc::removed(const std::vector<std::pair<std::string, Result<void>>>& results) {
  std::vector<std::function<void()>> waiting;
  for (const auto& [directory, result] : results) {
    if (result) {
      log::info("removed {} (garbage collection)", directory);
      ++removalsSucceeded_;
    } else {
      log::warn("garbage collection of {} failed: {}", directory, result.error().message);
      ++removalsFailed_;
    }
    auto it = scheduled_.find(directory);
    if (it == scheduled_.end()) continue;
    for (auto& callback : it->second.afterRemoval)
      waiting.push_back(std::move(callback));
    scheduled_.erase(it);
  }
  for (auto& callback : waiting)
    callback();
  arm();
}

void SandboxGc::watchDisk() {
  offLoop([this] {
    auto usage = diskUsage(options_.workDir);
    return std::function<void()>([this, usage] {
      if (!usage) {
        log::warn("cannot measure the disk usage of --work_dir: {}", usage.error().message);
      } else {
        const auto age = maxSandboxAge(options_.delay, options_.diskHeadroom, *usage);
        if (std::chrono::abs(age - maxAge_) > options_.delay / 100) {
          log::info("disk usage of {} is {:.1f}%: sandboxes are kept at most {} (--gc_delay {})",
                    options_.workDir, *usage * 100, describe(age), describe(options_.delay));
        }
        maxAge_ = age;
        collectDue();
      }
      timers_->disk.expires_after(options_.diskWatchInterval);
      timers_->disk.async_wait([this, alive = std::weak_ptr<bool>(alive_)](auto ec) {
        if (ec || alive.expired()) return;
        watchDisk();
      });
    });
  });
}

}  // namespace mesolite::agent
