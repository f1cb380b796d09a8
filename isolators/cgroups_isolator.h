// The cgroups isolator: one instance serves every cgroups/<subsystem> the agent was
// given (as Mesos's cgroups isolator does), on v1, v2 and hybrid hosts alike.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "isolators/cgroups/cgroups.h"
#include "isolators/cgroups/resource_limits.h"

namespace boost::asio {
class thread_pool;
}

#include "isolators/isolator.h"
#include "isolators/options.h"

namespace mesolite::isolation {

class CgroupsIsolator : public Isolator {
 public:
  // `subsystems` are Mesos's isolator suffixes: cpu, mem, pids, cpuset, blkio or io (the
  // same thing: v1 blkio, v2 io), hugetlb, devices, net_cls, perf_event. Check them with
  // checkSubsystem() first (create() does): the constructor trusts them.
  CgroupsIsolator(boost::asio::io_context& io, cgroups::Hierarchy hierarchy,
                  IsolatorOptions options, std::set<std::string> subsystems);
  ~CgroupsIsolator() override;
  CgroupsIsolator(const CgroupsIsolator&) = delete;
  CgroupsIsolator& operator=(const CgroupsIsolator&) = delete;

  // Checks every subsystem, then constructs.
  static Result<std::unique_ptr<CgroupsIsolator>> create(boost::asio::io_context& io,
                                                         cgroups::Hierarchy hierarchy,
                                                         IsolatorOptions options,
                                                         std::set<std::string> subsystems);

  // Whether cgroups/<subsystem> works on this host; the error says what is missing, e.g.
  // "cgroups/net_cls: the net_cls controller is not available on this host (hybrid
  // layout; available: blkio, cpu, ...)".
  static Result<void> checkSubsystem(const cgroups::Hierarchy& hierarchy,
                                     const std::string& subsystem);
  // What cgroups/all means here: every subsystem this host supports.
  static std::set<std::string> allSubsystems(const cgroups::Hierarchy& hierarchy);

  std::string_view name() const override { return "cgroups"; }
  const std::set<std::string>& subsystems() const { return subsystems_; }

  Result<void> recover(const std::vector<ContainerSpec>& containers) override;
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;
  Result<void> isolate(const std::string& containerId, pid_t pid) override;
  void watch(const std::string& containerId,
             std::function<void(const Limitation&)> onLimitation) override;
  Result<void> update(const std::string& containerId, const Resources& resources) override;
  Result<void> usage(const std::string& containerId,
                     mesos::v1::ResourceStatistics* statistics) override;
  Result<void> metrics(const std::string& containerId,
                       std::map<std::string, double>* metrics) override;
  Result<bool> kill(const std::string& containerId) override;
  Result<void> cleanup(const std::string& containerId) override;
  void cleanupAsync(const std::string& containerId,
                    std::function<void(Result<void>)> done) override;

 private:
  class OomWatch;  // OOM notifications for one container, on the io_context
  struct Container {
    cgroups::ContainerCgroup cgroup;
    Resources resources;
    cgroups::ResourceLimits limits;  // TaskInfo.limits: they outlast resource updates
    std::shared_ptr<OomWatch> oomWatch;
  };

  bool uses(const std::string& subsystem) const { return subsystems_.contains(subsystem); }
  std::set<std::string> controllers() const;
  Result<Container*> find(const std::string& containerId);
  Result<void> applyLimits(const cgroups::ContainerCgroup& cgroup, const Resources& resources,
                           const cgroups::ResourceLimits& limits, bool initial);
  Result<void> applyDeviceRules(const cgroups::ContainerCgroup& cgroup);
  void removeOrphans(const std::set<std::string>& known);

  boost::asio::io_context& io_;
  cgroups::Hierarchy hierarchy_;
  IsolatorOptions options_;
  std::set<std::string> subsystems_;  // "blkio" stands for blkio and io
  std::map<std::string, Container> containers_;
  // Where cgroups are emptied and removed, off the event loop: a container whose
  // processes are stuck (uninterruptible sleep) delays only its own teardown.
  std::unique_ptr<boost::asio::thread_pool> teardown_;
};

}  // namespace mesolite::isolation
