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
    "it belongs to Mesos's SASL (CRAM-MD5) or executor (JWT) authentication, which is not "
    "built: every client authenticates with HTTP Basic";
inline constexpr std::string_view kAuthenticationInstead =
    "remove it; use --credentials (master), --http_credentials and --credential (agent) with "
    "the --authenticate_* flags";

}  // namespace mesolite
