// On a systemd host, containers live in a unit of their own that systemd delegates to
// the agent: a transient scope in Mesos's `mesos_executors.slice`, asked for over
// sd-bus. Outside the agent's unit, restarting, stopping or upgrading the agent leaves
// the tasks running; delegated, the agent may create and write cgroups below it.
//
// A scope lives while it holds a process, and containers come and go: a holder process
// (the helper run with --hold-scope) sleeps in a leaf of the scope to keep it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace mesolite::cgroups::systemd {

struct ScopeRequest {
  std::string slice = "mesos_executors.slice";
  std::string scope = "mesos-containers.scope";
  // The holder's command line; it must sleep until it is signalled.
  std::vector<std::string> holder;
  std::string cgroup2Mount = "/sys/fs/cgroup";
  // systemd's own socket (root only, no dbus-daemon needed); the system bus otherwise.
  std::string privateSocket = "/run/systemd/private";
  std::chrono::milliseconds timeout{10000};
};

// The leaf of the scope the holder sleeps in; containers go in siblings of it.
inline constexpr const char* kHolderCgroup = "mesos-scope-holder";

// Finds the scope, or starts it (Delegate=yes, in the slice) with a new holder, and
// makes sure a holder sleeps in its leaf. Returns the scope's cgroup relative to the
// cgroup2 mount, e.g. "/mesos_executors.slice/mesos-containers.scope". Blocks for at
// most `timeout`: called once, at start, before the agent serves.
Result<std::string> ensureDelegatedScope(const ScopeRequest& request);

}  // namespace mesolite::cgroups::systemd
