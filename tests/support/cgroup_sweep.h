// Test cleanup: containers outlive their agent by design, but not the test that made them.
#pragma once

#include <string>

namespace mesolite::testing {

// Where a systemd host's agent puts its containers' cgroup2 tree (below the mount).
inline constexpr const char* kDelegatedScope = "mesos_executors.slice/mesos-containers.scope";

// The cgroup2 directory containers go under: <mount>[/<delegated scope>] (what
// Hierarchy::v2Base() gives the agent).
std::string containerCgroup2Base();

// Kills every process left in the cgroups under `root` (below /sys/fs/cgroup and below
// each v1 hierarchy in it) and removes those cgroups, deepest first.
void removeCgroupTree(const std::string& root);

// Removes a test's directory. A container's supervisor may still be writing its last
// files there for a moment after its cgroup was emptied: retries for up to 10 s, then
// throws naming what stayed.
void removeTestDirectory(const std::string& dir);

}  // namespace mesolite::testing
