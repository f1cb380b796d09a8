#include "common/state_model.h"

#include "common/protobuf_json.h"

namespace mesolite::model {

using nlohmann::json;

std::string rangesText(const mesos::v1::Value::Ranges& ranges) {
  std::string text = "[";
  for (const auto& range : ranges.range()) {
    if (text.size() > 1) text += ", ";
    text += std::to_string(range.begin()) + "-" + std::to_string(range.end());
  }
  return text + "]";
}

std::string setText(const mesos::v1::Value::Set& set) {
  std::string text = "{";
  for (const auto& item : set.item()) {
    if (text.size() > 1) text += ",";
    text += item;
  }
  return text + "}";
}

json resources(const Resources& resources) {
  json out = {{"cpus", 0}, {"mem", 0}, {"disk", 0}, {"gpus", 0}};
  for (const auto& resource : resources) {
    const std::string name =
        resource.has_revocable() ? resource.name() + "_revocable" : resource.name();
    switch (resource.type()) {
      case mesos::v1::Value::SCALAR:
        out[name] = out.value(name, 0.0) + resource.scalar().value();
        break;
      case mesos::v1::Value::RANGES:
        out[name] = rangesText(resource.ranges());
        break;
      case mesos::v1::Value::SET:
        out[name] = setText(resource.set());
        break;
      default:
        break;
    }
  }
  return out;
}

json resources(const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& protos) {
  auto parsed = Resources::fromProtos(protos);
  return resources(parsed ? *parsed : Resources());
}

json full(const Resources& resources, const std::optional<std::string>& allocatedTo) {
  json list = json::array();
  for (const auto& resource : resources) {
    json item = toJson(resource);
    // Mesos writes these in the pre-refinement format, which names the role.
    item["role"] = std::string(reservationRole(resource));
    if (allocatedTo && !resource.has_allocation_info()) {
      item["allocation_info"] = {{"role", *allocatedTo}};
    }
    list.push_back(std::move(item));
  }
  return list;
}

json attributes(const google::protobuf::RepeatedPtrField<mesos::v1::Attribute>& list) {
  json out = json::object();
  for (const auto& attribute : list) {
    switch (attribute.type()) {
      case mesos::v1::Value::SCALAR:
        out[attribute.name()] = attribute.scalar().value();
        break;
      case mesos::v1::Value::TEXT:
        out[attribute.name()] = attribute.text().value();
        break;
      case mesos::v1::Value::RANGES:
        out[attribute.name()] = rangesText(attribute.ranges());
        break;
      case mesos::v1::Value::SET:
        out[attribute.name()] = setText(attribute.set());
        break;
    }
  }
  return out;
}

std::string allocationRole(const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& list) {
  for (const auto& resource : list)
    if (resource.has_allocation_info()) return resource.allocation_info().role();
  return "*";
}

json task(const mesos::v1::Task& task) {
  json statuses = json::array();
  for (const auto& status : task.statuses()) {
    json entry = {{"state", mesos::v1::TaskState_Name(status.state())},
                  {"timestamp", status.timestamp()}};
    if (status.has_healthy()) entry["healthy"] = status.healthy();
    if (status.has_container_status())
      entry["container_status"] = toJson(status.container_status());
    statuses.push_back(std::move(entry));
  }
  json out = {{"id", task.task_id().value()},
              {"name", task.name()},
              {"framework_id", task.framework_id().value()},
              {"executor_id", task.executor_id().value()},
              {"slave_id", task.agent_id().value()},
              {"state", mesos::v1::TaskState_Name(task.state())},
              {"resources", resources(task.resources())},
              {"role", allocationRole(task.resources())},
              {"statuses", std::move(statuses)}};
  if (task.has_user()) out["user"] = task.user();
  if (task.has_labels()) out["labels"] = toJson(task.labels())["labels"];
  if (task.has_container()) out["container"] = toJson(task.container());
  if (task.has_discovery()) out["discovery"] = toJson(task.discovery());
  if (task.has_health_check()) out["health_check"] = toJson(task.health_check());
  return out;
}

}  // namespace mesolite::model
