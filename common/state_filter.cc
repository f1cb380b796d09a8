#include "common/state_filter.h"

#include <functional>
#include <map>

namespace mesolite {

using json = nlohmann::json;

namespace {

void eraseIf(json& array, const std::function<bool(const json&)>& drop) {
  if (!array.is_array()) return;
  json kept = json::array();
  for (auto& item : array)
    if (!drop(item)) kept.push_back(std::move(item));
  array = std::move(kept);
}

}  // namespace

void filterStateJson(json& body, const Authorizer& authorizer,
                     const std::optional<std::string>& principal) {
  if (!authorizer.configured() || !body.is_object()) return;
  // Framework id -> its user, for task entries that carry no user of their own.
  std::map<std::string, std::string> frameworkUsers;
  const auto userOf = [&](const json& entry) {
    std::string user = entry.value("user", "");
    if (user.empty()) {
      auto found = frameworkUsers.find(entry.value("framework_id", ""));
      if (found != frameworkUsers.end()) user = found->second;
    }
    return user;
  };
  const auto taskHidden = [&](const json& task) {
    return !authorizer.allowed(Action::ViewTask, principal, userOf(task));
  };
  const auto filterTasks = [&](json& holder) {
    for (const char* tasks : {"tasks", "queued_tasks", "unreachable_tasks", "completed_tasks"}) {
      if (holder.contains(tasks)) eraseIf(holder[tasks], taskHidden);
    }
  };
  for (const char* list : {"frameworks", "completed_frameworks"}) {
    if (!body.contains(list)) continue;
    for (const auto& framework : body[list])
      frameworkUsers[framework.value("id", "")] = framework.value("user", "");
    eraseIf(body[list], [&](const json& framework) {
      return !authorizer.allowed(Action::ViewFramework, principal, framework.value("user", ""));
    });
    for (auto& framework : body[list]) {
      filterTasks(framework);  // the master's layout
      const std::string user = framework.value("user", "");
      for (const char* executors : {"executors", "completed_executors"}) {  // the agent's
        if (!framework.contains(executors)) continue;
        eraseIf(framework[executors], [&](const json&) {
          return !authorizer.allowed(Action::ViewExecutor, principal, user);
        });
        for (auto& executor : framework[executors])
          filterTasks(executor);
      }
    }
  }
  if (body.contains("tasks")) eraseIf(body["tasks"], taskHidden);
  if (body.contains("flags") && !authorizer.allowed(Action::ViewFlags, principal)) {
    body.erase("flags");
  }
  if (body.contains("roles")) {
    eraseIf(body["roles"], [&](const json& role) {
      return !authorizer.allowed(Action::ViewRole, principal, role.value("name", ""));
    });
  }
}

}  // namespace mesolite
