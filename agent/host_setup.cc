#include "agent/host_setup.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>

#include "common/logging.h"
#include "isolators/cgroups/systemd_scope.h"

namespace mesolite::agent {

std::string launcherDir(const AgentFlags& flags) {
  if (flags.set.given(&flags.launcher_dir)) return flags.launcher_dir;
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
  if (error) return flags.launcher_dir;
  for (const auto& dir : {self, self.parent_path() / "launcher"})
    if (::access((dir / "mesos-containerizer").c_str(), X_OK) == 0) return dir;
  return flags.launcher_dir;
}

std::string fetcherPath(const std::string& launcherDir) {
  const std::filesystem::path dir(launcherDir);
  const auto installed = dir / "mesos-fetcher";
  if (::access(installed.c_str(), X_OK) == 0) return installed;
  const auto built = dir.parent_path() / "fetcher" / "mesos-fetcher";
  if (::access((dir / "mesos-containerizer").c_str(), X_OK) == 0 &&
      ::access(built.c_str(), X_OK) == 0)
    return built;
  return installed;
}

std::string addressForTasks(const AgentFlags& flags) {
  if (flags.ip && *flags.ip != "0.0.0.0") return *flags.ip;
  char hostname[256] = {};
  if (::gethostname(hostname, sizeof(hostname) - 1) != 0) return "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (::getaddrinfo(hostname, nullptr, &hints, &found) != 0 || found == nullptr) return "127.0.0.1";
  char text[INET_ADDRSTRLEN] = {};
  const auto* address = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  const bool ok = ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text)) != nullptr;
  ::freeaddrinfo(found);
  return ok ? std::string(text) : "127.0.0.1";
}

Result<std::function<Result<void>()>> delegateToSystemdScope(const AgentFlags& flags,
                                                             cgroups::Hierarchy* hierarchy) {
  using Check = std::function<Result<void>()>;
  if (!flags.systemd_enable_support || !std::filesystem::exists(flags.systemd_runtime_directory))
    return Check();
  if (!hierarchy->v2Mount) {
    // systemd tracks processes in a name=systemd hierarchy there, which we leave alone.
    log::warn(
        "systemd host with cgroup v1 only: containers stay in the agent's unit; run it with "
        "KillMode=process so that restarting it keeps the tasks");
    return Check();
  }
  cgroups::systemd::ScopeRequest request;
  request.holder = {flags.launcher_dir + "/mesos-containerizer", "--hold-scope"};
  request.cgroup2Mount = *hierarchy->v2Mount;
  request.privateSocket =
      std::filesystem::path(flags.systemd_runtime_directory).parent_path() / "private";
  auto cgroup = cgroups::systemd::ensureDelegatedScope(request);
  if (!cgroup)
    return Error("--systemd_enable_support: cannot get a delegated scope for the containers: " +
                 cgroup.error().message +
                 " (--no-systemd_enable_support keeps them in the agent's own cgroup tree)");
  if (auto delegated = cgroups::delegateTo(hierarchy, *cgroup); !delegated)
    return delegated.error();

  // systemd removes a scope once it is empty. The holder keeps it from being empty; if
  // the holder is killed, the scope goes with the last container. Asking systemd again
  // blocks the loop for a few milliseconds, and only in that rare case.
  const std::string scopeDir = *hierarchy->v2Mount + *cgroup;
  return Check([request, scopeDir]() -> Result<void> {
    if (std::filesystem::exists(scopeDir + "/cgroup.procs")) return success();
    log::warn("{} is gone (its holder was killed?): asking systemd for it again", scopeDir);
    auto again = cgroups::systemd::ensureDelegatedScope(request);
    if (!again) return again.error().wrap("--systemd_enable_support");
    if (request.cgroup2Mount + *again != scopeDir)
      return Error("systemd put " + request.scope + " at " + *again + ", not " + scopeDir);
    return success();
  });
}

}  // namespace mesolite::agent
