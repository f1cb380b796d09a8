// mesos-resolve (also `mesos resolve <master>`): prints the leading master's HOST:PORT,
// as Mesos's mesos-resolve does, asked of the master given (a follower names its
// leader). Exit status 0 when found, 1 otherwise.
#include <iostream>
#include <string>
#include <vector>

#include "cli/ps.h"
#include "cli/task_files.h"
#include "common/daemon_endpoints.h"
#include "common/http_client.h"

using namespace mesolite;

namespace {

int fail(const std::string& message) {
  std::cerr << "mesos-resolve: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  cli::ResolveFlags flags;
  // The one argument is the master, as in Mesos; flags are everything else.
  std::vector<const char*> flagArgs = {argv[0]};
  std::vector<std::string> arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0) {
      flagArgs.push_back(argv[i]);
    } else {
      arguments.push_back(arg);
    }
  }
  if (auto exit = loadDaemonFlags(flags.set, int(flagArgs.size()), flagArgs.data())) return *exit;
  if (arguments.size() != 1) {
    return fail("there must be only one argument: <master> (HOST:PORT or http://HOST:PORT)");
  }
  const std::string& given = arguments[0];
  if (given.rfind("zk://", 0) == 0 || given.rfind("file://", 0) == 0) {
    return fail("'" + given + "': zk:// and file:// masters are not supported yet (no leader " +
                "election in ZooKeeper); give a master as HOST:PORT");
  }
  auto endpoint = http::Endpoint::parse(given);
  if (!endpoint) return fail("'" + given + "': " + endpoint.error().message);
  auto wait = cli::parseTimeout(flags.timeout);
  if (!wait) return fail(wait.error().message);
  http::ClientOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wait->value);

  // /master/state-summary is small; its "leader" (redirects followed) is "master@HOST:PORT".
  auto summary = cli::getJson(*endpoint, "/master/state", {}, options);
  if (!summary) {
    return fail("Failed to detect master from '" + given + "': " + summary.error().message);
  }
  std::string leader = summary->value("leader", std::string());
  if (flags.verbose) std::cerr << "mesos-resolve: " << given << " names " << leader << "\n";
  if (leader.rfind("master@", 0) == 0) leader.erase(0, 7);
  if (leader.empty()) return fail("Failed to detect master from '" + given + "': no leader");
  std::cout << leader << "\n";
  return 0;
}
