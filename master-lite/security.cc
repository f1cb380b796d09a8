#include "master-lite/security.h"

#include "common/endpoint_authorization.h"
#include "common/logging.h"

namespace mesolite::master {

Result<Security> loadSecurity(const MasterFlags& flags) {
  Security security;
  // One authenticator and one authorizer are built; their flags are validated to name
  // them, and checked again here where they are used.
  if (flags.http_authenticators != "basic" || flags.authorizers != "local" ||
      flags.http_framework_authenticators.value_or("basic") != "basic") {
    return Error("only the basic HTTP authenticator and the local authorizer are built");
  }
  const std::pair<const bool*, const char*> needsCredentials[] = {
      {&flags.authenticate_frameworks, "--authenticate_frameworks"},
      {&flags.authenticate_http_frameworks, "--authenticate_http_frameworks"},
      {&flags.authenticate_agents, "--authenticate_agents"},
      {&flags.authenticate_http_readonly, "--authenticate_http_readonly"},
      {&flags.authenticate_http_readwrite, "--authenticate_http_readwrite"},
  };
  for (const auto& [set, name] : needsCredentials) {
    if (*set && !flags.credentials) {
      return Error(std::string(name) +
                   " needs --credentials: the principals and secrets to check against");
    }
  }
  if (flags.http_framework_authenticators && !flags.authenticate_http_frameworks &&
      !flags.authenticate_frameworks) {
    log::info(
        "--http_framework_authenticators: frameworks that present credentials are "
        "authenticated; add --authenticate_http_frameworks to require it");
  }
  if (flags.credentials) {
    auto loaded = loadCredentials(*flags.credentials);
    if (!loaded) return loaded.error().wrap("--credentials");
    security.credentials = std::move(*loaded);
  }
  auto authorizer = Authorizer::fromFlag(flags.acls);
  if (!authorizer) return authorizer.error();
  security.authorizer = std::move(*authorizer);
  return security;
}

http::Realm realmOf(const std::string& path) {
  const std::string endpoint = http::canonicalEndpoint(path);
  if (endpoint == "/health" || endpoint == "/version" || endpoint == "/redirect") {
    return http::Realm::Open;
  }
  if (endpoint == "/api/v1/scheduler") return http::Realm::Framework;
  if (endpoint == "/api/v1/agent") return http::Realm::Agent;
  if (endpoint == "/api/v1" || endpoint == "/teardown") return http::Realm::ReadWrite;
  return http::Realm::ReadOnly;
}

void secureEndpoints(http::Server& server, const MasterFlags& flags, const Security& security) {
  std::vector<std::string> logPaths;
  if (flags.log_dir) logPaths.push_back("/master/log");
  http::authorizeEndpoints(server, {.authorizer = security.authorizer, .logPaths = logPaths});
  http::authenticateEndpoints(
      server,
      {.daemon = "mesos-master",
       .readonly = flags.authenticate_http_readonly,
       .readwrite = flags.authenticate_http_readwrite,
       // There is no other scheduler API than HTTP's: --authenticate_frameworks means this.
       .frameworks = flags.authenticate_http_frameworks || flags.authenticate_frameworks,
       .agents = flags.authenticate_agents,
       .credentials = security.credentials},
      realmOf);
}

namespace {

std::string quoted(const std::optional<std::string>& principal) {
  return principal ? "'" + *principal + "'" : "none";
}

std::optional<std::string> principalOf(const mesos::v1::FrameworkInfo& info) {
  if (!info.has_principal()) return std::nullopt;
  return info.principal();
}

}  // namespace

std::optional<http::Response> checkSubscriber(const Authorizer& authorizer,
                                              const std::optional<std::string>& authenticated,
                                              const mesos::v1::FrameworkInfo& info,
                                              const std::vector<std::string>& roles,
                                              const mesos::v1::FrameworkInfo* existing) {
  const std::optional<std::string> claimed = principalOf(info);
  if (authenticated && claimed != authenticated) {
    return http::Response::text(403, "Authenticated principal '" + *authenticated +
                                         "' does not match principal " + quoted(claimed) +
                                         " set in `FrameworkInfo`");
  }
  if (existing && principalOf(*existing) != claimed) {
    return http::Response::text(403, "Framework " + info.id().value() +
                                         " is registered with principal " +
                                         quoted(principalOf(*existing)) + "; a subscription as " +
                                         quoted(claimed) + " cannot take it over");
  }
  for (const std::string& role : roles) {
    if (!authorizer.allowed(Action::RegisterFramework, claimed, role)) {
      return http::Response::text(403, "Not authorized to use role '" + role +
                                           "' (register_frameworks, principal " + quoted(claimed) +
                                           ")");
    }
  }
  return std::nullopt;
}

std::optional<http::Response> checkCaller(const std::optional<std::string>& authenticated,
                                          const mesos::v1::FrameworkInfo& framework) {
  if (!authenticated || principalOf(framework) == authenticated) return std::nullopt;
  return http::Response::text(
      403, "Authenticated principal '" + *authenticated + "' does not match principal " +
               quoted(principalOf(framework)) + " of framework " + framework.id().value());
}

std::optional<std::string> runTaskDenied(const Authorizer& authorizer,
                                         const mesos::v1::FrameworkInfo& framework,
                                         const mesos::v1::TaskInfo& task) {
  const std::string user =
      task.has_command() && task.command().has_user() ? task.command().user() : framework.user();
  if (authorizer.allowed(Action::RunTask, principalOf(framework), user)) return std::nullopt;
  return "Not authorized to launch task '" + task.task_id().value() + "' as user '" + user +
         "' (run_tasks, principal " + quoted(principalOf(framework)) + ")";
}

}  // namespace mesolite::master
