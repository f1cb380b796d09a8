// `mesos cat` and `mesos tail`: a task's sandbox file (stdout, stderr, ...) read through
// its agent's /files/read, found as Mesos's mesos-cat and mesos-tail find it: the task
// in /master/state, its agent's pid, its executor's directory in the agent's /state.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/flags.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/units.h"

namespace mesolite::cli {

// The flags of mesos-cat and mesos-tail (the same four, and tail's --follow).
struct TaskFileFlags {
  explicit TaskFileFlags(bool tail);

  FlagSet set;
  std::optional<std::string> master;
  std::optional<std::string> framework;
  std::optional<std::string> task;
  std::string file;
  std::string timeout;
  bool follow = true;  // mesos-tail only
};

// A task as /master/state lists it: where its agent serves and its executor's id.
struct TaskLocation {
  http::Endpoint agent;
  std::string agentId;
  std::string executorId;
};

// Finds `taskId` of `frameworkId` among the running and completed tasks of active and
// completed frameworks; the error says what was not found.
Result<TaskLocation> locateTask(const nlohmann::json& masterState, const std::string& frameworkId,
                                const std::string& taskId);

// The sandbox directory of the executor in the agent's /state.
Result<std::string> executorDirectory(const nlohmann::json& agentState,
                                      const std::string& frameworkId,
                                      const std::string& executorId);

// Whether the task is still live (not in a terminal state), by the agent's /state.
bool taskLive(const nlohmann::json& agentState, const std::string& frameworkId,
              const std::string& taskId);

// GET `path` (with `query`), following one 307 to the leading master.
Result<http::Response> getFollowingRedirect(http::Endpoint endpoint, const std::string& path,
                                            const std::map<std::string, std::string>& query,
                                            const http::ClientOptions& options);

// GET `path` and parse its JSON; errors name the endpoint, the status or the parse.
Result<nlohmann::json> getJson(const http::Endpoint& endpoint, const std::string& path,
                               const std::map<std::string, std::string>& query,
                               const http::ClientOptions& options);

}  // namespace mesolite::cli
