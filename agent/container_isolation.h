// What really confines a container's task, read from the kernel when asked (never from
// the agent's configuration), for the `isolation` field of the agent's /containers:
//   /proc/<pid>/status   seccomp mode and filters, no_new_privs, capabilities by name
//   /proc/<pid>/ns/*     the namespaces that differ from the agent's own
//   uid_map, gid_map     with a user namespace of its own
//   /proc/<pid>/cgroup   each cgroup with its limits and figures (cgroup2, and the v1
//                        memory, cpu and pids controllers of v1 and hybrid hosts)
// A container started under a PID-1 init (namespaces/pid) is read at its task, the
// init's child: the init is the launcher before the hardening steps.
#pragma once

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace mesolite::cgroups {
struct Hierarchy;
}

namespace mesolite::agent {

struct IsolationProbe {
  pid_t pid = 0;         // the container's process as the agent records it
  pid_t supervisor = 0;  // its mesos-containerizer (0: unknown)
};

// Blocking reads of /proc and cgroupfs (a few dozen small files): call it off the event
// loop. `hierarchy` (cgroups::detect, once for many containers) says where the cgroups
// of /proc/<pid>/cgroup are mounted; null: their paths only. What cannot be read is
// listed in "errors"; a process that is gone gives only that.
nlohmann::json readContainerIsolation(const IsolationProbe& probe,
                                      const cgroups::Hierarchy* hierarchy);

// The security fields of a /proc/<pid>/status (its parsed lines): "seccomp" {mode,
// filters}, "no_new_privs", "capabilities" {effective, permitted, bounding} by name.
nlohmann::json securityOf(const std::map<std::string, std::string>& status);

}  // namespace mesolite::agent
