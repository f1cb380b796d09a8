#include "launcher/user_namespace.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>

#include "launcher/fd.h"

namespace mesolite::launcher {

namespace {

Result<void> writeMap(pid_t task, const char* which, uint32_t hostStart, uint32_t count) {
  const std::string path = "/proc/" + std::to_string(task) + "/" + which;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::fromErrno("open " + path);
  // One line, written at once: the kernel takes a map in a single write only.
  const std::string line = "0 " + std::to_string(hostStart) + " " + std::to_string(count) + "\n";
  return writeAll(fd.get(), line, "'" + line.substr(0, line.size() - 1) + "' to " + path);
}

}  // namespace

Result<void> setUpUserNamespace(const LaunchRequest& request, pid_t task) {
  const UserNamespace& ids = *request.userNamespace;
  if (auto mapped = writeMap(task, "uid_map", ids.hostUid, ids.count); !mapped) return mapped;
  if (auto mapped = writeMap(task, "gid_map", ids.hostGid, ids.count); !mapped) return mapped;
  for (const RLimit& limit : request.rlimits) {
    const rlimit value{rlim_t(limit.soft), rlim_t(limit.hard)};
    if (::prlimit(task, static_cast<__rlimit_resource>(limit.resource), &value, nullptr) != 0) {
      return Error::fromErrno("prlimit(" + std::to_string(task) + ", " +
                              std::to_string(limit.resource) + ", " + std::to_string(limit.soft) +
                              ", " + std::to_string(limit.hard) + ")");
    }
  }
  return success();
}

void useIdsInsideUserNamespace(LaunchRequest* request) {
  const uint32_t count = request->userNamespace->count;
  if (!request->uid) request->uid = 0;
  if (!request->gid) request->gid = 0;
  auto& groups = request->supplementaryGroups;
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [count](uint32_t group) { return group >= count; }),
               groups.end());
}

}  // namespace mesolite::launcher
