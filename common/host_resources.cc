#include "common/host_resources.h"

#include <sched.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace mesolite {

namespace {

constexpr uint64_t kMegabyte = uint64_t{1} << 20;
constexpr uint64_t kGigabyte = uint64_t{1} << 30;
constexpr std::string_view kDefaultPorts = "[31000-32000]";

Result<uint64_t> onlineCpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    if (int count = CPU_COUNT(&allowed); count > 0) return static_cast<uint64_t>(count);
  }
  // More CPUs than a cpu_set_t holds (EINVAL), or no affinity support.
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (online < 1) return Error::fromErrno("sysconf(_SC_NPROCESSORS_ONLN)");
  return static_cast<uint64_t>(online);
}

Result<uint64_t> totalMemoryBytes() {
  struct sysinfo info {};
  if (sysinfo(&info) != 0) return Error::fromErrno("sysinfo");
  return static_cast<uint64_t>(info.totalram) * info.mem_unit;
}

Result<uint64_t> filesystemBytes(const std::string& workDir) {
  std::error_code ignored;
  std::filesystem::path path = std::filesystem::absolute(workDir.empty() ? "." : workDir, ignored);
  if (path.empty()) path = workDir;
  while (!std::filesystem::exists(path, ignored) && path.has_parent_path() &&
         path != path.parent_path()) {
    path = path.parent_path();
  }
  struct statvfs stats {};
  if (statvfs(path.c_str(), &stats) != 0) return Error::fromErrno("statvfs " + path.string());
  return static_cast<uint64_t>(stats.f_blocks) * stats.f_frsize;
}

bool hasResourceNamed(const Resources& resources, std::string_view name) {
  for (const mesos::v1::Resource& resource : resources) {
    if (resource.name() == name) return true;
  }
  return false;
}

}  // namespace

Result<HostFacts> probeHostFacts(const std::string& workDir) {
  HostFacts facts;
  Result<uint64_t> cpus = onlineCpus();
  if (!cpus) return cpus.error().wrap("counting CPUs");
  Result<uint64_t> memory = totalMemoryBytes();
  if (!memory) return memory.error().wrap("reading total memory");
  Result<uint64_t> disk = filesystemBytes(workDir);
  if (!disk) return disk.error().wrap("reading the size of the work dir's filesystem");
  facts.cpus = *cpus;
  facts.memoryBytes = *memory;
  facts.diskBytes = *disk;
  return facts;
}

Result<Resources> applyHostDefaults(const Resources& given, const HostFacts& facts,
                                    std::string_view defaultRole) {
  // Mesos leaves 1 GB to the system on hosts with at least 2 GB, half on smaller ones.
  const uint64_t memoryBytes =
      facts.memoryBytes >= 2 * kGigabyte ? facts.memoryBytes - kGigabyte : facts.memoryBytes / 2;
  // And 5 GB of the work dir's filesystem when it has at least 10 GB.
  const uint64_t diskBytes =
      facts.diskBytes >= 10 * kGigabyte ? facts.diskBytes - 5 * kGigabyte : facts.diskBytes / 2;

  std::string detected;
  auto detect = [&](std::string_view name, const std::string& value) {
    if (hasResourceNamed(given, name)) return;
    if (!detected.empty()) detected += ';';
    detected += std::string(name) + ":" + value;
  };
  detect("cpus", std::to_string(facts.cpus));
  detect("mem", std::to_string(memoryBytes / kMegabyte));
  detect("disk", std::to_string(diskBytes / kMegabyte));
  detect("ports", std::string(kDefaultPorts));

  Result<Resources> defaults = Resources::parseText(detected, defaultRole);
  if (!defaults) return defaults.error().wrap("detected resources");
  return given + *defaults;
}

Result<Resources> detectHostResources(const Resources& given, const std::string& workDir,
                                      std::string_view defaultRole) {
  Result<HostFacts> facts = probeHostFacts(workDir);
  if (!facts) return facts.error();
  return applyHostDefaults(given, *facts, defaultRole);
}

}  // namespace mesolite
