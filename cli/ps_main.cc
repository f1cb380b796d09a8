// mesos-ps (also `mesos ps`): the running tasks of a cluster, as Mesos's mesos-ps shows
// them. Agents are asked for their statistics all at once, on one io_context.
#include <boost/asio/io_context.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/find_leader.h"
#include "cli/ps.h"
#include "cli/task_files.h"
#include "common/credentials.h"
#include "common/daemon_endpoints.h"
#include "common/flags.h"
#include "common/http_client.h"

using namespace mesolite;

int main(int argc, char** argv) {
  cli::PsFlags flags;
  if (auto exit = loadDaemonFlags(flags.set, argc, argv)) return *exit;
  std::optional<std::string>& master = flags.master;
  const std::string& timeout = flags.timeout;

  auto wait = cli::parseTimeout(timeout);
  if (!wait) {
    std::cerr << "mesos-ps: " << wait.error().message << "\n";
    return 1;
  }
  http::ClientOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wait->value);
  cli::logToStderr("mesos-ps", flags.verbose);
  auto leader = cli::findLeader(*master, options.timeout);
  if (!leader) {
    std::cerr << "mesos-ps: " << leader.error().message << "\n";
    return 1;
  }
  const http::Endpoint* endpoint = &leader->endpoint;

  auto response = cli::getFollowingRedirect(*endpoint, "/master/state", {}, options);
  if (!response) {
    std::cerr << "mesos-ps: Failed to get the master state from " << endpoint->toString() << ": "
              << response.error().message << "\n";
    return 1;
  }
  if (response->status != 200) {
    std::cerr << "mesos-ps: Failed to get the master state from " << endpoint->toString() << ": "
              << response->status << " " << http::reason(response->status) << "\n";
    return 1;
  }
  nlohmann::json state = nlohmann::json::parse(response->body, nullptr, false);
  if (state.is_discarded() || !state.is_object()) {
    std::cerr << "mesos-ps: the master's /master/state is not a JSON object\n";
    return 1;
  }

  if (flags.verbose) {
    std::cerr << "mesos-ps: the master's state came from "
              << state.value("leader", std::string("the master")) << "\n";
  }
  // Agents that do not answer keep no entry: their tasks show allocated values.
  std::map<std::string, nlohmann::json> statistics;
  boost::asio::io_context io;
  http::Client client(io, options);
  const std::optional<Credential> credential = localToolCredential();
  for (const auto& [id, agent] : cli::agentsWithTasks(state)) {
    http::Request request;
    request.method = "GET";
    request.path = "/monitor/statistics";
    if (credential) request.headers["Authorization"] = basicAuthorization(*credential);
    client.send(agent, request,
                [&, id = id, where = agent.toString()](Result<http::Response> answer) {
                  const auto missing = [&](const std::string& why) {
                    if (flags.verbose) {
                      std::cerr << "mesos-ps: no statistics from agent " << id << " (" << where
                                << "): " << why << "\n";
                    }
                  };
                  if (!answer) return missing(answer.error().message);
                  if (answer->status != 200) {
                    return missing(std::to_string(answer->status) + " " +
                                   std::string(http::reason(answer->status)));
                  }
                  nlohmann::json parsed = nlohmann::json::parse(answer->body, nullptr, false);
                  if (!parsed.is_array()) return missing("/monitor/statistics is not a JSON array");
                  statistics[id] = std::move(parsed);
                });
  }
  io.run();

  std::cout << cli::formatPsTable(state, statistics) << std::flush;
  return 0;
}
