// Every flag of mesos-master: Mesos's names, defaults and meanings. The definitions
// drive parsing, --help, /flags and the man page.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/flags.h"
#include "common/http_server_flags.h"

namespace mesolite::master {

struct MasterFlags {
  MasterFlags();

  FlagSet set;
  HttpServerFlags http;  // --http_max_connections, ... (common/http_server_flags.h)

  std::optional<std::string> ip;
  uint32_t port = 0;
  std::optional<std::string> advertise_ip;
  std::optional<uint32_t> advertise_port;
  std::optional<std::string> hostname;
  bool hostname_lookup = true;
  std::optional<std::string> work_dir;
  std::string registry;
  std::optional<std::string> zk;
  std::optional<uint32_t> quorum;
  Duration zk_session_timeout;
  std::optional<std::string> cluster;
  std::optional<std::string> webui_dir;  // the web UI's files (master-lite/webui.h)

  Duration allocation_interval;
  std::optional<Duration> offer_timeout;
  std::optional<std::string> roles;
  std::optional<std::string> weights;
  Duration agent_ping_timeout;
  uint32_t max_agent_ping_timeouts = 0;
  Duration agent_reregister_timeout;
  // The registry (registrar.h) and what a new leader does with agents that do not return.
  Duration registry_store_timeout;
  Duration registry_fetch_timeout;
  Duration registry_max_agent_age;
  uint64_t registry_max_agent_count = 0;
  Duration registry_gc_interval;
  std::optional<std::string> agent_removal_rate_limit;  // "N/DURATION"
  std::string recovery_agent_removal_limit;             // "P%"
  uint32_t max_completed_frameworks = 0;
  uint32_t max_completed_tasks_per_framework = 0;
  uint32_t max_operator_event_stream_subscribers = 0;
  std::optional<std::string> rate_limits;

  bool authenticate_frameworks = false;
  bool authenticate_http_frameworks = false;
  bool authenticate_agents = false;
  bool authenticate_http_readonly = false;
  bool authenticate_http_readwrite = false;
  std::optional<std::string> credentials;
  std::string http_authenticators;
  std::optional<std::string> http_framework_authenticators;
  std::optional<std::string> acls;
  std::string authorizers;

  std::string logging_level;
  std::optional<std::string> log_dir;
  bool quiet = false;
  uint32_t logbufsecs = 0;

  std::string allocator;
  std::string framework_sorter;
  std::string role_sorter;
  bool root_submissions = true;
};

}  // namespace mesolite::master
