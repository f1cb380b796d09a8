#include "master-lite/task_validation.h"

#include "common/id_validation.h"
#include "common/task_fields.h"

namespace mesolite::master {

Result<void> validateTaskId(const std::string& id) {
  return validateId("task_id.value", id);
}

std::optional<std::string> allocationRole(
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources) {
  for (const auto& resource : resources)
    if (resource.has_allocation_info()) return resource.allocation_info().role();
  return std::nullopt;
}

Resources allocatedTo(const Resources& resources, const std::string& role) {
  return resources.withAllocation(role);
}

Result<Resources> validateTask(const mesos::v1::TaskInfo& task, const std::string& role,
                               const std::string& agentId, const Resources& remaining,
                               const std::function<bool(const std::string&)>& taskIdInUse) {
  if (task.name().empty()) return Error("task name is empty");
  if (auto id = validateTaskId(task.task_id().value()); !id) return id.error();
  if (auto name = validateName("name", task.name()); !name) return name.error();
  if (task.has_labels()) {
    if (auto labels = validateLabels("labels", task.labels()); !labels) return labels.error();
  }
  if (task.has_discovery() && task.discovery().has_labels()) {
    if (auto labels = validateLabels("discovery.labels", task.discovery().labels()); !labels)
      return labels.error();
  }
  if (taskIdInUse(task.task_id().value())) {
    return Error("task id '" + task.task_id().value() + "' is already in use");
  }
  if (task.agent_id().value() != agentId) {
    return Error("task uses agent id '" + task.agent_id().value() + "', but the offer is of '" +
                 agentId + "'");
  }
  if (task.has_command() == task.has_executor()) {
    return Error("a task needs exactly one of 'command' and 'executor'");
  }
  if (task.has_executor()) {
    return Error("custom executors are not supported yet: launch a command task");
  }
  const auto& command = task.command();
  if ((!command.has_shell() || command.shell()) && command.value().empty()) {
    return Error("a shell command needs a 'value'");
  }
  if (command.has_shell() && !command.shell() && !command.has_value()) {
    return Error("a command without shell needs a 'value' (the program to run)");
  }
  if (task.has_container() && task.container().type() != mesos::v1::ContainerInfo::MESOS) {
    return Error("container type " + mesos::v1::ContainerInfo::Type_Name(task.container().type()) +
                 " is not supported: use MESOS");
  }
  if (auto unhonoured = refuseUnhonouredTaskFields(task); !unhonoured) return unhonoured.error();
  if (task.has_kill_policy() && task.kill_policy().has_grace_period() &&
      task.kill_policy().grace_period().nanoseconds() < 0) {
    return Error("kill_policy.grace_period is negative");
  }
  for (const auto& resource : task.resources()) {
    if (resource.has_allocation_info() && resource.allocation_info().role() != role) {
      return Error("resource '" + resource.name() + "' is allocated to role '" +
                   resource.allocation_info().role() + "', but the offer is for role '" + role +
                   "'");
    }
  }
  auto resources = Resources::fromProtos(task.resources());
  if (!resources) return Error("invalid resources: " + resources.error().message);
  if (resources->empty()) return Error("task uses no resources");
  Resources allocated = allocatedTo(*resources, role);
  if (!remaining.contains(allocated)) {
    return Error("task uses more resources (" + allocated.toString() + ") than the offers hold (" +
                 remaining.toString() + ")");
  }
  return allocated;
}

}  // namespace mesolite::master
