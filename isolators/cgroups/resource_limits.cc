#include "isolators/cgroups/resource_limits.h"

#include <algorithm>
#include <cmath>

#include "common/logging.h"
#include "common/units.h"
#include "isolators/cgroups/cgroupfs.h"

namespace mesolite::cgroups {

namespace {

// Mesos's constants: cpu.shares per cpu and its floor, the CFS period, the smallest
// quota the kernel takes, and the smallest memory limit Mesos gives a container.
constexpr uint64_t kSharesPerCpu = 1024;
constexpr uint64_t kMinShares = 2;
constexpr uint64_t kMaxShares = 262144;  // the kernel's ceiling for v1 cpu.shares
constexpr uint64_t kCfsPeriodUs = 100000;
constexpr uint64_t kMinCfsQuotaUs = 1000;
constexpr uint64_t kMinMemoryBytes = 32ull << 20;

Result<void> writeCfsQuota(const ContainerCgroup& cgroup, bool v2, std::optional<uint64_t> quota) {
  if (v2) {
    return cgroup.write(
        "cpu", "cpu.max",
        (quota ? std::to_string(*quota) : std::string("max")) + " " + std::to_string(kCfsPeriodUs));
  }
  if (auto r = cgroup.write("cpu", "cpu.cfs_period_us", std::to_string(kCfsPeriodUs)); !r) {
    return r;
  }
  return cgroup.write("cpu", "cpu.cfs_quota_us", quota ? std::to_string(*quota) : "-1");
}

uint64_t quotaFor(double cpus) {
  return std::max<uint64_t>(kMinCfsQuotaUs, uint64_t(cpus * double(kCfsPeriodUs)));
}

}  // namespace

uint64_t memoryLimitBytes(double megabytes) {
  return std::max(kMinMemoryBytes, uint64_t(std::llround(megabytes * double(1 << 20))));
}

std::optional<uint64_t> parseLimit(const std::string& text) {
  if (fs::trim(text) == "max") return std::nullopt;
  auto value = fs::parseUint(text);
  if (!value || *value >= (uint64_t(1) << 62)) return std::nullopt;
  return *value;
}

ResourceLimits ResourceLimits::from(const std::map<std::string, double>& limits) {
  ResourceLimits out;
  const auto take = [&](const char* name) -> std::optional<Limit> {
    auto it = limits.find(name);
    if (it == limits.end()) return std::nullopt;
    if (std::isinf(it->second)) return Limit{};
    return Limit{it->second};
  };
  out.cpus = take("cpus");
  out.mem = take("mem");
  return out;
}

Result<void> applyCpu(const ContainerCgroup& cgroup, bool v2, const CpuSettings& settings) {
  const uint64_t shares =
      std::clamp<uint64_t>(uint64_t(settings.cpus * double(kSharesPerCpu)), kMinShares, kMaxShares);
  if (v2) {
    // crun's mapping of shares [2, 262144] onto cpu.weight [1, 10000].
    const uint64_t weight = 1 + ((shares - 2) * 9999) / 262142;
    if (auto r = cgroup.write("cpu", "cpu.weight", std::to_string(weight)); !r) return r;
  } else if (auto r = cgroup.write("cpu", "cpu.shares", std::to_string(shares)); !r) {
    return r;
  }
  if (settings.limit) {
    // As Mesos: a cpu limit is the quota, whatever --cgroups_enable_cfs says; an
    // infinite one lets the task use idle cpus freely.
    return writeCfsQuota(
        cgroup, v2,
        settings.limit->value ? std::optional(quotaFor(*settings.limit->value)) : std::nullopt);
  }
  if (settings.enableCfs) return writeCfsQuota(cgroup, v2, quotaFor(settings.cpus));
  return success();
}

std::optional<uint64_t> hardMemoryLimit(double mem, const std::optional<Limit>& limit) {
  if (!limit) return memoryLimitBytes(mem);
  if (!limit->value) return std::nullopt;
  return memoryLimitBytes(*limit->value);
}

Result<void> applyMemory(const ContainerCgroup& cgroup, bool v2, const MemorySettings& settings) {
  const std::optional<uint64_t> limit = hardMemoryLimit(settings.mem, settings.limit);
  auto current = cgroup.read("memory", v2 ? "memory.max" : "memory.limit_in_bytes");
  if (!current) return current.error();
  const std::optional<uint64_t> currentLimit = parseLimit(*current);
  // As Mesos does: lowering the hard limit below what the container uses would OOM-kill
  // it, so a smaller allocation keeps the hard limit (v1 lowers the soft one).
  const bool lowering = limit && (!currentLimit || *limit < *currentLimit);
  const bool setHardLimit = settings.initial || !lowering;
  if (!setHardLimit) {
    log::info(
        "cgroups: container {}: keeping its hard memory limit rather than lowering it to {}, "
        "which could OOM-kill it (as Mesos does)",
        cgroup.id(), Bytes{*limit}.toString());
  }
  const std::string hard = limit ? std::to_string(*limit) : (v2 ? "max" : "-1");
  // With a limit above it, the request is what the kernel reclaims down to first.
  const std::string soft = std::to_string(memoryLimitBytes(settings.mem));
  if (v2) {
    if (setHardLimit) {
      if (auto r = cgroup.write("memory", "memory.max", hard); !r) return r;
    }
    if (settings.limit) {
      if (auto r = cgroup.write("memory", "memory.low", soft); !r) return r;
    }
    if (settings.limitSwap) {
      if (auto r = cgroup.write("memory", "memory.swap.max", "0"); !r) {
        return r.error().wrap("--cgroups_limit_swap needs swap accounting");
      }
    }
    // An OOM ends the whole container, not one arbitrary process of it (Mesos's
    // behaviour: the task fails with REASON_CONTAINER_LIMITATION_MEMORY).
    if (settings.initial) {
      if (auto r = cgroup.write("memory", "memory.oom.group", "1"); !r) return r;
    }
    return success();
  }
  if (auto r = cgroup.write("memory", "memory.soft_limit_in_bytes", settings.limit ? soft : hard);
      !r) {
    return r;
  }
  if (!setHardLimit) return success();
  // memsw (memory + swap) may never be below the memory limit: raise it first when
  // raising, lower it last when lowering.
  const bool raising = !limit || !currentLimit || *limit > *currentLimit;
  const auto writeMemsw = [&]() -> Result<void> {
    if (!settings.limitSwap) return success();
    auto r = cgroup.write("memory", "memory.memsw.limit_in_bytes", hard);
    if (!r) return r.error().wrap("--cgroups_limit_swap needs swap accounting");
    return success();
  };
  if (raising && currentLimit) {
    if (auto r = writeMemsw(); !r) return r;
  }
  if (auto r = cgroup.write("memory", "memory.limit_in_bytes", hard); !r) return r;
  if (!raising || !currentLimit) {
    if (auto r = writeMemsw(); !r) return r;
  }
  return success();
}

}  // namespace mesolite::cgroups
