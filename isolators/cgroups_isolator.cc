#include "isolators/cgroups_isolator.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cmath>
#include <sstream>

#include "common/fs.h"
#include "common/logging.h"
#include "common/units.h"
#include "isolators/cgroups/cgroupfs.h"
#include "isolators/cgroups/device_filter.h"
#include "isolators/cgroups/resource_limits.h"

namespace mesolite::isolation {
namespace fs = cgroups::fs;

namespace {

// Mesos's names, in the order cgroups/all lists them. "blkio" also stands for "io".
constexpr std::array<std::string_view, 9> kSubsystems = {
    "cpu", "mem", "pids", "cpuset", "blkio", "hugetlb", "devices", "net_cls", "perf_event"};

std::string canonicalSubsystem(const std::string& subsystem) {
  return subsystem == "io" ? "blkio" : subsystem;
}

bool knownSubsystem(const std::string& subsystem) {
  return std::find(kSubsystems.begin(), kSubsystems.end(), canonicalSubsystem(subsystem)) !=
         kSubsystems.end();
}

// The kernel controllers behind a Mesos subsystem on this host.
std::set<std::string> controllersOf(const cgroups::Hierarchy& hierarchy,
                                    const std::string& subsystem) {
  const std::string name = canonicalSubsystem(subsystem);
  if (name == "cpu") {
    // v1 keeps usage (cpuacct.stat) apart from the limits; v2's cpu.stat has both.
    if (!hierarchy.onV2("cpu") && hierarchy.v1Mounts.contains("cpuacct")) return {"cpu", "cpuacct"};
    return {"cpu"};
  }
  if (name == "mem") return {"memory"};
  if (name == "blkio") return {hierarchy.v1Mounts.contains("blkio") ? "blkio" : "io"};
  return {name};
}

std::string joinNames(const std::set<std::string>& names) {
  std::string joined;
  for (const std::string& name : names)
    joined += (joined.empty() ? "" : ", ") + name;
  return joined.empty() ? "none" : joined;
}

double secondsSinceEpoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Resources memoryResources(const Resources& resources) {
  return resources.filter([](const mesos::v1::Resource& r) { return r.name() == "mem"; });
}

// "/mesos/<id>" style suffixes, to read /proc/<pid>/cgroup.
std::string cgroupSuffix(const std::string& root, const std::string& id) {
  std::string suffix;
  std::istringstream parts(root);
  for (std::string part; std::getline(parts, part, '/');)
    if (!part.empty()) suffix += "/" + part;
  return suffix + "/" + id;
}

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "8:0 Read 4096" lines (v1 blkio.throttle.*) into per-device values.
void addBlkioValues(const std::string& content, bool bytes,
                    std::map<std::pair<uint64_t, uint64_t>,
                             mesos::v1::CgroupInfo::Blkio::Throttling::Statistics>* devices) {
  using Blkio = mesos::v1::CgroupInfo::Blkio;
  std::istringstream lines(content);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string device, op;
    uint64_t value = 0;
    if (!(fields >> device >> op >> value)) continue;  // "Total N" summary lines
    uint64_t major = 0, minor = 0;
    if (std::sscanf(device.c_str(), "%lu:%lu", &major, &minor) != 2) continue;
    Blkio::Operation operation = Blkio::UNKNOWN;
    if (op == "Read") operation = Blkio::READ;
    if (op == "Write") operation = Blkio::WRITE;
    if (op == "Sync") operation = Blkio::SYNC;
    if (op == "Async") operation = Blkio::ASYNC;
    if (op == "Discard") operation = Blkio::DISCARD;
    if (op == "Total") operation = Blkio::TOTAL;
    auto& stats = (*devices)[{major, minor}];
    stats.mutable_device()->set_major_number(major);
    stats.mutable_device()->set_minor_number(minor);
    auto* entry = bytes ? stats.add_io_service_bytes() : stats.add_io_serviced();
    entry->set_op(operation);
    entry->set_value(value);
  }
}

// "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6" lines (v2 io.stat).
void addIoStat(const std::string& content, mesos::v1::CgroupInfo::Blkio::Statistics* statistics) {
  using Blkio = mesos::v1::CgroupInfo::Blkio;
  std::istringstream lines(content);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string device;
    uint64_t major = 0, minor = 0;
    if (!(fields >> device) || std::sscanf(device.c_str(), "%lu:%lu", &major, &minor) != 2)
      continue;
    std::map<std::string, uint64_t> values;
    for (std::string field; fields >> field;) {
      const size_t equals = field.find('=');
      if (equals == std::string::npos) continue;
      if (auto value = fs::parseUint(std::string_view(field).substr(equals + 1)); value)
        values[field.substr(0, equals)] = *value;
    }
    auto* stats = statistics->add_throttling();
    stats->mutable_device()->set_major_number(major);
    stats->mutable_device()->set_minor_number(minor);
    const auto add = [&](auto* entry, Blkio::Operation op, uint64_t value) {
      entry->set_op(op);
      entry->set_value(value);
    };
    add(stats->add_io_service_bytes(), Blkio::READ, values["rbytes"]);
    add(stats->add_io_service_bytes(), Blkio::WRITE, values["wbytes"]);
    add(stats->add_io_service_bytes(), Blkio::DISCARD, values["dbytes"]);
    add(stats->add_io_service_bytes(), Blkio::TOTAL,
        values["rbytes"] + values["wbytes"] + values["dbytes"]);
    add(stats->add_io_serviced(), Blkio::READ, values["rios"]);
    add(stats->add_io_serviced(), Blkio::WRITE, values["wios"]);
    add(stats->add_io_serviced(), Blkio::DISCARD, values["dios"]);
    add(stats->add_io_serviced(), Blkio::TOTAL, values["rios"] + values["wios"] + values["dios"]);
  }
}

}  // namespace

