// Flags of Apache Mesos that Mesolite's daemons do not carry, each with why and what to
// do instead (FlagSet::refuse): the ones master and agent share. Each daemon adds its own.
#pragma once

#include <span>
#include <string_view>

#include "common/flags.h"

namespace mesolite {

// Mesos's master-and-agent flags neither daemon has.
std::span<const RefusedFlag> commonRefusedFlags();

// Why every authentication and authorization flag is refused, for now, and the advice.
inline constexpr std::string_view kAuthenticationMissing =
    "authentication and authorization are not built yet, and a daemon that seemed to "
    "check credentials while letting everyone in would be worse than none";
inline constexpr std::string_view kAuthenticationInstead =
    "remove it, and until then let only trusted hosts reach the port (a host firewall)";

}  // namespace mesolite
