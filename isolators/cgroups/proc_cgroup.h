// /proc/<pid>/cgroup: the cgroups a process is in, one line per hierarchy,
// "hierarchy-id:controller,controller:path" (cgroup v1) or "0::path" (cgroup2). Paths are
// as the reader's cgroup namespace sees them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mesolite::cgroups {

struct Membership {
  std::string hierarchyId;               // "0" for cgroup2
  std::vector<std::string> controllers;  // empty for cgroup2; "name=systemd" kept as is
  std::string path;                      // "/mesos/<id>"

  bool v2() const { return hierarchyId == "0" && controllers.empty(); }
};

// The well-formed lines of the file's text; malformed ones are skipped.
std::vector<Membership> parseProcCgroup(std::string_view text);

}  // namespace mesolite::cgroups
