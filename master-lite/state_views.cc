#include "master-lite/state_views.h"

#include <algorithm>
#include <map>

#include "common/state_filter.h"

namespace mesolite::master {

namespace v1master = mesos::v1::master;
using json = nlohmann::json;

bool StateView::seesFramework(const std::string& user) const {
  return authorizer_.allowed(Action::ViewFramework, principal_, user);
}

bool StateView::seesTask(const std::string& user) const {
  return authorizer_.allowed(Action::ViewTask, principal_, user);
}

bool StateView::seesFlags() const {
  return authorizer_.allowed(Action::ViewFlags, principal_);
}

bool StateView::seesRole(const std::string& role) const {
  return authorizer_.allowed(Action::ViewRole, principal_, role);
}

void StateView::filterJson(json& body) const {
  filterStateJson(body, authorizer_, principal_);
}

void StateView::filter(v1master::Response::GetFrameworks* frameworks) const {
  if (!filters()) return;
  const auto visible = [&](const auto& framework) {
    return seesFramework(framework.framework_info().user());
  };
  keepIf(frameworks->mutable_frameworks(), visible);
  keepIf(frameworks->mutable_completed_frameworks(), visible);
}

void StateView::filter(v1master::Response::GetTasks* tasks) const {
  if (!filters()) return;
  const auto visible = [&](const mesos::v1::Task& task) { return seesTask(task.user()); };
  keepIf(tasks->mutable_pending_tasks(), visible);
  keepIf(tasks->mutable_tasks(), visible);
  keepIf(tasks->mutable_unreachable_tasks(), visible);
  keepIf(tasks->mutable_completed_tasks(), visible);
  keepIf(tasks->mutable_orphan_tasks(), visible);
}

void StateView::filter(v1master::Response::GetState* state) const {
  if (!filters()) return;
  filter(state->mutable_get_frameworks());
  filter(state->mutable_get_tasks());
}

bool StateView::sees(
    const v1master::Event& event,
    const std::function<std::optional<std::string>(const std::string&, const std::string&)>&
        taskUser) const {
  if (!filters()) return true;
  switch (event.type()) {
    case v1master::Event::TASK_ADDED:
      return seesTask(event.task_added().task().user());
    case v1master::Event::TASK_UPDATED: {
      const auto& update = event.task_updated();
      auto user = taskUser(update.framework_id().value(), update.status().task_id().value());
      return user && seesTask(*user);
    }
    case v1master::Event::FRAMEWORK_ADDED:
      return seesFramework(event.framework_added().framework().framework_info().user());
    case v1master::Event::FRAMEWORK_UPDATED:
      return seesFramework(event.framework_updated().framework().framework_info().user());
    case v1master::Event::FRAMEWORK_REMOVED:
      return seesFramework(event.framework_removed().framework_info().user());
    default:
      return true;
  }
}

}  // namespace mesolite::master
