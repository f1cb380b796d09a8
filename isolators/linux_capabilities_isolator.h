// linux/capabilities: the capabilities a task holds, bounded by the operator.
//   --bounding_capabilities  the most any task may hold (default: Docker's default set
//                            without NET_RAW)
//   --effective_capabilities what a task holds unless it asks (default: that same set
//                            for tasks running as root, none for other users)
// A task asks with LinuxInfo.effective_capabilities / bounding_capabilities (Mesos's
// fields); asking for a capability outside the operator's bounding set is refused.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "isolators/isolator.h"
#include "isolators/options.h"

namespace mesolite::isolation {

// CAP_* bit masks (bit n = capability n) from and to Mesos's CapabilityInfo.
Result<uint64_t> capabilitiesFromInfo(const mesos::v1::CapabilityInfo& info);
Result<uint64_t> capabilitiesFromJson(const std::string& json, const std::string& flag);
std::string describeCapabilities(uint64_t capabilities);  // "CHOWN,KILL,..."
// Mesos's names of the bits set ("CHOWN", "KILL"); a bit Mesos has no name for by number.
std::vector<std::string> capabilityNames(uint64_t capabilities);
uint64_t defaultTaskCapabilities();

class LinuxCapabilitiesIsolator : public Isolator {
 public:
  static Result<std::unique_ptr<Isolator>> create(const IsolatorOptions& options);

  std::string_view name() const override { return "linux/capabilities"; }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;

 private:
  LinuxCapabilitiesIsolator(uint64_t bounding, std::optional<uint64_t> effective)
      : bounding_(bounding), effective_(effective) {}

  uint64_t bounding_;
  std::optional<uint64_t> effective_;  // none: the defaults by user
};

// linux/nnp: no_new_privs, so that nothing the task execs gains privileges (set-uid
// programs, file capabilities), and seccomp filters install without CAP_SYS_ADMIN.
class LinuxNnpIsolator : public Isolator {
 public:
  std::string_view name() const override { return "linux/nnp"; }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override {
    plan->noNewPrivileges = true;
    return success();
  }
};

}  // namespace mesolite::isolation
