// Device access rules for containers: the v1 devices controller takes them as text
// ("c 1:3 rwm" written to devices.allow); cgroup2 has no devices controller and needs a
// BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead (as runc and crun
// do), which we assemble by hand: no libbpf, no clang at build time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace mesolite::cgroups {

struct DeviceRule {
  char type = 'a';                // 'c' char, 'b' block, 'a' both
  std::optional<uint32_t> major;  // nullopt: any ('*')
  std::optional<uint32_t> minor;
  std::string access = "rwm";  // any of r (read), w (write), m (mknod)

  // "c 136:* rwm", the devices.allow / devices.deny syntax.
  std::string toString() const;
};

// What a container may use by default: null, zero, full, random, urandom, tty,
// console, ptmx and the pts devices, all rwm.
std::vector<DeviceRule> defaultContainerDevices();

// Loads a program that allows exactly `allowed` (everything else is denied) and attaches
// it to the cgroup2 directory `cgroupDir` (BPF_F_ALLOW_MULTI: programs that ancestors
// attached still apply). The cgroup keeps the program; it goes with the cgroup.
Result<void> attachDeviceFilter(const std::string& cgroupDir,
                                const std::vector<DeviceRule>& allowed);

}  // namespace mesolite::cgroups
