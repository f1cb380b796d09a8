// mesos-agent: for now, a standalone agent that serves its flags, health, version and
// the common operator calls; containers arrive with the isolation work.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>

#include "agent/agent_flags.h"
#include "common/daemon_endpoints.h"
#include "common/host_resources.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "common/resources.h"
#include "mesos/v1/agent/agent.pb.h"

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

  boost::asio::io_context io;
  http::Server server(io);
  addDaemonEndpoints(server, flags.set);
  server.route("/api/v1",
               operatorApi<mesos::v1::agent::Call, mesos::v1::agent::Response>(flags.set));
  const std::string ip = flags.ip.value_or("0.0.0.0");
  if (auto listening = server.listen(ip, uint16_t(flags.port)); !listening) {
    log::error("{}", listening.error().message);
    return 1;
  }
  log::info("agent listening on {}:{}", ip, server.port());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    log::info("received signal {}, stopping", signal);
    server.stop();
    io.stop();
  });
  io.run();
  return 0;
}
