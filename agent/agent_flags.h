// Every flag of mesos-agent: Mesos's names, defaults and meanings. The definitions
// drive parsing, --help, /flags and the man page.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/http_server_flags.h"

namespace mesolite::agent {

// Our default isolation is much stronger than Mesos's `posix/cpu,posix/mem`.
inline constexpr const char* kDefaultIsolation =
    "cgroups/cpu,cgroups/mem,cgroups/pids,cgroups/devices,namespaces/pid,namespaces/ipc,"
    "namespaces/uts,filesystem/linux,linux/capabilities,linux/nnp,linux/seccomp,posix/rlimits";

struct AgentFlags {
  AgentFlags();

  FlagSet set;
  HttpServerFlags http;  // --http_max_connections, ... (common/http_server_flags.h)

  std::optional<std::string> master;
  std::string work_dir;
  std::string runtime_dir;
  std::optional<std::string> ip;
  uint32_t port = 0;
  std::optional<std::string> advertise_ip;
  std::optional<uint32_t> advertise_port;
  std::optional<std::string> hostname;
  bool hostname_lookup = true;
  std::optional<std::string> resources;
  std::optional<std::string> attributes;
  std::string default_role;

  std::string isolation;
  std::string containerizers;
  std::string launcher;
  std::string launcher_dir;
  std::optional<std::string> modules;
  std::string cgroups_hierarchy;
  std::string cgroups_root;
  bool cgroups_enable_cfs = false;
  bool cgroups_limit_swap = false;
  bool systemd_enable_support = true;
  std::string systemd_runtime_directory;
  std::optional<std::string> seccomp_config_dir;
  std::optional<std::string> seccomp_profile_name;
  std::optional<std::string> effective_capabilities;
  std::optional<std::string> bounding_capabilities;
  bool seccomp_allow_unconfined = false;
  std::optional<std::string> masked_paths;
  std::optional<std::string> filesystem_writable_roles;
  bool switch_user = true;
  std::string sandbox_directory;
  std::string user_namespace_id_range;

  std::string recover;
  bool strict = true;
  Duration recovery_timeout;
  Duration registration_backoff_factor;
  Duration zk_session_timeout;
  Duration executor_registration_timeout;
  Duration executor_shutdown_grace_period;
  Duration gc_delay;
  double gc_disk_headroom = 0.1;
  Duration disk_watch_interval;
  Duration container_disk_watch_interval;
  bool enforce_container_disk_quota = false;

  std::string container_logger;
  Bytes max_stdout_size;
  std::string logrotate_stdout_options;
  Bytes max_stderr_size;
  std::string logrotate_stderr_options;

  std::string logging_level;
  std::optional<std::string> log_dir;
  bool quiet = false;
  uint32_t logbufsecs = 0;

  std::optional<std::string> executor_environment_variables;

  std::string fetcher_cache_dir;
  Bytes fetcher_cache_size;
  Duration fetcher_stall_timeout;

  // Sharing the agent's namespaces is refused per task whatever these say.
  bool disallow_sharing_agent_pid_namespace = false;
  bool disallow_sharing_agent_ipc_namespace = false;

  // Settings of Mesos's Docker containerizer, which is not built: accepted beside
  // --containerizers=docker,mesos (with a warning), refused otherwise.
  bool authenticate_http_readonly = false;
  bool authenticate_http_readwrite = false;
  std::optional<std::string> http_credentials;
  std::string http_authenticators;
  std::optional<std::string> credential;
  std::optional<std::string> acls;
  std::string authorizer;
  bool allow_unauthenticated_operator_writes = false;

  std::optional<std::string> docker;
  std::optional<std::string> docker_config;
  std::optional<bool> docker_ignore_runtime;
  std::optional<bool> docker_kill_orphans;
  std::optional<std::string> docker_mesos_image;
  std::optional<std::string> docker_remove_delay;
  std::optional<std::string> docker_socket;
  std::optional<std::string> docker_stop_timeout;
};

// --executor_environment_variables: a JSON object of strings, {"NAME": "value", ...}.
Result<std::map<std::string, std::string>> parseExecutorEnvironment(const std::string& json);

}  // namespace mesolite::agent