// Watches one container for OOM kills without a thread: v2 inotify on memory.events,
// v1 an eventfd registered with memory.oom_control through cgroup.event_control; either
// descriptor waits on the agent's io_context.
class CgroupsIsolator::OomWatch : public std::enable_shared_from_this<OomWatch> {
 public:
  OomWatch(boost::asio::io_context& io, cgroups::ContainerCgroup cgroup, bool onV2,
           Resources memory, std::function<void(const Limitation&)> onLimitation)
      : descriptor_(io),
        cgroup_(std::move(cgroup)),
        onV2_(onV2),
        memory_(std::move(memory)),
        onLimitation_(std::move(onLimitation)) {}

  Result<void> start() {
    if (onV2_) {
      fs::UniqueFd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
      if (!inotify.valid()) return Error::fromErrno("inotify_init1");
      const std::string events = cgroup_.file("memory", "memory.events");
      if (::inotify_add_watch(inotify.get(), events.c_str(), IN_MODIFY) < 0)
        return Error::fromErrno("inotify_add_watch " + events);
      descriptor_.assign(inotify.release());
    } else {
      fs::UniqueFd event(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
      if (!event.valid()) return Error::fromErrno("eventfd");
      const std::string oomControl = cgroup_.file("memory", "memory.oom_control");
      fs::UniqueFd control(::open(oomControl.c_str(), O_RDONLY | O_CLOEXEC));
      if (!control.valid()) return Error::fromErrno("open " + oomControl);
      // The kernel keeps the registration until the eventfd closes.
      auto registered =
          cgroup_.write("memory", "cgroup.event_control",
                        std::to_string(event.get()) + " " + std::to_string(control.get()));
      if (!registered) return registered.error();
      descriptor_.assign(event.release());
    }
    arm();
    // An OOM kill between the launch and this watch must not go unnoticed.
    boost::asio::post(descriptor_.get_executor(), [self = shared_from_this()] {
      if (!self->stopped_) self->check(/*notified=*/false);
    });
    return success();
  }

  void stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    descriptor_.cancel(ignored);
    descriptor_.close(ignored);
  }

  void setMemory(Resources memory) { memory_ = std::move(memory); }
  void setMemoryLimit(std::optional<cgroups::Limit> limit) { memoryLimit_ = limit; }

