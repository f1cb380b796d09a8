// The view_frameworks, view_tasks, view_executors, view_flags and view_roles ACLs applied
// to a legacy state answer (/state, /frameworks, /tasks, ... of master or agent): what a
// principal may not see is left out. Without --acls nothing changes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/authorizer.h"

namespace mesolite {

void filterStateJson(nlohmann::json& body, const Authorizer& authorizer,
                     const std::optional<std::string>& principal);

}  // namespace mesolite
