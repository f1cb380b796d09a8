// What a task state means, the same for master, agent and CLI.
#pragma once

#include "mesos/v1/mesos.pb.h"

namespace mesolite {

// A state after which the task never runs again.
inline bool isTerminal(mesos::v1::TaskState state) {
  switch (state) {
    case mesos::v1::TASK_FINISHED:
    case mesos::v1::TASK_FAILED:
    case mesos::v1::TASK_KILLED:
    case mesos::v1::TASK_ERROR:
    case mesos::v1::TASK_LOST:
    case mesos::v1::TASK_DROPPED:
    case mesos::v1::TASK_GONE:
    case mesos::v1::TASK_GONE_BY_OPERATOR:
      return true;
    default:
      return false;
  }
}

}  // namespace mesolite
