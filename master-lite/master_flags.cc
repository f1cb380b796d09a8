#include "master-lite/master_flags.h"

#include "common/authorizer.h"
#include "master-lite/agent_removal.h"
#include "master-lite/rate_limiter.h"
#include "master-lite/refused_flags.h"
#include "master-lite/webui_dir.h"

namespace mesolite::master {

namespace {

// "role1=2.0,role2=1" with positive weights.
Result<void> validWeights(const std::string& text) {
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string entry = text.substr(start, comma - start);
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error("weight '" + entry + "' is not of the form role=weight");
    }
    auto weight = parseFlagValue(entry.substr(eq + 1), static_cast<double*>(nullptr));
    if (!weight || *weight <= 0) {
      return Error("weight '" + entry + "' needs a positive number after '='");
    }
    start = comma + 1;
  }
  return success();
}

Result<void> onlyBasic(const std::string& text) {
  if (text == "basic") return success();
  return Error("'" + text + "' is not built: only basic (HTTP Basic against --credentials)");
}

Result<void> validateRateLimitsFlag(const std::string& text) {
  auto parsed = parseRateLimits(text);
  if (!parsed) return parsed.error();
  return success();
}

}  // namespace

MasterFlags::MasterFlags()
    : set("mesos-master",
          "The Mesolite master: registers agents, offers their resources to frameworks "
          "(hierarchical DRF) and serves the Mesos v1 scheduler and operator APIs.") {
  set.add(&ip, "ip", "IP address to listen on (default: all addresses).");
  set.add(&port, "port", "Port to listen on.", uint32_t(5050)).validate(validatePort);
  set.add(&advertise_ip, "advertise_ip",
          "IP address advertised to reach this master, when it differs from --ip (NAT).");
  set.add(&advertise_port, "advertise_port",
          "Port advertised to reach this master, when it differs from --port.")
      .validate(validatePort);
  set.add(&hostname, "hostname", "Hostname the master advertises (default: the system's).");
  set.add(&hostname_lookup, "hostname_lookup",
          "Without --hostname: advertise the system's hostname (true) or the IP (false).", true);
  set.add(&work_dir, "work_dir",
          "Directory of the registry (e.g. /var/lib/mesos); needed unless "
          "--registry=in_memory.");
  set.add(&registry, "registry",
          "Where the registry of agents is kept: replicated_log (on disk in --work_dir) or "
          "in_memory.",
          std::string("replicated_log"))
      .validate([](const std::string& text) -> Result<void> {
        if (text == "replicated_log" || text == "in_memory") return success();
        return Error("'" + text + "' is not one of replicated_log, in_memory");
      });
  set.add(&zk, "zk",
          "ZooKeeper URL for leader election among masters: zk://host1:port1,host2:port2,.../path "
          "or file:///path holding one.");
  set.add(&quorum, "quorum", "Size of the masters' quorum; needed with --zk.");
  set.add(&zk_session_timeout, "zk_session_timeout",
          "How long a ZooKeeper session may go unheard before the master gives it up: a leader "
          "stops leading at once and contends again with a new session.",
          *Duration::parse("10secs"));
  set.add(&cluster, "cluster", "Human-readable name of the cluster, shown in the web UI.");
  set.add(&webui_dir, "webui_dir",
          std::string("Directory of the web UI served at / (default: ") + kDefaultWebuiDir +
              ", where the packages install it; / answers 404 if it is missing there). Read "
              "once at start; given explicitly, it must hold an index.html.");

  set.add(&allocation_interval, "allocation_interval", "Time between allocation cycles.",
          *Duration::parse("1secs"));
  set.add(&offer_timeout, "offer_timeout",
          "How long an offer stays valid before it is rescinded (default: forever).");
  set.add(&roles, "roles",
          "Deprecated: comma-separated list of the roles frameworks may use (default: any).");
  set.add(&weights, "weights", "Weights of roles for fair sharing, e.g. role1=2,role2=1.")
      .validate(validWeights);
  set.add(&agent_ping_timeout, "agent_ping_timeout",
          "How long the master waits for an agent to answer a ping.", *Duration::parse("15secs"))
      .alias("slave_ping_timeout");
  set.add(&max_agent_ping_timeouts, "max_agent_ping_timeouts",
          "Missed pings after which an agent is unreachable.", uint32_t(5))
      .alias("max_slave_ping_timeouts");
  set.add(&agent_reregister_timeout, "agent_reregister_timeout",
          "How long agents of the registry have to re-register after a master failover or "
          "restart; those that do not are marked unreachable.",
          *Duration::parse("10mins"))
      .alias("slave_reregister_timeout");
  set.add(&registry_store_timeout, "registry_store_timeout",
          "How long a store of the registry may take; a master whose store fails or takes longer "
          "stops leading (with --zk) or exits.",
          *Duration::parse("20secs"));
  set.add(&registry_fetch_timeout, "registry_fetch_timeout",
          "How long a newly elected master may take to read the registry.",
          *Duration::parse("1mins"));
  set.add(&registry_max_agent_age, "registry_max_agent_age",
          "How long an unreachable or gone agent stays in the registry (pruned every "
          "--registry_gc_interval).",
          *Duration::parse("2weeks"));
  set.add(&registry_max_agent_count, "registry_max_agent_count",
          "How many unreachable or gone agents the registry keeps at most (the oldest go first).",
          uint64_t(100 * 1024));
  set.add(&registry_gc_interval, "registry_gc_interval",
          "How often the registry is pruned of old unreachable and gone agents.",
          *Duration::parse("15mins"));
  set.add(&agent_removal_rate_limit, "agent_removal_rate_limit",
          "Most agents marked unreachable per time after a failover, e.g. 1/10mins (default: "
          "no limit).")
      .alias("slave_removal_rate_limit")
      .validate([](const std::string& text) -> Result<void> {
        auto limit = parseRemovalRateLimit(text);
        if (!limit) return limit.error();
        return success();
      });
  set.add(&recovery_agent_removal_limit, "recovery_agent_removal_limit",
          "Most agents of the registry, as a percentage, that a new leader may mark unreachable "
          "when they do not re-register in time; above it the master exits rather than "
          "remove them (a safety net against a mass removal).",
          std::string("100%"))
      .validate([](const std::string& text) -> Result<void> {
        auto limit = parsePercentage(text);
        if (!limit) return limit.error();
        return success();
      });
  set.add(&max_completed_frameworks, "max_completed_frameworks",
          "Completed frameworks kept for the state endpoints.", uint32_t(50));
  set.add(&max_completed_tasks_per_framework, "max_completed_tasks_per_framework",
          "Completed tasks kept per framework for the state endpoints.", uint32_t(1000));
  set.add(&max_operator_event_stream_subscribers, "max_operator_event_stream_subscribers",
          "Most operator API SUBSCRIBE streams open at once; one more is answered 503 until a "
          "subscriber goes away.",
          uint32_t(1000));
  set.add(&rate_limits, "rate_limits",
          "Rate limits of the scheduler API per framework principal, as Mesos's JSON (inline "
          "or file:///path): {\"limits\": [{\"principal\": \"foo\", \"qps\": 55.5, "
          "\"capacity\": 100000}], \"aggregate_default_qps\": 33, "
          "\"aggregate_default_capacity\": 1000}. Calls beyond qps wait, up to capacity; "
          "beyond it they are answered 429.")
      .validate(validateRateLimitsFlag);

  set.add(&authenticate_frameworks, "authenticate_frameworks",
          "Only authenticated frameworks may subscribe. Every framework here speaks the "
          "HTTP scheduler API, so this is --authenticate_http_frameworks under its older name.",
          false)
      .alias("authenticate");
  set.add(&authenticate_http_frameworks, "authenticate_http_frameworks",
          "The scheduler API (/api/v1/scheduler) needs HTTP Basic credentials from "
          "--credentials; a framework's principal must then be the one it authenticated as.",
          false);
  set.add(&authenticate_agents, "authenticate_agents",
          "Only agents presenting a credential from --credentials (their --credential) may "
          "register.",
          false)
      .alias("authenticate_slaves");
  set.add(&authenticate_http_readonly, "authenticate_http_readonly",
          "Read-only endpoints (state, flags, metrics, files) need HTTP Basic credentials.", false);
  set.add(&authenticate_http_readwrite, "authenticate_http_readwrite",
          "Endpoints that change the cluster (the operator API /api/v1, /teardown) need HTTP "
          "Basic credentials.",
          false);
  set.add(&credentials, "credentials",
          "Path (or file:// URL) of the principals and secrets the master accepts: JSON "
          "{\"credentials\":[{\"principal\":\"p\",\"secret\":\"s\"}]} or lines of "
          "'principal secret'. Needed by every --authenticate_* flag. Readable by its owner "
          "only; the secrets never appear in /flags or the logs.")
      .path();
  set.add(&http_authenticators, "http_authenticators",
          "HTTP authenticator of the operator endpoints: basic (HTTP Basic against "
          "--credentials), the only one built.",
          std::string("basic"))
      .validate(onlyBasic);
  set.add(&http_framework_authenticators, "http_framework_authenticators",
          "HTTP authenticator of the scheduler API: basic, the only one built.")
      .validate(onlyBasic);
  set.add(&acls, "acls",
          "Mesos's ACLs for the local authorizer, as JSON or file:///path: permissive, "
          "register_frameworks, run_tasks, teardown_frameworks, view_frameworks, view_tasks, "
          "view_executors, access_sandboxes, access_mesos_logs, get_endpoints, view_roles, "
          "view_flags, register_agents. Lists for operations this master does not have are "
          "refused. Denied calls get 403.")
      .validate(validateAclsFlag);
  set.add(&authorizers, "authorizers", "The authorizer: local, the only one built.",
          std::string("local"))
      .validate(onlyLocalAuthorizer);

  set.add(&logging_level, "logging_level", "Lowest level logged: INFO, WARNING or ERROR.",
          std::string("INFO"));
  set.add(&log_dir, "log_dir",
          "Directory for the log file, mesos-master.log, rotated at 100 MB with 5 old files kept "
          "(default: standard error only; under systemd that is the journal).");
  set.add(&quiet, "quiet", "Log nothing to standard error (with --log_dir: to the file alone).",
          false);
  set.add(&logbufsecs, "logbufsecs",
          "Seconds a log line below WARNING may wait in the buffer before it is written "
          "(0: each at once).",
          uint32_t(0));

  // Mesos's allocator choices: the one built is accepted by its Mesos names.
  set.add(&allocator, "allocator",
          "The allocator: HierarchicalDRF, the only one built (no allocator modules).",
          std::string("HierarchicalDRF"))
      .validate([](const std::string& text) -> Result<void> {
        if (text == "HierarchicalDRF") return success();
        return Error("'" + text + "' is not built: only HierarchicalDRF (no allocator modules)");
      });
  const auto onlyDrf = [](const std::string& text) -> Result<void> {
    if (text == "drf") return success();
    return Error("'" + text + "' is not built: only drf");
  };
  set.add(&framework_sorter, "framework_sorter",
          "How frameworks within a role share its resources: drf, the only one built.",
          std::string("drf"))
      .validate(onlyDrf);
  set.add(&role_sorter, "role_sorter",
          "How roles share the cluster: drf (weighted), the only one built.", std::string("drf"))
      .validate(onlyDrf);
  set.add(&root_submissions, "root_submissions",
          "Whether frameworks whose user is root may subscribe (403 otherwise).", true);

  http.add(set);

  refuseMesosOnlyFlags(set);
}

}  // namespace mesolite::master
