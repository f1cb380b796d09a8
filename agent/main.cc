// mesos-agent. Without --master it runs standalone: containers come and go through the
// v1 operator API (LAUNCH_CONTAINER, WAIT_CONTAINER, ...). With --master it also
// subscribes to that master and runs the tasks it is given. Everything runs on one
// io_context.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <csignal>
#include <iostream>

#include "agent/agent_flags.h"
#include "agent/containerizer.h"
#include "agent/containers_endpoint.h"
#include "agent/fetcher.h"
#include "agent/host_setup.h"
#include "agent/master_connection.h"
#include "agent/operator_api.h"
#include "agent/refused_flags.h"
#include "agent/sandbox_gc.h"
#include "agent/security.h"
#include "agent/task_manager.h"
#include "common/attributes.h"
#include "common/daemon_endpoints.h"
#include "common/host_resources.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "common/resources.h"
#include "isolators/cgroups/cgroups.h"
#include "isolators/module_loader.h"
#include "isolators/registry.h"

using namespace mesolite;

namespace {

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

std::optional<agent::LogrotateSettings> logrotateSettings(const agent::AgentFlags& flags) {
  if (flags.container_logger.empty()) return std::nullopt;  // Mesos's sandbox logger
  return agent::LogrotateSettings{.maxStdoutSize = flags.max_stdout_size,
                                  .logrotateStdoutOptions = flags.logrotate_stdout_options,
                                  .maxStderrSize = flags.max_stderr_size,
                                  .logrotateStderrOptions = flags.logrotate_stderr_options};
}

}  // namespace

