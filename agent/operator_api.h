// The agent's HTTP surface: the v1 operator API (`POST /api/v1`) and the legacy JSON
// endpoints tools use (`/state`, `/monitor/statistics`), on top of the containerizer.
#pragma once

#include "agent/agent_flags.h"
#include "agent/containerizer.h"
#include "common/http_server.h"
#include "common/resources.h"

namespace mesolite::agent {

void addAgentEndpoints(http::Server& server, const AgentFlags& flags, const Resources& total,
                       Containerizer& containerizer);

}  // namespace mesolite::agent