 private:
  void arm() {
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [self = shared_from_this()](const boost::system::error_code& error) {
                             if (error || self->stopped_) return;
                             self->drain();
                             self->check(/*notified=*/true);
                             if (!self->stopped_) self->arm();
                           });
  }

  void drain() {
    char buffer[4096];
    while (::read(descriptor_.native_handle(), buffer, sizeof buffer) > 0) {
    }
  }

  // v2: memory.events also changes for "high" and "max" events; only oom_kill counts.
  // v1: the eventfd fires when the cgroup enters OOM, just before the kernel picks a
  // victim, so the counter may not have moved yet: like Mesos, take the event as the
  // kill. A failed read means the cgroup is gone (v1 signals its removal too).
  void check(bool notified) {
    auto kills = cgroup_.oomKills();
    if (!kills) {
      log::warn("cgroups: container {}: {}", cgroup_.id(), kills.error().message);
      return;
    }
    if (*kills > 0 || (notified && !onV2_)) fire();
  }

  void fire() {
    Limitation limitation;
    limitation.reason = mesos::v1::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY;
    limitation.resources = memory_;
    limitation.message = describe();
    log::info("cgroups: container {}: {}", cgroup_.id(), limitation.message);
    stop();
    auto callback = std::move(onLimitation_);
    if (callback) callback(limitation);
  }

  // Mesos's wording: "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB" and
  // then the memory statistics that explain it.
  std::string describe() const {
    std::string message = "Memory limit exceeded: Requested: ";
    const std::optional<uint64_t> limit =
        cgroups::hardMemoryLimit(memory_.mem().value_or(0), memoryLimit_);
    message += limit ? Bytes{*limit}.toString() : std::string("unknown");
    // v1 keeps the high-water mark; v2 has memory.peak since Linux 5.19.
    std::optional<uint64_t> maxUsed;
    for (const char* name : {"memory.max_usage_in_bytes", "memory.peak", "memory.current"}) {
      if (auto value = cgroup_.read("memory", name); value) {
        if (auto parsed = fs::parseUint(*value); parsed) {
          maxUsed = *parsed;
          break;
        }
      }
    }
    if (maxUsed) message += " Maximum Used: " + Bytes{*maxUsed}.toString();
    if (auto stat = cgroup_.readFlatKeyed("memory", "memory.stat"); stat) {
      message += "\n\nMEMORY STATISTICS: \n";
      for (const char* key : {"total_rss", "total_cache", "total_swap", "total_mapped_file", "anon",
                              "file", "file_mapped", "shmem", "kernel"})
        if (auto it = stat->find(key); it != stat->end())
          message += std::string(key) + " " + std::to_string(it->second) + "\n";
    }
    return message;
  }

  boost::asio::posix::stream_descriptor descriptor_;
  cgroups::ContainerCgroup cgroup_;
  bool onV2_;
  Resources memory_;
  std::optional<cgroups::Limit> memoryLimit_;  // TaskInfo.limits["mem"]
  std::function<void(const Limitation&)> onLimitation_;
  bool stopped_ = false;
};

CgroupsIsolator::CgroupsIsolator(boost::asio::io_context& io, cgroups::Hierarchy hierarchy,
                                 IsolatorOptions options, std::set<std::string> subsystems)
    : io_(io),
      hierarchy_(std::move(hierarchy)),
      options_(std::move(options)),
      teardown_(std::make_unique<boost::asio::thread_pool>(4)) {
  for (const std::string& subsystem : subsystems)
    subsystems_.insert(canonicalSubsystem(subsystem));
}

CgroupsIsolator::~CgroupsIsolator() {
  teardown_->join();  // teardowns under way finish: no cgroup is left half removed
  for (auto& [id, container] : containers_)
    if (container.oomWatch) container.oomWatch->stop();
}

Result<std::unique_ptr<CgroupsIsolator>> CgroupsIsolator::create(boost::asio::io_context& io,
                                                                 cgroups::Hierarchy hierarchy,
                                                                 IsolatorOptions options,
                                                                 std::set<std::string> subsystems) {
  for (const std::string& subsystem : subsystems)
    if (auto available = checkSubsystem(hierarchy, subsystem); !available) return available.error();
  return std::make_unique<CgroupsIsolator>(io, std::move(hierarchy), std::move(options),
                                           std::move(subsystems));
}

