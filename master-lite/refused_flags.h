// Mesos's master flags that mesos-master does not carry: refused at start, naming why and
// what to do instead (see FlagSet::refuse), and listed in mesos-master(8).
#pragma once

#include "common/flags.h"

namespace mesolite::master {

void refuseMesosOnlyFlags(FlagSet& set);

}  // namespace mesolite::master
