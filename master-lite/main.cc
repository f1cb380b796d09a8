// mesos-master: for now it serves its flags, health, version and the common operator
// calls; agents, frameworks and offers arrive with the master issue.
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "common/daemon_endpoints.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "master-lite/master_flags.h"
#include "mesos/v1/master/master.pb.h"

using namespace mesolite;

int main(int argc, char** argv) {
  master::MasterFlags flags;
  if (auto exit = loadDaemonFlags(flags.set, argc, argv)) return *exit;
  if (!flags.work_dir && flags.registry != "in_memory") {
    std::cerr << "mesos-master: --work_dir is needed unless --registry=in_memory\n";
    return 1;
  }
  if (flags.zk && !flags.quorum) {
    std::cerr << "mesos-master: --quorum is needed with --zk\n";
    return 1;
  }
  if (auto logging = log::setup("mesos-master", flags.logging_level, flags.log_dir); !logging) {
    std::cerr << "mesos-master: " << logging.error().message << "\n";
    return 1;
  }

  boost::asio::io_context io;
  http::Server server(io);
  addDaemonEndpoints(server, flags.set);
  server.route("/api/v1",
               operatorApi<mesos::v1::master::Call, mesos::v1::master::Response>(flags.set));
  return serveUntilSignalled(io, server, "master", flags.ip.value_or("0.0.0.0"), flags.port);
}
