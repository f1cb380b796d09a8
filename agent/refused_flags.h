// Mesos's agent flags that mesos-agent does not carry: refused at start, naming why and
// what to do instead (see FlagSet::refuse), and listed in mesos-agent(8).
#pragma once

#include <string>
#include <vector>

#include "agent/agent_flags.h"
#include "common/flags.h"

namespace mesolite::agent {

void refuseMesosOnlyFlags(FlagSet& set);

// The Docker containerizer's flags that were given: a warning each beside
// --containerizers=docker,mesos; without docker there, an error naming the first.
Result<std::vector<std::string>> dockerFlagWarnings(const AgentFlags& flags);

}  // namespace mesolite::agent
