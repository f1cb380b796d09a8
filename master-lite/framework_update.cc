// UPDATE_FRAMEWORK (Mesos 1.11's Master::updateFramework): a subscribed framework replaces
// its FrameworkInfo without failing over. Roles move in the allocator (offers of a role
// left are rescinded; the new roles get offers at the next cycle), capabilities and the
// failover timeout take effect at once, and operator subscribers hear FRAMEWORK_UPDATED.
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <set>

#include "common/logging.h"
#include "master-lite/framework_info.h"
#include "master-lite/master.h"

namespace mesolite::master {

using mesos::v1::FrameworkInfo;
using mesos::v1::scheduler::Call;

http::Response Master::updateFramework(Framework& framework, const Call::UpdateFramework& update) {
  const FrameworkInfo& info = update.framework_info();
  // Every check comes before any change, so a refused call leaves the framework as it was.
  auto invalidInfo = [](const Error& error) {
    return http::Response::badRequest("Supplied FrameworkInfo is not valid: " + error.message);
  };
  auto roles = frameworkRoles(info);
  if (!roles) return invalidInfo(roles.error().wrap("invalid framework roles"));
  if (auto allowed = checkWhitelisted(*roles, flags_.roles); !allowed) {
    return invalidInfo(allowed.error());
  }
  if (auto timeout = checkFailoverTimeout(info); !timeout) return invalidInfo(timeout.error());
  if (auto strings = checkClientStrings(info); !strings) return invalidInfo(strings.error());
  if (auto immutable = checkImmutableFields(framework.info, info); !immutable) {
    return http::Response::badRequest("FrameworkInfo update is not valid: " +
                                      immutable.error().message);
  }
  const std::vector<std::string> suppressed(update.suppressed_roles().begin(),
                                            update.suppressed_roles().end());
  if (auto checked = checkSuppressedRoles(suppressed, *roles); !checked) {
    return http::Response::badRequest("'UpdateFramework' call is not valid: " +
                                      checked.error().message);
  }
  if (auto unhonoured = unhonouredUpdateFields(update)) {
    return http::Response::text(501, *unhonoured);
  }
  if (auto moved = allocator_.updateFramework(framework.id, *roles, suppressed); !moved) {
    return http::Response::badRequest("'UpdateFramework' call is not valid: " +
                                      moved.error().message);
  }

  // Offers made to a role the framework left go back (after the allocator update, so
  // the resources are no longer the framework's in that role).
  std::vector<std::string> stale;
  for (const auto& offerId : framework.offers) {
    const std::string& role = offers_.at(offerId).role;
    if (std::find(roles->begin(), roles->end(), role) == roles->end()) stale.push_back(offerId);
  }
  for (const auto& offerId : stale)
    rescindOffer(offerId, true);

  const bool changed =
      !google::protobuf::util::MessageDifferencer::Equivalent(framework.info, info);
  framework.info = info;
  registrar_->addFramework(framework.info);
  framework.partitionAware =
      hasCapability(info, mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE);
  framework.killingState =
      hasCapability(info, mesos::v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  log::info("framework {} ({}) updated: {} role(s), {} suppressed, failover timeout {}s",
            framework.id, info.name(), roles->size(), suppressed.size(), info.failover_timeout());
  allocateSoon();

  // As Mesos's master tells its agents: they keep the FrameworkInfo their tasks came with.
  if (changed) {
    internal::AgentEvent event;
    event.set_type(internal::AgentEvent::UPDATE_FRAMEWORK);
    *event.mutable_update_framework()->mutable_framework_info() = framework.info;
    std::set<std::string> agents;
    for (const auto& [taskId, agentId] : framework.tasks)
      agents.insert(agentId);
    for (const auto& agentId : agents) {
      if (Agent* agent = findAgent(agentId)) sendToAgent(*agent, event);
    }
  }

  // As Mesos: operator subscribers hear of a FrameworkInfo change only, not of a change
  // of suppressed roles alone.
  if (changed) {
    mesos::v1::master::Event event;
    event.set_type(mesos::v1::master::Event::FRAMEWORK_UPDATED);
    auto* described = event.mutable_framework_updated()->mutable_framework();
    *described->mutable_framework_info() = framework.info;
    described->set_active(framework.active);
    described->set_connected(framework.connected);
    described->set_recovered(false);
    publish(event);
  }
  return http::Response::text(200, "");
}

}  // namespace mesolite::master
