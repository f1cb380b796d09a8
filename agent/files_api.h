// What the agent's /files endpoints and LIST_FILES / READ_FILE serve, at Mesos's
// virtual paths: each task's sandbox as
//   /frameworks/<framework>/executors/<executor>/runs/<container or latest>
// and as its real path under --work_dir (the `directory` /state gives), and the agent's
// log as /slave/log when --log_dir is set.
#pragma once

#include <memory>

#include "agent/agent_flags.h"
#include "common/virtual_files.h"

namespace mesolite::agent {

class TaskManager;

// `tasks` (null when standalone) gives the agent id of the virtual paths.
std::shared_ptr<files::VirtualFiles> agentFiles(const AgentFlags& flags, const TaskManager* tasks);

}  // namespace mesolite::agent
