// The agent's side of the fetcher (Mesos's CommandInfo.uris): runs mesos-fetcher for a
// container, asynchronously on the agent's loop, and owns the cache in
// --fetcher_cache_dir (root's, mode 0700; cleared of an earlier run's entries at start).
// Cached URIs are downloaded first, once per (user, URI) however many containers want
// them at the same time; then one helper run fills the sandbox, in the URIs' order.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/child_process.h"
#include "agent/fetcher_cache.h"
#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

struct FetcherOptions {
  std::string helperPath;                                           // mesos-fetcher
  std::string cacheDir = "/tmp/mesos/fetch";                        // --fetcher_cache_dir
  uint64_t cacheSize = 2ULL << 30;                                  // --fetcher_cache_size
  std::chrono::nanoseconds stallTimeout = std::chrono::minutes(1);  // --fetcher_stall_timeout
  bool switchUser = true;  // --switch_user: fetch as the task's user, else as the agent's
};

struct FetchRequest {
  std::string containerId;
  std::string sandbox;              // absolute; made by the helper, owned by `user`
  std::optional<std::string> user;  // none: root's (--no-switch_user)
  google::protobuf::RepeatedPtrField<mesos::v1::CommandInfo::URI> uris;
  uint64_t maxBytes = 0;  // per download into the sandbox (0: no cap)
};

class Fetcher {
 public:
  // Called on the loop with the fetch's outcome; the error names the URI.
  using Done = std::function<void(Result<void>)>;

  Fetcher(boost::asio::io_context& io, FetcherOptions options);
  ~Fetcher();  // kills the helpers still running
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // At start: the cache directory, if there is one, emptied of earlier entries (it is
  // made, root's and 0700, by the first cached fetch). On an error, fetches of cached
  // URIs fail with it; the others work.
  Result<void> recover();

  void fetch(FetchRequest request, Done done);
  // Kills the container's fetch; its `done` is never called.
  void cancel(const std::string& containerId);
  bool fetching(const std::string& containerId) const { return jobs_.count(containerId) > 0; }

  const FetcherOptions& options() const { return options_; }

  // Mesos's containerizer/fetcher/* metrics: task fetches that succeeded and failed,
  // the cache's capacity and what it holds.
  void addMetrics(std::map<std::string, double>& metrics) const;

 private:
  struct Job;
  struct Download;
  using Key = FetcherCache::Key;

  Result<void> prepareCacheDir();
  void holdCacheEntries(Job& job);
  void startDownload(const Key& key, const FetcherCache::Hold& hold, const Job& job);
  void onDownloaded(const Key& key, uint64_t id, int status, const std::string& output);
  void onCacheEntry(const std::string& containerId, Result<void> ready);
  void fillSandbox(Job& job);
  void finish(const std::string& containerId, Result<void> result);
  void releaseHolds(Job& job);
  void removeFiles(const std::vector<std::string>& files);
  std::string cachePath(const std::string& file) const { return options_.cacheDir + "/" + file; }

  boost::asio::io_context& io_;
  FetcherOptions options_;
  FetcherCache cache_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;
  std::map<Key, std::unique_ptr<Download>> downloads_;
  bool cacheReady_ = false;
  std::optional<Error> cacheError_;  // --fetcher_cache_dir unusable
  uint64_t fetchesSucceeded_ = 0;
  uint64_t fetchesFailed_ = 0;
};

// The helper's failure as one line for a task's status: its own line naming the URI, or
// how it ended.
std::string describeFetchFailure(int status, const std::string& output);

}  // namespace mesolite::agent