Result<void> CgroupsIsolator::checkSubsystem(const cgroups::Hierarchy& hierarchy,
                                             const std::string& subsystem) {
  if (!knownSubsystem(subsystem)) {
    std::string known;
    for (std::string_view name : kSubsystems)
      known += (known.empty() ? "cgroups/" : ", cgroups/") + std::string(name);
    return Error("unknown isolator 'cgroups/" + subsystem + "' (known: " + known +
                 ", cgroups/io, cgroups/all)");
  }
  if (canonicalSubsystem(subsystem) == "net_cls" && !hierarchy.v1Mounts.contains("net_cls"))
    return Error(std::string("cgroups/net_cls: the net_cls controller is not mounted (cgroup ") +
                 "v2 has no net_cls; this host's layout is " +
                 std::string(cgroups::layoutName(hierarchy.layout)) + ")");
  const std::set<std::string> available = hierarchy.controllers();
  for (const std::string& controller : controllersOf(hierarchy, subsystem))
    if (!available.contains(controller))
      return Error("cgroups/" + subsystem + ": the " + controller +
                   " controller is not available on this host (" +
                   std::string(cgroups::layoutName(hierarchy.layout)) +
                   " layout; available: " + joinNames(available) + ")");
  return success();
}

std::set<std::string> CgroupsIsolator::allSubsystems(const cgroups::Hierarchy& hierarchy) {
  std::set<std::string> all;
  for (std::string_view name : kSubsystems) {
    std::string subsystem(name);
    if (subsystem == "blkio" && !hierarchy.v1Mounts.contains("blkio")) subsystem = "io";
    if (checkSubsystem(hierarchy, subsystem)) all.insert(subsystem);
  }
  return all;
}

std::set<std::string> CgroupsIsolator::controllers() const {
  std::set<std::string> all;
  for (const std::string& subsystem : subsystems_)
    all.merge(controllersOf(hierarchy_, subsystem));
  return all;
}

Result<CgroupsIsolator::Container*> CgroupsIsolator::find(const std::string& containerId) {
  auto it = containers_.find(containerId);
  if (it == containers_.end())
    return Error("cgroups isolator: unknown container '" + containerId + "'");
  return &it->second;
}

Result<void> CgroupsIsolator::applyLimits(const cgroups::ContainerCgroup& cgroup,
                                          const Resources& resources,
                                          const cgroups::ResourceLimits& limits, bool initial) {
  if (uses("cpu")) {
    // No cpus (or cpus:0, which Resources drops) is the smallest request: the floor of
    // the shares, never the kernel's default 1024 a cgroup left alone would keep.
    auto applied = cgroups::applyCpu(cgroup, hierarchy_.onV2("cpu"),
                                     {.cpus = resources.cpus().value_or(0),
                                      .limit = limits.cpus,
                                      .enableCfs = options_.cgroupsEnableCfs});
    if (!applied) return applied;
  }
  if (uses("mem")) {
    // Likewise no mem gets Mesos's smallest limit (32 MiB), never an unlimited cgroup.
    auto applied = cgroups::applyMemory(cgroup, hierarchy_.onV2("memory"),
                                        {.mem = resources.mem().value_or(0),
                                         .limit = limits.mem,
                                         .limitSwap = options_.cgroupsLimitSwap,
                                         .initial = initial});
    if (!applied) return applied;
  }

  if (uses("pids")) {
    std::string max = "max";
    if (const std::optional<double> pids = resources.scalar("pids"))
      max = std::to_string(uint64_t(std::max(1.0, std::floor(*pids))));
    else if (options_.defaultPidsMax)
      max = std::to_string(*options_.defaultPidsMax);
    if (auto r = cgroup.write("pids", "pids.max", max); !r) return r;
  }
  return success();
}

Result<void> CgroupsIsolator::applyDeviceRules(const cgroups::ContainerCgroup& cgroup) {
  const std::vector<cgroups::DeviceRule> allowed = cgroups::defaultContainerDevices();
  if (hierarchy_.onV2("devices")) {
    if (!cgroup.v2Path()) return Error("container " + cgroup.id() + " has no cgroup2 directory");
    return cgroups::attachDeviceFilter(*cgroup.v2Path(), allowed);
  }
  if (auto r = cgroup.write("devices", "devices.deny", "a"); !r) return r;
  for (const cgroups::DeviceRule& rule : allowed)
    if (auto r = cgroup.write("devices", "devices.allow", rule.toString()); !r) return r;
  return success();
}

