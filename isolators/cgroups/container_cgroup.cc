// One container's cgroups, through direct cgroupfs file I/O (see cgroupfs.h for why not
// libcgroup).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "common/logging.h"
#include "isolators/cgroups/cgroupfs.h"
#include "isolators/cgroups/cgroups.h"

namespace mesolite::cgroups {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long kill() keeps trying before it reports the processes that survived.
constexpr auto kKillTimeout = 10s;
// A cgroup whose last task just exited can refuse rmdir (EBUSY) for a moment.
constexpr auto kRemoveBusyTimeout = 1s;
// While waiting for killed tasks to leave, SIGKILL stragglers this often.
constexpr auto kResignalInterval = 100ms;

std::string joinNames(const std::set<std::string>& names) {
  std::string joined;
  for (const std::string& name : names)
    joined += (joined.empty() ? "" : ", ") + name;
  return joined.empty() ? "none" : joined;
}

// "mesos" or "mesos/agent1" -> its components; no empty, "." or ".." component.
Result<std::vector<std::string>> parentComponents(const std::string& parent) {
  std::vector<std::string> components;
  std::string_view rest = parent;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view component = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (component.empty()) continue;  // leading, trailing or doubled slashes
    if (component == "." || component == "..")
      return Error("invalid cgroups root '" + parent + "': '.' and '..' are not allowed");
    components.emplace_back(component);
  }
  return components;
}

Result<void> validateId(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos)
    return Error("invalid container id '" + id + "' for a cgroup name");
  return success();
}

std::string joinPath(std::string base, const std::vector<std::string>& components) {
  for (const std::string& component : components)
    base += "/" + component;
  return base;
}

// Where a container's cgroups live on this host.
struct Placement {
  std::set<std::string> controllers;            // as asked, plus freezer on v1
  std::map<std::string, std::string> v1Paths;   // controller -> container cgroup
  std::map<std::string, std::string> v1Mounts;  // container cgroup -> its mount point
  std::optional<std::string> v2Path;            // container cgroup on cgroup2
  std::set<std::string> v2Enable;               // for cgroup.subtree_control
  bool v2Required = false;                      // false: only used to track processes
  std::vector<std::string> parentComponents;
};

Result<Placement> place(const Hierarchy& hierarchy, const std::string& parent,
                        const std::string& id, const std::set<std::string>& requested) {
  if (auto valid = validateId(id); !valid) return valid.error();
  auto components = parentComponents(parent);
  if (!components) return components.error();

  Placement placement;
  placement.parentComponents = std::move(*components);
  placement.controllers = requested;
  // Every v1 container gets a freezer cgroup: kill() freezes it so that nothing forks
  // while the pids are collected (what Mesos's linux launcher does).
  if (hierarchy.layout != Layout::kV2 && hierarchy.v1Mounts.contains("freezer"))
    placement.controllers.insert("freezer");

  for (const std::string& controller : placement.controllers) {
    if (hierarchy.onV2(controller)) {
      placement.v2Required = true;
      if (hierarchy.v2Controllers.contains(controller)) placement.v2Enable.insert(controller);
    } else if (auto mount = hierarchy.v1Mounts.find(controller);
               mount != hierarchy.v1Mounts.end()) {
      const std::string path = joinPath(mount->second, placement.parentComponents) + "/" + id;
      placement.v1Paths[controller] = path;
      placement.v1Mounts[path] = mount->second;
    } else {
      return Error("cgroup controller '" + controller + "' is not available on this host (" +
                   std::string(layoutName(hierarchy.layout)) +
                   " layout; available: " + joinNames(hierarchy.controllers()) + ")");
    }
  }
  // On v2 the container's cgroup2 directory is its only cgroup. On hybrid hosts it gets
  // one too, like runc and systemd do: it tracks every process (cgroup.kill, populated)
  // even when no controller lives on cgroup2.
  if (hierarchy.layout == Layout::kV2) placement.v2Required = true;
  if (hierarchy.v2Mount)
    placement.v2Path = joinPath(*hierarchy.v2Base(), placement.parentComponents) + "/" + id;
  return placement;
}

