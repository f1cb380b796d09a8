// mesos-execute: runs one task through the v1 Scheduler API and exits with 0 only when
// it finishes (see cli/execute_scheduler.h).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

#include "cli/execute.h"
#include "cli/execute_scheduler.h"
#include "cli/find_leader.h"
#include "common/daemon_endpoints.h"
#include "common/leader_detector.h"

using namespace mesolite;

int main(int argc, char** argv) {
  cli::ExecuteFlags flags;
  if (auto exit = loadDaemonFlags(flags.set, argc, argv)) return *exit;

  auto user = cli::currentUser();
  if (!user) {
    std::cerr << "mesos-execute: " << user.error().message << "\n";
    return 1;
  }
  auto config = cli::buildConfig(flags, *user);
  if (!config) {
    std::cerr << "mesos-execute: " << config.error().message << "\n"
              << "See 'mesos-execute --help' for the flags.\n";
    return 1;
  }

  cli::logToStderr("mesos-execute", false);
  boost::asio::io_context io;
  auto detector = detect::LeaderDetector::create(io, config->master);
  if (!detector) {
    std::cerr << "mesos-execute: --master: " << detector.error().message << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  cli::ExecuteScheduler scheduler(io, std::move(*detector), std::move(*config), std::cout,
                                  std::cerr, [&](int) { signals.cancel(); });
  std::function<void()> awaitSignal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      scheduler.interrupt(128 + signal);
      // A second signal finishes at once; none is awaited once finished (the loop ends).
      if (!scheduler.exitCode()) awaitSignal();
    });
  };
  awaitSignal();
  scheduler.start();
  io.run();
  return scheduler.exitCode().value_or(1);
}
