#include "agent/agent_flags.h"

#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/container_logger.h"
#include "agent/refused_flags.h"
#include "common/attributes.h"
#include "common/authorizer.h"
#include "common/resources.h"
#include "isolators/options.h"
#include "isolators/user_namespace_isolator.h"

namespace mesolite::agent {

namespace {

Result<void> oneOf(const std::string& text, std::initializer_list<std::string_view> choices) {
  std::string names;
  for (std::string_view choice : choices) {
    if (text == choice) return success();
    names += (names.empty() ? "" : ", ") + std::string(choice);
  }
  return Error("'" + text + "' is not one of " + names);
}

}  // namespace

AgentFlags::AgentFlags()
    : set("mesos-agent",
          "The Mesolite agent: runs tasks for the frameworks of a Mesos cluster, each in "
          "its own cgroups and namespaces. Without --master it runs standalone and serves "
          "the v1 agent operator API.") {
  set.add(&master, "master",
          "The master to register with: host:port, zk://host1:port1,host2:port2,.../path, "
          "zk://username:password@host1:port1,.../path, or file:///path/to/file holding one "
          "of those. With zk:// the agent follows the leading master of that ZooKeeper "
          "group. Without it the agent runs standalone.");
  set.add(&work_dir, "work_dir",
          "Directory for sandboxes and checkpointed state (e.g. /var/lib/mesos).", std::string())
      .required();
  set.add(&runtime_dir, "runtime_dir",
          "Directory for runtime state that should not survive a reboot: pids and "
          "container terminations.",
          std::string("/var/run/mesos"));
  set.add(&ip, "ip", "IP address to listen on (default: all addresses).");
  set.add(&port, "port", "Port to listen on.", uint32_t(5051)).validate(validatePort);
  set.add(&advertise_ip, "advertise_ip",
          "IP address advertised to reach this agent, when it differs from --ip (NAT): the "
          "master names it in the agent's address instead of the connection's source.")
      .validate([](const std::string& text) -> Result<void> {
        boost::system::error_code error;
        boost::asio::ip::make_address(text, error);
        if (error) return Error("'" + text + "' is not an IP address");
        return success();
      });
  set.add(&advertise_port, "advertise_port",
          "Port advertised to reach this agent, when it differs from --port.")
      .validate(validatePort);
  set.add(&hostname, "hostname",
          "Hostname the agent reports to the master (default: the system's).");
  set.add(&hostname_lookup, "hostname_lookup",
          "Without --hostname: advertise the system's hostname (true) or the IP (false).", true);
  set.add(&resources, "resources",
          "Total consumable resources, as text (cpus:24;mem:24576;disk:409600;ports:[31000-32000]) "
          "or JSON (an array of Resource objects). Anything not given is detected from the host.")
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = Resources::parse(text);
        if (!parsed) return parsed.error();
        return validateCommandLineResources(*parsed);
      });
  set.add(&attributes, "attributes",
          "Attributes of the machine, e.g. rack:2;zone:west;level:10;keys:[1000-1500].")
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = Attributes::parse(text);
        if (!parsed) return parsed.error();
        return success();
      });
  set.add(&default_role, "default_role",
          "Role of resources given without one in --resources and of detected resources.",
          std::string("*"));

  set.add(&isolation, "isolation",
          "Comma-separated isolators (Mesos names, e.g. cgroups/cpu,cgroups/mem,namespaces/pid; "
          "aliases process, cgroups, posix/disk). The default is hardened: cpu, memory, pids and "
          "device cgroups; own pid, ipc and uts namespaces with a PID-1 init; the host's root "
          "read-only with the agent's directories hidden and secrets masked (filesystem/linux); "
          "Docker's default capabilities without NET_RAW for root tasks, none for others "
          "(linux/capabilities); no_new_privs (linux/nnp); a seccomp allow-list "
          "(linux/seccomp); rlimits. The agent refuses to start where the host lacks one of "
          "them, unless it is removed from this list. Add namespaces/user to map each "
          "container's root to unprivileged host ids (--user_namespace_id_range).",
          std::string(kDefaultIsolation));
  set.add(&containerizers, "containerizers",
          "Containerizers to use, in order of preference. Only mesos is built; docker is "
          "accepted beside it (Mesosphere's common docker,mesos) with a warning at start, "
          "and a task asking for a Docker container then fails with a message saying so.",
          std::string("mesos"))
      .validate([](const std::string& text) -> Result<void> {
        bool mesos = false;
        std::stringstream list(text);
        for (std::string name; std::getline(list, name, ',');) {
          if (name == "mesos") {
            mesos = true;
          } else if (name != "docker") {
            return Error("unknown containerizer '" + name + "' (mesos or docker,mesos)");
          }
        }
        if (!mesos) return Error("'" + text + "' has no mesos containerizer, the only one built");
        return success();
      });
  set.add(&launcher, "launcher",
          "How containers are launched: linux (namespaces and cgroups) or posix (processes "
          "only).",
          std::string("linux"))
      .validate([](const std::string& text) {
        return oneOf(text, {"linux", "posix"});
      });
  set.add(&launcher_dir, "launcher_dir",
          "Directory of the helper programs (mesos-containerizer, mesos-fetcher).",
          std::string("/usr/libexec/mesos"));
  set.add(&modules, "modules",
          "JSON (or file:///path to JSON) naming shared objects of out-of-tree modules to load.");
  set.add(&cgroups_hierarchy, "cgroups_hierarchy", "Where the cgroup hierarchies are mounted.",
          std::string("/sys/fs/cgroup"));
  set.add(&cgroups_root, "cgroups_root", "Name of the cgroup under which containers live.",
          std::string("mesos"));
  set.add(&cgroups_enable_cfs, "cgroups_enable_cfs",
          "Cap each container's CPU time with a CFS quota, not only shares/weight.", false);
  set.add(&cgroups_limit_swap, "cgroups_limit_swap",
          "Limit memory and swap together (memory.memsw / memory.swap.max).", false);
  set.add(&systemd_enable_support, "systemd_enable_support",
          "On hosts run by systemd (cgroup v2 or hybrid), put the containers in a scope of "
          "their own, mesos-containers.scope in mesos_executors.slice, that systemd delegates "
          "to the agent (asked for over sd-bus; a helper process keeps it while no container "
          "runs). Restarting or stopping the agent's unit then leaves the tasks running; "
          "`systemctl stop mesos_executors.slice` stops them.",
          true);
  set.add(&systemd_runtime_directory, "systemd_runtime_directory",
          "systemd's runtime directory, whose presence says the host runs systemd.",
          std::string("/run/systemd/system"));
  set.add(&seccomp_config_dir, "seccomp_config_dir",
          "Directory of seccomp profiles (Docker's JSON format, *.json) for linux/seccomp; "
          "tasks name them in LinuxInfo.seccomp.profile_name. All are checked at start.");
  set.add(&seccomp_profile_name, "seccomp_profile_name",
          "Default seccomp profile, a file name inside --seccomp_config_dir. Without it, the "
          "built-in default: an allow-list at least as strict as Docker's default.");
  set.add(&seccomp_allow_unconfined, "seccomp_allow_unconfined",
          "Let a task run without a seccomp filter when it asks (LinuxInfo.seccomp.unconfined).",
          false);
  set.add(&effective_capabilities, "effective_capabilities",
          "JSON CapabilityInfo, e.g. {\"capabilities\":[\"CHOWN\"]}: capabilities a task gets "
          "unless it asks for others (default: Docker's default set without NET_RAW for root "
          "tasks, none for other users).");
  set.add(&bounding_capabilities, "bounding_capabilities",
          "JSON CapabilityInfo: the most capabilities any task may hold or ask for (default: "
          "--effective_capabilities, else Docker's default set without NET_RAW).");
  set.add(&masked_paths, "masked_paths",
          "Comma-separated host paths (globs allowed) that filesystem/linux hides from tasks, "
          "beyond /etc/shadow, /etc/gshadow, /root, the SSH host keys, the local operator "
          "credential and the agent's own --http_credentials and --credential files.");
  set.add(&filesystem_writable_roles, "filesystem_writable_roles",
          "Comma-separated roles whose tasks see the host's root filesystem writable under "
          "filesystem/linux (the agent's directories stay hidden, secrets masked).");
  set.add(&switch_user, "switch_user",
          "Run each task as the user its framework or command names (root can switch).", true);
  set.add(&sandbox_directory, "sandbox_directory",
          "Path at which the sandbox appears inside a container with its own root filesystem.",
          std::string("/mnt/mesos/sandbox"));
  set.add(&user_namespace_id_range, "user_namespace_id_range",
          "Host uids and gids for namespaces/user, as [first-last]: each container maps its "
          "ids 0-65535 onto a block of 65536 of them no other running container holds. No "
          "user or group of the host may have an id in it.",
          isolation::IsolatorOptions().userNamespaceIdRange)
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = isolation::parseIdRange(text);
        if (!parsed) return parsed.error();
        return success();
      });

  set.add(&recover, "recover",
          "After a restart: reconnect to the running containers, or cleanup (kill them).",
          std::string("reconnect"))
      .validate([](const std::string& text) {
        return oneOf(text, {"reconnect", "cleanup"});
      });
  set.add(&strict, "strict", "Whether an error while recovering state is fatal.", true);
  set.add(&recovery_timeout, "recovery_timeout",
          "How long executors have to reconnect after an agent restart. Not supported yet: "
          "only the default is accepted.",
          *Duration::parse("15mins"));
  set.add(&registration_backoff_factor, "registration_backoff_factor",
          "Upper bound of the first random delay before (re-)registering with the master.",
          *Duration::parse("1secs"));
  set.add(&zk_session_timeout, "zk_session_timeout",
          "With --master=zk://: how long the ZooKeeper session that finds the leading "
          "master may go unheard before it is given up and a new one made.",
          *Duration::parse("10secs"));
  set.add(&executor_registration_timeout, "executor_registration_timeout",
          "How long a task's command has to start (exec) before its container is killed "
          "(TASK_FAILED, REASON_EXECUTOR_REGISTRATION_TIMEOUT).",
          *Duration::parse("1mins"));
  set.add(&executor_shutdown_grace_period, "executor_shutdown_grace_period",
          "How long an executor has to end its tasks after SHUTDOWN before it is killed.",
          *Duration::parse("5secs"));
  set.add(&gc_delay, "gc_delay",
          "How long the sandbox of a finished executor run (and the directories of an "
          "executor, a framework or an old agent id with nothing left running) is kept "
          "before removal. Less when the disk fills: see --gc_disk_headroom. After a restart, "
          "finished sandboxes found on disk are collected as well, their modification time "
          "standing for their end.",
          *Duration::parse("1weeks"))
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = Duration::parse(text);
        if (!parsed) return parsed.error();
        if (parsed->value.count() < 0) return Error("'" + text + "' is negative");
        return success();
      });
  set.add(&gc_disk_headroom, "gc_disk_headroom",
          "Fraction of the disk holding --work_dir to keep free, from 0.0 to 1.0. Every "
          "--disk_watch_interval, finished sandboxes older than "
          "gc_delay * max(0, 1 - gc_disk_headroom - disk usage) are removed at once.",
          0.1)
      .validate([](const std::string& text) -> Result<void> {
        double value = 0;
        auto parsed = parseFlagValue(text, &value);
        if (!parsed) return parsed.error();
        if (!(*parsed >= 0.0 && *parsed <= 1.0)) {
          return Error("'" + text + "' is not between 0.0 and 1.0");
        }
        return success();
      });
  set.add(&disk_watch_interval, "disk_watch_interval",
          "How often the usage of the disk holding --work_dir is measured, to shorten "
          "--gc_delay as it fills (see --gc_disk_headroom).",
          *Duration::parse("1mins"))
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = Duration::parse(text);
        if (!parsed) return parsed.error();
        if (parsed->value.count() <= 0) return Error("'" + text + "' is not positive");
        return success();
      });
  set.add(&container_disk_watch_interval, "container_disk_watch_interval",
          "How often disk/du measures each container's sandbox (reported as "
          "disk_used_bytes in /monitor/statistics). Needs disk/du in --isolation.",
          *Duration::parse("15secs"));
  set.add(&enforce_container_disk_quota, "enforce_container_disk_quota",
          "With disk/du, end a container whose sandbox outgrows its disk resource "
          "(TASK_FAILED, REASON_CONTAINER_LIMITATION_DISK). Needs disk/du in --isolation.",
          false);

  set.add(&container_logger, "container_logger",
          std::string("How the stdout and stderr of containers are kept. ") +
              kLogrotateContainerLogger +
              " (Mesos's logrotate module, built in): the files stdout and stderr of the "
              "sandbox never grow past --max_stdout_size / --max_stderr_size; when full they "
              "are renamed stdout.1, stdout.2, ... keeping as many as 'rotate N' in "
              "--logrotate_stdout_options / --logrotate_stderr_options says. A container may "
              "override these with CONTAINER_LOGGER_MAX_STDOUT_SIZE, "
              "CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS, CONTAINER_LOGGER_MAX_STDERR_SIZE and "
              "CONTAINER_LOGGER_LOGROTATE_STDERR_OPTIONS in its command's environment. Empty: "
              "Mesos's default sandbox logger, the task writes the files itself, unbounded.",
          std::string(kLogrotateContainerLogger))
      .validate([](const std::string& text) -> Result<void> {
        if (text.empty() || text == kLogrotateContainerLogger) return success();
        return Error("unknown container logger '" + text + "' (" + kLogrotateContainerLogger +
                     ", or empty for the sandbox logger)");
      });
  set.add(&max_stdout_size, "max_stdout_size",
          "Largest size of a container's stdout file before it is rotated (at least 4KB).",
          Bytes{10 << 20})
      .validate([](const std::string& text) { return validateMaxLogSize(text); });
  set.add(&logrotate_stdout_options, "logrotate_stdout_options",
          "logrotate configuration for stdout. Honoured: 'rotate N' (rotated files kept; "
          "without it, none: logrotate's default), 'missingok', 'notifempty', 'nocompress'; "
          "one per line or separated by ';'. Any other directive is refused at start.",
          std::string("rotate 3"))
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = parseLogrotateOptions(text);
        if (!parsed) return parsed.error();
        return success();
      });
  set.add(&max_stderr_size, "max_stderr_size",
          "Largest size of a container's stderr file before it is rotated (at least 4KB).",
          Bytes{10 << 20})
      .validate([](const std::string& text) { return validateMaxLogSize(text); });
  set.add(&logrotate_stderr_options, "logrotate_stderr_options",
          "logrotate configuration for stderr, as --logrotate_stdout_options.",
          std::string("rotate 3"))
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = parseLogrotateOptions(text);
        if (!parsed) return parsed.error();
        return success();
      });

  set.add(&fetcher_cache_dir, "fetcher_cache_dir",
          "Directory of the fetcher cache (CommandInfo.URI.cache): root's, mode 0700. The "
          "agent clears it of its entries at start, so the cache is empty after a restart. "
          "Best on a volume of its own, apart from the sandboxes.",
          std::string("/tmp/mesos/fetch"))
      .validate([](const std::string& text) -> Result<void> {
        if (text.empty() || text[0] != '/') return Error("'" + text + "' is not an absolute path");
        return success();
      });
  set.add(&fetcher_cache_size, "fetcher_cache_size",
          "Size of the fetcher cache. Least recently used entries that no fetch is using are "
          "evicted to stay within it; a download larger than the cache is used once, not kept.",
          Bytes{2ULL << 30});
  set.add(&fetcher_stall_timeout, "fetcher_stall_timeout",
          "How long a download may stay below one byte per second (or take to connect) "
          "before the fetch fails (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED).",
          *Duration::parse("1mins"))
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = Duration::parse(text);
        if (!parsed) return parsed.error();
        if (parsed->value < std::chrono::milliseconds(1))
          return Error("'" + text + "' is below 1ms");
        return success();
      });

  set.add(&logging_level, "logging_level", "Lowest level logged: INFO, WARNING or ERROR.",
          std::string("INFO"));
  set.add(&log_dir, "log_dir",
          "Directory for the log file, mesos-agent.log, rotated at 100 MB with 5 old files kept "
          "(default: standard error only; under systemd that is the journal).");
  set.add(&quiet, "quiet", "Log nothing to standard error (with --log_dir: to the file alone).",
          false);
  set.add(&logbufsecs, "logbufsecs",
          "Seconds a log line below WARNING may wait in the buffer before it is written "
          "(0: each at once).",
          uint32_t(0));

  set.add(&executor_environment_variables, "executor_environment_variables",
          "Environment of every task, as a JSON object of strings ({\"PATH\": \"/bin:/usr/bin\"}), "
          "or file:///path holding one. The task's MESOS_* variables and its command's own "
          "environment override it.")
      .validate([](const std::string& text) -> Result<void> {
        auto parsed = parseExecutorEnvironment(text);
        if (!parsed) return parsed.error();
        return success();
      });

  set.add(&disallow_sharing_agent_pid_namespace, "disallow_sharing_agent_pid_namespace",
          "Refuse tasks that ask to share the agent's PID namespace. Such tasks are refused "
          "whatever this says: sharing is not supported.",
          false);
  set.add(&disallow_sharing_agent_ipc_namespace, "disallow_sharing_agent_ipc_namespace",
          "Refuse tasks that ask to share the agent's IPC namespace. Such tasks are refused "
          "whatever this says: sharing is not supported.",
          false);

  // Authentication and authorization, as Mesos's agent has them, plus one default that is
  // stricter than Mesos's: see allow_unauthenticated_operator_writes.
  set.add(&authenticate_http_readonly, "authenticate_http_readonly",
          "Read-only endpoints (/state, /flags, /containers, /monitor/statistics, /files, "
          "/metrics) need HTTP Basic credentials from --http_credentials.",
          false);
  set.add(&authenticate_http_readwrite, "authenticate_http_readwrite",
          "Every call of the operator API (/api/v1) needs HTTP Basic credentials from "
          "--http_credentials.",
          false);
  set.add(&http_credentials, "http_credentials",
          "Path (or file:// URL) of the principals and secrets the agent's endpoints accept: "
          "JSON {\"credentials\":[{\"principal\":\"p\",\"secret\":\"s\"}]} or lines of "
          "'principal secret'. Readable by its owner only; the secrets never appear in /flags "
          "or the logs.")
      .path();
  set.add(&http_authenticators, "http_authenticators",
          "HTTP authenticator: basic (HTTP Basic against --http_credentials), the only one "
          "built.",
          std::string("basic"))
      .validate([](const std::string& text) -> Result<void> {
        if (text == "basic") return success();
        return Error("'" + text + "' is not built: only basic");
      });
  set.add(&credential, "credential",
          "Path (or file:// URL) of the agent's own credential for the master (JSON "
          "{\"principal\":\"p\",\"secret\":\"s\"} or one 'principal secret' line), sent "
          "with HTTP Basic when it registers; needed with a master run with "
          "--authenticate_agents.")
      .path();
  set.add(&acls, "acls",
          "Mesos's ACLs for the local authorizer, as JSON or file:///path: permissive, "
          "launch_standalone_containers, kill_standalone_containers, "
          "wait_standalone_containers, remove_standalone_containers, access_sandboxes, "
          "access_mesos_logs, view_flags, view_frameworks, view_tasks, view_executors, "
          "get_endpoints, set_log_level. Lists for operations this agent does not have are "
          "refused. Denied calls get 403.")
      .validate(validateAclsFlag);
  set.add(&authorizer, "authorizer", "The authorizer: local, the only one built.",
          std::string("local"))
      .validate(onlyLocalAuthorizer);
  set.add(&allow_unauthenticated_operator_writes, "allow_unauthenticated_operator_writes",
          "Let callers without credentials make the operator API calls that start, kill or "
          "remove containers or change the agent (LAUNCH_CONTAINER, KILL_CONTAINER, "
          "REMOVE_CONTAINER, SET_LOGGING_LEVEL, ...), as Mesos does. Off by default: any "
          "process that can reach the port, a task on this host included, could otherwise "
          "start a container as any user. Packages create a root-only credential "
          "(/etc/mesos/local-operator.credential) that the local CLIs present.",
          false);

  // Mesos's Docker containerizer flags: Mesosphere configurations with
  // containerizers=docker,mesos carry them, and must start.
  const std::string dockerHelp =
      "A setting of Mesos's Docker containerizer, which is not built: accepted with a "
      "warning when --containerizers names docker, refused otherwise.";
  set.add(&docker, "docker", dockerHelp);
  set.add(&docker_config, "docker_config", dockerHelp);
  set.add(&docker_ignore_runtime, "docker_ignore_runtime", dockerHelp);
  set.add(&docker_kill_orphans, "docker_kill_orphans", dockerHelp);
  set.add(&docker_mesos_image, "docker_mesos_image", dockerHelp);
  set.add(&docker_remove_delay, "docker_remove_delay", dockerHelp);
  set.add(&docker_socket, "docker_socket", dockerHelp);
  set.add(&docker_stop_timeout, "docker_stop_timeout", dockerHelp);

  http.add(set);

  refuseMesosOnlyFlags(set);
}

Result<std::map<std::string, std::string>> parseExecutorEnvironment(const std::string& json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return Error("not a JSON object of environment variables");
  std::map<std::string, std::string> environment;
  for (const auto& [name, value] : parsed.items()) {
    if (!value.is_string())
      return Error("the value of '" + name + "' is not a string (environment values are)");
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
      return Error("'" + name + "' is not an environment variable name");
    const std::string text = value.get<std::string>();
    if (text.find('\0') != std::string::npos)
      return Error("the value of '" + name + "' holds a NUL character");
    environment[name] = text;
  }
  return environment;
}

}  // namespace mesolite::agent
