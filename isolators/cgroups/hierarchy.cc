// Layout detection: which cgroup versions the host mounted where.
#include <linux/magic.h>
#include <sys/vfs.h>

#include <sstream>

#include "isolators/cgroups/cgroupfs.h"
#include "isolators/cgroups/cgroups.h"

namespace mesolite::cgroups {
namespace {

// cgroup2 provides these without listing them in cgroup.controllers: perf_event is
// enabled implicitly wherever it is not bound to a v1 hierarchy, freezing is core
// (cgroup.freeze) and device access is policed by BPF programs attached to the cgroup.
bool implicitOnV2(const std::string& controller) {
  return controller == "perf_event" || controller == "freezer" || controller == "devices";
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeMountField(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view digits = field.substr(i + 1, 3);
      if (digits.find_first_not_of("01234567") == std::string_view::npos) {
        out.push_back(char((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool isUnder(const std::string& path, const std::string& root) {
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

Result<std::optional<long>> filesystemType(const std::string& path) {
  struct statfs st;
  if (::statfs(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<long>();
    return Error::fromErrno("statfs " + path);
  }
  return std::optional<long>(long(st.f_type));
}

// controller -> mount point, for every v1 ("cgroup") mount; mounts under `root` win
// over bind mounts elsewhere.
Result<std::map<std::string, std::string>> v1MountsFromMountinfo(const std::string& root) {
  auto mountinfo = fs::readFile("/proc/self/mountinfo");
  if (!mountinfo) return mountinfo.error();
  std::map<std::string, std::string> mounts;
  std::istringstream lines(*mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    // id parent major:minor root mount-point options [optional...] - type source super-options
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    const std::vector<std::string> before = split(line.substr(0, dash), ' ');
    const std::vector<std::string> after = split(line.substr(dash + 3), ' ');
    if (before.size() < 5 || after.size() < 3 || after[0] != "cgroup") continue;
    const std::string mountPoint = unescapeMountField(before[4]);
    for (const std::string& option : split(after[2], ',')) {
      // Skip mount options and named hierarchies (name=systemd): not controllers.
      if (option.empty() || option == "rw" || option == "ro" || option == "noprefix" ||
          option == "clone_children" || option == "xattr" || option == "cpuset_v2_mode" ||
          option.find('=') != std::string::npos)
        continue;
      auto [it, inserted] = mounts.emplace(option, mountPoint);
      if (!inserted && !isUnder(it->second, root) && isUnder(mountPoint, root))
        it->second = mountPoint;
    }
  }
  return mounts;
}

Result<std::set<std::string>> readControllers(const std::string& v2Mount) {
  auto content = fs::readFile(v2Mount + "/cgroup.controllers");
  if (!content) return content.error();
  std::set<std::string> controllers;
  for (const std::string& name : split(fs::trim(*content), ' '))
    if (!name.empty()) controllers.insert(name);
  return controllers;
}

}  // namespace

std::string_view layoutName(Layout layout) {
  switch (layout) {
    case Layout::kV1:
      return "v1";
    case Layout::kV2:
      return "v2";
    case Layout::kHybrid:
      return "hybrid";
  }
  return "unknown";
}

std::set<std::string> Hierarchy::controllers() const {
  std::set<std::string> all = v2Controllers;
  for (const auto& [controller, mount] : v1Mounts)
    all.insert(controller);
  if (v2Mount)
    for (const char* implicit : {"perf_event", "freezer", "devices"})
      all.insert(implicit);
  return all;
}

std::optional<std::string> Hierarchy::v2Base() const {
  if (!v2Mount) return std::nullopt;
  return *v2Mount + v2Delegated;
}

bool Hierarchy::onV2(const std::string& controller) const {
  // A controller bound to a v1 hierarchy is unavailable on cgroup2 (the kernel allows
  // one hierarchy per controller).
  if (v1Mounts.contains(controller)) return false;
  if (v2Controllers.contains(controller)) return true;
  return v2Mount.has_value() && implicitOnV2(controller);
}

Result<Hierarchy> detect(const std::string& root) {
  Hierarchy hierarchy;
  hierarchy.root = root;
  while (hierarchy.root.size() > 1 && hierarchy.root.back() == '/')
    hierarchy.root.pop_back();

  auto rootType = filesystemType(hierarchy.root);
  if (!rootType) return rootType.error();
  if (!*rootType) return Error("cgroup hierarchy " + hierarchy.root + " does not exist");

  if (**rootType == CGROUP2_SUPER_MAGIC) {
    hierarchy.layout = Layout::kV2;
    hierarchy.v2Mount = hierarchy.root;
  } else if (**rootType == TMPFS_MAGIC) {
    const std::string unified = hierarchy.root + "/unified";
    auto unifiedType = filesystemType(unified);
    if (!unifiedType) return unifiedType.error();
    if (*unifiedType && **unifiedType == CGROUP2_SUPER_MAGIC) {
      hierarchy.layout = Layout::kHybrid;
      hierarchy.v2Mount = unified;
    } else {
      hierarchy.layout = Layout::kV1;
    }
    auto mounts = v1MountsFromMountinfo(hierarchy.root);
    if (!mounts) return mounts.error();
    hierarchy.v1Mounts = std::move(*mounts);
    if (hierarchy.v1Mounts.empty() && hierarchy.layout == Layout::kV1)
      return Error(hierarchy.root + " is a tmpfs without cgroup v1 controllers mounted (" +
                   "see /proc/self/mountinfo) and without cgroup2 at " + unified);
  } else {
    std::ostringstream magic;
    magic << std::hex << **rootType;
    return Error(hierarchy.root + " is neither cgroup2 nor a tmpfs of cgroup v1 mounts " +
                 "(filesystem magic 0x" + magic.str() + ")");
  }

  if (hierarchy.v2Mount) {
    auto controllers = readControllers(*hierarchy.v2Mount);
    if (!controllers) return controllers.error();
    hierarchy.v2Controllers = std::move(*controllers);
  }
  return hierarchy;
}

Result<void> delegateTo(Hierarchy* hierarchy, const std::string& cgroup) {
  if (!hierarchy->v2Mount) return Error("no cgroup2 mount to delegate " + cgroup + " in");
  if (cgroup.empty() || cgroup[0] != '/' || cgroup.find("/..") != std::string::npos)
    return Error("invalid delegated cgroup '" + cgroup + "'");
  auto controllers = readControllers(*hierarchy->v2Mount + cgroup);
  if (!controllers) return controllers.error();
  hierarchy->v2Delegated = cgroup == "/" ? "" : cgroup;
  hierarchy->v2Controllers = std::move(*controllers);
  return success();
}

}  // namespace mesolite::cgroups
