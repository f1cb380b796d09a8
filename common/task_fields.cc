#include "common/task_fields.h"

#include <string>

namespace mesolite {

Result<void> refuseUnhonouredTaskFields(const mesos::v1::TaskInfo& task) {
  const auto refuse = [](const std::string& field, const std::string& why) {
    return Error(field + " " + why);
  };
  if (task.command().uris_size() > 0) {
    return refuse("command.uris",
                  "cannot be fetched: the fetcher is not built yet (put the files on the "
                  "agents, or fetch them in the command)");
  }
  if (task.has_health_check())
    return refuse("health_check", "is not supported yet: health checks are not built");
  if (task.has_check()) return refuse("check", "is not supported yet: checks are not built");
  if (task.limits_size() > 0)
    return refuse("limits", "are not supported yet: a task is limited to its resources");
  return success();
}

}  // namespace mesolite
