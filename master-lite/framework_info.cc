#include "master-lite/framework_info.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "common/id_validation.h"
#include "common/resources.h"

namespace mesolite::master {

using mesos::v1::FrameworkInfo;

bool hasCapability(const FrameworkInfo& info, FrameworkInfo::Capability::Type type) {
  return std::any_of(info.capabilities().begin(), info.capabilities().end(),
                     [type](const auto& capability) { return capability.type() == type; });
}

Result<std::vector<std::string>> frameworkRoles(const FrameworkInfo& info) {
  std::vector<std::string> roles;
  if (hasCapability(info, FrameworkInfo::Capability::MULTI_ROLE)) {
    if (info.has_role()) return Error("a MULTI_ROLE framework sets 'roles', not 'role'");
    roles.assign(info.roles().begin(), info.roles().end());
  } else {
    if (info.roles_size() > 0) {
      return Error("'roles' needs the MULTI_ROLE capability; set 'role' instead");
    }
    roles.push_back(info.has_role() ? info.role() : "*");
  }
  if (roles.empty()) return Error("a framework needs at least one role");
  for (const auto& role : roles)
    if (auto valid = validateRole(role); !valid) return valid.error().wrap("role '" + role + "'");
  return roles;
}

Result<void> checkWhitelisted(const std::vector<std::string>& roles,
                              const std::optional<std::string>& whitelist) {
  if (!whitelist) return success();
  const std::string allowed = "," + *whitelist + ",";
  for (const auto& role : roles) {
    if (role != "*" && allowed.find("," + role + ",") == std::string::npos) {
      return Error("Role '" + role + "' is not one of the master's --roles");
    }
  }
  return success();
}

Result<void> checkSuppressedRoles(const std::vector<std::string>& suppressed,
                                  const std::vector<std::string>& roles) {
  for (const auto& role : suppressed) {
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
      return Error("Suppressed role '" + role + "' is not one of the framework's roles");
    }
  }
  return success();
}

Result<void> checkFailoverTimeout(const FrameworkInfo& info) {
  const double seconds = info.failover_timeout();
  const double limit = double(std::numeric_limits<int64_t>::max()) / 1e9;
  if (std::isfinite(seconds) && std::fabs(seconds) < limit) return success();
  std::ostringstream text;
  text << "The framework failover_timeout (" << seconds << ") is invalid";
  return Error(text.str());
}

Result<void> checkImmutableFields(const FrameworkInfo& current, const FrameworkInfo& updated) {
  if (current.has_principal() != updated.has_principal() ||
      current.principal() != updated.principal()) {
    // Mesos's words; the old principal is not told to whoever asks.
    return Error("Changing framework's principal is not allowed.");
  }
  if (current.user() != updated.user()) {
    return Error("Updating 'FrameworkInfo.user' is unsupported; attempted to update from '" +
                 current.user() + "' to '" + updated.user() + "'");
  }
  if (current.checkpoint() != updated.checkpoint()) {
    auto text = [](bool value) { return value ? std::string("true") : std::string("false"); };
    return Error("Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '" +
                 text(current.checkpoint()) + "' to '" + text(updated.checkpoint()) + "'");
  }
  return success();
}

std::optional<std::string> unhonouredSubscribeFields(
    const mesos::v1::scheduler::Call::Subscribe& subscribe) {
  if (subscribe.has_offer_constraints() &&
      !subscribe.offer_constraints().role_constraints().empty()) {
    return "'subscribe.offer_constraints' is not supported by this master (offers are not "
           "filtered by agent attributes); subscribe without them";
  }
  if (!subscribe.framework_info().offer_filters().empty()) {
    return "'FrameworkInfo.offer_filters' is not supported by this master (no minimum "
           "allocatable resources per role); subscribe without them";
  }
  return std::nullopt;
}

std::optional<std::string> unhonouredUpdateFields(
    const mesos::v1::scheduler::Call::UpdateFramework& update) {
  if (update.has_offer_constraints() && !update.offer_constraints().role_constraints().empty()) {
    return "'update_framework.offer_constraints' is not supported by this master (offers are "
           "not filtered by agent attributes); send the call without them";
  }
  if (!update.framework_info().offer_filters().empty()) {
    return "'FrameworkInfo.offer_filters' is not supported by this master (no minimum "
           "allocatable resources per role); send the call without them";
  }
  return std::nullopt;
}

Result<void> checkClientStrings(const mesos::v1::FrameworkInfo& info) {
  if (info.has_id()) {
    if (auto id = validateId("framework_info.id.value", info.id().value()); !id) return id;
  }
  if (auto name = validateName("framework_info.name", info.name()); !name) return name;
  const std::pair<const char*, const std::string*> strings[] = {
      {"framework_info.user", &info.user()},
      {"framework_info.hostname", &info.hostname()},
      {"framework_info.principal", &info.principal()},
      {"framework_info.webui_url", &info.webui_url()},
  };
  for (const auto& [field, value] : strings)
    if (auto valid = validateString(field, *value); !valid) return valid;
  if (info.has_labels()) {
    if (auto labels = validateLabels("framework_info.labels", info.labels()); !labels)
      return labels;
  }
  return success();
}

}  // namespace mesolite::master
