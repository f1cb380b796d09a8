// disk/du (Mesos's posix/disk): measures each container's sandbox every
// --container_disk_watch_interval, reports it (disk_used_bytes, disk_limit_bytes) and,
// with --enforce_container_disk_quota, ends a container whose sandbox outgrows its
// "disk" resource (REASON_CONTAINER_LIMITATION_DISK). The walk runs on a thread of its
// own, never on the agent's event loop.
#pragma once

#include <sys/types.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "isolators/isolator.h"
#include "isolators/options.h"

namespace mesolite::isolation {

class DiskDuIsolator : public Isolator {
 public:
  DiskDuIsolator(boost::asio::io_context& io, const IsolatorOptions& options);
  ~DiskDuIsolator() override;

  std::string_view name() const override { return "disk/du"; }
  Result<void> recover(const std::vector<ContainerSpec>& containers) override;
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;
  void watch(const std::string& containerId,
             std::function<void(const Limitation&)> onLimitation) override;
  Result<void> update(const std::string& containerId, const Resources& resources) override;
  Result<void> usage(const std::string& containerId,
                     mesos::v1::ResourceStatistics* statistics) override;
  Result<void> cleanup(const std::string& containerId) override;

 private:
  struct Container {
    std::string sandbox;
    Resources disk;                 // the container's "disk" resources
    std::optional<uint64_t> limit;  // bytes; none without a disk resource
    std::optional<uint64_t> used;   // bytes, as last measured
    bool measuring = false;
    std::function<void(const Limitation&)> onLimitation;
  };

  void track(const ContainerSpec& spec);
  void schedule();
  void measureAll();
  void measured(const std::string& id, const std::string& sandbox, Result<uint64_t> used);

  boost::asio::io_context& io_;
  std::chrono::milliseconds interval_;
  bool enforce_;
  std::map<std::string, Container> containers_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<boost::asio::thread_pool> walker_;
  // Results posted back after destruction must find nothing to touch.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The space a directory tree takes on disk, as `du -s -x` counts it: allocated blocks,
// hard links once, symlinks not followed, other filesystems not entered.
Result<uint64_t> diskUsage(const std::string& path);

}  // namespace mesolite::isolation
