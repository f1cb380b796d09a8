#include "common/authorizer.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace mesolite {

namespace {

struct ActionSpec {
  Action action;
  std::string_view list;    // "run_tasks"
  std::string_view object;  // the name of the object entity: "users"
};

constexpr std::array kActions = {
    ActionSpec{Action::RegisterFramework, "register_frameworks", "roles"},
    ActionSpec{Action::RunTask, "run_tasks", "users"},
    ActionSpec{Action::TeardownFramework, "teardown_frameworks", "framework_principals"},
    ActionSpec{Action::ViewFramework, "view_frameworks", "users"},
    ActionSpec{Action::ViewTask, "view_tasks", "users"},
    ActionSpec{Action::ViewExecutor, "view_executors", "users"},
    ActionSpec{Action::AccessSandbox, "access_sandboxes", "users"},
    ActionSpec{Action::AccessMesosLog, "access_mesos_logs", "logs"},
    ActionSpec{Action::GetEndpoint, "get_endpoints", "paths"},
    ActionSpec{Action::UpdateWeight, "update_weights", "roles"},
    ActionSpec{Action::ViewRole, "view_roles", "roles"},
    ActionSpec{Action::ViewFlags, "view_flags", "flags"},
    ActionSpec{Action::LaunchStandaloneContainer, "launch_standalone_containers", "users"},
    ActionSpec{Action::KillStandaloneContainer, "kill_standalone_containers", "users"},
    ActionSpec{Action::WaitStandaloneContainer, "wait_standalone_containers", "users"},
    ActionSpec{Action::RemoveStandaloneContainer, "remove_standalone_containers", "users"},
    ActionSpec{Action::RegisterAgent, "register_agents", "agents"},
    ActionSpec{Action::SetLogLevel, "set_log_level", "level"},
};

// Mesos's ACL lists for operations Mesolite does not have: a rule there could never be
// applied, so it is refused rather than kept as a false promise.
constexpr std::string_view kNotApplicable[] = {
    "reserve_resources",
    "unreserve_resources",
    "create_volumes",
    "destroy_volumes",
    "get_quotas",
    "update_quotas",
    "launch_nested_containers_as_user",
    "launch_nested_containers_under_parent_with_user",
    "kill_nested_containers",
    "wait_nested_containers",
    "launch_nested_container_sessions_as_user",
    "launch_nested_container_sessions_under_parent_with_user",
    "attach_containers_input",
    "attach_containers_output",
    "view_containers",
    "remove_nested_containers",
    "update_maintenance_schedules",
    "get_maintenance_schedules",
    "start_maintenances",
    "stop_maintenances",
    "get_maintenance_statuses",
    "drain_agents",
    "deactivate_agents",
    "reactivate_agents",
    "mark_agents_gone",
    "view_standalone_containers",
    "modify_resource_provider_configs",
    "mark_resource_providers_gone",
    "view_resource_providers",
    "prune_images",
    "resize_volumes",
    "create_block_disks",
    "destroy_block_disks",
    "create_mount_disks",
    "destroy_mount_disks",
    "destroy_raw_disks",
};

// The endpoints whose GET get_endpoints guards, as in Mesos (less the two that do not
// exist here: /containerizer/debug and /logging/toggle).
constexpr std::string_view kAuthorizableEndpoints[] = {"/containers", "/files/debug",
                                                       "/metrics/snapshot", "/monitor/statistics"};

// specOf indexes kActions by the enum's value.
constexpr bool actionsInEnumOrder() {
  for (size_t i = 0; i < kActions.size(); ++i)
    if (static_cast<size_t>(kActions[i].action) != i) return false;
  return true;
}
static_assert(actionsInEnumOrder());

const ActionSpec& specOf(Action action) {
  return kActions[static_cast<size_t>(action)];
}

// Mesos's match and allow tables (request entity against ACL entity).
template <typename Entity>
bool subset(const Entity& request, const Entity& acl) {
  return std::all_of(request.values.begin(), request.values.end(), [&](const std::string& v) {
    return std::find(acl.values.begin(), acl.values.end(), v) != acl.values.end();
  });
}

template <typename Entity>
bool matches(const Entity& request, const Entity& acl) {
  if (request.type == Entity::None) return acl.type == Entity::None;
  if (request.type == Entity::Any) return acl.type == Entity::Any || acl.type == Entity::None;
  if (acl.type == Entity::Any || acl.type == Entity::None) return true;
  return subset(request, acl);
}

template <typename Entity>
bool allows(const Entity& request, const Entity& acl) {
  if (request.type == Entity::None) return acl.type == Entity::None;
  if (request.type == Entity::Any) return acl.type == Entity::Any;
  if (acl.type == Entity::Any) return true;
  if (acl.type == Entity::None) return false;
  return subset(request, acl);
}

// Objects Mesos restricts: get_endpoints names only the endpoints it guards; the agents
// of register_agents and the level of set_log_level can only be ANY or NONE.
template <typename Entity>
std::string checkObjects(Action action, const Entity& objects) {
  if (objects.type != Entity::Some) return "";
  if (action == Action::GetEndpoint) {
    for (const std::string& path : objects.values) {
      if (std::find(std::begin(kAuthorizableEndpoints), std::end(kAuthorizableEndpoints), path) ==
          std::end(kAuthorizableEndpoints)) {
        return "'" + path +
               "' is not an endpoint guarded by get_endpoints (/containers, /files/debug, "
               "/metrics/snapshot, /monitor/statistics)";
      }
    }
  }
  if (action == Action::RegisterAgent || action == Action::SetLogLevel) {
    return "must be {\"type\": \"ANY\"} or {\"type\": \"NONE\"}";
  }
  return "";
}

}  // namespace

