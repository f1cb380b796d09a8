#include "isolators/unhonoured_fields.h"

namespace mesolite::isolation {

Result<void> UnhonouredFieldsCheck::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  const auto& info = spec.info;
  const auto refuse = [&](const std::string& field, const std::string& why) -> Result<void> {
    return Error("container " + spec.id + ": " + field + " " + why);
  };
  const auto needs = [&](const std::string& field, const char* isolator) -> Result<void> {
    if (enabled_.count(isolator)) return success();
    return refuse(field, std::string("needs the ") + isolator + " isolator (--isolation)");
  };
  // TaskInfo.limits are cgroup settings: without the cgroup, no limit would hold.
  for (const auto& [name, limit] : spec.limits) {
    const std::string subsystem = name == "cpus" ? "cpu" : "mem";
    if (!cgroupSubsystems_.count(subsystem)) {
      return refuse("limits." + name, "needs the cgroups/" + subsystem + " isolator (--isolation)");
    }
  }
  // A network is a namespace of the container's own ("none": loopback only) or the
  // host's (no name); CNI networks and their settings would otherwise be dropped.
  for (int i = 0; i < info.network_infos_size(); ++i) {
    const auto& network = info.network_infos(i);
    const std::string field = "container.network_infos[" + std::to_string(i) + "]";
    if (!network.name().empty() && network.name() != "none") {
      return refuse(field + ".name '" + network.name() + "'",
                    "is not supported: CNI networks are not built; use 'none' (a network "
                    "namespace with loopback only) or no network_infos (the host's network)");
    }
    if (network.ip_addresses_size() > 0)
      return refuse(field + ".ip_addresses", "are not supported");
    if (network.groups_size() > 0) return refuse(field + ".groups", "are not supported");
    if (network.has_labels()) return refuse(field + ".labels", "are not supported (CNI arguments)");
    if (network.port_mappings_size() > 0) {
      return refuse(field + ".port_mappings", "are not supported (no port mapping)");
    }
  }
  if (info.has_rlimit_info()) {
    if (auto ok = needs("container.rlimit_info", "posix/rlimits"); !ok) return ok;
  }
  if (info.volumes_size() > 0) return refuse("container.volumes", "are not supported yet");
  // A DOCKER type is refused by the containerizer; this catches docker options on a
  // MESOS container.
  if (info.has_docker()) {
    return refuse("container.docker", "needs a Docker containerizer, which this agent has not");
  }
  if (info.mesos().has_image()) return refuse("container.mesos.image", "is not supported yet");
  if (info.has_tty_info()) return refuse("container.tty_info", "is not supported yet");
  if (info.has_linux_info()) {
    const auto& linux = info.linux_info();
    if (linux.has_capability_info() || linux.has_effective_capabilities() ||
        linux.has_bounding_capabilities()) {
      if (auto ok = needs("linux_info capabilities", "linux/capabilities"); !ok) return ok;
    }
    if (linux.has_seccomp()) {
      if (auto ok = needs("linux_info.seccomp", "linux/seccomp"); !ok) return ok;
    }
    if (linux.share_pid_namespace()) {
      return refuse("linux_info.share_pid_namespace",
                    options_.disallowSharingPidNamespace
                        ? "is disallowed (--disallow_sharing_agent_pid_namespace)"
                        : "is not supported (tasks never share the host's)");
    }
    if (linux.has_ipc_mode() && linux.ipc_mode() == mesos::v1::LinuxInfo::PRIVATE) {
      if (auto ok = needs("linux_info.ipc_mode PRIVATE", "namespaces/ipc"); !ok) return ok;
    }
    if (linux.has_ipc_mode() && linux.ipc_mode() == mesos::v1::LinuxInfo::SHARE_PARENT) {
      return refuse("linux_info.ipc_mode SHARE_PARENT",
                    options_.disallowSharingIpcNamespace
                        ? "is disallowed (--disallow_sharing_agent_ipc_namespace)"
                        : "is not supported");
    }
    if (linux.has_shm_size()) return refuse("linux_info.shm_size", "is not supported yet");
    if (linux.has_share_cgroups() && !linux.share_cgroups()) {
      return refuse("linux_info.share_cgroups=false", "is not supported (nested containers)");
    }
  }
  return success();
}

}  // namespace mesolite::isolation
