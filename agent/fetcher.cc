#include "agent/fetcher.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>

#include "common/fetch_uri.h"
#include "common/fs.h"
#include "common/logging.h"
#include "fetcher/fetch_plan.h"

namespace mesolite::agent {

namespace asio = boost::asio;

struct Fetcher::Job {
  FetchRequest request;
  Done done;
  struct Held {
    Key key;
    uint64_t id;
    std::string file;
  };
  std::map<int, Held> held;  // by index of the URI in request.uris
  size_t waiting = 0;        // cache entries still downloading
  std::unique_ptr<ChildProcess> helper;
};

struct Fetcher::Download {
  uint64_t id = 0;
  std::string part;  // the file being written; renamed to the entry's name when complete
  std::unique_ptr<ChildProcess> helper;
};

namespace {

std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() > 1000 ? line.substr(0, 1000) + "..." : line;
}

std::string keyUser(const FetchRequest& request) {
  return request.user.value_or("root");
}

// "'a', 'b'": the URIs of a fetch, for a failure the helper could not attribute.
std::string describeUris(const FetchRequest& request) {
  std::string text;
  for (const auto& uri : request.uris)
    text += (text.empty() ? "'" : ", '") + uri.value() + "'";
  return text.size() > 1000 ? text.substr(0, 1000) + "..." : text;
}

uint64_t milliseconds(std::chrono::nanoseconds duration) {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
}

}  // namespace

std::string describeFetchFailure(int status, const std::string& output) {
  if (!output.empty()) return firstLine(output);
  if (WIFEXITED(status)) {
    return "mesos-fetcher exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return std::string("mesos-fetcher was terminated by signal ") + strsignal(WTERMSIG(status));
  }
  return "mesos-fetcher ended with wait status " + std::to_string(status);
}

Fetcher::Fetcher(asio::io_context& io, FetcherOptions options)
    : io_(io), options_(std::move(options)), cache_(options_.cacheSize) {}

// The helpers' ChildProcess objects kill them as they go.
Fetcher::~Fetcher() = default;

Result<void> Fetcher::recover() {
  // Made on the first cached fetch: an agent that never caches leaves no directory.
  std::error_code error;
  if (!std::filesystem::exists(options_.cacheDir, error)) return success();
  auto ready = prepareCacheDir();
  if (!ready) cacheError_ = ready.error();
  cacheReady_ = ready.ok();
  return ready;
}

Result<void> Fetcher::prepareCacheDir() {
  const std::string& dir = options_.cacheDir;
  if (dir.empty() || dir[0] != '/') {
    return Error("--fetcher_cache_dir '" + dir + "' is not an absolute path");
  }
  if (auto made = fs::makeDirectories(dir, 0700); !made) {
    return made.error().wrap("--fetcher_cache_dir");
  }
  struct stat info;
  if (::lstat(dir.c_str(), &info) != 0) return Error::fromErrno("--fetcher_cache_dir: stat " + dir);
  if (!S_ISDIR(info.st_mode) || info.st_uid != ::geteuid()) {
    return Error("--fetcher_cache_dir: " + dir + " is not a directory of the agent's user");
  }
  if (::chmod(dir.c_str(), 0700) != 0) return Error::fromErrno("--fetcher_cache_dir: chmod " + dir);
  // Mesos empties the cache at start; only our own entries go (c<N>-name, *.part).
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename();
    if (name.size() > 1 && name[0] == 'c' && std::isdigit(uint8_t(name[1])) &&
        name.find('-') != std::string::npos) {
      std::filesystem::remove(entry.path(), error);
    }
  }
  return success();
}

void Fetcher::fetch(FetchRequest request, Done done) {
  const std::string id = request.containerId;
  if (jobs_.count(id)) {
    return asio::post(io_, [done = std::move(done), id] {
      done(Error("container " + id + " is being fetched already"));
    });
  }
  if (!options_.switchUser) request.user.reset();
  auto job = std::make_unique<Job>();
  job->request = std::move(request);
  job->done = std::move(done);
  Job& ref = *job;
  jobs_[id] = std::move(job);
  holdCacheEntries(ref);
  if (ref.waiting == 0) fillSandbox(ref);
}

