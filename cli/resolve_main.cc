// mesos-resolve (also `mesos resolve <master>`): prints the leading master's HOST:PORT,
// as Mesos's mesos-resolve does: with zk://, the leader the ZooKeeper group names; with
// HOST:PORT, the leader that master names (a follower names its leader). Exit status 0
// when found, 1 otherwise.
#include <iostream>
#include <string>
#include <vector>

#include "cli/find_leader.h"
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
    return fail(
        "there must be only one argument: <master> (HOST:PORT, http://HOST:PORT or "
        "zk://HOST:PORT[,HOST:PORT...]/PATH)");
  }
  const std::string& given = arguments[0];
  auto wait = cli::parseTimeout(flags.timeout);
  if (!wait) return fail(wait.error().message);
  http::ClientOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wait->value);

  cli::logToStderr("mesos-resolve", flags.verbose);
  auto leader = cli::findLeader(given, options.timeout);
  if (!leader) return fail(leader.error().message);
  if (given.rfind("zk://", 0) == 0) {
    if (flags.verbose) {
      std::cerr << "mesos-resolve: the ZooKeeper group " << given << " names "
                << cli::leaderAddress(*leader) << " (master " << leader->info.id() << ")\n";
    }
    std::cout << cli::leaderAddress(*leader) << "\n";
    return 0;
  }
  // A master given by address may be a follower: its /master/state names the leader
  // ("master@HOST:PORT"), redirects followed.
  auto summary = cli::getJson(leader->endpoint, "/master/state", {}, options);
  if (!summary) {
    return fail("Failed to detect master from '" + given + "': " + summary.error().message);
  }
  std::string named = summary->value("leader", std::string());
  if (flags.verbose) std::cerr << "mesos-resolve: " << given << " names " << named << "\n";
  if (named.rfind("master@", 0) == 0) named.erase(0, 7);
  if (named.empty()) return fail("Failed to detect master from '" + given + "': no leader");
  std::cout << named << "\n";
  return 0;
}
