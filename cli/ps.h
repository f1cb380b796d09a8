// `mesos ps`: the running tasks of a cluster as a table, from the master's
// /master/state and each agent's /monitor/statistics, in the columns of Mesos's
// mesos-ps: USER FRAMEWORK TASK SLAVE MEM TIME CPU (allocated).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/units.h"

namespace mesolite::cli {

// The flags of mesos-ps (`mesos ps`); the definitions drive parsing, --help and mesos(1).
struct PsFlags {
  PsFlags();

  FlagSet set;
  std::optional<std::string> master;
  std::string timeout;
  bool verbose = false;
};

// The flags of mesos-resolve (`mesos resolve <master>`).
struct ResolveFlags {
  ResolveFlags();

  FlagSet set;
  std::string timeout;
  bool verbose = false;
};

// Where an agent of /master/state serves HTTP: its pid "slave(1)@IP:PORT", else
// hostname and port (5051 when absent).
Result<http::Endpoint> agentEndpoint(const nlohmann::json& slave);

// Ids of the agents that run tasks listed in /master/state, with their address.
std::map<std::string, http::Endpoint> agentsWithTasks(const nlohmann::json& state);

// The table. `statistics` maps an agent id to its /monitor/statistics array; an agent
// missing from it could not be reached, and its tasks show their allocated memory and
// cpus, with '-' for what only the agent knows. Ends with a newline.
std::string formatPsTable(const nlohmann::json& state,
                          const std::map<std::string, nlohmann::json>& statistics);

// "1.5 KB", "12.3 MB": Mesos's mesos-ps sizes, one decimal.
std::string formatDataSize(double bytes);
// CPU seconds as HH:MM:SS.ffffff.
std::string formatCpuTime(double seconds);

// mesos-ps's --timeout: seconds as a number ("5", "2.5") or a Duration ("5secs").
Result<Duration> parseTimeout(const std::string& text);

}  // namespace mesolite::cli