Result<void> CgroupsIsolator::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  if (containers_.contains(spec.id))
    return Error("cgroups isolator: container '" + spec.id + "' is already prepared");
  auto cgroup =
      cgroups::ContainerCgroup::create(hierarchy_, options_.cgroupsRoot, spec.id, controllers());
  if (!cgroup) return cgroup.error();

  const auto undo = [&](const Error& error) -> Result<void> {
    if (auto destroyed = cgroup->destroy(); !destroyed)
      log::warn("cgroups: container {}: could not remove its cgroups after a failed prepare: {}",
                spec.id, destroyed.error().message);
    return error;
  };
  const cgroups::ResourceLimits limits = cgroups::ResourceLimits::from(spec.limits);
  if (auto limited = applyLimits(*cgroup, spec.resources, limits, /*initial=*/true); !limited)
    return undo(limited.error());
  if (uses("devices"))
    if (auto devices = applyDeviceRules(*cgroup); !devices) return undo(devices.error());

  plan->cgroupV2Path = cgroup->v2Path();
  plan->cgroupV1ProcsFiles = cgroup->v1ProcsFiles();
  if (uses("mem"))
    plan->oomCounterFile =
        cgroup->file("memory", hierarchy_.onV2("memory") ? "memory.events" : "memory.oom_control");
  containers_.emplace(spec.id, Container{std::move(*cgroup), spec.resources, limits, nullptr});
  return success();
}

Result<void> CgroupsIsolator::isolate(const std::string& containerId, pid_t pid) {
  auto container = find(containerId);
  if (!container) return container.error();
  const cgroups::ContainerCgroup& cgroup = (*container)->cgroup;
  // The launcher normally placed the task already (clone3 CLONE_INTO_CGROUP, procs
  // files): check /proc rather than pay for a second migration of every task.
  auto membership = fs::readFile("/proc/" + std::to_string(pid) + "/cgroup");
  if (!membership) return membership.error();
  const std::string suffix = cgroupSuffix(options_.cgroupsRoot, containerId);
  bool inV2 = false;
  std::set<std::string> inV1;
  std::istringstream lines(*membership);
  for (std::string line; std::getline(lines, line);) {
    // "hierarchy-id:controller,controller:path"; cgroup2 is "0::path".
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    if (!endsWith(line, suffix)) continue;
    const std::string controllerList = line.substr(first + 1, second - first - 1);
    if (line.compare(0, first, "0") == 0 && controllerList.empty()) inV2 = true;
    std::istringstream names(controllerList);
    for (std::string name; std::getline(names, name, ',');)
      inV1.insert(name);
  }
  bool placed = !cgroup.v2Path() || inV2;
  for (const std::string& controller : cgroup.controllers())
    if (!hierarchy_.onV2(controller) && !inV1.contains(controller)) placed = false;
  if (placed) return success();
  return cgroup.attach(pid);
}

void CgroupsIsolator::watch(const std::string& containerId,
                            std::function<void(const Limitation&)> onLimitation) {
  if (!uses("mem")) return;
  auto container = find(containerId);
  if (!container) {
    log::warn("cgroups: cannot watch container {}: {}", containerId, container.error().message);
    return;
  }
  if ((*container)->oomWatch) (*container)->oomWatch->stop();
  auto oomWatch =
      std::make_shared<OomWatch>(io_, (*container)->cgroup, hierarchy_.onV2("memory"),
                                 memoryResources((*container)->resources), std::move(onLimitation));
  oomWatch->setMemoryLimit((*container)->limits.mem);
  if (auto started = oomWatch->start(); !started) {
    log::warn("cgroups: container {}: no OOM notifications: {}", containerId,
              started.error().message);
    return;
  }
  (*container)->oomWatch = std::move(oomWatch);
}

Result<void> CgroupsIsolator::update(const std::string& containerId, const Resources& resources) {
  auto container = find(containerId);
  if (!container) return container.error();
  if (auto limited =
          applyLimits((*container)->cgroup, resources, (*container)->limits, /*initial=*/false);
      !limited)
    return limited;
  (*container)->resources = resources;
  if ((*container)->oomWatch) (*container)->oomWatch->setMemory(memoryResources(resources));
  return success();
}

