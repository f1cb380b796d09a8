// Mesos's agent flags that mesos-agent does not carry: refused at start, naming why and
// what to do instead (see FlagSet::refuse), and listed in mesos-agent(8).
#pragma once

#include "common/flags.h"

namespace mesolite::agent {

void refuseMesosOnlyFlags(FlagSet& set);

}  // namespace mesolite::agent