// A new v1 cpuset cgroup has empty cpuset.cpus and cpuset.mems, and the kernel refuses
// tasks until both are set: copy them from the parent.
Result<void> inheritCpuset(const std::string& dir) {
  const std::string parentDir = dir.substr(0, dir.rfind('/'));
  for (const char* name : {"cpuset.cpus", "cpuset.mems"}) {
    auto own = fs::readFile(dir + "/" + name);
    if (!own) return own.error();
    if (!fs::trim(*own).empty()) continue;
    auto inherited = fs::readFile(parentDir + "/" + name);
    if (!inherited) return inherited.error();
    const std::string_view value = fs::trim(*inherited);
    if (value.empty()) return Error(parentDir + "/" + name + " is empty: cannot inherit it");
    if (auto written = fs::writeFile(dir + "/" + name, value); !written) return written.error();
  }
  return success();
}

Result<void> enableControllers(const std::string& dir, const std::set<std::string>& wanted) {
  if (wanted.empty()) return success();
  const std::string file = dir + "/cgroup.subtree_control";
  auto enabled = fs::readFile(file);
  if (!enabled) return enabled.error();
  std::set<std::string> present;
  std::istringstream words(*enabled);
  for (std::string word; words >> word;)
    present.insert(word);
  for (const std::string& controller : wanted) {
    if (present.contains(controller)) continue;
    if (auto written = fs::writeFile(file, "+" + controller); !written) {
      const int err = errno;
      Error error = written.error();
      if (err == EBUSY)
        error = Error(error.message + " (" + dir +
                      " holds processes: cgroup v2 allows controllers only above leaves)");
      else if (err == ENOENT)
        error = Error(error.message + " (the controller is not offered to " + dir + ")");
      return error;
    }
  }
  return success();
}

// Removes the directories this call created, newest first.
class CreatedDirectories {
 public:
  ~CreatedDirectories() {
    if (committed_) return;
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it)
      if (::rmdir(it->c_str()) != 0 && errno != ENOENT)
        log::warn("cgroups: could not remove {} after a failed create: {}", *it,
                  Error::fromErrno("rmdir").message);
  }
  void add(std::string dir) { dirs_.push_back(std::move(dir)); }
  void commit() { committed_ = true; }

 private:
  std::vector<std::string> dirs_;
  bool committed_ = false;
};

// mkdir -p of `components` under `base`, then the container's own directory, which must
// be new. `prepare` runs on each parent level (existing or created) and on the leaf.
template <typename Prepare>
Result<void> makeCgroupPath(const std::string& base, const std::vector<std::string>& components,
                            const std::string& leaf, CreatedDirectories* created,
                            Prepare&& prepareLevel) {
  std::string dir = base;
  if (auto prepared = prepareLevel(dir, /*isRoot=*/true); !prepared) return prepared;
  for (const std::string& component : components) {
    dir += "/" + component;
    bool isNew = false;
    if (auto made = fs::makeDirectory(dir, &isNew); !made) return made.error();
    if (isNew) created->add(dir);
    if (auto prepared = prepareLevel(dir, /*isRoot=*/false); !prepared) return prepared;
  }
  if (leaf != dir) {
    if (::mkdir(leaf.c_str(), 0755) != 0) {
      if (errno == EEXIST)
        return Error("cgroup " + leaf + " already exists (a container with this id, or a " +
                     "leftover that recovery should remove)");
      return Error::fromErrno("mkdir " + leaf);
    }
    created->add(leaf);
  }
  return success();
}

void sleepWithBackoff(std::chrono::microseconds* delay) {
  std::this_thread::sleep_for(*delay);
  *delay = std::min<std::chrono::microseconds>(*delay * 2, 16ms);
}

}  // namespace