Result<void> validateAclsFlag(const std::string& text) {
  auto parsed = Authorizer::parse(text);
  if (!parsed) return parsed.error();
  return success();
}

Result<void> onlyLocalAuthorizer(const std::string& text) {
  if (text == "local") return success();
  return Error("'" + text + "' is not built: only local (no authorizer modules)");
}

bool isAuthorizableEndpoint(std::string_view path) {
  return std::find(std::begin(kAuthorizableEndpoints), std::end(kAuthorizableEndpoints), path) !=
         std::end(kAuthorizableEndpoints);
}

std::string_view aclName(Action action) {
  return specOf(action).list;
}

Result<Authorizer::Entity> Authorizer::parseEntity(const void* opaque, const std::string& where) {
  const auto& json = *static_cast<const nlohmann::json*>(opaque);
  if (!json.is_object()) return Error(where + " is not an object");
  Entity entity;
  for (const auto& [key, value] : json.items()) {
    if (key == "type") {
      if (!value.is_string()) return Error(where + ".type is not a string");
      const std::string type = value.get<std::string>();
      if (type == "ANY")
        entity.type = Entity::Any;
      else if (type == "NONE")
        entity.type = Entity::None;
      else if (type == "SOME")
        entity.type = Entity::Some;
      else
        return Error(where + ".type '" + type + "' is not SOME, ANY or NONE");
    } else if (key == "values") {
      if (!value.is_array()) return Error(where + ".values is not an array");
      for (const auto& item : value) {
        if (!item.is_string()) return Error(where + ".values holds a non-string");
        entity.values.push_back(item.get<std::string>());
      }
    } else {
      return Error(where + ": unknown field '" + key + "' (type or values)");
    }
  }
  return entity;
}

Result<Authorizer> Authorizer::parse(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return Error("--acls: invalid JSON");
  if (!json.is_object()) return Error("--acls: expected a JSON object of ACL lists");
  Authorizer authorizer;
  authorizer.configured_ = true;
  authorizer.rules_.resize(kActions.size());
  for (const auto& item : json.items()) {
    // Named copies: a lambda below captures the key (clang cannot capture a binding).
    const std::string key = item.key();
    const auto& value = item.value();
    if (key == "permissive") {
      if (!value.is_boolean()) return Error("--acls: 'permissive' is not true or false");
      authorizer.permissive_ = value.get<bool>();
      continue;
    }
    auto spec = std::find_if(kActions.begin(), kActions.end(),
                             [&](const ActionSpec& s) { return s.list == key; });
    if (spec == kActions.end()) {
      if (std::find(std::begin(kNotApplicable), std::end(kNotApplicable), key) !=
          std::end(kNotApplicable)) {
        return Error("--acls: '" + key +
                     "' governs an operation this build does not have, so no rule of it "
                     "could be enforced: remove it");
      }
      return Error("--acls: unknown ACL list '" + key + "'");
    }
    if (!value.is_array()) return Error("--acls: '" + key + "' is not an array");
    size_t index = 0;
    for (const auto& entry : value) {
      const std::string where = "--acls: " + key + "[" + std::to_string(index++) + "]";
      if (!entry.is_object()) return Error(where + " is not an object");
      Rule rule;
      bool haveSubjects = false, haveObjects = false;
      for (const auto& [field, entity] : entry.items()) {
        if (field != "principals" && field != spec->object) {
          return Error(where + ": unknown field '" + field + "' (principals and " +
                       std::string(spec->object) + ")");
        }
        auto parsed = parseEntity(&entity, where + "." + field);
        if (!parsed) return parsed.error();
        if (field == "principals") {
          rule.subjects = std::move(*parsed);
          haveSubjects = true;
        } else {
          rule.objects = std::move(*parsed);
          haveObjects = true;
        }
      }
      if (!haveSubjects || !haveObjects) {
        return Error(where + " needs both principals and " + std::string(spec->object));
      }
      if (auto invalid = checkObjects(spec->action, rule.objects); !invalid.empty()) {
        return Error(where + "." + std::string(spec->object) + ": " + invalid);
      }
      authorizer.rules_[static_cast<size_t>(spec->action)].push_back(std::move(rule));
    }
  }
  return authorizer;
}

Result<std::shared_ptr<const Authorizer>> Authorizer::fromFlag(
    const std::optional<std::string>& acls) {
  if (!acls) return std::make_shared<const Authorizer>();
  auto parsed = parse(*acls);
  if (!parsed) return parsed.error();
  return std::make_shared<const Authorizer>(std::move(*parsed));
}

bool Authorizer::allowed(Action action, const std::optional<std::string>& principal,
                         const std::optional<std::string>& object) const {
  if (!configured_) return true;
  Entity subject;
  if (principal)
    subject.values.push_back(*principal);
  else
    subject.type = Entity::Any;
  Entity target;
  if (object)
    target.values.push_back(*object);
  else
    target.type = Entity::Any;
  for (const Rule& rule : rules_[static_cast<size_t>(action)]) {
    if (matches(subject, rule.subjects) && matches(target, rule.objects)) {
      return allows(subject, rule.subjects) && allows(target, rule.objects);
    }
  }
  return permissive_;
}

}  // namespace mesolite
