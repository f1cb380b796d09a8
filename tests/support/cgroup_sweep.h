// Test cleanup: containers outlive their agent by design, but not the test that made them.
#pragma once

#include <string>

namespace mesolite::testing {

// Kills every process left in the cgroups under `root` (below /sys/fs/cgroup and below
// each v1 hierarchy in it) and removes those cgroups, deepest first.
void removeCgroupTree(const std::string& root);

}  // namespace mesolite::testing
