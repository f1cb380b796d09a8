#include "isolators/linux_capabilities_isolator.h"

#include <linux/capability.h>

#include "common/protobuf_json.h"

namespace mesolite::isolation {

namespace {

using Capability = mesos::v1::CapabilityInfo::Capability;

// Mesos numbers capabilities from 1000: CHOWN = 1000 is CAP_CHOWN = 0.
constexpr int kMesosOffset = 1000;

int bitOf(Capability capability) {
  return int(capability) - kMesosOffset;
}

}  // namespace

uint64_t defaultTaskCapabilities() {
  // Docker's default set, without NET_RAW (raw sockets let a task forge packets).
  uint64_t set = 0;
  for (int capability : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
                         CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_MKNOD,
                         CAP_AUDIT_WRITE, CAP_SETFCAP}) {
    set |= uint64_t(1) << capability;
  }
  return set;
}

Result<uint64_t> capabilitiesFromInfo(const mesos::v1::CapabilityInfo& info) {
  uint64_t set = 0;
  for (int value : info.capabilities()) {
    const auto capability = Capability(value);
    if (!mesos::v1::CapabilityInfo::Capability_IsValid(value) || bitOf(capability) < 0 ||
        bitOf(capability) > 63) {
      return Error("unknown capability " + std::to_string(value));
    }
    set |= uint64_t(1) << bitOf(capability);
  }
  return set;
}

Result<uint64_t> capabilitiesFromJson(const std::string& json, const std::string& flag) {
  mesos::v1::CapabilityInfo info;
  if (auto parsed = parseJson(json, &info); !parsed) return parsed.error().wrap(flag);
  auto set = capabilitiesFromInfo(info);
  if (!set) return set.error().wrap(flag);
  return set;
}

std::vector<std::string> capabilityNames(uint64_t capabilities) {
  std::vector<std::string> names;
  for (int bit = 0; bit < 64; ++bit) {
    if (!((capabilities >> bit) & 1)) continue;
    const auto& name = mesos::v1::CapabilityInfo::Capability_Name(Capability(bit + kMesosOffset));
    names.push_back(name.empty() ? std::to_string(bit) : name);
  }
  return names;
}

std::string describeCapabilities(uint64_t capabilities) {
  std::string names;
  for (const std::string& name : capabilityNames(capabilities))
    names += (names.empty() ? "" : ",") + name;
  return names.empty() ? "none" : names;
}

Result<std::unique_ptr<Isolator>> LinuxCapabilitiesIsolator::create(
    const IsolatorOptions& options) {
  std::optional<uint64_t> effective;
  if (options.effectiveCapabilities) {
    auto parsed = capabilitiesFromJson(*options.effectiveCapabilities, "--effective_capabilities");
    if (!parsed) return parsed.error();
    effective = *parsed;
  }
  uint64_t bounding = effective.value_or(defaultTaskCapabilities());
  if (options.boundingCapabilities) {
    auto parsed = capabilitiesFromJson(*options.boundingCapabilities, "--bounding_capabilities");
    if (!parsed) return parsed.error();
    bounding = *parsed;
  }
  if (effective && (*effective & ~bounding)) {
    return Error("--effective_capabilities holds " + describeCapabilities(*effective & ~bounding) +
                 ", outside --bounding_capabilities");
  }
  return std::unique_ptr<Isolator>(new LinuxCapabilitiesIsolator(bounding, effective));
}

Result<void> LinuxCapabilitiesIsolator::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  const auto& linux = spec.info.linux_info();
  std::optional<uint64_t> askedEffective, askedBounding;
  if (linux.has_effective_capabilities() || linux.has_capability_info()) {
    auto set =
        capabilitiesFromInfo(linux.has_effective_capabilities() ? linux.effective_capabilities()
                                                                : linux.capability_info());
    if (!set) return set.error().wrap("container " + spec.id + ": effective_capabilities");
    askedEffective = *set;
  }
  if (linux.has_bounding_capabilities()) {
    auto set = capabilitiesFromInfo(linux.bounding_capabilities());
    if (!set) return set.error().wrap("container " + spec.id + ": bounding_capabilities");
    askedBounding = *set;
  }
  for (const auto& [asked, field] : {std::pair{askedEffective, "effective_capabilities"},
                                     std::pair{askedBounding, "bounding_capabilities"}}) {
    if (asked && (*asked & ~bounding_)) {
      return Error("container " + spec.id + " asks for " + field + " " +
                   describeCapabilities(*asked & ~bounding_) +
                   ", outside the agent's bounding set (--bounding_capabilities)");
    }
  }
  if (askedEffective && askedBounding && (*askedEffective & ~*askedBounding)) {
    return Error("container " + spec.id + ": effective_capabilities " +
                 describeCapabilities(*askedEffective & ~*askedBounding) +
                 " outside its own bounding_capabilities");
  }

  const bool root = !spec.uid || *spec.uid == 0;
  launcher::Capabilities planned;
  planned.bounding = askedBounding.value_or(askedEffective.value_or(bounding_));
  planned.effective =
      askedEffective.value_or(root ? effective_.value_or(bounding_) & planned.bounding
                                   : effective_.value_or(0) & planned.bounding);
  plan->capabilities = planned;
  return success();
}

}  // namespace mesolite::isolation
