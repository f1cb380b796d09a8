// mesos-master: registers agents, offers their resources to frameworks and serves the
// scheduler, agent and operator APIs, all on one io_context.
#include <boost/asio/io_context.hpp>
#include <iostream>
#include <random>

#include "common/daemon_endpoints.h"
#include "common/http_server.h"
#include "common/http_server_flags.h"
#include "common/logging.h"
#include "master-lite/master.h"
#include "master-lite/master_flags.h"
#include "master-lite/security.h"
#include "mesos/v1/master/master.pb.h"

using namespace mesolite;

int main(int argc, char** argv) {
  master::MasterFlags flags;
  if (auto exit = loadDaemonFlags(flags.set, argc, argv)) return *exit;
  if (!flags.work_dir && flags.registry != "in_memory") {
    std::cerr << "mesos-master: --work_dir is needed unless --registry=in_memory\n";
    return 1;
  }
  if (flags.quorum && !flags.zk) {
    std::cerr << "mesos-master: --quorum sizes the registry replicated among masters elected "
                 "with --zk; without --zk it has no effect: remove it\n";
    return 1;
  }
  if (flags.zk && !flags.quorum) {
    std::cerr << "mesos-master: --quorum is needed with --zk\n";
    return 1;
  }
  // Mesos flags whose machinery is not built here: refused unless left at their default.
  if (auto refused = refuseUnhonouredFlags(
          flags.set,
          {{&flags.zk_session_timeout, "ZooKeeper (--zk) is not built yet"},
           {&flags.agent_reregister_timeout,
            "there is no registry to hold agents for re-registration after a failover"}});
      !refused) {
    std::cerr << "mesos-master: " << refused.error().message << "\n";
    return 1;
  }
  if (flags.zk) {
    // Better to refuse than to run as a leader that other masters do not know about.
    std::cerr << "mesos-master: --zk: leader election in ZooKeeper is not built yet; run one "
                 "master without --zk\n";
    return 1;
  }
  if (auto logging = log::setup("mesos-master", {.level = flags.logging_level,
                                                 .logDir = flags.log_dir,
                                                 .quiet = flags.quiet,
                                                 .bufferSeconds = flags.logbufsecs});
      !logging) {
    std::cerr << "mesos-master: " << logging.error().message << "\n";
    return 1;
  }

  if (flags.registry == "replicated_log") {
    // Mesos's default: Mesosphere's configurations carry it (with --work_dir) and must start,
    // but the operator must know that nothing is stored yet.
    log::warn(
        "--registry=replicated_log: the registry is kept in memory for now, nothing is written "
        "to {}; a restarted master admits agents again as they re-register. "
        "--registry=in_memory says so without this warning",
        flags.work_dir.value_or(""));
  }

  auto security = master::loadSecurity(flags);
  if (!security) {
    log::error("{}", security.error().message);
    return 1;
  }
  // LIBPROCESS_SSL_*: a bad setting or certificate stops the master here, by name.
  auto serverOptions = daemonServerOptions(flags.http);
  if (!serverOptions) {
    log::error("{}", serverOptions.error().message);
    return 1;
  }

  boost::asio::io_context io;
  http::Server server(io, std::move(*serverOptions));
  addDaemonEndpoints(server, flags.set);
  master::Master master(io, flags,
                        {.listenIp = flags.advertise_ip.value_or(flags.ip.value_or("127.0.0.1")),
                         .port = flags.advertise_port.value_or(flags.port),
                         .seed = uint64_t(std::random_device{}()),
                         .authorizer = security->authorizer});
  master.addEndpoints(server);
  master::secureEndpoints(server, flags, *security);
  master.start();
  log::info("master {} starting; allocator {} (role sorter {}, framework sorter {})",
            master.info().id(), flags.allocator, flags.role_sorter, flags.framework_sorter);
  return serveUntilSignalled(io, server, "master", flags.ip.value_or("0.0.0.0"), flags.port);
}
