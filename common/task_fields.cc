#include "common/task_fields.h"

#include <cmath>
#include <string>

#include "common/check_definition.h"
#include "common/fetch_uri.h"
#include "common/resources.h"

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
  if (task.has_data()) {
    return refuse("data",
                  "is not supported: it is for a custom executor, and a command task "
                  "has none to read it; pass it in command.environment or a fetched file");
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
  if (auto valid = validateResourceLimits(task.limits(), task.resources()); !valid) {
    return refuse("limits", "are invalid: " + valid.error().message);
  }
  return success();
}

Result<void> validateResourceLimits(
    const google::protobuf::Map<std::string, mesos::v1::Value::Scalar>& limits,
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources) {
  if (limits.empty()) return success();
  auto requests = Resources::fromProtos(resources);
  if (!requests) return requests.error();
  for (const auto& [name, limit] : limits) {
    if (name != "cpus" && name != "mem") {
      return Error("Only cpus and mem may be included in a task's resource limits, not '" + name +
                   "'");
    }
    const double value = limit.value();
    if (std::isnan(value) || value < 0) {
      return Error("the " + name + " limit must be a non-negative number or infinity");
    }
    const std::optional<double> request = name == "cpus" ? requests->cpus() : requests->mem();
    const char* what = name == "cpus" ? "CPU" : "memory";
    if (!request) {
      return Error(std::string("When a ") + what + " limit is specified, a " + what +
                   " request must also be specified");
    }
    if (value < *request) {
      return Error(std::string("The ") + (name == "cpus" ? "cpu" : "memory") +
                   " limit must be greater than or equal to the " +
                   (name == "cpus" ? "cpu" : "memory") + " request");
    }
  }
  return success();
}

}  // namespace mesolite
