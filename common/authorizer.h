// Mesos's local authorizer: the --acls JSON, and whether a principal may do an action on
// an object. Semantics as Mesos defines them: the first ACL of the action whose subject
// and object both match decides; when none matches, `permissive` does (default true).
// A request without a principal is the subject ANY; an unknown object is ANY.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite {

enum class Action {
  RegisterFramework,          // register_frameworks: principals, roles
  RunTask,                    // run_tasks: principals, users
  TeardownFramework,          // teardown_frameworks: principals, framework_principals
  ViewFramework,              // view_frameworks: principals, users
  ViewTask,                   // view_tasks: principals, users
  ViewExecutor,               // view_executors: principals, users
  AccessSandbox,              // access_sandboxes: principals, users
  AccessMesosLog,             // access_mesos_logs: principals, logs
  GetEndpoint,                // get_endpoints: principals, paths
  UpdateWeight,               // update_weights: principals, roles
  ViewRole,                   // view_roles: principals, roles
  ViewFlags,                  // view_flags: principals, flags
  LaunchStandaloneContainer,  // launch_standalone_containers: principals, users
  KillStandaloneContainer,    // kill_standalone_containers: principals, users
  WaitStandaloneContainer,    // wait_standalone_containers: principals, users
  RemoveStandaloneContainer,  // remove_standalone_containers: principals, users
  RegisterAgent,              // register_agents: principals, agents
  SetLogLevel,                // set_log_level: principals, level
};

// Flag validators shared by master and agent: --acls parses; --authorizer(s) names the
// one authorizer built ("local").
Result<void> validateAclsFlag(const std::string& text);
Result<void> onlyLocalAuthorizer(const std::string& text);

// Keeps the elements of a repeated protobuf field that `keep` accepts (state views).
template <typename Field, typename Keep>
void keepIf(Field* field, Keep keep) {
  auto end = std::remove_if(field->begin(), field->end(), [&](const auto& e) { return !keep(e); });
  field->erase(end, field->end());
}

// Whether get_endpoints guards GETs of `path` ("/metrics/snapshot", ...).
bool isAuthorizableEndpoint(std::string_view path);

// Mesos's name of an action's ACL list, e.g. "run_tasks".
std::string_view aclName(Action action);

class Authorizer {
 public:
  // No --acls: everything is allowed, as in Mesos.
  Authorizer() = default;

  // Parses Mesos's ACLs JSON. ACL lists of actions this daemon cannot perform (quota,
  // volumes, maintenance, nested containers, ...) and unknown fields are refused by
  // name: an operator must not believe a rule holds that nothing enforces.
  static Result<Authorizer> parse(std::string_view json);
  // A daemon's authorizer from its --acls (everything allowed without it).
  static Result<std::shared_ptr<const Authorizer>> fromFlag(const std::optional<std::string>& acls);

  // Whether `principal` (nullopt: unauthenticated) may do `action` on `object` (nullopt:
  // any object, e.g. a task without a user).
  bool allowed(Action action, const std::optional<std::string>& principal,
               const std::optional<std::string>& object = std::nullopt) const;

  bool configured() const { return configured_; }

 private:
  struct Entity {
    enum Type { Some, Any, None } type = Some;
    std::vector<std::string> values;
  };
  struct Rule {
    Entity subjects;
    Entity objects;
  };

  static Result<Entity> parseEntity(const void* json, const std::string& where);

  bool configured_ = false;
  bool permissive_ = true;
  std::vector<std::vector<Rule>> rules_;  // by Action
};

}  // namespace mesolite
