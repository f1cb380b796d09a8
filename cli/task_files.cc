#include "cli/task_files.h"

#include <set>

#include "cli/ps.h"
#include "common/credentials.h"

namespace mesolite::cli {
namespace {

using nlohmann::json;

const json& arrayField(const json& object, const char* name) {
  static const json empty = json::array();
  if (!object.is_object()) return empty;
  auto found = object.find(name);
  return found != object.end() && found->is_array() ? *found : empty;
}

std::string stringField(const json& object, const char* name) {
  if (!object.is_object()) return "";
  auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

// Calls `visit` with each framework of `state` whose id is `frameworkId`, active first.
template <typename Visit>
void forFramework(const json& state, const std::string& frameworkId, Visit visit) {
  for (const char* list : {"frameworks", "completed_frameworks"}) {
    for (const json& framework : arrayField(state, list))
      if (stringField(framework, "id") == frameworkId) visit(framework, list[0] == 'f');
  }
}

}  // namespace

TaskFileFlags::TaskFileFlags(bool tail)
    : set(tail ? "mesos-tail" : "mesos-cat",
          tail ? "Prints a task's sandbox file (e.g. stdout) through its agent, and follows it "
                 "as it grows until the task has ended."
               : "Prints a task's sandbox file (e.g. stdout) through its agent.") {
  set.add(&master, "master",
          "The master: HOST:PORT, http://HOST:PORT, or zk://HOST:PORT[,HOST:PORT...]/PATH "
          "to ask the leading master of a ZooKeeper group")
      .required();
  set.add(&framework, "framework", "The id of the task's framework").required();
  set.add(&task, "task", "The id of the task").required();
  set.add(&file, "file", "The file, relative to the task's sandbox", std::string("stdout"));
  set.add(&timeout, "timeout",
          "How long to wait for the master and the agent, in seconds or as a duration",
          std::string("5"));
  if (tail) {
    set.add(&follow, "follow",
            "Keep reading as the file grows, until the task has ended (--no-follow: print "
            "what is there and stop)",
            true);
  }
}

Result<TaskLocation> locateTask(const json& masterState, const std::string& frameworkId,
                                const std::string& taskId) {
  std::optional<json> found;
  bool frameworkKnown = false;
  forFramework(masterState, frameworkId, [&](const json& framework, bool) {
    frameworkKnown = true;
    for (const char* list : {"tasks", "completed_tasks", "unreachable_tasks"}) {
      for (const json& task : arrayField(framework, list))
        if (!found && stringField(task, "id") == taskId) found = task;
    }
  });
  if (!frameworkKnown) return Error("no framework '" + frameworkId + "' in the master's state");
  if (!found) return Error("no task '" + taskId + "' in framework '" + frameworkId + "'");

  TaskLocation location;
  location.agentId = stringField(*found, "slave_id");
  // A command task's executor has its task's id on the agent (empty in the master).
  location.executorId = stringField(*found, "executor_id");
  if (location.executorId.empty()) location.executorId = taskId;
  for (const json& slave : arrayField(masterState, "slaves")) {
    if (stringField(slave, "id") != location.agentId) continue;
    auto endpoint = agentEndpoint(slave);
    if (!endpoint) return endpoint.error();
    location.agent = *endpoint;
    return location;
  }
  return Error("the agent '" + location.agentId + "' of task '" + taskId +
               "' is not in the master's state (removed or unreachable)");
}

Result<std::string> executorDirectory(const json& agentState, const std::string& frameworkId,
                                      const std::string& executorId) {
  std::string directory;
  forFramework(agentState, frameworkId, [&](const json& framework, bool) {
    for (const char* list : {"executors", "completed_executors"}) {
      for (const json& executor : arrayField(framework, list)) {
        if (directory.empty() && stringField(executor, "id") == executorId) {
          directory = stringField(executor, "directory");
        }
      }
    }
  });
  if (directory.empty()) {
    return Error("the agent knows no sandbox of executor '" + executorId + "' (framework '" +
                 frameworkId + "'): it may have been garbage collected");
  }
  return directory;
}

bool taskLive(const json& agentState, const std::string& frameworkId, const std::string& taskId) {
  static const std::set<std::string> kTerminal = {
      "TASK_FINISHED", "TASK_FAILED",  "TASK_KILLED", "TASK_ERROR",
      "TASK_LOST",     "TASK_DROPPED", "TASK_GONE",   "TASK_GONE_BY_OPERATOR"};
  bool live = false;
  forFramework(agentState, frameworkId, [&](const json& framework, bool) {
    for (const json& executor : arrayField(framework, "executors")) {
      for (const char* list : {"tasks", "queued_tasks"}) {
        for (const json& task : arrayField(executor, list)) {
          if (stringField(task, "id") == taskId && !kTerminal.count(stringField(task, "state"))) {
            live = true;
          }
        }
      }
    }
  });
  return live;
}

Result<http::Response> getFollowingRedirect(http::Endpoint endpoint, const std::string& path,
                                            const std::map<std::string, std::string>& query,
                                            const http::ClientOptions& options) {
  for (int attempt = 0;; ++attempt) {
    http::Request request;
    request.method = "GET";
    request.path = path;
    request.query = query;
    // Read-only endpoints may need authentication; the local operator credential
    // (root-only) lets local tools through.
    if (auto credential = localToolCredential()) {
      request.headers["Authorization"] = basicAuthorization(*credential);
    }
    auto response = http::fetch(endpoint, request, options);
    if (!response) return response;
    auto location = response->headers.find("Location");
    if (response->status != 307 || attempt > 0 || location == response->headers.end()) {
      return response;
    }
    auto leader = http::parseRedirect(location->second, endpoint);
    if (!leader) return leader.error().wrap("redirect");
    endpoint = leader->endpoint;
  }
}

Result<json> getJson(const http::Endpoint& endpoint, const std::string& path,
                     const std::map<std::string, std::string>& query,
                     const http::ClientOptions& options) {
  const std::string where = endpoint.toString() + path;
  auto response = getFollowingRedirect(endpoint, path, query, options);
  if (!response) return response.error().wrap(where);
  if (response->status != 200) {
    std::string body = response->body.substr(0, 200);
    while (!body.empty() && body.back() == '\n')
      body.pop_back();
    return Error(where + ": " + std::to_string(response->status) + " " +
                 std::string(http::reason(response->status)) + (body.empty() ? "" : ": " + body));
  }
  json parsed = json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) return Error(where + ": the answer is not JSON");
  return parsed;
}

}  // namespace mesolite::cli