Result<void> CgroupsIsolator::metrics(const std::string& containerId,
                                      std::map<std::string, double>* metrics) {
  auto container = find(containerId);
  if (!container) return container.error();
  const cgroups::ContainerCgroup& cgroup = (*container)->cgroup;
  if (uses("mem")) {
    if (auto kills = cgroup.oomKills()) (*metrics)["mem_oom_kills"] = double(*kills);
  }
  // PSI lives in every cgroup2 directory (on hybrid hosts, the tracking one), e.g.
  // "some avg10=0.00 avg60=0.00 avg300=0.00 total=1234" (total in microseconds).
  if (const auto v2 = cgroup.v2Path()) {
    for (const char* resource : {"cpu", "memory", "io"}) {
      auto text = fs::readFile(*v2 + "/" + resource + ".pressure");
      if (!text) continue;  // a kernel without PSI
      std::istringstream lines(*text);
      for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string kind;
        fields >> kind;
        for (std::string field; fields >> field;) {
          const size_t eq = field.find('=');
          if (eq == std::string::npos) continue;
          const std::string key = field.substr(0, eq);
          const double value = std::strtod(field.c_str() + eq + 1, nullptr);
          (*metrics)[std::string(resource) + "_pressure_" + kind + "_" +
                     (key == "total" ? "total_usecs" : key)] = value;
        }
      }
    }
  }
  return success();
}

Result<void> CgroupsIsolator::usage(const std::string& containerId,
                                    mesos::v1::ResourceStatistics* statistics) {
  auto container = find(containerId);
  if (!container) return container.error();
  const cgroups::ContainerCgroup& cgroup = (*container)->cgroup;
  statistics->set_timestamp(secondsSinceEpoch());
  if (const std::optional<double> cpus = (*container)->resources.cpus())
    statistics->set_cpus_limit(*cpus);

  if (uses("cpu")) {
    auto stat = cgroup.readFlatKeyed("cpu", "cpu.stat");
    if (!stat) return stat.error();
    auto get = [&](const char* key) {
      auto it = stat->find(key);
      return it == stat->end() ? uint64_t(0) : it->second;
    };
    statistics->set_cpus_nr_periods(uint32_t(get("nr_periods")));
    statistics->set_cpus_nr_throttled(uint32_t(get("nr_throttled")));
    if (hierarchy_.onV2("cpu")) {
      statistics->set_cpus_user_time_secs(double(get("user_usec")) / 1e6);
      statistics->set_cpus_system_time_secs(double(get("system_usec")) / 1e6);
      statistics->set_cpus_throttled_time_secs(double(get("throttled_usec")) / 1e6);
    } else {
      statistics->set_cpus_throttled_time_secs(double(get("throttled_time")) / 1e9);
      if (cgroup.controllers().contains("cpuacct")) {
        auto times = cgroup.readFlatKeyed("cpuacct", "cpuacct.stat");
        if (!times) return times.error();
        const double ticksPerSecond = double(::sysconf(_SC_CLK_TCK));  // USER_HZ
        statistics->set_cpus_user_time_secs(double((*times)["user"]) / ticksPerSecond);
        statistics->set_cpus_system_time_secs(double((*times)["system"]) / ticksPerSecond);
      }
    }
  }

  if (uses("mem")) {
    const bool v2 = hierarchy_.onV2("memory");
    const auto readNumber = [&](const char* name) -> std::optional<uint64_t> {
      auto text = cgroup.read("memory", name);
      if (!text) return std::nullopt;
      return cgroups::parseLimit(*text);
    };
    auto stat = cgroup.readFlatKeyed("memory", "memory.stat");
    if (!stat) return stat.error();
    auto get = [&](const char* key) {
      auto it = stat->find(key);
      return it == stat->end() ? uint64_t(0) : it->second;
    };
    if (v2) {
      if (auto limit = readNumber("memory.max")) statistics->set_mem_limit_bytes(*limit);
      if (auto usage = readNumber("memory.current")) statistics->set_mem_total_bytes(*usage);
      if (auto swap = readNumber("memory.swap.current")) statistics->set_mem_swap_bytes(*swap);
      statistics->set_mem_rss_bytes(get("anon"));
      statistics->set_mem_anon_bytes(get("anon"));
      statistics->set_mem_cache_bytes(get("file"));
      statistics->set_mem_file_bytes(get("file"));
      statistics->set_mem_mapped_file_bytes(get("file_mapped"));
      statistics->set_mem_unevictable_bytes(get("unevictable"));
    } else {
      if (auto limit = readNumber("memory.limit_in_bytes")) statistics->set_mem_limit_bytes(*limit);
      if (auto soft = readNumber("memory.soft_limit_in_bytes"))
        statistics->set_mem_soft_limit_bytes(*soft);
      if (auto usage = readNumber("memory.usage_in_bytes")) statistics->set_mem_total_bytes(*usage);
      if (options_.cgroupsLimitSwap)
        if (auto memsw = readNumber("memory.memsw.usage_in_bytes"))
          statistics->set_mem_total_memsw_bytes(*memsw);
      statistics->set_mem_rss_bytes(get("total_rss"));
      statistics->set_mem_cache_bytes(get("total_cache"));
      statistics->set_mem_swap_bytes(get("total_swap"));
      statistics->set_mem_anon_bytes(get("total_active_anon") + get("total_inactive_anon"));
      statistics->set_mem_file_bytes(get("total_active_file") + get("total_inactive_file"));
      statistics->set_mem_mapped_file_bytes(get("total_mapped_file"));
      statistics->set_mem_unevictable_bytes(get("total_unevictable"));
    }
  }

  if (uses("blkio")) {
    if (hierarchy_.onV2("io")) {
      mesos::v1::CgroupInfo::Blkio::Statistics io;
      if (auto ioStat = cgroup.read("io", "io.stat"); ioStat) addIoStat(*ioStat, &io);
      if (io.throttling_size() > 0) *statistics->mutable_blkio_statistics() = std::move(io);
    } else {
      std::map<std::pair<uint64_t, uint64_t>, mesos::v1::CgroupInfo::Blkio::Throttling::Statistics>
          devices;
      if (auto bytes = cgroup.read("blkio", "blkio.throttle.io_service_bytes"); bytes)
        addBlkioValues(*bytes, /*bytes=*/true, &devices);
      if (auto ios = cgroup.read("blkio", "blkio.throttle.io_serviced"); ios)
        addBlkioValues(*ios, /*bytes=*/false, &devices);
      for (auto& [device, stats] : devices)
        *statistics->mutable_blkio_statistics()->add_throttling() = std::move(stats);
    }
  }

  auto pids = cgroup.pids();
  if (!pids) return pids.error();
  statistics->set_processes(uint32_t(pids->size()));
  // Threads: cgroup.threads (v2) or tasks (v1) list every thread of the cgroup.
  if (!cgroup.controllers().empty()) {
    const std::string& controller = *cgroup.controllers().begin();
    const bool v2 = hierarchy_.onV2(controller);
    if (auto threads = fs::readIdList(cgroup.file(controller, v2 ? "cgroup.threads" : "tasks")))
      statistics->set_threads(uint32_t(threads->size()));
  }
  return success();
}

