// Who may hold an agent id. An agent id names tasks, resources and a stream; a second
// process that SUBSCRIBEs with the id of an agent that is still connected would make the
// master flip between the two and show the genuine agent's tasks as lost. Mesos keeps the
// agent registered at its address (its pid) until it is unreachable or gone; so does this.
#pragma once

#include <optional>
#include <string>

#include "mesolite/internal.pb.h"

namespace mesolite::master {

// The IP an agent is reached at: its advertise_ip, else the address its SUBSCRIBE came
// from ("127.0.0.1:41234" or "[::1]:41234", without the port and brackets).
std::string subscriberIp(const internal::AgentCall::Subscribe& subscribe,
                         const std::string& remote);

// "ip:port", as an agent's pid names where it is.
std::string agentAddress(const std::string& ip, uint32_t port);

// The 409 message when `claimant` (an address) asks for `id`, which the agent at `holder`
// still holds with an open event stream; nullopt when the claim is allowed: the same
// address (the agent reconnecting), or nobody connected.
std::optional<std::string> conflictingClaim(const std::string& id, bool holderConnected,
                                            const std::string& holder, const std::string& claimant);

}  // namespace mesolite::master
