// The cgroup backend: which layout the host has (v1, v2, hybrid), and one container's
// cgroups across it. Free functions and one small handle, in the spirit of crun's
// per-layout managers: callers name controllers ("memory", "cpu", "pids", ...) and
// files ("memory.max"); the backend knows where they live on this host.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace mesolite::cgroups {

enum class Layout {
  kV1,      // tmpfs at the root, one hierarchy per controller
  kV2,      // cgroup2 at the root
  kHybrid,  // v1 controllers, plus cgroup2 at <root>/unified (systemd's "hybrid")
};

std::string_view layoutName(Layout layout);

struct Hierarchy {
  Layout layout = Layout::kV2;
  std::string root;  // usually /sys/fs/cgroup
  // v1 controller -> mount point of its hierarchy ("cpu" -> /sys/fs/cgroup/cpu,cpuacct).
  std::map<std::string, std::string> v1Mounts;
  // The cgroup2 mount (the root on v2, <root>/unified on hybrid), if any.
  std::optional<std::string> v2Mount;
  // Controllers offered where the agent's cgroup2 tree starts (its cgroup.controllers).
  std::set<std::string> v2Controllers;
  // On a systemd host, the cgroup of the unit systemd delegated to the containers,
  // relative to the cgroup2 mount ("/mesos_executors.slice/mesos-containers.scope");
  // empty when the agent owns the cgroup2 tree from its root.
  std::string v2Delegated;

  // Where container cgroups go on cgroup2: <v2Mount><v2Delegated>, if cgroup2 is mounted.
  std::optional<std::string> v2Base() const;

  // Controllers usable at all, on either version.
  std::set<std::string> controllers() const;
  // Whether `controller` is driven through cgroup2 (else v1).
  bool onV2(const std::string& controller) const;
};

// Detects the layout like systemd and crun do: statfs(root) says cgroup2 (v2) or
// tmpfs (v1; hybrid when <root>/unified is cgroup2); v1 mounts come from
// /proc/self/mountinfo.
Result<Hierarchy> detect(const std::string& root = "/sys/fs/cgroup");

// Moves the agent's cgroup2 tree below `cgroup` (relative to the cgroup2 mount), a
// cgroup delegated to the agent, and re-reads the controllers offered there.
Result<void> delegateTo(Hierarchy* hierarchy, const std::string& cgroup);

// One container's cgroups: <v1 mount>/<parent>/<id> in every v1 hierarchy it uses, and
// <v2 mount>/<parent>/<id> on cgroup2. It does not remove anything when destroyed:
// containers outlive the agent process (recovery), so removal is explicit (destroy()).
class ContainerCgroup {
 public:
  // Creates the cgroups (and `parent`, e.g. "mesos", when missing) for the given
  // controllers, enabling them in cgroup.subtree_control along the v2 path. Fails,
  // leaving nothing behind, when a controller is unavailable. On v1 and hybrid hosts
  // the container also gets a freezer cgroup (for kill()), and on hybrid hosts a
  // cgroup2 directory even without v2 controllers: it tracks every process, as runc's
  // and systemd's do (cgroup.kill, CLONE_INTO_CGROUP). controllers() includes freezer.
  static Result<ContainerCgroup> create(const Hierarchy& hierarchy, const std::string& parent,
                                        const std::string& id,
                                        const std::set<std::string>& controllers);
  // Opens existing cgroups (after an agent restart); fails if they are gone.
  static Result<ContainerCgroup> open(const Hierarchy& hierarchy, const std::string& parent,
                                      const std::string& id,
                                      const std::set<std::string>& controllers);

  const std::string& id() const { return id_; }
  const std::set<std::string>& controllers() const { return controllers_; }

  // Where a new task's pid goes: the v2 cgroup directory (for clone3's
  // CLONE_INTO_CGROUP, or its cgroup.procs) and the cgroup.procs file of every v1
  // hierarchy used. Empty when that version is not used. Hybrid hosts use both.
  std::optional<std::string> v2Path() const { return v2Path_; }
  std::vector<std::string> v1ProcsFiles() const;

  // The path of a control file: file("memory", "memory.max") ->
  // /sys/fs/cgroup/mesos/<id>/memory.max on v2, .../memory/mesos/<id>/... on v1.
  std::string file(const std::string& controller, const std::string& name) const;
  Result<void> write(const std::string& controller, const std::string& name,
                     const std::string& value) const;
  Result<std::string> read(const std::string& controller, const std::string& name) const;
  // "key value" lines (memory.stat, memory.events, cpu.stat, io.stat keyed by name).
  Result<std::map<std::string, uint64_t>> readFlatKeyed(const std::string& controller,
                                                        const std::string& name) const;

  Result<void> attach(pid_t pid) const;  // moves pid into every cgroup of the container
  Result<std::vector<pid_t>> pids() const;

  // Kills every process, double-forked daemons included, and waits (bounded) until
  // the cgroups are empty: cgroup.kill on v2 (kernel >= 5.14); freezer + SIGKILL +
  // thaw on v1, repeated until empty. Errors name the path and errno.
  Result<void> kill() const;
  // One SIGKILL of everything in the container's cgroups, without waiting for anything
  // (cgroup.kill on v2; on v1 freeze, signal, thaw): for the agent's event loop. kill()
  // or destroy() then wait for the cgroups to empty, off the loop.
  Result<void> signalAll() const;
  // kill(), then removes every cgroup of the container (not the parent).
  Result<void> destroy() const;

  // How many times the kernel's OOM killer killed a process of this container
  // (memory.events oom_kill on v2, memory.oom_control oom_kill on v1). With
  // memory.oom.group (v2) the kernel counts the victim twice: one OOM kill of a
  // single-process container reads 2 (oom_group_kill 1).
  Result<uint64_t> oomKills() const;

 private:
  ContainerCgroup(Hierarchy hierarchy, std::string parent, std::string id,
                  std::set<std::string> controllers, std::optional<std::string> v2Path,
                  std::map<std::string, std::string> v1Paths)
      : hierarchy_(std::move(hierarchy)),
        parent_(std::move(parent)),
        id_(std::move(id)),
        controllers_(std::move(controllers)),
        v2Path_(std::move(v2Path)),
        v1Paths_(std::move(v1Paths)) {}

  Hierarchy hierarchy_;
  std::string parent_;
  std::string id_;
  std::set<std::string> controllers_;
  std::optional<std::string> v2Path_;
  std::map<std::string, std::string> v1Paths_;  // controller -> cgroup directory
};

}  // namespace mesolite::cgroups