Result<bool> CgroupsIsolator::kill(const std::string& containerId) {
  auto container = find(containerId);
  if (!container) return container.error();
  if (auto killed = (*container)->cgroup.signalAll(); !killed) return killed.error();
  return true;
}

void CgroupsIsolator::cleanupAsync(const std::string& containerId,
                                   std::function<void(Result<void>)> done) {
  auto it = containers_.find(containerId);
  if (it == containers_.end()) return done(cleanup(containerId));
  if (it->second.oomWatch) {
    it->second.oomWatch->stop();
    it->second.oomWatch.reset();
  }
  cgroups::ContainerCgroup cgroup = it->second.cgroup;
  containers_.erase(it);
  boost::asio::post(*teardown_, [this, cgroup = std::move(cgroup), done = std::move(done)] {
    Result<void> destroyed = cgroup.destroy();
    boost::asio::post(io_, [done, destroyed = std::move(destroyed)] { done(destroyed); });
  });
}

Result<void> CgroupsIsolator::cleanup(const std::string& containerId) {
  auto it = containers_.find(containerId);
  if (it == containers_.end()) {
    // As in Mesos: the container may have failed before prepare, or recovery found
    // nothing of it; there is nothing to undo.
    log::info("cgroups: ignoring cleanup of unknown container {}", containerId);
    return success();
  }
  if (it->second.oomWatch) {
    it->second.oomWatch->stop();
    it->second.oomWatch.reset();
  }
  if (auto destroyed = it->second.cgroup.destroy(); !destroyed) return destroyed;
  containers_.erase(it);
  return success();
}

