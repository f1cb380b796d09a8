#include "agent/security.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "agent/containerizer.h"
#include "agent/task_manager.h"
#include "common/endpoint_authorization.h"
#include "common/http_auth.h"
#include "common/logging.h"

namespace mesolite::agent {

namespace {

using Call = mesos::v1::agent::Call;

http::Realm realmOf(const std::string& path) {
  const std::string endpoint = http::canonicalEndpoint(path);
  if (endpoint == "/health" || endpoint == "/version") return http::Realm::Open;
  if (endpoint == "/api/v1") return http::Realm::ReadWrite;
  return http::Realm::ReadOnly;
}

// The agent's own user: what a container without a user runs as.
std::string agentUser() {
  struct passwd entry {};
  struct passwd* found = nullptr;
  char buffer[4096];
  if (getpwuid_r(geteuid(), &entry, buffer, sizeof(buffer), &found) == 0 && found) {
    return found->pw_name;
  }
  return std::to_string(geteuid());
}

// The user a standalone-container call acts on: the launch's command user, or the
// user of the container it names; the agent's user when none is named.
std::string containerUser(const Containerizer& containerizer, const Call& call) {
  std::optional<std::string> user;
  switch (call.type()) {
    case Call::LAUNCH_CONTAINER:
      if (call.launch_container().command().has_user()) {
        user = call.launch_container().command().user();
      }
      break;
    case Call::KILL_CONTAINER:
      user = containerizer.userOf(call.kill_container().container_id().value());
      break;
    case Call::WAIT_CONTAINER:
      user = containerizer.userOf(call.wait_container().container_id().value());
      break;
    case Call::REMOVE_CONTAINER:
      user = containerizer.userOf(call.remove_container().container_id().value());
      break;
    default:
      break;
  }
  return user.value_or(agentUser());
}

// For a /files path in a task's sandbox (virtual or real), the framework's user.
std::optional<std::optional<std::string>> sandboxUser(const TaskManager* tasks,
                                                      const std::string& path) {
  const std::string marker = "/frameworks/";
  const size_t at = path.find(marker);
  if (at == std::string::npos) {
    if (path.find("/containers/") != std::string::npos) {
      return std::optional<std::string>();  // a standalone container's sandbox
    }
    return std::nullopt;
  }
  const size_t start = at + marker.size();
  const std::string frameworkId = path.substr(start, path.find('/', start) - start);
  if (tasks != nullptr) {
    if (auto user = tasks->frameworkUser(frameworkId)) return std::optional<std::string>(*user);
  }
  return std::optional<std::string>();
}

}  // namespace

Result<AgentSecurity> loadAgentSecurity(const AgentFlags& flags) {
  AgentSecurity security;
  // One authenticator and one authorizer are built; their flags are validated to name
  // them, and checked again here where they are used.
  if (flags.http_authenticators != "basic" || flags.authorizer != "local") {
    return Error("only the basic HTTP authenticator and the local authorizer are built");
  }
  if ((flags.authenticate_http_readonly || flags.authenticate_http_readwrite) &&
      !flags.http_credentials) {
    return Error(
        "--authenticate_http_readonly and --authenticate_http_readwrite need "
        "--http_credentials: the principals and secrets to check against");
  }
  if (flags.http_credentials) {
    auto loaded = loadCredentials(*flags.http_credentials);
    if (!loaded) return loaded.error().wrap("--http_credentials");
    security.httpCredentials = std::move(*loaded);
  }
  if (flags.credential && !flags.master) {
    return Error(
        "--credential is what the agent presents to its master; without --master it "
        "has no use: remove it");
  }
  if (flags.credential) {
    auto loaded = loadCredential(*flags.credential);
    if (!loaded) return loaded.error().wrap("--credential");
    security.credential = std::move(*loaded);
  }
  auto authorizer = Authorizer::fromFlag(flags.acls);
  if (!authorizer) return authorizer.error();
  security.authorizer = std::move(*authorizer);
  if (flags.allow_unauthenticated_operator_writes) {
    log::warn(
        "--allow_unauthenticated_operator_writes: anyone who can reach port {}, tasks on this "
        "host included, may launch, kill and remove containers",
        flags.port);
  } else if (security.httpCredentials.empty()) {
    log::info(
        "no --http_credentials: operator calls that launch, kill or remove containers are "
        "refused (401); give --http_credentials to allow authenticated callers");
  }
  return security;
}

void secureAgentEndpoints(http::Server& server, const AgentFlags& flags,
                          const AgentSecurity& security, const TaskManager* tasks) {
  std::vector<std::string> logPaths;
  if (flags.log_dir) logPaths.push_back("/slave/log");
  http::authorizeEndpoints(server, {.authorizer = security.authorizer,
                                    .logPaths = logPaths,
                                    .sandboxUser = [tasks](const std::string& path) {
                                      return sandboxUser(tasks, path);
                                    }});
  http::authenticateEndpoints(server,
                              {.daemon = "mesos-agent",
                               .readonly = flags.authenticate_http_readonly,
                               .readwrite = flags.authenticate_http_readwrite,
                               .credentials = security.httpCredentials},
                              realmOf);
}

bool isWriteCall(Call::Type type) {
  const std::string name = Call::Type_Name(type);
  return !(name.rfind("GET_", 0) == 0 || name.rfind("WAIT_", 0) == 0 || type == Call::LIST_FILES ||
           type == Call::READ_FILE);
}

std::optional<http::Response> checkOperatorCall(const AgentFlags& flags,
                                                const Authorizer& authorizer,
                                                const Containerizer& containerizer,
                                                const Call& call, const http::Request& request) {
  const std::string name = Call::Type_Name(call.type());
  if (isWriteCall(call.type()) && !request.principal &&
      !flags.allow_unauthenticated_operator_writes) {
    log::warn("{} from {} refused: no credentials", name, request.remote);
    return http::unauthorized(
        "mesos-agent-readwrite",
        name +
            " changes this agent and needs an authenticated principal (HTTP Basic, "
            "--http_credentials); --allow_unauthenticated_operator_writes restores Mesos's "
            "open behaviour");
  }
  std::optional<Action> action;
  switch (call.type()) {
    case Call::LAUNCH_CONTAINER:
      action = Action::LaunchStandaloneContainer;
      break;
    case Call::KILL_CONTAINER:
      action = Action::KillStandaloneContainer;
      break;
    case Call::WAIT_CONTAINER:
      action = Action::WaitStandaloneContainer;
      break;
    case Call::REMOVE_CONTAINER:
      action = Action::RemoveStandaloneContainer;
      break;
    case Call::GET_FLAGS:
      action = Action::ViewFlags;
      break;
    case Call::SET_LOGGING_LEVEL:
      action = Action::SetLogLevel;
      break;
    default:
      break;
  }
  if (!action) return std::nullopt;
  std::optional<std::string> object;
  if (*action != Action::ViewFlags && *action != Action::SetLogLevel) {
    object = containerUser(containerizer, call);
  }
  if (authorizer.allowed(*action, request.principal, object)) return std::nullopt;
  return http::forbidden(request.principal,
                         "make " + name + " (" + std::string(aclName(*action)) +
                             (object ? ", user '" + *object + "'" : std::string()) + ")");
}

namespace {}  // namespace

void filterOperatorAnswer(mesos::v1::agent::Response* response, const Authorizer& authorizer,
                          const std::optional<std::string>& principal) {
  if (!authorizer.configured()) return;
  using Response = mesos::v1::agent::Response;
  std::map<std::string, std::string> frameworkUsers;
  const auto filterFrameworks = [&](Response::GetFrameworks* frameworks) {
    for (const auto* list : {&frameworks->frameworks(), &frameworks->completed_frameworks()}) {
      for (const auto& framework : *list)
        frameworkUsers[framework.framework_info().id().value()] = framework.framework_info().user();
    }
    const auto visible = [&](const Response::GetFrameworks::Framework& framework) {
      return authorizer.allowed(Action::ViewFramework, principal,
                                framework.framework_info().user());
    };
    keepIf(frameworks->mutable_frameworks(), visible);
    keepIf(frameworks->mutable_completed_frameworks(), visible);
  };
  const auto filterTasks = [&](Response::GetTasks* tasks) {
    const auto visible = [&](const mesos::v1::Task& task) {
      return authorizer.allowed(Action::ViewTask, principal, task.user());
    };
    for (auto* list : {tasks->mutable_pending_tasks(), tasks->mutable_queued_tasks(),
                       tasks->mutable_launched_tasks(), tasks->mutable_terminated_tasks(),
                       tasks->mutable_completed_tasks()})
      keepIf(list, visible);
  };
  const auto filterExecutors = [&](Response::GetExecutors* executors) {
    const auto visible = [&](const Response::GetExecutors::Executor& executor) {
      auto user = frameworkUsers.find(executor.executor_info().framework_id().value());
      return authorizer.allowed(
          Action::ViewExecutor, principal,
          user == frameworkUsers.end() ? std::nullopt : std::optional<std::string>(user->second));
    };
    keepIf(executors->mutable_executors(), visible);
    keepIf(executors->mutable_completed_executors(), visible);
  };
  if (response->has_get_state()) {
    auto* state = response->mutable_get_state();
    filterFrameworks(state->mutable_get_frameworks());
    filterTasks(state->mutable_get_tasks());
    filterExecutors(state->mutable_get_executors());
  }
  if (response->has_get_frameworks()) filterFrameworks(response->mutable_get_frameworks());
  if (response->has_get_tasks()) filterTasks(response->mutable_get_tasks());
  if (response->has_get_executors()) filterExecutors(response->mutable_get_executors());
}

}  // namespace mesolite::agent
