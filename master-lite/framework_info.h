// The rules about a FrameworkInfo that SUBSCRIBE and UPDATE_FRAMEWORK share, as Mesos's
// master applies them (src/master/validation.cpp in the Mesos sources): which roles a
// framework is in, which of its fields may change once it is subscribed, and which ones
// this master does not honour (refused by name rather than ignored).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesolite::master {

bool hasCapability(const mesos::v1::FrameworkInfo& info,
                   mesos::v1::FrameworkInfo::Capability::Type type);

// The roles a framework subscribes with: `roles` for MULTI_ROLE frameworks, else `role`
// ("*" when unset); each one a valid role name.
Result<std::vector<std::string>> frameworkRoles(const mesos::v1::FrameworkInfo& info);

// The master's --roles (a comma-separated whitelist; "*" is always allowed).
Result<void> checkWhitelisted(const std::vector<std::string>& roles,
                              const std::optional<std::string>& whitelist);

// `suppressed` must all be among `roles`.
Result<void> checkSuppressedRoles(const std::vector<std::string>& suppressed,
                                  const std::vector<std::string>& roles);

// Mesos takes failover_timeout as a Duration: a finite number of seconds whose
// nanoseconds fit in 64 bits.
Result<void> checkFailoverTimeout(const mesos::v1::FrameworkInfo& info);

// The id (Mesos's id rules), name, labels and other strings a client chose, each within
// the caps of common/id_validation.h; the error names the field ("framework_info.name").
Result<void> checkClientStrings(const mesos::v1::FrameworkInfo& info);

// UPDATE_FRAMEWORK may not change `principal`, `user` or `checkpoint` (Mesos's
// validateUpdate); the id must stay the framework's.
Result<void> checkImmutableFields(const mesos::v1::FrameworkInfo& current,
                                  const mesos::v1::FrameworkInfo& updated);

// What an UPDATE_FRAMEWORK asks that this master does not do: offer constraints (no
// attribute filtering in the allocator) and FrameworkInfo.offer_filters (no minimum
// allocatable resources). The message names the field; nullopt when all is honoured.
std::optional<std::string> unhonouredSubscribeFields(
    const mesos::v1::scheduler::Call::Subscribe& subscribe);
std::optional<std::string> unhonouredUpdateFields(
    const mesos::v1::scheduler::Call::UpdateFramework& update);

}  // namespace mesolite::master