Result<ContainerCgroup> ContainerCgroup::create(const Hierarchy& hierarchy,
                                                const std::string& parent, const std::string& id,
                                                const std::set<std::string>& controllers) {
  auto placement = place(hierarchy, parent, id, controllers);
  if (!placement) return placement.error();

  CreatedDirectories created;
  // v1: one directory per mounted hierarchy (co-mounted "cpu,cpuacct" share one).
  for (const auto& [dir, mount] : placement->v1Mounts) {
    const bool isCpuset =
        hierarchy.v1Mounts.contains("cpuset") && hierarchy.v1Mounts.at("cpuset") == mount;
    auto made = makeCgroupPath(mount, placement->parentComponents, dir, &created,
                               [&](const std::string& level, bool isRoot) -> Result<void> {
                                 if (!isCpuset || isRoot) return success();
                                 return inheritCpuset(level);
                               });
    if (!made) return made.error();
    if (isCpuset)
      if (auto inherited = inheritCpuset(dir); !inherited) return inherited.error();
  }

  std::optional<std::string> v2Path = placement->v2Path;
  if (v2Path) {
    // Enable the controllers from the root (or the delegated cgroup) down to the parent;
    // the container's cgroup is a leaf that holds the task (cgroup v2's
    // no-internal-process rule).
    CreatedDirectories v2Created;
    auto made = makeCgroupPath(*hierarchy.v2Base(), placement->parentComponents, *v2Path,
                               &v2Created, [&](const std::string& level, bool) {
                                 return enableControllers(level, placement->v2Enable);
                               });
    if (!made) {
      if (placement->v2Required) return made.error();
      // Only tracking: a read-only cgroup2 mount (some container runtimes) is no reason
      // to refuse the container.
      log::warn("cgroups: no cgroup2 tracking cgroup for container {}: {}", id,
                made.error().message);
      v2Path.reset();
    } else {
      v2Created.commit();
    }
  }
  created.commit();

  return ContainerCgroup(hierarchy, parent, id, std::move(placement->controllers),
                         std::move(v2Path), std::move(placement->v1Paths));
}

Result<ContainerCgroup> ContainerCgroup::open(const Hierarchy& hierarchy, const std::string& parent,
                                              const std::string& id,
                                              const std::set<std::string>& controllers) {
  auto placement = place(hierarchy, parent, id, controllers);
  if (!placement) return placement.error();
  // The freezer cgroup that create() adds on its own may be missing (a cgroup made by
  // an older agent, or half removed): kill() then signals without freezing.
  if (!controllers.contains("freezer") && placement->v1Paths.contains("freezer") &&
      !fs::isDirectory(placement->v1Paths.at("freezer"))) {
    placement->v1Paths.erase("freezer");
    placement->controllers.erase("freezer");
  }
  for (const auto& [controller, dir] : placement->v1Paths)
    if (!fs::isDirectory(dir))
      return Error("cgroup " + dir + " of container " + id + " does not exist");
  std::optional<std::string> v2Path = placement->v2Path;
  if (v2Path && !fs::isDirectory(*v2Path)) {
    if (placement->v2Required)
      return Error("cgroup " + *v2Path + " of container " + id + " does not exist");
    v2Path.reset();
  }

  return ContainerCgroup(hierarchy, parent, id, std::move(placement->controllers),
                         std::move(v2Path), std::move(placement->v1Paths));
}

std::vector<std::string> ContainerCgroup::v1ProcsFiles() const {
  std::set<std::string> dirs;
  for (const auto& [controller, dir] : v1Paths_)
    dirs.insert(dir);
  std::vector<std::string> files;
  for (const std::string& dir : dirs)
    files.push_back(dir + "/cgroup.procs");
  return files;
}

