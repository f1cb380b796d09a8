// The fields of a TaskInfo that Mesolite does not carry out yet. A task that sets one is
// refused (TASK_ERROR) with a message naming it, by the master before it reaches an agent
// and by the agent again: never run as if the field were not there. CommandInfo.uris are
// fetched, but a URI the fetcher cannot fetch (hdfs://, s3://, a relative path...) is
// refused the same way, by name.
#pragma once

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite {

Result<void> refuseUnhonouredTaskFields(const mesos::v1::TaskInfo& task);

// TaskInfo.limits (and LaunchContainer.limits) as Mesos validates them: only cpus and
// mem, each with a request of its own and not below it; infinity means no limit.
Result<void> validateResourceLimits(
    const google::protobuf::Map<std::string, mesos::v1::Value::Scalar>& limits,
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources);

}  // namespace mesolite