int main(int argc, char** argv) {
  agent::AgentFlags flags;
  if (auto exit = loadDaemonFlags(flags.set, argc, argv)) return *exit;
  if (auto logging = log::setup("mesos-agent", {.level = flags.logging_level,
                                                .logDir = flags.log_dir,
                                                .quiet = flags.quiet,
                                                .bufferSeconds = flags.logbufsecs});
      !logging) {
    std::cerr << "mesos-agent: " << logging.error().message << "\n";
    return 1;
  }
  // LIBPROCESS_SSL_*: a bad setting or certificate stops the agent here, by name.
  auto serverOptions = daemonServerOptions(flags.http);
  if (!serverOptions) {
    log::error("{}", serverOptions.error().message);
    return 1;
  }
  flags.launcher_dir = agent::launcherDir(flags);

  // Mesos flags whose machinery is not built here: refused unless left at their default.
  if (auto refused = refuseUnhonouredFlags(
          flags.set,
          {{&flags.recovery_timeout,
            "recovery has no timeout: the agent recovers its containers at start, at once"}});
      !refused) {
    log::error("{}", refused.error().message);
    return 1;
  }
  auto dockerWarnings = agent::dockerFlagWarnings(flags);
  if (!dockerWarnings) {
    log::error("{}", dockerWarnings.error().message);
    return 1;
  }
  for (const std::string& warning : *dockerWarnings)
    log::warn("{}", warning);
  auto security = agent::loadAgentSecurity(flags);
  if (!security) {
    log::error("{}", security.error().message);
    return 1;
  }
  boost::asio::io_context io;
  // Watching for the leader starts now, so it is likely known by the first subscription.
  std::unique_ptr<detect::LeaderDetector> masterDetector;
  if (flags.master) {
    auto detector = agent::parseMasterFlag(
        io, *flags.master,
        {.sessionTimeout = std::chrono::duration_cast<std::chrono::milliseconds>(
             flags.zk_session_timeout.value)});
    if (!detector) {
      log::error("{}", detector.error().message);
      return 1;
    }
    masterDetector = std::move(*detector);
  }

  Resources given;
  if (flags.resources) {
    auto parsed = Resources::parse(*flags.resources, flags.default_role);
    if (!parsed) {  // validated with the flags already; kept for safety
      log::error("{}: {}", flags.set.describe(&flags.resources), parsed.error().message);
      return 1;
    }
    given = std::move(*parsed);
  }
  auto total = detectHostResources(given, flags.work_dir, flags.default_role);
  if (!total) {
    log::error("cannot detect the host's resources: {}", total.error().message);
    return 1;
  }
  log::info("Mesolite agent starting; resources {}", total->toString());

  // A launcher that dies before reading its request must not take the agent with it.
  signal(SIGPIPE, SIG_IGN);

  auto hierarchy = cgroups::detect(flags.cgroups_hierarchy);
  if (!hierarchy) {
    log::error("cannot find the cgroup hierarchies: {}", hierarchy.error().message);
    return 1;
  }
  auto scopeCheck = agent::delegateToSystemdScope(flags, &*hierarchy);
  if (!scopeCheck) {
    log::error("{}", scopeCheck.error().message);
    return 1;
  }
  isolation::IsolatorOptions isolatorOptions;
  isolatorOptions.disallowSharingPidNamespace = flags.disallow_sharing_agent_pid_namespace;
  isolatorOptions.disallowSharingIpcNamespace = flags.disallow_sharing_agent_ipc_namespace;
  isolatorOptions.cgroupsHierarchy = flags.cgroups_hierarchy;
  isolatorOptions.cgroupsRoot = flags.cgroups_root;
  isolatorOptions.cgroupsEnableCfs = flags.cgroups_enable_cfs;
  isolatorOptions.cgroupsLimitSwap = flags.cgroups_limit_swap;
  isolatorOptions.workDir = flags.work_dir;
  isolatorOptions.runtimeDir = flags.runtime_dir;
  isolatorOptions.effectiveCapabilities = flags.effective_capabilities;
  isolatorOptions.boundingCapabilities = flags.bounding_capabilities;
  isolatorOptions.seccompConfigDir = flags.seccomp_config_dir;
  isolatorOptions.seccompProfileName = flags.seccomp_profile_name;
  isolatorOptions.seccompAllowUnconfined = flags.seccomp_allow_unconfined;
  isolatorOptions.maskedPaths = splitList(flags.masked_paths.value_or(""));
  // The agent's credentials are secrets too: a task running as root must not read them.
  for (const auto* path : {&flags.http_credentials, &flags.credential}) {
    if (*path)
      isolatorOptions.maskedPaths.push_back(
          path->value().rfind("file://", 0) == 0 ? path->value().substr(7) : path->value());
  }
  for (std::string& role : splitList(flags.filesystem_writable_roles.value_or("")))
    isolatorOptions.hostWritableRoles.insert(std::move(role));
  isolatorOptions.sandboxMountPoint = flags.sandbox_directory;
  isolatorOptions.userNamespaceIdRange = flags.user_namespace_id_range;
  isolatorOptions.containerDiskWatchInterval =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          flags.container_disk_watch_interval.value);
  isolatorOptions.enforceContainerDiskQuota = flags.enforce_container_disk_quota;
  // Out-of-tree isolators; their libraries stay loaded while the agent runs.
  isolation::ModuleRegistry modules;
  if (flags.modules) {
    auto loaded = isolation::ModuleRegistry::load(*flags.modules);
    if (!loaded) {
      log::error("{}: {}", flags.set.describe(&flags.modules), loaded.error().message);
      return 1;
    }
    modules = std::move(*loaded);
  }
  auto isolators =
      isolation::createIsolators(flags.isolation, io, *hierarchy, isolatorOptions, &modules);
  if (!isolators) {
    log::error("{}: {}", flags.set.describe(&flags.isolation), isolators.error().message);
    return 1;
  }
  if (const Flag* interval = flags.set.flagOf(&flags.container_disk_watch_interval);
      interval->current() != interval->defaultText &&
      std::find(isolators->names.begin(), isolators->names.end(), "disk/du") ==
          isolators->names.end()) {
    log::error("{}: only disk/du measures containers' disk usage; add it to --isolation",
               flags.set.describe(&flags.container_disk_watch_interval));
    return 1;
  }
  if (flags.launcher == "posix") {
    for (const auto& name : isolators->names) {
      if (name.rfind("namespaces/", 0) == 0 || name == "filesystem/linux") {
        log::error(
            "--isolation: {} needs --launcher=linux (the posix launcher makes no namespaces)",
            name);
        return 1;
      }
    }
  }
  std::string names;
  for (const auto& name : isolators->names)
    names += (names.empty() ? "" : ",") + name;
  if (flags.containerizers.find("docker") != std::string::npos) {
    log::warn(
        "--containerizers={}: the docker containerizer is not built; tasks asking for "
        "a Docker container will fail (TASK_FAILED) saying so",
        flags.containerizers);
  }
  log::info("cgroups layout {}; isolation {}; containerizers {}",
            cgroups::layoutName(hierarchy->layout), names, flags.containerizers);
  std::map<std::string, std::string> executorEnvironment;
  if (flags.executor_environment_variables) {
    // Validated with the flags already.
    if (auto parsed = agent::parseExecutorEnvironment(*flags.executor_environment_variables))
      executorEnvironment = std::move(*parsed);
  }
  agent::Containerizer containerizer(
      io,
      {.workDir = flags.work_dir,
       .runtimeDir = flags.runtime_dir,
       .launcherPath = flags.launcher_dir + "/mesos-containerizer",
       .switchUser = flags.switch_user,
       .recoverByCleanup = flags.recover == "cleanup",
       .startTimeout = std::chrono::duration_cast<std::chrono::milliseconds>(
           flags.executor_registration_timeout.value),
       .logrotate = logrotateSettings(flags),
       .beforeLaunch = *scopeCheck,
       .executorEnvironment = executorEnvironment},
      std::move(isolators->isolators));
  if (auto sealed = containerizer.sealLauncher(); !sealed) {
    log::error("cannot start containers: {}", sealed.error().message);
    return 1;
  }
  if (auto recovered = containerizer.recover(); !recovered) {
    if (flags.strict) {
      log::error("recovery failed: {}", recovered.error().message);
      return 1;
    }
    log::warn("recovery failed (continuing, --no-strict): {}", recovered.error().message);
  }

  // Before the tasks, which use it: destroyed after them, killing its helpers.
  agent::Fetcher fetcher(io, {.helperPath = agent::fetcherPath(flags.launcher_dir),
                              .cacheDir = flags.fetcher_cache_dir,
                              .cacheSize = flags.fetcher_cache_size.value,
                              .stallTimeout = flags.fetcher_stall_timeout.value,
                              .switchUser = flags.switch_user});
  if (auto ready = fetcher.recover(); !ready) {
    log::warn("{}: tasks fetching URIs through the cache will fail", ready.error().message);
  }
  if (::access(fetcher.options().helperPath.c_str(), X_OK) != 0) {
    log::warn("{} is missing: tasks with CommandInfo.uris will fail", fetcher.options().helperPath);
  }

  agent::SandboxGc gc(
      io,
      {.workDir = flags.work_dir,
       .delay = flags.gc_delay.value,
       .diskHeadroom = flags.gc_disk_headroom,
       .diskWatchInterval = flags.disk_watch_interval.value},
      [&containerizer](const std::string& dir) { return containerizer.usesSandboxUnder(dir); });

  http::Server server(io, std::move(*serverOptions));
  std::unique_ptr<agent::TaskManager> tasks;
  std::unique_ptr<agent::MasterConnection> connection;
  if (masterDetector) {
    agent::TaskManagerOptions options;
    options.workDir = flags.work_dir;
    options.gc = &gc;
    options.fetcher = &fetcher;
    options.reconnect = flags.recover == "reconnect";
    options.shutdownGracePeriod = std::chrono::duration_cast<std::chrono::milliseconds>(
        flags.executor_shutdown_grace_period.value);
    char hostname[256] = {};
    gethostname(hostname, sizeof(hostname) - 1);
    // Mesos: without --hostname, the system's name, or the IP with --no-hostname_lookup.
    options.agentInfo.set_hostname(flags.hostname.value_or(
        flags.hostname_lookup ? std::string(hostname)
                              : flags.advertise_ip.value_or(flags.ip.value_or(hostname))));
    options.agentInfo.set_port(int32_t(flags.advertise_port.value_or(flags.port)));
    options.advertiseIp = flags.advertise_ip;
    options.agentIp = agent::addressForTasks(flags);
    *options.agentInfo.mutable_resources() = given.toProtos();
    if (flags.attributes) {
      if (auto attributes = Attributes::parse(*flags.attributes)) {
        *options.agentInfo.mutable_attributes() = attributes->toProtos();
      }
    }
    options.totalResources = total->toProtos();
    tasks = std::make_unique<agent::TaskManager>(
        io, containerizer, std::move(options),
        [&connection](internal::AgentCall call) {
          return connection && connection->send(std::move(call));
        },
        [&] {
          log::info("every task is gone; exiting as the master asked");
          server.stop();
          io.stop();
        });
    if (auto recovered = tasks->recover(); !recovered) {
      if (flags.strict) {
        log::error("recovery of the agent's tasks failed: {}", recovered.error().message);
        return 1;
      }
      log::warn("recovery of the agent's tasks failed (continuing, --no-strict): {}",
                recovered.error().message);
    }
    connection = std::make_unique<agent::MasterConnection>(
        io, std::move(masterDetector),
        agent::MasterConnectionOptions{
            .backoffFactor = std::chrono::duration_cast<std::chrono::milliseconds>(
                flags.registration_backoff_factor.value),
            .credential = security->credential},
        agent::MasterConnection::Callbacks{
            .subscribe = [&tasks] { return tasks->subscribePayload(); },
            .onSubscribed = [&tasks](const auto& subscribed) { tasks->subscribed(subscribed); },
            .onDisconnected = [&tasks] { tasks->disconnected(); },
            .onEvent = [&tasks](const auto& event) { tasks->handle(event); }});
    // Once the server listens: with --port=0 the advertised port is known only then.
    boost::asio::post(io, [&] {
      if (!flags.advertise_port && flags.port == 0) tasks->setAgentPort(server.port());
      connection->start();
    });
  }
  // Sandboxes of other agent ids, or of tasks that ended while the agent was away.
  gc.recover(tasks ? tasks->agentId() : std::string());
  gc.start();
  agent::addAgentEndpoints(server, flags, *total, containerizer, security->authorizer, tasks.get(),
                           &gc, &fetcher);
  agent::addContainersEndpoint(server, io, containerizer, *hierarchy);
  agent::secureAgentEndpoints(server, flags, *security, tasks.get());
  return serveUntilSignalled(io, server, "agent", flags.ip.value_or("0.0.0.0"), flags.port);
}
