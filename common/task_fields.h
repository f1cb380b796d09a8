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

}  // namespace mesolite
