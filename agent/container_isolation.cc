#include "agent/container_isolation.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "common/fs.h"
#include "common/proc_stat.h"
#include "isolators/cgroups/cgroupfs.h"
#include "isolators/cgroups/cgroups.h"
#include "isolators/cgroups/proc_cgroup.h"
#include "isolators/linux_capabilities_isolator.h"

namespace mesolite::agent {

namespace {

namespace cgfs = cgroups::fs;

// The namespace types a task may have of its own (/proc/<pid>/ns/<type>).
constexpr const char* kNamespaces[] = {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"};

// The control files shown for each controller: plain values, and flat-keyed files
// with the keys that matter.
struct ControlFiles {
  std::vector<std::string> values;
  std::map<std::string, std::vector<std::string>> keyed;
};

const ControlFiles& controlFilesV2() {
  static const ControlFiles files{
      {"memory.max", "memory.high", "memory.swap.max", "memory.current", "cpu.max", "cpu.weight",
       "pids.max", "pids.current"},
      {{"memory.events", {"oom", "oom_kill"}}, {"cpu.stat", {"nr_throttled", "throttled_usec"}}}};
  return files;
}

const std::map<std::string, ControlFiles>& controlFilesV1() {
  static const std::map<std::string, ControlFiles> files{
      {"memory",
       {{"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes",
         "memory.usage_in_bytes", "memory.failcnt"},
        {{"memory.oom_control", {"oom_kill_disable", "under_oom", "oom_kill"}}}}},
      {"cpu",
       {{"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"},
        {{"cpu.stat", {"nr_throttled", "throttled_time"}}}}},
      {"pids", {{"pids.max", "pids.current"}, {}}},
  };
  return files;
}

std::string procPath(pid_t pid, const std::string& name) {
  return "/proc/" + std::to_string(pid) + "/" + name;
}

// A number where the file holds one (cpu.cfs_quota_us may be -1), else its trimmed text
// ("max", "100000 100000").
nlohmann::json valueOf(std::string_view text) {
  text = cgfs::trim(text);
  if (auto number = cgfs::parseUint(text)) return *number;
  int64_t signedNumber = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), signedNumber);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) return signedNumber;
  return std::string(text);
}

std::optional<uint64_t> hexMask(const std::map<std::string, std::string>& status,
                                const std::string& name) {
  auto found = status.find(name);
  if (found == status.end()) return std::nullopt;
  uint64_t mask = 0;
  const std::string& text = found->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mask, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return mask;
}

nlohmann::json numberOr(const std::map<std::string, std::string>& status, const std::string& name) {
  auto found = status.find(name);
  if (found == status.end()) return nullptr;
  return valueOf(found->second);
}

