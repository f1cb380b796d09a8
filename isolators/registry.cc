#include "isolators/registry.h"

#include <map>
#include <set>
#include <sstream>

#include "common/logging.h"
#include "isolators/cgroups_isolator.h"
#include "isolators/disk_du_isolator.h"
#include "isolators/filesystem_linux_isolator.h"
#include "isolators/linux_capabilities_isolator.h"
#include "isolators/linux_seccomp_isolator.h"
#include "isolators/module_loader.h"
#include "isolators/namespaces_isolator.h"
#include "isolators/posix_usage_isolator.h"
#include "isolators/rlimits_isolator.h"
#include "isolators/unhonoured_fields.h"
#include "isolators/user_namespace_isolator.h"

namespace mesolite::isolation {

namespace {

const std::map<std::string_view, std::vector<std::string_view>>& aliases() {
  static const std::map<std::string_view, std::vector<std::string_view>> table{
      {"process", {"posix/cpu", "posix/mem"}},
      {"cgroups", {"cgroups/cpu", "cgroups/mem"}},
      {"posix/disk", {"disk/du"}},
  };
  return table;
}

// Names Mesos has that we do not (yet): refused by name, with why and what instead.
struct Unbuilt {
  std::string_view why;
  std::string_view instead;
};
const std::map<std::string_view, Unbuilt>& knownButUnbuilt() {
  static constexpr std::string_view kNoVolumes =
      "container volumes are not supported yet (a task with volumes is refused)";
  static constexpr std::string_view kNoImages =
      "container images are not supported yet (a task with an image is refused)";
  static constexpr std::string_view kNoDocker =
      "Docker containers are not supported (no Docker containerizer)";
  static constexpr std::string_view kHostNetwork =
      "tasks share the host's network, or get a loopback-only one with NetworkInfo none";
  static constexpr std::string_view kRemove = "remove it";
  static const std::map<std::string_view, Unbuilt> names{
      {"appc/runtime", {kNoImages, kRemove}},
      {"disk/xfs",
       {"XFS project quotas are not built", "use disk/du with --enforce_container_disk_quota"}},
      {"docker/runtime", {kNoDocker, kRemove}},
      {"docker/volume", {kNoVolumes, kRemove}},
      {"environment_secret", {"secrets are not supported (a task using one is refused)", kRemove}},
      {"filesystem/shared",
       {"Mesos deprecated it for filesystem/linux", "use filesystem/linux (in the default)"}},
      {"gpu/nvidia", {"GPUs are not isolated", kRemove}},
      {"linux/devices",
       {"devices beyond the standard pseudo-devices are not given to containers",
        "remove it; cgroups/devices (in the default) allows the standard ones"}},
      {"namespaces/net", {"a network namespace per container is not built", kHostNetwork}},
      {"network/cni", {"CNI networks are not built", kHostNetwork}},
      {"network/port_mapping", {"port-mapping network isolation is not built", kHostNetwork}},
      {"network/ports",
       {"containers' listening ports are not checked against their port resources", kRemove}},
      {"volume/csi", {kNoVolumes, kRemove}},
      {"volume/host_path", {kNoVolumes, kRemove}},
      {"volume/image", {kNoImages, kRemove}},
      {"volume/sandbox_path", {kNoVolumes, kRemove}},
      {"volume/secret", {kNoVolumes, kRemove}},
      {"windows/cpu", {"this is Linux", "use cgroups/cpu or posix/cpu"}},
      {"windows/mem", {"this is Linux", "use cgroups/mem or posix/mem"}},
  };
  return names;
}

}  // namespace

bool isBuiltinIsolator(std::string_view name) {
  if (aliases().count(name) || knownButUnbuilt().count(name)) return true;
  const size_t slash = name.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view family = name.substr(0, slash + 1);
  if (family == "cgroups/" || family == "namespaces/" || family == "posix/") return true;
  for (const auto& [known, unused] : knownButUnbuilt()) {
    if (known.substr(0, slash + 1) == family) return true;
  }
  return false;
}

Result<Isolators> createIsolators(std::string_view isolation, boost::asio::io_context& io,
                                  const cgroups::Hierarchy& hierarchy,
                                  const IsolatorOptions& options, const ModuleRegistry* modules) {
  std::vector<std::string> names;
  std::stringstream list{std::string(isolation)};
  for (std::string name; std::getline(list, name, ',');) {
    if (name.empty()) continue;
    auto alias = aliases().find(name);
    if (alias == aliases().end()) {
      names.push_back(name);
    } else {
      names.insert(names.end(), alias->second.begin(), alias->second.end());
    }
  }

  std::set<std::string> cgroupSubsystems;
  std::set<std::string> namespaceKinds;
  bool rlimits = false;
  bool userNamespace = false;
  bool posixFilesystem = false;
  bool posixCpu = false;
  bool diskDu = false;
  bool posixMem = false;
  std::set<std::string> hardening;  // filesystem/linux, linux/*
  std::vector<std::string> fromModules;
  std::vector<std::string> resolved;
  for (const std::string& name : names) {
    if (std::find(resolved.begin(), resolved.end(), name) != resolved.end()) continue;
    resolved.push_back(name);
    if (name == "cgroups/all") {
      auto all = CgroupsIsolator::allSubsystems(hierarchy);
      cgroupSubsystems.insert(all.begin(), all.end());
    } else if (name.rfind("cgroups/", 0) == 0) {
      cgroupSubsystems.insert(name.substr(8));
    } else if (name == "namespaces/pid" || name == "namespaces/ipc" || name == "namespaces/uts") {
      namespaceKinds.insert(name.substr(11));
    } else if (name == "namespaces/user") {
      userNamespace = true;
    } else if (name == "disk/du") {
      diskDu = true;
    } else if (name == "posix/cpu") {
      posixCpu = true;
    } else if (name == "posix/mem") {
      posixMem = true;
    } else if (name == "posix/rlimits") {
      rlimits = true;
    } else if (name == "filesystem/posix") {
      // Mesos's default for tasks without an image: the sandbox, and the host's
      // filesystem shared. That is what a task gets without filesystem/linux.
      posixFilesystem = true;
    } else if (name == "filesystem/linux" || name == "linux/capabilities" || name == "linux/nnp" ||
               name == "linux/seccomp") {
      hardening.insert(name);
    } else if (auto unbuilt = knownButUnbuilt().find(name); unbuilt != knownButUnbuilt().end()) {
      return Error("--isolation: Mesos's isolator '" + name + "' is not supported: " +
                   std::string(unbuilt->second.why) + "; " + std::string(unbuilt->second.instead));
    } else if (modules != nullptr && modules->contains(name)) {
      fromModules.push_back(name);
    } else {
      return Error("unknown isolator '" + name + "' in --isolation");
    }
  }

  if (posixFilesystem && hardening.count("filesystem/linux")) {
    return Error(
        "filesystem/posix and filesystem/linux exclude each other: filesystem/posix "
        "shares the host's filesystem, filesystem/linux confines it");
  }
  Isolators out;
  out.names = resolved;
  out.isolators.push_back(std::make_unique<UnhonouredFieldsCheck>(
      std::set<std::string>(resolved.begin(), resolved.end()), cgroupSubsystems, options));
  if (!cgroupSubsystems.empty()) {
    auto cgroups = CgroupsIsolator::create(io, hierarchy, options, cgroupSubsystems);
    if (!cgroups) return cgroups.error();
    out.isolators.push_back(std::move(*cgroups));
  }
  // Always present: it also gives "none"-network containers their loopback-only
  // namespace, which must never be silently skipped.
  out.isolators.push_back(std::make_unique<NamespacesIsolator>(
      namespaceKinds, hierarchy.layout == cgroups::Layout::kV2));
  if (!userNamespace && options.userNamespaceIdRange != IsolatorOptions().userNamespaceIdRange) {
    return Error(
        "--user_namespace_id_range is given but namespaces/user is not in --isolation: "
        "containers would not get user namespaces");
  }
  if (userNamespace) {
    auto users = UserNamespaceIsolator::create(options);
    if (!users) return users.error().wrap("namespaces/user");
    out.isolators.push_back(std::move(*users));
  }
  if (hardening.count("filesystem/linux")) {
    auto filesystem = FilesystemLinuxIsolator::create(options);
    if (!filesystem) return filesystem.error();
    out.isolators.push_back(std::move(*filesystem));
  }
  if (rlimits) out.isolators.push_back(std::make_unique<RLimitsIsolator>());
  if (diskDu) {
    if (!options.enforceContainerDiskQuota)
      log::warn(
          "disk/du measures sandboxes only: --enforce_container_disk_quota ends the "
          "containers over their disk resource");
    out.isolators.push_back(std::make_unique<DiskDuIsolator>(io, options));
  } else if (options.enforceContainerDiskQuota) {
    return Error("--enforce_container_disk_quota needs disk/du in --isolation");
  }
  if (posixCpu || posixMem) {
    // Mesos's default isolation measures and limits nothing: say so where it matters.
    if (posixCpu && !cgroupSubsystems.count("cpu"))
      log::warn("posix/cpu measures cpu time only: tasks' cpu is not limited (cgroups/cpu is)");
    if (posixMem && !cgroupSubsystems.count("mem") && !cgroupSubsystems.count("memory"))
      log::warn("posix/mem measures memory only: tasks' memory is not limited (cgroups/mem is)");
    out.isolators.push_back(
        std::make_unique<PosixUsageIsolator>(posixCpu, posixMem, options.runtimeDir));
  }
  // Capabilities before seccomp: the filter depends on the capabilities the task holds.
  if (hardening.count("linux/capabilities")) {
    auto capabilities = LinuxCapabilitiesIsolator::create(options);
    if (!capabilities) return capabilities.error();
    out.isolators.push_back(std::move(*capabilities));
  }
  if (hardening.count("linux/nnp")) out.isolators.push_back(std::make_unique<LinuxNnpIsolator>());
  if (hardening.count("linux/seccomp")) {
    auto seccomp = LinuxSeccompIsolator::create(options);
    if (!seccomp) return seccomp.error();
    out.isolators.push_back(std::move(*seccomp));
  }
  for (const std::string& name : fromModules) {
    auto isolator = modules->create(name);
    if (!isolator) return isolator.error();
    out.isolators.push_back(std::move(*isolator));
  }
  return out;
}

}  // namespace mesolite::isolation