std::string ContainerCgroup::file(const std::string& controller, const std::string& name) const {
  if (auto it = v1Paths_.find(controller); it != v1Paths_.end()) return it->second + "/" + name;
  if (v2Path_ && !hierarchy_.v1Mounts.contains(controller)) return *v2Path_ + "/" + name;
  // Not one of this container's cgroups: where it would be (reads fail with ENOENT).
  auto components = parentComponents(parent_);
  std::string base = hierarchy_.root;
  if (auto mount = hierarchy_.v1Mounts.find(controller); mount != hierarchy_.v1Mounts.end())
    base = mount->second;
  else if (hierarchy_.v2Mount)
    base = *hierarchy_.v2Base();
  return joinPath(base, components ? *components : std::vector<std::string>{parent_}) + "/" + id_ +
         "/" + name;
}

Result<void> ContainerCgroup::write(const std::string& controller, const std::string& name,
                                    const std::string& value) const {
  return fs::writeFile(file(controller, name), value);
}

Result<std::string> ContainerCgroup::read(const std::string& controller,
                                          const std::string& name) const {
  return fs::readFile(file(controller, name));
}

Result<std::map<std::string, uint64_t>> ContainerCgroup::readFlatKeyed(
    const std::string& controller, const std::string& name) const {
  auto content = read(controller, name);
  if (!content) return content.error();
  return fs::parseFlatKeyed(*content);
}

Result<void> ContainerCgroup::attach(pid_t pid) const {
  const std::string value = std::to_string(pid);
  if (v2Path_)
    if (auto written = fs::writeFile(*v2Path_ + "/cgroup.procs", value); !written)
      return written.error();
  for (const std::string& procs : v1ProcsFiles())
    if (auto written = fs::writeFile(procs, value); !written) return written.error();
  return success();
}

namespace {

// Pids in `dir` and its descendant cgroups (nested containers); a missing directory
// counts as empty (it was removed).
Result<void> collectPids(const std::string& dir, std::set<pid_t>* pids) {
  auto listed = fs::readIdList(dir + "/cgroup.procs");
  if (!listed) {
    if (!fs::exists(dir)) return success();
    return listed.error();
  }
  pids->insert(listed->begin(), listed->end());
  auto children = fs::subdirectories(dir);
  if (!children) return fs::exists(dir) ? Result<void>(children.error()) : success();
  for (const std::string& child : *children)
    if (auto collected = collectPids(dir + "/" + child, pids); !collected) return collected;
  return success();
}

Result<std::set<pid_t>> collectPids(const std::vector<std::string>& dirs) {
  std::set<pid_t> pids;
  for (const std::string& dir : dirs)
    if (auto collected = collectPids(dir, &pids); !collected) return collected.error();
  return pids;
}

void killAll(const std::set<pid_t>& pids) {
  for (const pid_t pid : pids)
    ::kill(pid, SIGKILL);  // ESRCH: already gone
}

std::string describePids(const std::set<pid_t>& pids) {
  std::string text;
  size_t shown = 0;
  for (const pid_t pid : pids) {
    if (shown++ == 10) {
      text += " ...";
      break;
    }
    text += (text.empty() ? "" : " ") + std::to_string(pid);
  }
  return text;
}

// Polls `done` with a growing delay until it holds or `deadline` passes.
template <typename Done>
Result<bool> waitUntil(Clock::time_point deadline, Done&& done) {
  std::chrono::microseconds delay = 250us;
  for (;;) {
    auto finished = done();
    if (!finished) return finished.error();
    if (*finished) return true;
    if (Clock::now() >= deadline) return false;
    sleepWithBackoff(&delay);
  }
}

// v1: freeze (nothing forks any more), SIGKILL every task, thaw (frozen tasks die only
// once thawed); repeat until the freezer cgroup is empty.
Result<void> killWithV1Freezer(const std::string& dir, Clock::time_point deadline) {
  const std::string state = dir + "/freezer.state";
  while (Clock::now() < deadline) {
    auto pids = collectPids(std::vector<std::string>{dir});
    if (!pids) return pids.error();
    if (pids->empty()) return success();

    if (auto frozen = fs::writeFile(state, "FROZEN"); !frozen) return frozen.error();
    // A task in uninterruptible sleep can keep the cgroup FREEZING; kill anyway then.
    auto frozen = waitUntil(std::min(deadline, Clock::now() + 1s), [&]() -> Result<bool> {
      auto value = fs::readFile(state);
      if (!value) return value.error();
      return fs::trim(*value) == "FROZEN";
    });
    if (!frozen) return frozen.error();
    pids = collectPids(std::vector<std::string>{dir});
    if (!pids) return pids.error();
    killAll(*pids);
    if (auto thawed = fs::writeFile(state, "THAWED"); !thawed) return thawed.error();

    auto empty =
        waitUntil(std::min(deadline, Clock::now() + kResignalInterval), [&]() -> Result<bool> {
          auto left = collectPids(std::vector<std::string>{dir});
          if (!left) return left.error();
          return left->empty();
        });
    if (!empty) return empty.error();
  }
  return success();  // the final check in kill() reports what is left
}

// cgroup2 without cgroup.kill (kernel < 5.14): the same dance with cgroup.freeze.
Result<void> killWithV2Freezer(const std::string& dir, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    auto pids = collectPids(std::vector<std::string>{dir});
    if (!pids) return pids.error();
    if (pids->empty()) return success();
    if (auto frozen = fs::writeFile(dir + "/cgroup.freeze", "1"); !frozen) return frozen.error();
    auto frozen = waitUntil(std::min(deadline, Clock::now() + 1s), [&]() -> Result<bool> {
      auto events = fs::readFile(dir + "/cgroup.events");
      if (!events) return events.error();
      return events->find("frozen 1") != std::string::npos;
    });
    if (!frozen) return frozen.error();
    pids = collectPids(std::vector<std::string>{dir});
    if (!pids) return pids.error();
    killAll(*pids);
    if (auto thawed = fs::writeFile(dir + "/cgroup.freeze", "0"); !thawed) return thawed.error();
    auto empty =
        waitUntil(std::min(deadline, Clock::now() + kResignalInterval), [&]() -> Result<bool> {
          auto left = collectPids(std::vector<std::string>{dir});
          if (!left) return left.error();
          return left->empty();
        });
    if (!empty) return empty.error();
  }
  return success();
}

