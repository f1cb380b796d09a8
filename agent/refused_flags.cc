// The flags of Mesos 1.11's agent that mesos-agent refuses, each with why and what to do
// instead. A flag leaves this table when it is built (then it is an AgentFlags member).
#include "agent/refused_flags.h"

#include "common/refused_flags.h"

namespace mesolite::agent {

namespace {

constexpr std::string_view kRemove = "remove it";
constexpr std::string_view kNoImages =
    "container images are not supported yet (a task asking for one is refused)";
constexpr std::string_view kNoImagesInstead =
    "remove it; tasks run on the host's filesystem, confined by filesystem/linux";
constexpr std::string_view kNoCni = "the network/cni isolator is not built";
constexpr std::string_view kNoPortMapping = "the network/port_mapping isolator is not built";
constexpr std::string_view kNoPortsIsolator = "the network/ports isolator is not built";
constexpr std::string_view kHostNetwork =
    "remove it; tasks share the host's network (or get a loopback-only one with "
    "NetworkInfo none)";
constexpr std::string_view kNoOversubscription =
    "oversubscription (revocable resources) is not supported";
constexpr std::string_view kNoPerf = "the perf_event isolator is not built";
constexpr std::string_view kOnlyIsolatorModules = "only isolator modules can be loaded (--modules)";
constexpr std::string_view kNoHadoop =
    "the fetcher fetches http://, https://, file:// and absolute paths only (no hdfs://)";
constexpr std::string_view kNoFrameworksHome =
    "the fetcher takes absolute paths only: relative URIs are refused";
constexpr std::string_view kNoExecutorProcess =
    "command tasks run under the agent's own launcher, with no executor process to "
    "register, reconnect or speak HTTP";
constexpr std::string_view kRecoveryInstead =
    "remove it; the agent recovers its tasks from their checkpoints (--recover, --strict)";
constexpr std::string_view kNoResourceProviders =
    "resource providers and CSI volumes are not supported";

constexpr RefusedFlag kAgentRefusedFlags[] = {
    {"agent_features", "the agent's capabilities are fixed by this build",
     "remove it; the master sees them in the agent's registration"},
    {"agent_subsystems", "the agent does not put itself into cgroups of its own",
     "remove it, and limit the agent with its systemd unit (MemoryMax=, CPUQuota=)"},
    {"allowed_devices", "the devices a container may use are fixed (the standard pseudo-devices)",
     kRemove},
    {"appc_simple_discovery_uri_prefix", kNoImages, kNoImagesInstead},
    {"appc_store_dir", kNoImages, kNoImagesInstead},
    {"authenticate_http_executors", kAuthenticationMissing, kAuthenticationInstead},
    {"authenticatee", kAuthenticationMissing, kAuthenticationInstead},
    {"authentication_backoff_factor", kAuthenticationMissing, kAuthenticationInstead},
    {"authentication_timeout_max", kAuthenticationMissing, kAuthenticationInstead},
    {"authentication_timeout_min", kAuthenticationMissing, kAuthenticationInstead},
    {"cgroups_cpu_enable_pids_and_tids_count",
     "a container's statistics do not count its processes and threads",
     "remove it; cgroups/pids limits them"},
    {"cgroups_destroy_timeout", "the time a cgroup's teardown may take is not configurable",
     kRemove},
    {"cgroups_net_cls_primary_handle", "the cgroups/net_cls isolator is not built", kRemove},
    {"cgroups_net_cls_secondary_handles", "the cgroups/net_cls isolator is not built", kRemove},
    {"check_agent_port_range_only", kNoPortsIsolator, kRemove},
    {"container_ports_isolated_range", kNoPortsIsolator, kRemove},
    {"container_ports_watch_interval", kNoPortsIsolator, kRemove},
    {"csi_plugin_config_dir", kNoResourceProviders, kRemove},
    {"default_container_dns", kNoCni, kHostNetwork},
    {"default_container_info", "a default ContainerInfo for tasks without one is not supported",
     "remove it, and set the container in the task"},
    {"default_container_shm_size", "a private /dev/shm of a set size is not supported", kRemove},
    {"disk_profile_adaptor", kNoResourceProviders, kRemove},
    {"docker_registry", kNoImages, kNoImagesInstead},
    {"docker_store_dir", kNoImages, kNoImagesInstead},
    {"docker_volume_checkpoint_dir", "the docker/volume isolator is not built", kRemove},
    {"docker_volume_chown", "the docker/volume isolator is not built", kRemove},
    {"domain_socket_location", kNoExecutorProcess, kRemove},
    {"egress_flow_classifier_parent", kNoPortMapping, kHostNetwork},
    {"egress_rate_limit_per_container", kNoPortMapping, kHostNetwork},
    {"egress_unique_flow_per_container", kNoPortMapping, kHostNetwork},
    {"enforce_container_ports", kNoPortsIsolator, kRemove},
    {"ephemeral_ports_per_container", kNoPortMapping, kHostNetwork},
    {"eth0_name", kNoPortMapping, kHostNetwork},
    {"executor_reregistration_retry_interval", kNoExecutorProcess, kRecoveryInstead},
    {"executor_reregistration_timeout", kNoExecutorProcess, kRecoveryInstead},
    {"frameworks_home", kNoFrameworksHome, "remove it, and give absolute paths in the URIs"},
    {"gc_non_executor_container_sandboxes",
     "standalone containers' sandboxes are not garbage-collected", kRemove},
    {"hadoop_home", kNoHadoop, "remove it, and serve the files over http(s)"},
    {"host_path_volume_force_creation", "the volume/host_path isolator is not built", kRemove},
    {"http_command_executor", kNoExecutorProcess, kRemove},
    {"http_executor_domain_sockets", kNoExecutorProcess, kRemove},
    {"http_heartbeat_interval", "the interval of the operator API's heartbeats is fixed", kRemove},
    {"image_gc_config", kNoImages, kNoImagesInstead},
    {"image_providers", kNoImages, kNoImagesInstead},
    {"image_provisioner_backend", kNoImages, kNoImagesInstead},
    {"ip6", "IPv6 addresses for the agent and its containers are not supported",
     "remove it, and give --ip"},
    {"ip6_discovery_command", "IPv6 addresses for the agent and its containers are not supported",
     "remove it, and give --ip"},
    {"jwt_secret_key", kAuthenticationMissing, kAuthenticationInstead},
    {"lo_name", kNoPortMapping, kHostNetwork},
    {"master_detector", kOnlyIsolatorModules, "remove it, and give --master=host:port"},
    {"max_completed_executors_per_framework",
     "the number of finished executors kept in memory is fixed", kRemove},
    {"network_cni_config_dir", kNoCni, kHostNetwork},
    {"network_cni_metrics", kNoCni, kHostNetwork},
    {"network_cni_plugins_dir", kNoCni, kHostNetwork},
    {"network_cni_root_dir_persist", kNoCni, kHostNetwork},
    {"network_enable_snmp_statistics", kNoPortMapping, kHostNetwork},
    {"network_enable_socket_statistics_details", kNoPortMapping, kHostNetwork},
    {"network_enable_socket_statistics_summary", kNoPortMapping, kHostNetwork},
    {"nvidia_gpu_devices", "the gpu/nvidia isolator is not built", kRemove},
    {"oversubscribed_resources_interval", kNoOversubscription, kRemove},
    {"perf_duration", kNoPerf, kRemove},
    {"perf_events", kNoPerf, kRemove},
    {"perf_interval", kNoPerf, kRemove},
    {"qos_controller", kNoOversubscription, kRemove},
    {"qos_correction_interval_min", kNoOversubscription, kRemove},
    {"reconfiguration_policy",
     "an agent restarted with other resources or attributes is not checked against its "
     "checkpoint",
     "remove it; change --resources or --attributes after draining the agent"},
    {"resource_estimator", kNoOversubscription, kRemove},
    {"resource_provider_config_dir", kNoResourceProviders, kRemove},
    {"revocable_cpu_low_priority", kNoOversubscription, kRemove},
    {"secret_resolver", "secrets are not supported (a task using one is refused)", kRemove},
    {"xfs_project_range", "the disk/xfs isolator is not built",
     "remove it, and use disk/du with --enforce_container_disk_quota"},
};

}  // namespace

void refuseMesosOnlyFlags(FlagSet& set) {
  set.refuse(commonRefusedFlags());
  set.refuse(kAgentRefusedFlags);
}

Result<std::vector<std::string>> dockerFlagWarnings(const AgentFlags& flags) {
  const auto text = [](const std::optional<bool>& value) -> std::optional<std::string> {
    if (!value) return std::nullopt;
    return formatFlagValue(*value);
  };
  // Each given flag with its value, as the warning or the refusal shows it.
  const std::pair<const void*, std::optional<std::string>> docker[] = {
      {&flags.docker, flags.docker},
      {&flags.docker_config, flags.docker_config},
      {&flags.docker_ignore_runtime, text(flags.docker_ignore_runtime)},
      {&flags.docker_kill_orphans, text(flags.docker_kill_orphans)},
      {&flags.docker_mesos_image, flags.docker_mesos_image},
      {&flags.docker_remove_delay, flags.docker_remove_delay},
      {&flags.docker_socket, flags.docker_socket},
      {&flags.docker_stop_timeout, flags.docker_stop_timeout},
  };
  const bool dockerNamed = ("," + flags.containerizers + ",").find(",docker,") != std::string::npos;
  std::vector<std::string> warnings;
  for (const auto& [target, value] : docker) {
    if (!value) continue;
    const std::string name = flags.set.describe(target);
    if (!dockerNamed) {
      return Error(name +
                   " configures Mesos's Docker containerizer, which is not built and not in "
                   "--containerizers; remove it");
    }
    warnings.push_back(name + " has no effect: the Docker containerizer is not built (value '" +
                       *value + "' ignored)");
  }
  return warnings;
}

}  // namespace mesolite::agent