bool sameFile(const std::string& a, const std::string& b) {
  struct stat first {
  }, second{};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 &&
         first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

// The task of a container started under an init: the init has not exec'ed (it runs the
// supervisor's image) and the task is its only child. Else `pid` itself.
pid_t taskOf(const IsolationProbe& probe, nlohmann::json& isolation) {
  if (probe.supervisor <= 0 ||
      !sameFile(procPath(probe.pid, "exe"), procPath(probe.supervisor, "exe"))) {
    return probe.pid;
  }
  auto children =
      fs::readFile(procPath(probe.pid, "task/" + std::to_string(probe.pid) + "/children"));
  pid_t child = 0;
  if (children) {
    const std::string_view text = cgfs::trim(*children);
    std::from_chars(text.data(), text.data() + text.size(), child);
  }
  if (child <= 0) return probe.pid;
  isolation["init_pid"] = probe.pid;
  return child;
}

// Namespaces whose inode differs from the agent's: the task's own.
nlohmann::json namespacesOf(pid_t pid, nlohmann::json& errors) {
  nlohmann::json separate = nlohmann::json::array(), shared = nlohmann::json::array();
  for (const char* type : kNamespaces) {
    const std::string mine = std::string("/proc/self/ns/") + type;
    const std::string theirs = procPath(pid, std::string("ns/") + type);
    struct stat own {
    }, task{};
    if (::stat(mine.c_str(), &own) != 0) continue;  // a type this kernel does not have
    if (::stat(theirs.c_str(), &task) != 0) {
      errors.push_back(Error::fromErrno("stat " + theirs).message);
      continue;
    }
    (own.st_ino == task.st_ino && own.st_dev == task.st_dev ? shared : separate).push_back(type);
  }
  return {{"separate", separate}, {"shared", shared}};
}

nlohmann::json idMap(pid_t pid, const char* name, nlohmann::json& errors) {
  nlohmann::json lines = nlohmann::json::array();
  auto text = fs::readFile(procPath(pid, name));
  if (!text) {
    errors.push_back(text.error().message);
    return lines;
  }
  std::istringstream stream(*text);
  std::string inside, outside, count;
  while (stream >> inside >> outside >> count)
    lines.push_back(inside + " " + outside + " " + count);
  return lines;
}

// One cgroup's control files; files the cgroup does not have (a controller not enabled
// there) are left out.
void readControlFiles(const std::string& directory, const ControlFiles& files,
                      nlohmann::json& entry, nlohmann::json& errors) {
  const auto read = [&](const std::string& name) -> std::optional<std::string> {
    auto text = cgfs::readFile(directory + "/" + name);
    if (text) return *text;
    if (!cgfs::exists(directory + "/" + name)) return std::nullopt;
    errors.push_back(text.error().message);
    return std::nullopt;
  };
  for (const std::string& name : files.values)
    if (auto text = read(name)) entry[name] = valueOf(*text);
  for (const auto& [name, keys] : files.keyed) {
    auto text = read(name);
    if (!text) continue;
    const auto values = cgfs::parseFlatKeyed(*text);
    nlohmann::json picked = nlohmann::json::object();
    for (const std::string& key : keys)
      if (auto value = values.find(key); value != values.end()) picked[key] = value->second;
    if (!picked.empty()) entry[name] = picked;
  }
}

nlohmann::json cgroupsOf(pid_t pid, const cgroups::Hierarchy* hierarchy, nlohmann::json& errors) {
  nlohmann::json list = nlohmann::json::array();
  auto text = fs::readFile(procPath(pid, "cgroup"));
  if (!text) {
    errors.push_back(text.error().message);
    return list;
  }
  for (const cgroups::Membership& membership : cgroups::parseProcCgroup(*text)) {
    nlohmann::json entry = {{"version", membership.v2() ? 2 : 1},
                            {"controllers", membership.controllers},
                            {"path", membership.path}};
    std::optional<std::string> mount;
    const ControlFiles* files = nullptr;
    if (hierarchy && membership.v2()) {
      mount = hierarchy->v2Mount;
      files = &controlFilesV2();
    } else if (hierarchy) {
      for (const std::string& controller : membership.controllers) {
        if (auto found = hierarchy->v1Mounts.find(controller); found != hierarchy->v1Mounts.end())
          mount = found->second;
        if (auto known = controlFilesV1().find(controller); known != controlFilesV1().end())
          files = &known->second;
      }
    }
    if (mount) {
      const std::string directory = *mount + (membership.path == "/" ? "" : membership.path);
      entry["directory"] = directory;
      if (files) readControlFiles(directory, *files, entry, errors);
    }
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace

nlohmann::json securityOf(const std::map<std::string, std::string>& status) {
  nlohmann::json security = {
      {"seccomp",
       {{"mode", numberOr(status, "Seccomp")}, {"filters", numberOr(status, "Seccomp_filters")}}},
      {"no_new_privs", numberOr(status, "NoNewPrivs")}};
  nlohmann::json capabilities = nlohmann::json::object();
  constexpr std::pair<const char*, const char*> kSets[] = {
      {"CapEff", "effective"}, {"CapPrm", "permitted"}, {"CapBnd", "bounding"}};
  for (const auto& [field, name] : kSets) {
    if (auto mask = hexMask(status, field)) capabilities[name] = isolation::capabilityNames(*mask);
  }
  security["capabilities"] = capabilities;
  return security;
}

nlohmann::json readContainerIsolation(const IsolationProbe& probe,
                                      const cgroups::Hierarchy* hierarchy) {
  nlohmann::json isolation = nlohmann::json::object();
  nlohmann::json errors = nlohmann::json::array();
  if (probe.pid <= 0) {
    isolation["errors"] = {"the container's process is not known yet"};
    return isolation;
  }
  const pid_t pid = taskOf(probe, isolation);
  isolation["pid"] = pid;
  auto status = fs::readFile(procPath(pid, "status"));
  if (!status) {
    isolation["errors"] = {status.error().message};
    return isolation;
  }
  isolation.update(securityOf(proc::parseStatus(*status)));
  isolation["namespaces"] = namespacesOf(pid, errors);
  const auto& separate = isolation["namespaces"]["separate"];
  if (std::find(separate.begin(), separate.end(), "user") != separate.end()) {
    isolation["uid_map"] = idMap(pid, "uid_map", errors);
    isolation["gid_map"] = idMap(pid, "gid_map", errors);
  }
  isolation["cgroups"] = cgroupsOf(pid, hierarchy, errors);
  isolation["errors"] = errors;
  return isolation;
}

}  // namespace mesolite::agent