// rmdir of `dir` after its descendants (nested containers), retrying EBUSY briefly.
Result<void> removeCgroupTree(const std::string& dir) {
  auto children = fs::subdirectories(dir);
  if (!children) return fs::exists(dir) ? Result<void>(children.error()) : success();
  for (const std::string& child : *children)
    if (auto removed = removeCgroupTree(dir + "/" + child); !removed) return removed;
  const auto deadline = Clock::now() + kRemoveBusyTimeout;
  std::chrono::microseconds delay = 250us;
  for (;;) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return success();
    if (errno != EBUSY || Clock::now() >= deadline) return Error::fromErrno("rmdir " + dir);
    sleepWithBackoff(&delay);
  }
}

}  // namespace

Result<std::vector<pid_t>> ContainerCgroup::pids() const {
  std::vector<std::string> dirs;
  if (v2Path_) dirs.push_back(*v2Path_);
  for (const std::string& procs : v1ProcsFiles())
    dirs.push_back(procs.substr(0, procs.rfind('/')));
  for (const std::string& dir : dirs)
    if (!fs::isDirectory(dir)) return Error("cgroup " + dir + " of container " + id_ + " is gone");
  auto pids = collectPids(dirs);
  if (!pids) return pids.error();
  return std::vector<pid_t>(pids->begin(), pids->end());
}

