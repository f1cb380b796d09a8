#include "tests/support/cgroup_sweep.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mesolite::testing {

std::string containerCgroup2Base() {
  const std::string mount = std::filesystem::exists("/sys/fs/cgroup/unified/cgroup.procs")
                                ? "/sys/fs/cgroup/unified"
                                : "/sys/fs/cgroup";
  const std::string scope = mount + "/" + kDelegatedScope;
  return std::filesystem::is_directory(scope) ? scope : mount;
}

void removeCgroupTree(const std::string& root) {
  std::vector<std::filesystem::path> dirs;
  std::vector<std::filesystem::path> bases = {"/sys/fs/cgroup"};
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", error))
    if (entry.is_directory() && !entry.is_symlink()) bases.push_back(entry.path());
  // On systemd hosts the agent's cgroup2 tree starts in its delegated scope.
  if (const std::string base = containerCgroup2Base(); base != bases.front()) bases.push_back(base);
  for (const auto& base : bases) {
    if (!std::filesystem::is_directory(base / root, error)) continue;
    dirs.push_back(base / root);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(base / root, error))
      if (entry.is_directory()) dirs.push_back(entry.path());
  }
  // Bounded: processes still being forked are caught on a later round.
  for (int attempt = 0; attempt < 100; ++attempt) {
    bool any = false;
    for (const auto& dir : dirs) {
      std::ifstream procs(dir / "cgroup.procs");
      for (pid_t pid; procs >> pid;) {
        any = true;
        kill(pid, SIGKILL);
      }
    }
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Deepest first: a cgroup is removed only once its children are.
  std::sort(dirs.begin(), dirs.end(),
            [](const auto& a, const auto& b) { return a.string().size() > b.string().size(); });
  for (const auto& dir : dirs)
    rmdir(dir.c_str());
}

void removeTestDirectory(const std::string& dir) {
  if (dir.empty()) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::error_code error;
    std::filesystem::remove_all(dir, error);
    if (!error) return;
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("cannot remove " + dir + ": " + error.message());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace mesolite::testing
