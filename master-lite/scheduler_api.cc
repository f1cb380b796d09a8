// POST /api/v1/scheduler: the Mesos v1 Scheduler API. SUBSCRIBE opens the framework's
// event stream; every other call is answered 202 (accepted; UPDATE_FRAMEWORK: 200, as
// Mesos), 400 (malformed, or a missing or wrong Mesos-Stream-Id) or 403 (the framework
// is not subscribed).
#include <random>

#include "common/ids.h"
#include "common/logging.h"
#include "common/recordio.h"
#include "master-lite/framework_info.h"
#include "master-lite/master.h"
#include "master-lite/security.h"
#include "master-lite/task_validation.h"

namespace mesolite::master {

using mesos::v1::TaskState;
using mesos::v1::TaskStatus;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

bool hasLimitsCapability(const Master::Agent& agent) {
  for (const auto& capability : agent.capabilities) {
    if (capability.type() == mesos::v1::AgentInfo::Capability::TASK_RESOURCE_LIMITS) return true;
  }
  return false;
}

constexpr double kHeartbeatSeconds = 15;
constexpr double kDefaultRefuseSeconds = 5;

// Mesos's call validation: the type is known and its message is present.
std::optional<std::string> validateCall(const Call& call) {
  auto needs = [&call](bool present, const char* field) -> std::optional<std::string> {
    if (present) return std::nullopt;
    return std::string("Expecting '") + field + "' to be present";
  };
  if (!call.has_type() || call.type() == Call::UNKNOWN) return "Expecting 'type' to be present";
  if (call.type() == Call::SUBSCRIBE) {
    if (!call.has_subscribe()) return "Expecting 'subscribe' to be present";
    const auto& info = call.subscribe().framework_info();
    if (call.has_framework_id() &&
        (!info.has_id() || info.id().value() != call.framework_id().value())) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    return std::nullopt;
  }
  if (!call.has_framework_id()) return "Expecting 'framework_id' to be present";
  switch (call.type()) {
    case Call::ACCEPT:
      return needs(call.has_accept(), "accept");
    case Call::DECLINE:
      return needs(call.has_decline(), "decline");
    case Call::KILL:
      return needs(call.has_kill(), "kill");
    case Call::SHUTDOWN:
      return needs(call.has_shutdown(), "shutdown");
    case Call::ACKNOWLEDGE: {
      if (!call.has_acknowledge()) return "Expecting 'acknowledge' to be present";
      if (call.acknowledge().uuid().size() != 16) return "'acknowledge.uuid' is not a valid UUID";
      return std::nullopt;
    }
    case Call::RECONCILE:
      return needs(call.has_reconcile(), "reconcile");
    case Call::MESSAGE:
      return needs(call.has_message(), "message");
    case Call::REQUEST:
      return needs(call.has_request(), "request");
    case Call::UPDATE_FRAMEWORK: {
      if (!call.has_update_framework()) return "Expecting 'update_framework' to be present";
      const auto& info = call.update_framework().framework_info();
      if (!info.has_id() || info.id().value() != call.framework_id().value()) {
        return "'framework_id' differs from 'update_framework.framework_info.id'";
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

void Master::serveScheduler(http::Request&& request, http::Responder responder) {
  Call call;
  http::Response failure;
  auto types = api::parseCall(request, &call, &failure);
  if (!types) return responder.respond(std::move(failure));
  if (auto invalid = validateCall(call)) {
    return responder.respond(
        http::Response::badRequest("Failed to validate scheduler::Call: " + *invalid));
  }
  if (throttleSchedulerCall(call, *types, request, responder)) return;  // --rate_limits
  dispatchSchedulerCall(call, *types, std::move(request), std::move(responder));
}

void Master::dispatchSchedulerCall(const Call& call, api::CallTypes types, http::Request&& request,
                                   http::Responder responder) {
  if (size_t(call.type()) < std::size(counters_.callsByType)) counters_.callsByType[call.type()]++;
  if (call.type() == Call::SUBSCRIBE) {
    return subscribeFramework(call, types, request, std::move(responder));
  }

  const std::string& frameworkId = call.framework_id().value();
  Framework* framework = findFramework(frameworkId);
  if (!framework || !framework->connected) {
    return responder.respond(
        http::Response::text(403, "Framework '" + frameworkId + "' is not subscribed"));
  }
  auto streamId = request.header("Mesos-Stream-Id");
  if (!streamId) {
    return responder.respond(http::Response::badRequest(
        "All non-subscribe calls should include the 'Mesos-Stream-Id' header"));
  }
  if (*streamId != framework->streamId) {
    return responder.respond(http::Response::badRequest(
        "The stream ID '" + *streamId +
        "' included in this request didn't match the stream ID currently associated with "
        "framework ID '" +
        frameworkId + "'"));
  }
  if (auto refused = checkCaller(request.principal, framework->info)) {
    return responder.respond(std::move(*refused));
  }
  if (auto rejected = handleSchedulerCall(*framework, call)) {
    return responder.respond(std::move(*rejected));
  }
  responder.respond(http::Response::text(202, ""));
}

void Master::subscribeFramework(const Call& call, api::CallTypes types,
                                const http::Request& request, http::Responder responder) {
  mesos::v1::FrameworkInfo info = call.subscribe().framework_info();
  if (auto unhonoured = unhonouredSubscribeFields(call.subscribe())) {
    return responder.respond(http::Response::text(501, *unhonoured));
  }
  if (info.user().empty()) {
    return responder.respond(http::Response::badRequest("'framework_info.user' is empty"));
  }
  if (info.user() == "root" && !flags_.root_submissions) {
    return responder.respond(http::Response::text(
        403, "User 'root' is not allowed to run frameworks without --root_submissions set"));
  }
  auto roles = frameworkRoles(info);
  if (!roles) {
    return responder.respond(
        http::Response::badRequest("Invalid framework roles: " + roles.error().message));
  }
  if (auto allowed = checkWhitelisted(*roles, flags_.roles); !allowed) {
    return responder.respond(http::Response::badRequest(allowed.error().message));
  }
  if (auto timeout = checkFailoverTimeout(info); !timeout) {
    return responder.respond(http::Response::badRequest(timeout.error().message));
  }
  if (auto strings = checkClientStrings(info);
      !strings) {  // ids, names, labels (common/id_validation.h)
    return responder.respond(http::Response::badRequest(strings.error().message));
  }
  std::vector<std::string> suppressed(call.subscribe().suppressed_roles().begin(),
                                      call.subscribe().suppressed_roles().end());
  if (auto checked = checkSuppressedRoles(suppressed, *roles); !checked) {
    return responder.respond(http::Response::badRequest(checked.error().message));
  }

  Framework* framework = nullptr;
  if (info.has_id() && !info.id().value().empty()) {
    for (const auto& completed : completedFrameworks_) {
      if (completed.id == info.id().value()) {
        return responder.respond(http::Response::text(
            403, "Framework " + completed.id + " has been removed; subscribe without an id"));
      }
    }
    framework = findFramework(info.id().value());
  }
  if (auto refused = checkSubscriber(*options_.authorizer, request.principal, info, *roles,
                                     framework ? &framework->info : nullptr)) {
    log::warn("SUBSCRIBE of framework {} from {} refused: {}", info.id().value(), request.remote,
              refused->body);
    return responder.respond(std::move(*refused));
  }

  const bool failover = framework != nullptr;
  if (failover) {
    // The framework comes back (a new scheduler instance, or the same after a drop):
    // the old stream, if still open, learns that it was replaced.
    if (framework->stream && !framework->stream->closed()) {
      Event error;
      error.set_type(Event::ERROR);
      error.mutable_error()->set_message("Framework failed over");
      sendToFramework(*framework, error);
      auto old = std::move(framework->stream);
      framework->streamId.clear();
      old->close();
    }
    framework->failoverTimer.reset();
    std::vector<std::string> offerIds(framework->offers.begin(), framework->offers.end());
    for (const auto& id : offerIds)
      rescindOffer(id, false);
    info.mutable_id()->set_value(framework->id);
    framework->info = info;
    framework->reregisteredTime = now();
  } else {
    std::string id = info.has_id() && !info.id().value().empty() ? info.id().value() : newId("");
    info.mutable_id()->set_value(id);
    framework = &frameworks_[id];
    framework->id = id;
    framework->info = info;
    framework->registeredTime = framework->reregisteredTime = now();
  }
  framework->recovered = false;
  // The registry knows it from now on: a master elected later keeps it (and its tasks).
  registrar_->addFramework(framework->info);
  framework->partitionAware =
      hasCapability(info, mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE);
  framework->killingState =
      hasCapability(info, mesos::v1::FrameworkInfo::Capability::TASK_KILLING_STATE);

  // A framework that agents reported before it subscribed (after a master restart) is in
  // the allocator already, as is one failing over: it takes the roles and suppressions it
  // subscribes with now, as an UPDATE_FRAMEWORK would give them (Mesos does the same).
  if (auto added = allocator_.addFramework(framework->id, *roles, suppressed); !added) {
    (void)allocator_.updateFramework(framework->id, *roles, suppressed);
    (void)allocator_.activateFramework(framework->id);
  }
  framework->connected = true;
  framework->active = true;
  framework->contentType = types.response;
  framework->streamId = randomUuid();
  counters_.frameworkSubscriptions++;

  http::Headers headers;
  headers["Content-Type"] = std::string(api::mediaType(types.response));
  headers["Mesos-Stream-Id"] = framework->streamId;
  framework->stream = responder.stream(200, std::move(headers));
  const std::string id = framework->id;
  const std::string streamId = framework->streamId;
  framework->stream->onClose([this, id, streamId] {
    Framework* found = findFramework(id);
    if (found && found->streamId == streamId) disconnectFramework(*found);
  });
  log::info("framework {} ({}) {} from {}", id, info.name(),
            failover ? "failed over" : "subscribed", request.remote);

  allocateSoon();

  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(id);
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(kHeartbeatSeconds);
  *subscribed.mutable_subscribed()->mutable_master_info() = info_;
  sendToFramework(*framework, subscribed);
  // Mesos's heartbeater sends the first HEARTBEAT at once, then one per interval.
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  sendToFramework(*framework, heartbeat);

  // Updates that reached the master while the framework was away go out now, as the
  // agent would send them at its next retry (up to minutes later).
  for (const auto& [taskId, agentId] : framework->tasks) {
    Agent* agent = findAgent(agentId);
    if (!agent) continue;
    auto task = agent->tasks.find({id, taskId});
    if (task == agent->tasks.end() || !task->second.unacknowledged) continue;
    Event update;
    update.set_type(Event::UPDATE);
    *update.mutable_update()->mutable_status() = *task->second.unacknowledged;
    sendToFramework(*framework, update);
  }

  mesos::v1::master::Event event;
  event.set_type(failover ? mesos::v1::master::Event::FRAMEWORK_UPDATED
                          : mesos::v1::master::Event::FRAMEWORK_ADDED);
  auto* described = failover ? event.mutable_framework_updated()->mutable_framework()
                             : event.mutable_framework_added()->mutable_framework();
  *described->mutable_framework_info() = framework->info;
  described->set_active(true);
  described->set_connected(true);
  described->set_recovered(false);  // required: a protobuf subscriber cannot take it unset
  publish(event);
}

std::optional<http::Response> Master::handleSchedulerCall(Framework& framework, const Call& call) {
  switch (call.type()) {
    case Call::TEARDOWN:
      removeFramework(framework, "the framework asked to be torn down");
      return std::nullopt;
    case Call::ACCEPT:
      accept(framework, call.accept());
      return std::nullopt;
    case Call::DECLINE:
      decline(framework, call.decline().offer_ids(), call.decline().filters());
      return std::nullopt;
    case Call::REVIVE: {
      allocateSoon();
      if (call.revive().roles().empty()) {
        (void)allocator_.revive(framework.id);
      } else {
        for (const auto& role : call.revive().roles()) {
          if (auto revived = allocator_.revive(framework.id, role); !revived) {
            return http::Response::badRequest(revived.error().message);
          }
        }
      }
      return std::nullopt;
    }
    case Call::SUPPRESS: {
      std::vector<std::string> roles(call.suppress().roles().begin(),
                                     call.suppress().roles().end());
      if (auto suppressed = allocator_.suppress(framework.id, roles); !suppressed) {
        return http::Response::badRequest(suppressed.error().message);
      }
      return std::nullopt;
    }
    case Call::KILL:
      kill(framework, call.kill());
      return std::nullopt;
    case Call::SHUTDOWN: {
      Agent* agent = findAgent(call.shutdown().agent_id().value());
      if (!agent)
        return http::Response::badRequest("unknown agent '" + call.shutdown().agent_id().value() +
                                          "'");
      internal::AgentEvent event;
      event.set_type(internal::AgentEvent::SHUTDOWN_EXECUTOR);
      event.mutable_shutdown_executor()->mutable_framework_id()->set_value(framework.id);
      *event.mutable_shutdown_executor()->mutable_executor_id() = call.shutdown().executor_id();
      sendToAgent(*agent, event);
      return std::nullopt;
    }
    case Call::ACKNOWLEDGE:
      acknowledge(framework, call.acknowledge());
      return std::nullopt;
    case Call::RECONCILE:
      reconcile(framework, call.reconcile());
      return std::nullopt;
    case Call::MESSAGE: {
      Agent* agent = findAgent(call.message().agent_id().value());
      if (!agent)
        return http::Response::badRequest("unknown agent '" + call.message().agent_id().value() +
                                          "'");
      internal::AgentEvent event;
      event.set_type(internal::AgentEvent::FRAMEWORK_MESSAGE);
      auto* message = event.mutable_framework_message();
      message->mutable_framework_id()->set_value(framework.id);
      *message->mutable_executor_id() = call.message().executor_id();
      message->set_data(call.message().data());
      sendToAgent(*agent, event);
      return std::nullopt;
    }
    case Call::REQUEST:
      return std::nullopt;  // Mesos's allocator ignores requests too
    case Call::UPDATE_FRAMEWORK:
      return updateFramework(framework, call.update_framework());
    default:
      return http::Response::text(
          501, "scheduler call " + Call::Type_Name(call.type()) + " is not supported yet");
  }
}

void Master::accept(Framework& framework, const Call::Accept& accept) {
  // The offers must all be live, this framework's, and of one agent and one role.
  std::vector<OfferEntry> taken;
  std::optional<std::string> invalid;
  for (const auto& offerId : accept.offer_ids()) {
    auto found = offers_.find(offerId.value());
    if (found == offers_.end() || found->second.offer.framework_id().value() != framework.id) {
      invalid = "Offer " + offerId.value() + " is no longer valid";
      continue;
    }
    if (!taken.empty() &&
        (found->second.offer.agent_id().value() != taken[0].offer.agent_id().value() ||
         found->second.role != taken[0].role)) {
      invalid = "Offers of different agents or roles cannot be accepted together";
      continue;
    }
    taken.push_back(*takeOffer(offerId.value()));
  }
  if (accept.offer_ids().empty()) invalid = "No offers to accept";

  auto refuseUntil = [&accept]() -> std::optional<TimePoint> {
    const double seconds = accept.filters().has_refuse_seconds() ? accept.filters().refuse_seconds()
                                                                 : kDefaultRefuseSeconds;
    if (seconds <= 0) return std::nullopt;
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(std::min(seconds, 1e9)));
  };

  if (invalid) {
    for (const auto& offer : taken) {
      (void)allocator_.recoverResources(framework.id, offer.role, offer.offer.agent_id().value(),
                                        allocatedTo(offer.resources, ""));
    }
    const TaskState state =
        framework.partitionAware ? mesos::v1::TASK_DROPPED : mesos::v1::TASK_LOST;
    for (const auto& operation : accept.operations()) {
      if (operation.type() != mesos::v1::Offer::Operation::LAUNCH) continue;
      for (const auto& task : operation.launch().task_infos()) {
        sendMasterUpdate(framework, task.task_id(), task.agent_id().value(), state,
                         TaskStatus::REASON_INVALID_OFFERS, *invalid);
      }
    }
    log::warn("framework {}: ACCEPT refused: {}", framework.id, *invalid);
    return;
  }

  counters_.offersAccepted += taken.size();
  const std::string agentId = taken[0].offer.agent_id().value();
  const std::string role = taken[0].role;
  Resources remaining;
  for (const auto& offer : taken)
    remaining += offer.resources;
  Agent* agent = findAgent(agentId);

  for (const auto& operation : accept.operations()) {
    switch (operation.type()) {
      case mesos::v1::Offer::Operation::LAUNCH:
        for (const auto& task : operation.launch().task_infos()) {
          auto inUse = [&](const std::string& id) {
            return findTask(framework.id, id).second != nullptr;
          };
          auto resources = validateTask(task, role, agentId, remaining, inUse);
          if (resources && !task.limits().empty() && !hasLimitsCapability(*agent)) {
            resources = Error("Agent is not capable of handling task resource limits");
          }
          if (auto denied = runTaskDenied(*options_.authorizer, framework.info, task)) {
            sendMasterUpdate(framework, task.task_id(), agentId, mesos::v1::TASK_ERROR,
                             TaskStatus::REASON_TASK_UNAUTHORIZED, *denied);
            counters_.terminalTasks[mesos::v1::TASK_ERROR]++;
            continue;
          }
          if (!resources) {
            sendMasterUpdate(framework, task.task_id(), agentId, mesos::v1::TASK_ERROR,
                             TaskStatus::REASON_TASK_INVALID, resources.error().message);
            counters_.terminalTasks[mesos::v1::TASK_ERROR]++;
            continue;
          }
          remaining -= *resources;
          launchTask(framework, *agent, role, task, std::move(*resources));
        }
        break;
      case mesos::v1::Offer::Operation::LAUNCH_GROUP:
        for (const auto& task : operation.launch_group().task_group().tasks()) {
          sendMasterUpdate(framework, task.task_id(), agentId, mesos::v1::TASK_ERROR,
                           TaskStatus::REASON_TASK_GROUP_INVALID,
                           "LAUNCH_GROUP is not supported yet");
          counters_.terminalTasks[mesos::v1::TASK_ERROR]++;
        }
        break;
      default:
        dropOperation(framework, operation,
                      mesos::v1::Offer::Operation::Type_Name(operation.type()) +
                          " is not supported yet (reservations and volumes are not built)");
    }
  }
  // What no task took counts as declined, with the call's filter.
  if (!remaining.empty()) {
    (void)allocator_.recoverResources(framework.id, role, agentId, allocatedTo(remaining, ""),
                                      refuseUntil());
  }
}

// As Mesos drops an operation it cannot carry out: logged, and the framework hears of it
// (OPERATION_ERROR) when it asked for feedback by giving the operation an id.
void Master::dropOperation(Framework& framework, const mesos::v1::Offer::Operation& operation,
                           const std::string& message) {
  log::warn("framework {}: dropping {} operation: {}", framework.id,
            mesos::v1::Offer::Operation::Type_Name(operation.type()), message);
  counters_.operationsDropped++;
  if (!operation.has_id()) return;
  Event event;
  event.set_type(Event::UPDATE_OPERATION_STATUS);
  auto* status = event.mutable_update_operation_status()->mutable_status();
  *status->mutable_operation_id() = operation.id();
  status->set_state(mesos::v1::OPERATION_ERROR);
  status->set_message(message);
  sendToFramework(framework, event);
}

void Master::decline(Framework& framework,
                     const google::protobuf::RepeatedPtrField<mesos::v1::OfferID>& offerIds,
                     const mesos::v1::Filters& filters) {
  const double seconds =
      filters.has_refuse_seconds() ? filters.refuse_seconds() : kDefaultRefuseSeconds;
  std::optional<TimePoint> until;
  if (seconds > 0) {
    until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(std::min(seconds, 1e9)));
  }
  for (const auto& offerId : offerIds) {
    auto found = offers_.find(offerId.value());
    if (found == offers_.end() || found->second.offer.framework_id().value() != framework.id) {
      continue;  // an offer already rescinded: nothing to give back
    }
    auto offer = takeOffer(offerId.value());
    counters_.offersDeclined++;
    (void)allocator_.recoverResources(framework.id, offer->role, offer->offer.agent_id().value(),
                                      allocatedTo(offer->resources, ""), until);
  }
}

void Master::kill(Framework& framework, const Call::Kill& kill) {
  auto [agent, task] = findTask(framework.id, kill.task_id().value());
  if (!task) {
    // Mesos answers a kill of an unknown task with what reconciliation knows of it.
    Call::Reconcile reconcile;
    auto* entry = reconcile.add_tasks();
    *entry->mutable_task_id() = kill.task_id();
    if (kill.has_agent_id()) *entry->mutable_agent_id() = kill.agent_id();
    this->reconcile(framework, reconcile);
    return;
  }
  if (isTerminal(task->info.state())) return;
  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::KILL_TASK);
  auto* message = event.mutable_kill_task();
  message->mutable_framework_id()->set_value(framework.id);
  *message->mutable_task_id() = kill.task_id();
  if (kill.has_kill_policy()) {
    *message->mutable_kill_policy() = kill.kill_policy();
  } else if (task->info.has_kill_policy()) {
    *message->mutable_kill_policy() = task->info.kill_policy();
  }
  sendToAgent(*agent, event);
}

void Master::acknowledge(Framework& framework, const Call::Acknowledge& ack) {
  counters_.acknowledgements++;
  Agent* agent = findAgent(ack.agent_id().value());
  if (!agent) {
    log::warn("framework {}: acknowledgement for unknown agent {}", framework.id,
              ack.agent_id().value());
    return;
  }
  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::ACKNOWLEDGE_UPDATE);
  auto* message = event.mutable_acknowledge_update();
  message->mutable_framework_id()->set_value(framework.id);
  *message->mutable_task_id() = ack.task_id();
  message->set_uuid(ack.uuid());
  sendToAgent(*agent, event);

  auto key = std::make_pair(framework.id, ack.task_id().value());
  auto task = agent->tasks.find(key);
  if (task == agent->tasks.end()) return;
  if (task->second.unacknowledged && task->second.unacknowledged->uuid() == ack.uuid()) {
    task->second.unacknowledged.reset();
  }
  if (task->second.terminalUuid == ack.uuid()) completeTask(*agent, key);
}

void Master::reconcile(Framework& framework, const Call::Reconcile& reconcile) {
  auto answer = [&](const Task& task) {
    Event event;
    event.set_type(Event::UPDATE);
    TaskStatus* status = event.mutable_update()->mutable_status();
    if (!task.info.statuses().empty()) *status = task.info.statuses(task.info.statuses_size() - 1);
    *status->mutable_task_id() = task.info.task_id();
    *status->mutable_agent_id() = task.info.agent_id();
    status->set_state(task.info.state());
    status->set_source(TaskStatus::SOURCE_MASTER);
    status->set_reason(TaskStatus::REASON_RECONCILIATION);
    status->set_message("Reconciliation: Latest task state");
    status->set_timestamp(now());
    status->clear_uuid();
    sendToFramework(framework, event);
  };

  if (reconcile.tasks().empty()) {  // implicit: everything the master knows
    for (const auto& [taskId, agentId] : framework.tasks) {
      auto [agent, task] = findTask(framework.id, taskId);
      if (task) answer(*task);
    }
    return;
  }
  for (const auto& entry : reconcile.tasks()) {
    auto [agent, task] = findTask(framework.id, entry.task_id().value());
    if (task) {
      answer(*task);
      continue;
    }
    std::optional<std::string> agentId;
    if (entry.has_agent_id()) agentId = entry.agent_id().value();
    TaskState state = mesos::v1::TASK_LOST;
    if (framework.partitionAware) {
      Agent* known = agentId ? findAgent(*agentId) : nullptr;
      if (!known) {
        state = mesos::v1::TASK_UNKNOWN;
      } else if (!known->reachable) {
        state = mesos::v1::TASK_UNREACHABLE;
      } else {
        state = mesos::v1::TASK_GONE;
      }
    }
    sendMasterUpdate(framework, entry.task_id(), agentId, state, TaskStatus::REASON_RECONCILIATION,
                     "Reconciliation: Task is unknown");
  }
}

}  // namespace mesolite::master
