// What the agent sets up on the host before it serves: where its helper programs are,
// and, on a systemd host, the delegated scope its containers live in.
#pragma once

#include <functional>
#include <string>

#include "agent/agent_flags.h"
#include "common/result.h"
#include "isolators/cgroups/cgroups.h"

namespace mesolite::agent {

// --launcher_dir when given; else, for an agent run from the build tree, the directory of
// the helpers built beside it (build/launcher next to build/agent); else the default.
std::string launcherDir(const AgentFlags& flags);

// mesos-fetcher: in the launcher dir; for an agent run from the build tree, in the
// fetcher directory beside the launcher's (build/fetcher next to build/launcher).
std::string fetcherPath(const std::string& launcherDir);

// The agent's IP as its tasks are told it (MESOS_AGENT_ENDPOINT): --ip, or else the
// address the host's name resolves to, as Mesos's libprocess picks it; 127.0.0.1 when
// the name does not resolve.
std::string addressForTasks(const AgentFlags& flags);

// On a systemd host (--systemd_enable_support and --systemd_runtime_directory present)
// with cgroup2, gets the delegated scope over sd-bus and points `hierarchy` into it, so
// that restarting or stopping the agent's unit leaves the containers alone. Returns a
// check to run before each launch, which gets the scope again when it is gone (its holder
// was killed and its last container ended); null when no scope is used.
Result<std::function<Result<void>()>> delegateToSystemdScope(const AgentFlags& flags,
                                                             cgroups::Hierarchy* hierarchy);

}  // namespace mesolite::agent
