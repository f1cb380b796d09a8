// Who may do what on the agent: the credentials and ACLs its flags name, HTTP
// authentication and endpoint authorization in front of its endpoints, and the rule
// that is stricter than Mesos's: operator calls that start, kill or remove containers or
// change the agent need an authenticated principal unless
// --allow_unauthenticated_operator_writes says otherwise. A task on the host shares its
// network, so "can reach the port" must not mean "can start a root container".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_flags.h"
#include "common/authorizer.h"
#include "common/credentials.h"
#include "common/http_server.h"
#include "mesos/v1/agent/agent.pb.h"

namespace mesolite::agent {

class TaskManager;
class Containerizer;

struct AgentSecurity {
  std::shared_ptr<const Authorizer> authorizer = std::make_shared<Authorizer>();
  std::vector<Credential> httpCredentials;  // --http_credentials
  std::optional<Credential> credential;     // --credential, for the master
};

// Checks that the flags fit together and loads credentials and ACLs; errors name the flag.
Result<AgentSecurity> loadAgentSecurity(const AgentFlags& flags);

// Authentication, then endpoint authorization (get_endpoints, view_flags,
// access_mesos_logs, access_sandboxes), in front of every endpoint routed so far.
void secureAgentEndpoints(http::Server& server, const AgentFlags& flags,
                          const AgentSecurity& security, const TaskManager* tasks);

// Whether an operator call changes anything (every call but GET_*, WAIT_*, LIST_FILES
// and READ_FILE).
bool isWriteCall(mesos::v1::agent::Call::Type type);

// The authentication and authorization an operator call needs before it is answered:
// a 401 for a write call without a principal (unless allowed by the flag), a 403 when
// the ACLs deny it; nullopt to go on.
std::optional<http::Response> checkOperatorCall(const AgentFlags& flags,
                                                const Authorizer& authorizer,
                                                const Containerizer& containerizer,
                                                const mesos::v1::agent::Call& call,
                                                const http::Request& request);

// view_frameworks, view_tasks and view_executors applied to a GET_STATE, GET_TASKS,
// GET_FRAMEWORKS or GET_EXECUTORS answer (executors by their framework's user).
void filterOperatorAnswer(mesos::v1::agent::Response* response, const Authorizer& authorizer,
                          const std::optional<std::string>& principal);

}  // namespace mesolite::agent