Result<void> ContainerCgroup::kill() const {
  const auto deadline = Clock::now() + kKillTimeout;
  std::vector<std::string> dirs;
  if (v2Path_) dirs.push_back(*v2Path_);
  for (const std::string& procs : v1ProcsFiles())
    dirs.push_back(procs.substr(0, procs.rfind('/')));

  bool signalled = false;
  if (v2Path_ && fs::isDirectory(*v2Path_)) {
    if (fs::exists(*v2Path_ + "/cgroup.kill")) {
      // One write kills the whole subtree; forks racing with it are caught too.
      if (auto killed = fs::writeFile(*v2Path_ + "/cgroup.kill", "1"); !killed)
        return killed.error();
    } else if (auto killed = killWithV2Freezer(*v2Path_, deadline); !killed) {
      return killed.error();
    }
    signalled = true;
  }
  if (auto freezer = v1Paths_.find("freezer");
      freezer != v1Paths_.end() && fs::isDirectory(freezer->second)) {
    if (auto killed = killWithV1Freezer(freezer->second, deadline); !killed) return killed.error();
    signalled = true;
  }

  // Whatever is left (tasks only in some v1 hierarchies, no freezer at all): SIGKILL
  // what the cgroups list until they are empty.
  auto nextSignal = signalled ? Clock::now() + kResignalInterval : Clock::now();
  std::chrono::microseconds delay = 250us;
  for (;;) {
    auto pids = collectPids(dirs);
    if (!pids) return pids.error();
    if (pids->empty()) return success();
    const auto now = Clock::now();
    if (now >= deadline)
      return Error("kill container " + id_ + ": " + std::to_string(pids->size()) +
                   " process(es) still in its cgroups after " +
                   std::to_string(std::chrono::seconds(kKillTimeout).count()) +
                   "s: " + describePids(*pids));
    if (now >= nextSignal) {
      killAll(*pids);
      nextSignal = now + kResignalInterval;
    }
    sleepWithBackoff(&delay);
  }
}

Result<void> ContainerCgroup::signalAll() const {
  std::vector<std::string> dirs;
  if (v2Path_) dirs.push_back(*v2Path_);
  for (const std::string& procs : v1ProcsFiles())
    dirs.push_back(procs.substr(0, procs.rfind('/')));
  if (v2Path_ && fs::exists(*v2Path_ + "/cgroup.kill")) {
    if (auto killed = fs::writeFile(*v2Path_ + "/cgroup.kill", "1"); !killed) return killed.error();
  }
  // Frozen, nothing forks between the listing and the signals; thawed, they die. Not
  // waiting for FROZEN: a task in uninterruptible sleep may hold it off for long.
  auto freezer = v1Paths_.find("freezer");
  const bool freeze = freezer != v1Paths_.end() && fs::isDirectory(freezer->second);
  if (freeze) (void)fs::writeFile(freezer->second + "/freezer.state", "FROZEN");
  std::set<pid_t> pids;
  for (const std::string& dir : dirs) {
    if (fs::isDirectory(dir)) (void)collectPids(dir, &pids);
  }
  killAll(pids);
  if (freeze) {
    if (auto thawed = fs::writeFile(freezer->second + "/freezer.state", "THAWED"); !thawed) {
      return thawed.error();
    }
  }
  return success();
}

Result<void> ContainerCgroup::destroy() const {
  if (auto killed = kill(); !killed) return killed.error();
  std::vector<std::string> dirs;
  if (v2Path_) dirs.push_back(*v2Path_);
  for (const std::string& procs : v1ProcsFiles())
    dirs.push_back(procs.substr(0, procs.rfind('/')));
  std::optional<Error> firstError;
  for (const std::string& dir : dirs)
    if (auto removed = removeCgroupTree(dir); !removed && !firstError) firstError = removed.error();
  if (firstError) return *firstError;
  return success();
}

Result<uint64_t> ContainerCgroup::oomKills() const {
  if (!controllers_.contains("memory"))
    return Error("container " + id_ + " has no memory cgroup: no OOM count");
  const bool v2 = !v1Paths_.contains("memory");
  // v1's memory.oom_control has an oom_kill line since Linux 4.13.
  auto values = readFlatKeyed("memory", v2 ? "memory.events" : "memory.oom_control");
  if (!values) return values.error();
  auto it = values->find("oom_kill");
  if (it == values->end())
    return Error(file("memory", v2 ? "memory.events" : "memory.oom_control") +
                 " has no oom_kill counter (kernel older than 4.13?)");
  return it->second;
}

}  // namespace mesolite::cgroups