void Fetcher::holdCacheEntries(Job& job) {
  const std::string containerId = job.request.containerId;
  for (int i = 0; i < job.request.uris.size(); ++i) {
    const auto& uri = job.request.uris[i];
    if (!uri.cache()) continue;
    if (!cacheReady_ && !cacheError_) {
      // A few syscalls, once.
      auto ready = prepareCacheDir();
      if (!ready) cacheError_ = ready.error();
      cacheReady_ = ready.ok();
    }
    if (cacheError_) {
      ++job.waiting;
      asio::post(io_, [this, containerId,
                       error = cacheError_->wrap("Failed to fetch '" + uri.value() + "'")] {
        onCacheEntry(containerId, error);
      });
      return;
    }
    auto basename = fetch::uriBasename(uri.value());
    const Key key{keyUser(job.request), uri.value()};
    const FetcherCache::Hold hold = cache_.acquire(key, basename ? *basename : "file");
    job.held[i] = Job::Held{key, hold.id, hold.file};
    if (hold.ready) continue;
    ++job.waiting;
    // Registered before a download starts: a spawn failure reports to this job too.
    cache_.wait(key, [this, containerId](Result<void> ready) {
      onCacheEntry(containerId, std::move(ready));
    });
    if (hold.download) startDownload(key, hold, job);
  }
}

void Fetcher::startDownload(const Key& key, const FetcherCache::Hold& hold, const Job& job) {
  fetch::FetchPlan plan;
  plan.sandbox = job.request.sandbox;  // its stdout/stderr tell the download's progress
  plan.user = job.request.user;        // downloads (and local reads) as the user
  plan.stallTimeoutMs = milliseconds(options_.stallTimeout);
  plan.maxBytes = options_.cacheSize;
  auto download = std::make_unique<Download>();
  download->id = hold.id;
  download->part = cachePath(hold.file) + ".part";
  plan.items.push_back(
      {.uri = key.uri, .action = fetch::Action::kIntoCache, .cacheFile = download->part});
  auto spawned = ChildProcess::spawn(
      io_, {.path = options_.helperPath, .argv = {options_.helperPath}, .input = plan.encode()},
      [this, key, id = hold.id](int status, const std::string& output) {
        onDownloaded(key, id, status, output);
      });
  if (!spawned) {
    // Reported on the next turn: the caller is still walking its URIs.
    asio::post(io_, [this, key, id = hold.id, error = spawned.error()] {
      auto outcome = cache_.completed(
          key, id, error.wrap("Failed to fetch '" + key.uri + "': cannot run mesos-fetcher"));
      for (auto& waiter : outcome.waiters)
        waiter(success());
    });
    return;
  }
  log::info("fetching {} into the cache for user {}", key.uri, key.user);
  download->helper = std::move(*spawned);
  downloads_[key] = std::move(download);
}

void Fetcher::onDownloaded(const Key& key, uint64_t id, int status, const std::string& output) {
  auto it = downloads_.find(key);
  if (it == downloads_.end() || it->second->id != id) return;
  const std::string part = it->second->part;
  downloads_.erase(it);
  const std::string final = part.substr(0, part.size() - 5);
  Result<uint64_t> size = Error(describeFetchFailure(status, output));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    struct stat info;
    if (::rename(part.c_str(), final.c_str()) != 0 || ::stat(final.c_str(), &info) != 0) {
      size = Error::fromErrno("Failed to fetch '" + key.uri + "': keep " + final + " in the cache");
    } else {
      size = uint64_t(info.st_size);
    }
  }
  if (!size) ::unlink(part.c_str());
  auto outcome = cache_.completed(key, id, size);
  removeFiles(outcome.evicted);
  for (auto& waiter : outcome.waiters)
    waiter(success());
}

