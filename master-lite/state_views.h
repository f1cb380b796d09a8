// What a principal may see of the master's state, as Mesos's view_frameworks,
// view_tasks, view_flags and view_roles ACLs decide: the legacy JSON endpoints, the
// operator API's GET_* answers and the operator event stream are filtered through it.
// Without --acls everything is visible and nothing is copied.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/authorizer.h"
#include "mesos/v1/master/master.pb.h"

namespace mesolite::master {

class StateView {
 public:
  StateView(const Authorizer& authorizer, std::optional<std::string> principal)
      : authorizer_(authorizer), principal_(std::move(principal)) {}

  // Whether there is anything to filter (ACLs are configured).
  bool filters() const { return authorizer_.configured(); }

  bool seesFramework(const std::string& user) const;
  bool seesTask(const std::string& user) const;
  bool seesFlags() const;
  bool seesRole(const std::string& role) const;

  // A legacy endpoint's answer (/master/state, frameworks, tasks, state-summary, roles).
  void filterJson(nlohmann::json& body) const;
  void filter(mesos::v1::master::Response::GetState* state) const;
  void filter(mesos::v1::master::Response::GetFrameworks* frameworks) const;
  void filter(mesos::v1::master::Response::GetTasks* tasks) const;
  // An operator event; `taskUser` finds the user of a task an update names.
  bool sees(const mesos::v1::master::Event& event,
            const std::function<std::optional<std::string>(
                const std::string& frameworkId, const std::string& taskId)>& taskUser) const;

 private:
  const Authorizer& authorizer_;
  std::optional<std::string> principal_;
};

}  // namespace mesolite::master
