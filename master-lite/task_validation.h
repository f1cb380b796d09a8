// Checks a task from an ACCEPT's LAUNCH before it goes to an agent. A task that fails
// gets TASK_ERROR with REASON_TASK_INVALID and the message returned here.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/resources.h"
#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::master {

// Mesos's rule for task ids (common/id_validation.h).
Result<void> validateTaskId(const std::string& id);

// `remaining` is what the accepted offers still hold (allocated to `role`). On success,
// the task's resources with their allocation_info filled in, as they will be accounted.
Result<Resources> validateTask(const mesos::v1::TaskInfo& task, const std::string& role,
                               const std::string& agentId, const Resources& remaining,
                               const std::function<bool(const std::string&)>& taskIdInUse);

// The role `resources` are allocated to (their allocation_info), if any says.
std::optional<std::string> allocationRole(
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources);

// Gives every resource an allocation_info for `role` (or none when `role` is empty).
Resources allocatedTo(const Resources& resources, const std::string& role);

}  // namespace mesolite::master