void Fetcher::onCacheEntry(const std::string& containerId, Result<void> ready) {
  auto it = jobs_.find(containerId);
  if (it == jobs_.end()) return;  // cancelled meanwhile
  Job& job = *it->second;
  if (!ready) return finish(containerId, ready.error());
  if (--job.waiting == 0) fillSandbox(job);
}

void Fetcher::fillSandbox(Job& job) {
  fetch::FetchPlan plan;
  plan.sandbox = job.request.sandbox;
  plan.user = job.request.user;
  plan.stallTimeoutMs = milliseconds(options_.stallTimeout);
  plan.maxBytes = job.request.maxBytes;
  for (int i = 0; i < job.request.uris.size(); ++i) {
    const auto& uri = job.request.uris[i];
    fetch::PlanItem item{
        .uri = uri.value(), .extract = uri.extract(), .executable = uri.executable()};
    if (uri.has_output_file()) item.outputFile = uri.output_file();
    if (auto held = job.held.find(i); held != job.held.end()) {
      item.action = fetch::Action::kFromCache;
      item.cacheFile = cachePath(held->second.file);
    }
    plan.items.push_back(std::move(item));
  }
  const std::string containerId = job.request.containerId;
  auto spawned = ChildProcess::spawn(
      io_, {.path = options_.helperPath, .argv = {options_.helperPath}, .input = plan.encode()},
      [this, containerId, uris = describeUris(job.request)](int status, const std::string& output) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return finish(containerId, success());
        // The helper's own line names the URI; without one, all of them are named.
        finish(containerId, Error(output.empty() ? "Failed to fetch " + uris + ": " +
                                                       describeFetchFailure(status, output)
                                                 : describeFetchFailure(status, output)));
      });
  if (!spawned) {
    asio::post(io_, [this, containerId, uris = describeUris(job.request), error = spawned.error()] {
      finish(containerId, error.wrap("Failed to fetch " + uris + ": cannot run mesos-fetcher " +
                                     options_.helperPath));
    });
    return;
  }
  job.helper = std::move(*spawned);
}

void Fetcher::finish(const std::string& containerId, Result<void> result) {
  auto it = jobs_.find(containerId);
  if (it == jobs_.end()) return;
  std::unique_ptr<Job> job = std::move(it->second);
  jobs_.erase(it);
  releaseHolds(*job);
  ++(result ? fetchesSucceeded_ : fetchesFailed_);
  job->done(std::move(result));
}

void Fetcher::addMetrics(std::map<std::string, double>& metrics) const {
  metrics["containerizer/fetcher/task_fetches_succeeded"] = double(fetchesSucceeded_);
  metrics["containerizer/fetcher/task_fetches_failed"] = double(fetchesFailed_);
  metrics["containerizer/fetcher/cache_size_total_bytes"] = double(options_.cacheSize);
  metrics["containerizer/fetcher/cache_size_used_bytes"] = double(cache_.used());
}

void Fetcher::cancel(const std::string& containerId) {
  auto it = jobs_.find(containerId);
  if (it == jobs_.end()) return;
  std::unique_ptr<Job> job = std::move(it->second);
  jobs_.erase(it);
  job->helper.reset();  // SIGKILL
  releaseHolds(*job);
}

void Fetcher::releaseHolds(Job& job) {
  for (const auto& [index, held] : job.held) {
    removeFiles(cache_.release(held.key, held.id));
    // A download nobody waits for any more stops, and leaves no entry.
    if (cache_.abandoned(held.key, held.id)) {
      auto download = downloads_.find(held.key);
      if (download != downloads_.end()) {
        ::unlink(download->second->part.c_str());
        downloads_.erase(download);  // SIGKILL
      }
      (void)cache_.completed(held.key, held.id, Error("abandoned"));
    }
  }
  job.held.clear();
}

void Fetcher::removeFiles(const std::vector<std::string>& files) {
  for (const std::string& file : files) {
    log::info("fetcher cache: evicting {}", file);
    if (::unlink(cachePath(file).c_str()) != 0 && errno != ENOENT) {
      log::warn("fetcher cache: cannot remove {}: {}", cachePath(file), std::strerror(errno));
    }
  }
}

}  // namespace mesolite::agent
