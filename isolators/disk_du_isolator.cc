#include "isolators/disk_du_isolator.h"

#include <ftw.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <set>
#include <utility>

#include "common/logging.h"

namespace mesolite::isolation {
namespace {

constexpr uint64_t kMegabyte = 1024 * 1024;

// nftw has no user pointer: one walk per thread at a time, its state here.
struct Walk {
  uint64_t bytes = 0;
  std::set<std::pair<dev_t, ino_t>> linked;  // hard-linked files already counted
};
thread_local Walk* currentWalk = nullptr;

int countEntry(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_NS) return 0;  // vanished meanwhile
  if (!S_ISDIR(st->st_mode) && st->st_nlink > 1 &&
      !currentWalk->linked.emplace(st->st_dev, st->st_ino).second)
    return 0;
  currentWalk->bytes += uint64_t(st->st_blocks) * 512;
  return 0;
}

std::string megabytes(uint64_t bytes) {
  return std::to_string((bytes + kMegabyte - 1) / kMegabyte) + "MB";
}

}  // namespace

Result<uint64_t> diskUsage(const std::string& path) {
  Walk walk;
  currentWalk = &walk;
  // FTW_PHYS: symlinks are not followed (a task may point one anywhere); FTW_MOUNT:
  // filesystems mounted inside are not counted.
  const int r = ::nftw(path.c_str(), countEntry, 32, FTW_PHYS | FTW_MOUNT);
  currentWalk = nullptr;
  if (r != 0) return Error::fromErrno("measuring the disk usage of " + path);
  return walk.bytes;
}

DiskDuIsolator::DiskDuIsolator(boost::asio::io_context& io, const IsolatorOptions& options)
    : io_(io),
      interval_(options.containerDiskWatchInterval),
      enforce_(options.enforceContainerDiskQuota),
      timer_(io),
      walker_(std::make_unique<boost::asio::thread_pool>(1)) {}

DiskDuIsolator::~DiskDuIsolator() {
  *alive_ = false;
  timer_.cancel();
  walker_->join();
}

void DiskDuIsolator::track(const ContainerSpec& spec) {
  Container container;
  container.sandbox = spec.sandbox;
  container.disk = spec.resources.filter([](const auto& r) { return r.name() == "disk"; });
  if (auto megabytes = spec.resources.scalar("disk"))
    container.limit = uint64_t(*megabytes * double(kMegabyte));
  const bool first = containers_.empty();
  containers_[spec.id] = std::move(container);
  if (first) schedule();
}

Result<void> DiskDuIsolator::recover(const std::vector<ContainerSpec>& containers) {
  for (const ContainerSpec& spec : containers)
    track(spec);
  return success();
}

Result<void> DiskDuIsolator::prepare(const ContainerSpec& spec, LaunchPlan*) {
  track(spec);
  return success();
}

void DiskDuIsolator::watch(const std::string& containerId,
                           std::function<void(const Limitation&)> onLimitation) {
  if (auto it = containers_.find(containerId); it != containers_.end())
    it->second.onLimitation = std::move(onLimitation);
}

Result<void> DiskDuIsolator::update(const std::string& containerId, const Resources& resources) {
  auto it = containers_.find(containerId);
  if (it == containers_.end()) return success();
  it->second.disk = resources.filter([](const auto& r) { return r.name() == "disk"; });
  it->second.limit.reset();
  if (auto megabytes = resources.scalar("disk"))
    it->second.limit = uint64_t(*megabytes * double(kMegabyte));
  return success();
}

Result<void> DiskDuIsolator::usage(const std::string& containerId,
                                   mesos::v1::ResourceStatistics* statistics) {
  auto it = containers_.find(containerId);
  if (it == containers_.end()) return success();
  if (it->second.limit) statistics->set_disk_limit_bytes(*it->second.limit);
  if (it->second.used) statistics->set_disk_used_bytes(*it->second.used);
  return success();
}

Result<void> DiskDuIsolator::cleanup(const std::string& containerId) {
  containers_.erase(containerId);
  if (containers_.empty()) timer_.cancel();
  return success();
}

void DiskDuIsolator::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& error) {
    if (error || !*alive) return;
    measureAll();
    if (!containers_.empty()) schedule();
  });
}

void DiskDuIsolator::measureAll() {
  for (auto& [id, container] : containers_) {
    if (container.measuring) continue;  // a slow walk is not started twice
    container.measuring = true;
    boost::asio::post(*walker_, [this, alive = alive_, id = id, sandbox = container.sandbox] {
      Result<uint64_t> used = diskUsage(sandbox);
      boost::asio::post(io_, [this, alive, id, sandbox, used = std::move(used)]() mutable {
        if (*alive) measured(id, sandbox, std::move(used));
      });
    });
  }
}

void DiskDuIsolator::measured(const std::string& id, const std::string& sandbox,
                              Result<uint64_t> used) {
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second.sandbox != sandbox) return;  // gone meanwhile
  Container& container = it->second;
  container.measuring = false;
  if (!used) {
    log::warn("disk/du: container {}: {}", id, used.error().message);
    return;
  }
  container.used = *used;
  if (!enforce_ || !container.limit || *used <= *container.limit || !container.onLimitation) return;
  Limitation limitation;
  limitation.reason = mesos::v1::TaskStatus::REASON_CONTAINER_LIMITATION_DISK;
  limitation.message =
      "Disk usage (" + megabytes(*used) + ") exceeds quota (" + megabytes(*container.limit) + ")";
  limitation.resources = container.disk;
  log::warn("disk/du: container {}: {}", id, limitation.message);
  auto callback = std::move(container.onLimitation);
  container.onLimitation = nullptr;
  callback(limitation);
}

}  // namespace mesolite::isolation
