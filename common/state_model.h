// Mesos's JSON "model" of its state on the legacy endpoints (/state, /master/state and
// their kin; src/common/http.cpp in the Mesos sources): resources as an object of
// name to value ({"cpus": 2.0, "ports": "[31000-32000]"}), attributes likewise, and
// tasks with their statuses. The master and the agent write them the same way.
#pragma once

#include <google/protobuf/repeated_field.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/resources.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::model {

// "[31000-32000, 40000-40010]".
std::string rangesText(const mesos::v1::Value::Ranges& ranges);
// "{a,b}".
std::string setText(const mesos::v1::Value::Set& set);

// cpus, mem, disk and gpus always (0 when absent); scalars summed by name; ranges and
// sets as text; revocable ones as "<name>_revocable".
nlohmann::json resources(const Resources& resources);
nlohmann::json resources(const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& protos);

// Mesos's "*_full" fields: every resource as its protobuf JSON, with its "role" and,
// for what is allocated, an allocation_info (`allocatedTo` where the resource has none).
nlohmann::json full(const Resources& resources,
                    const std::optional<std::string>& allocatedTo = std::nullopt);

nlohmann::json attributes(const google::protobuf::RepeatedPtrField<mesos::v1::Attribute>& list);

// The role a task's resources are allocated to ("*" when none says).
std::string allocationRole(const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& list);

// A task: id, name, framework_id, executor_id, slave_id, state, resources, role,
// statuses (state, timestamp, container_status), and user, labels, container,
// discovery, health_check when set.
nlohmann::json task(const mesos::v1::Task& task);

}  // namespace mesolite::model
