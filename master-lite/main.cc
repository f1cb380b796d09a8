// mesos-master: registers agents, offers their resources to frameworks and serves the
// scheduler, agent and operator APIs, all on one io_context.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <iostream>
#include <random>

#include "common/daemon_endpoints.h"
#include "common/http_server.h"
#include "common/http_server_flags.h"
#include "common/logging.h"
#include "master-lite/contender.h"
#include "master-lite/master.h"
#include "master-lite/master_flags.h"
#include "master-lite/registry_file.h"
#include "master-lite/security.h"
#include "master-lite/webui.h"
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
  if (auto logging = log::setup("mesos-master", {.level = flags.logging_level,
                                                 .logDir = flags.log_dir,
                                                 .quiet = flags.quiet,
                                                 .bufferSeconds = flags.logbufsecs});
      !logging) {
    std::cerr << "mesos-master: " << logging.error().message << "\n";
    return 1;
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
  // --registry=replicated_log: in ZooKeeper with --zk (the contender's session writes it),
  // else a file in --work_dir.
  std::unique_ptr<master::RegistryStore> registry;
  if (flags.registry == "replicated_log" && !flags.zk) {
    auto opened = master::openFileRegistry(io, *flags.work_dir);
    if (!opened) {
      log::error("{}", opened.error().message);
      return 1;
    }
    registry = std::move(*opened);
  }

  http::Server server(io, std::move(*serverOptions));
  addDaemonEndpoints(server, flags.set);
  std::unique_ptr<master::Contender> contender;
  std::unique_ptr<master::Master> masterPtr;
  // The master cannot lead (its registry cannot be read or stored, or it lost ZooKeeper).
  // Alone it exits, as Mesos's does, for its supervisor to restart it; with --zk it steps
  // down and contends again after `pause`, so that a registry that cannot be read is not
  // retried in a spin while another master could take over.
  auto recontend = std::make_shared<boost::asio::steady_timer>(io);
  const auto cannotLead = [&](const std::string& why, std::chrono::seconds pause) {
    if (!contender) {
      log::error("mesos-master exits: {}", why);
      std::exit(1);
    }
    masterPtr->stepDown(why);
    recontend->expires_after(pause);
    recontend->async_wait([&](boost::system::error_code error) {
      if (!error) contender->contend(masterPtr->info());
    });
  };
  master::Master::Options options{
      .listenIp = flags.advertise_ip.value_or(flags.ip.value_or("127.0.0.1")),
      .port = flags.advertise_port.value_or(flags.port),
      .seed = uint64_t(std::random_device{}()),
      .authorizer = security->authorizer,
      .registry = std::move(registry),
      .abdicate = [&](const std::string& why) { cannotLead(why, std::chrono::seconds(0)); }};
  masterPtr = std::make_unique<master::Master>(io, flags, std::move(options));
  master::Master& master = *masterPtr;
  master.addEndpoints(server);
  master::secureEndpoints(server, flags, *security);
  // After the API's authentication: the UI's files are public, as Mesos's are; what they
  // fetch is authenticated as any client's request.
  if (auto webui = master::addWebUi(server, flags.webui_dir); !webui) {
    log::error("{}", webui.error().message);
    return 1;
  }
  master.start();

  if (flags.zk) {
    const auto sessionTimeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(flags.zk_session_timeout.value);
    auto created = master::Contender::create(
        io, *flags.zk, sessionTimeout, master.info(),
        {.onElected =
             [&] {
               master.elect([&](Result<void> elected) {
                 if (!elected) cannotLead(elected.error().message, std::chrono::seconds(2));
               });
             },
         .onLost = [&](const std::string& why) { cannotLead(why, std::chrono::seconds(0)); },
         .onLeader =
             [&master](const std::optional<mesos::v1::MasterInfo>& leader) {
               master.setLeader(leader);
               if (leader) log::info("the leading master is {}", leader->pid());
             }});
    if (!created) {
      log::error("{}", created.error().message);
      return 1;
    }
    contender = std::move(*created);
    if (flags.registry == "replicated_log") {
      // Too late for Options: the store shares the contender's session.
      master.useRegistryStore(contender->registryStore());
    }
    log::info("master {} contending for leadership in {}", master.info().id(), *flags.zk);
  } else {
    master.elect([&](Result<void> elected) {
      if (!elected) cannotLead(elected.error().message, std::chrono::seconds(0));
    });
  }
  log::info(
      "master {} starting; allocator {} (role sorter {}, framework sorter {}); registry in {}",
      master.info().id(), flags.allocator, flags.role_sorter, flags.framework_sorter,
      master.registrar().describe());
  return serveUntilSignalled(io, server, "master", flags.ip.value_or("0.0.0.0"), flags.port);
}
