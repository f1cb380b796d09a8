// mesos-agent. Without --master it runs standalone: containers come and go through the
// v1 operator API (LAUNCH_CONTAINER, WAIT_CONTAINER, ...). Registration with a master
// arrives with the master work.
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <iostream>

#include "agent/agent_flags.h"
#include "agent/containerizer.h"
#include "agent/operator_api.h"
#include "common/daemon_endpoints.h"
#include "common/host_resources.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "common/resources.h"
#include "isolators/module_loader.h"
#include "isolators/registry.h"

using namespace mesolite;

int main(int argc, char** argv) {
  agent::AgentFlags flags;
  if (auto exit = loadDaemonFlags(flags.set, argc, argv)) return *exit;
  if (auto logging = log::setup("mesos-agent", flags.logging_level, flags.log_dir); !logging) {
    std::cerr << "mesos-agent: " << logging.error().message << "\n";
    return 1;
  }

  Resources given;
  if (flags.resources) {
    auto parsed = Resources::parse(*flags.resources, flags.default_role);
    if (!parsed) {  // validated with the flags already; kept for safety
      log::error("--resources: {}", parsed.error().message);
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
  boost::asio::io_context io;

  auto hierarchy = cgroups::detect(flags.cgroups_hierarchy);
  if (!hierarchy) {
    log::error("cannot find the cgroup hierarchies: {}", hierarchy.error().message);
    return 1;
  }
  isolation::IsolatorOptions isolatorOptions;
  isolatorOptions.cgroupsHierarchy = flags.cgroups_hierarchy;
  isolatorOptions.cgroupsRoot = flags.cgroups_root;
  isolatorOptions.cgroupsEnableCfs = flags.cgroups_enable_cfs;
  isolatorOptions.cgroupsLimitSwap = flags.cgroups_limit_swap;
  // Out-of-tree isolators; their libraries stay loaded while the agent runs.
  isolation::ModuleRegistry modules;
  if (flags.modules) {
    auto loaded = isolation::ModuleRegistry::load(*flags.modules);
    if (!loaded) {
      log::error("--modules: {}", loaded.error().message);
      return 1;
    }
    modules = std::move(*loaded);
  }
  auto isolators =
      isolation::createIsolators(flags.isolation, io, *hierarchy, isolatorOptions, &modules);
  if (!isolators) {
    log::error("--isolation: {}", isolators.error().message);
    return 1;
  }
  if (flags.launcher == "posix") {
    for (const auto& name : isolators->names) {
      if (name.rfind("namespaces/", 0) == 0) {
        log::error(
            "--isolation: {} needs --launcher=linux (the posix launcher makes no namespaces)",
            name);
        return 1;
      }
    }
  }
  if (flags.master) {
    log::warn(
        "--master={} is given, but registering with a master is not built yet: "
        "running standalone",
        *flags.master);
  }
  std::string names;
  for (const auto& name : isolators->names)
    names += (names.empty() ? "" : ",") + name;
  log::info("cgroups layout {}; isolation {}", cgroups::layoutName(hierarchy->layout), names);

  agent::Containerizer containerizer(io,
                                     {.workDir = flags.work_dir,
                                      .runtimeDir = flags.runtime_dir,
                                      .launcherPath = flags.launcher_dir + "/mesos-containerizer",
                                      .switchUser = flags.switch_user,
                                      .recoverByCleanup = flags.recover == "cleanup"},
                                     std::move(isolators->isolators));
  if (auto recovered = containerizer.recover(); !recovered) {
    if (flags.strict) {
      log::error("recovery failed: {}", recovered.error().message);
      return 1;
    }
    log::warn("recovery failed (continuing, --no-strict): {}", recovered.error().message);
  }

  http::Server server(io);
  agent::addAgentEndpoints(server, flags, *total, containerizer);
  return serveUntilSignalled(io, server, "agent", flags.ip.value_or("0.0.0.0"), flags.port);
}
