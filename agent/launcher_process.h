// Starting mesos-containerizer for a container: the request on its fd 3, a "started"
// pipe on fd 4, nothing else of the agent's. The launcher runs from a sealed in-memory
// copy, so that nothing a container does can rewrite the binary every later container
// runs (the CVE-2019-5736 class of escape).
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"
#include "launcher/fd.h"
#include "launcher/launch_request.h"

namespace mesolite::agent {

// A read-only, sealed memfd copy of the launcher binary, made once at start.
class SealedLauncher {
 public:
  static Result<SealedLauncher> copy(const std::string& path);
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

 private:
  std::string path_;
  launcher::UniqueFd fd_;
};

struct LauncherProcess {
  pid_t pid = 0;
  // One byte once the task has exec'ed; EOF without it if it never does.
  launcher::UniqueFd started;
};

// Spawns the launcher with `request`; its stdout and stderr go to `logPath`.
Result<LauncherProcess> spawnLauncher(const SealedLauncher& launcher,
                                      const launcher::LaunchRequest& request,
                                      const std::string& logPath);

}  // namespace mesolite::agent
