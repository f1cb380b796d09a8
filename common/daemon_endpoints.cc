#include "common/daemon_endpoints.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/protobuf_json.h"
#include "common/systemd_notify.h"
#include "common/tls.h"
#include "common/version.h"

namespace mesolite {

mesos::v1::VersionInfo versionInfo() {
  mesos::v1::VersionInfo info;
  info.set_version(kMesosApiVersion);
  info.set_git_tag(std::string("mesolite-") + kVersion);
  info.set_build_date(__DATE__ " " __TIME__);
  return info;
}

void addDaemonEndpoints(http::Server& server, const FlagSet& flags) {
  server.route("/health", [](http::Request&&, http::Responder responder) {
    responder.respond(http::Response::text(200, ""));
  });
  server.route("/flags", [&flags](http::Request&&, http::Responder responder) {
    nlohmann::json values = flags.values();
    responder.respond(http::Response::json(200, dumpJson(nlohmann::json{{"flags", values}})));
  });
  server.route("/version", [](http::Request&&, http::Responder responder) {
    responder.respond(http::Response::json(200, toJsonString(versionInfo())));
  });
}

int serveUntilSignalled(boost::asio::io_context& io, http::Server& server, const std::string& role,
                        const std::string& ip, uint32_t port) {
  if (auto listening = server.listen(ip, uint16_t(port)); !listening) {
    log::error("{}", listening.error().message);
    return 1;
  }
  log::info("{} listening on {}:{}", role, ip, server.port());
  // Ready only now that it serves: `systemctl start` returns when clients can connect.
  systemd::Notifier notifier(io,
                             role + " listening on " + ip + ":" + std::to_string(server.port()));
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    log::info("received signal {}, stopping", signal);
    server.stop();
    io.stop();
  });
  io.run();
  return 0;
}

std::optional<int> loadDaemonFlags(FlagSet& flags, int argc, const char* const* argv) {
  auto loaded = flags.load(argc, argv, environ);
  if (flags.helpRequested()) {
    std::cout << flags.usage();
    return 0;
  }
  if (!loaded) {
    std::cerr << flags.program() << ": " << loaded.error().message << "\n"
              << "See '" << flags.program() << " --help' for the flags.\n";
    return 1;
  }
  if (flags.versionRequested()) {
    std::cout << flags.program() << " (Mesolite) " << kVersion << ", Mesos API " << kMesosApiVersion
              << "\n";
    return 0;
  }
  return std::nullopt;
}

Result<http::ServerOptions> daemonServerOptions(const HttpServerFlags& flags) {
  http::ServerOptions options;
  options.maxConnections = flags.http_max_connections;
  options.requestBodyBudget = flags.http_request_body_budget.value;
  options.maxStreamBacklog = flags.http_max_stream_backlog.value;
  const auto& settings = tls::processSettings();
  if (!settings) return settings.error();
  for (const auto& note : settings->notes)
    log::warn("{}", note);
  if (!settings->enabled) return options;
  auto context = tls::serverContext(*settings);
  if (!context) return context.error();
  options.tls = *settings;
  options.tlsContext = *context;
  log::info("serving HTTPS{}{}", settings->supportDowngrade ? " and plain HTTP (downgrade)" : "",
            settings->requireClientCert ? "; client certificates required" : "");
  return options;
}

}  // namespace mesolite
