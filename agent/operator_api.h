// The agent's HTTP surface: the v1 operator API (`POST /api/v1`) and the legacy JSON
// endpoints tools use (`/state`, `/monitor/statistics`), on top of the containerizer.
#pragma once

#include "agent/agent_flags.h"
#include "agent/containerizer.h"
#include "agent/task_manager.h"
#include "common/authorizer.h"
#include "common/http_server.h"
#include "common/resources.h"

namespace mesolite::agent {

class Fetcher;
class SandboxGc;

// `tasks` is null when the agent runs standalone (no --master); `gc` and `fetcher` add
// their metrics. `authorizer` (the --acls) decides the operator calls, which the rules
// of agent/security.h guard.
void addAgentEndpoints(http::Server& server, const AgentFlags& flags, const Resources& total,
                       Containerizer& containerizer, std::shared_ptr<const Authorizer> authorizer,
                       const TaskManager* tasks = nullptr, const SandboxGc* gc = nullptr,
                       const Fetcher* fetcher = nullptr);

}  // namespace mesolite::agent
