#include "common/task_fields.h"

#include <string>

#include "common/check_definition.h"
#include "common/fetch_uri.h"

namespace mesolite {

Result<void> refuseUnhonouredTaskFields(const mesos::v1::TaskInfo& task) {
  const auto refuse = [](const std::string& field, const std::string& why) {
    return Error(field + " " + why);
  };
  for (const auto& uri : task.command().uris()) {
    // Every field of CommandInfo.URI (value, executable, extract, cache, output_file) is
    // carried out; what is refused is a URI the fetcher cannot fetch.
    if (auto valid =
            fetch::validateFetch(uri.value(), uri.has_output_file() ? &uri.output_file() : nullptr);
        !valid) {
      return refuse("command.uris", "refused: " + valid.error().message);
    }
  }
  if (task.has_health_check()) {
    if (auto valid = healthCheckDefinition(task.health_check()); !valid) {
      return refuse("health_check", "is invalid: " + valid.error().message);
    }
  }
  if (task.has_check()) {
    if (auto valid = checkDefinition(task.check()); !valid) {
      return refuse("check", "is invalid: " + valid.error().message);
    }
  }
  if (task.limits_size() > 0)
    return refuse("limits", "are not supported yet: a task is limited to its resources");
  return success();
}

}  // namespace mesolite
