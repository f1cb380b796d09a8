#include "isolators/posix_usage_isolator.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/fs.h"
#include "common/proc_stat.h"

namespace mesolite::isolation {
namespace {

// Enough for any sane task; a fork bomb is cut off rather than walked.
constexpr size_t kMaxProcesses = 4096;

// utime and stime in clock ticks.
bool readTimes(pid_t pid, uint64_t* user, uint64_t* system) {
  auto stat = proc::readStat(pid);
  if (!stat) return false;
  *user = stat->userTicks;
  *system = stat->systemTicks;
  return true;
}

// Resident pages (the second field of /proc/<pid>/statm).
bool readResidentPages(pid_t pid, uint64_t* pages) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  uint64_t size = 0;
  return bool(statm >> size >> *pages);
}

void addChildren(pid_t pid, std::vector<pid_t>* pending) {
  std::error_code error;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child; children >> child;)
      pending->push_back(child);
  }
}

}  // namespace

Result<ProcessTreeUsage> processTreeUsage(pid_t root) {
  if (root <= 0) return Error("no task process to measure");
  const double ticks = double(::sysconf(_SC_CLK_TCK));
  const uint64_t pageSize = uint64_t(::sysconf(_SC_PAGESIZE));
  ProcessTreeUsage usage;
  std::vector<pid_t> pending{root};
  while (!pending.empty() && usage.processes < kMaxProcesses) {
    const pid_t pid = pending.back();
    pending.pop_back();
    uint64_t user = 0, system = 0, pages = 0;
    if (!readTimes(pid, &user, &system)) continue;  // gone meanwhile
    usage.userSeconds += double(user) / ticks;
    usage.systemSeconds += double(system) / ticks;
    if (readResidentPages(pid, &pages)) usage.rssBytes += pages * pageSize;
    ++usage.processes;
    addChildren(pid, &pending);
  }
  if (usage.processes == 0) return Error("process " + std::to_string(root) + " is gone");
  return usage;
}

Result<void> PosixUsageIsolator::usage(const std::string& containerId,
                                       mesos::v1::ResourceStatistics* statistics) {
  // The launcher records the task's pid (as the host sees it) in the container's
  // runtime directory.
  const std::string pidFile = runtimeDir_ + "/containers/" + containerId + "/pid";
  auto text = fs::readFile(pidFile);
  if (!text) return text.error();
  auto usage = processTreeUsage(pid_t(std::atoi(text->c_str())));
  if (!usage) return usage.error();
  if (!statistics->has_processes()) statistics->set_processes(uint32_t(usage->processes));
  if (cpu_ && !statistics->has_cpus_user_time_secs()) {
    statistics->set_cpus_user_time_secs(usage->userSeconds);
    statistics->set_cpus_system_time_secs(usage->systemSeconds);
  }
  if (mem_ && !statistics->has_mem_rss_bytes()) statistics->set_mem_rss_bytes(usage->rssBytes);
  return success();
}

}  // namespace mesolite::isolation