Result<void> CgroupsIsolator::recover(const std::vector<ContainerSpec>& containers) {
  std::set<std::string> known;
  for (const ContainerSpec& spec : containers) {
    known.insert(spec.id);
    if (containers_.contains(spec.id)) continue;
    auto cgroup =
        cgroups::ContainerCgroup::open(hierarchy_, options_.cgroupsRoot, spec.id, controllers());
    if (!cgroup) {
      // The agent may have died half-way through prepare, or --isolation grew since the
      // container started: adopt the cgroups that exist, so that cleanup removes them.
      std::set<std::string> present;
      for (const std::string& controller : controllers())
        if (cgroups::ContainerCgroup::open(hierarchy_, options_.cgroupsRoot, spec.id, {controller}))
          present.insert(controller);
      log::warn("cgroups: recovering container {}: {}; adopting its cgroups for: {}", spec.id,
                cgroup.error().message, joinNames(present));
      if (present.empty()) continue;
      cgroup = cgroups::ContainerCgroup::open(hierarchy_, options_.cgroupsRoot, spec.id, present);
      if (!cgroup) {
        log::warn("cgroups: recovering container {}: {}", spec.id, cgroup.error().message);
        continue;
      }
    }
    containers_.emplace(spec.id, Container{std::move(*cgroup), spec.resources,
                                           cgroups::ResourceLimits::from(spec.limits), nullptr});
  }
  removeOrphans(known);
  return success();
}

void CgroupsIsolator::removeOrphans(const std::set<std::string>& known) {
  const std::string suffix = cgroupSuffix(options_.cgroupsRoot, "");
  const std::string rootPath = suffix.substr(0, suffix.size() - 1);  // "/mesos"

  // Never the cgroups this process lives in (an agent started inside its own root).
  std::vector<std::string> ownCgroups;
  if (auto self = fs::readFile("/proc/self/cgroup"); self) {
    std::istringstream lines(*self);
    for (std::string line; std::getline(lines, line);)
      if (const size_t colon = line.find(':', line.find(':') + 1); colon != std::string::npos)
        ownCgroups.push_back(line.substr(colon + 1) + "/");
  }
  const auto isOwn = [&](const std::string& name) {
    // v1 paths start at each hierarchy's root, the cgroup2 one maybe below a delegated unit.
    const std::string relative = rootPath + "/" + name + "/";
    const std::string delegated = hierarchy_.v2Delegated + relative;
    return std::any_of(ownCgroups.begin(), ownCgroups.end(), [&](const std::string& own) {
      return own.compare(0, relative.size(), relative) == 0 ||
             own.compare(0, delegated.size(), delegated) == 0;
    });
  };

  // Every directory under the root, in every hierarchy: id -> the v1 controllers that
  // have one (the cgroup2 directory needs no controller: open() finds it by itself).
  std::map<std::string, std::set<std::string>> orphans;
  const auto scan = [&](const std::string& base, const std::optional<std::string>& controller) {
    auto names = fs::subdirectories(base);
    if (!names) return;  // no root in this hierarchy (yet)
    for (const std::string& name : *names) {
      if (known.contains(name)) continue;
      if (isOwn(name)) {
        log::warn("cgroups: leaving {}/{} alone: this agent runs in it", base, name);
        continue;
      }
      auto& controllers = orphans[name];
      if (controller) controllers.insert(*controller);
    }
  };
  for (const auto& [controller, mount] : hierarchy_.v1Mounts)
    scan(mount + rootPath, controller);
  if (hierarchy_.v2Mount) scan(*hierarchy_.v2Base() + rootPath, std::nullopt);

  for (const auto& [id, controllers] : orphans) {
    log::warn("cgroups: removing the cgroups of unknown container {} (an orphan under {})", id,
              options_.cgroupsRoot);
    auto cgroup = cgroups::ContainerCgroup::open(hierarchy_, options_.cgroupsRoot, id, controllers);
    if (!cgroup) {
      log::warn("cgroups: orphan {}: {}", id, cgroup.error().message);
      continue;
    }
    if (auto destroyed = cgroup->destroy(); !destroyed)
      log::warn("cgroups: orphan {}: {}", id, destroyed.error().message);
  }
}

}  // namespace mesolite::isolation
