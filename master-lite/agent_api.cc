// POST /api/v1/agent: Mesolite's agent protocol (proto/mesolite/internal.proto). An agent
// SUBSCRIBEs on a long-lived RecordIO stream of AgentEvents and POSTs its other calls.
#include <boost/asio/ip/address.hpp>
#include <random>

#include "common/endpoint_authorization.h"
#include "common/id_validation.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/recordio.h"
#include "common/version.h"
#include "master-lite/agent_identity.h"
#include "master-lite/master.h"
#include "master-lite/task_validation.h"

namespace mesolite::master {

using internal::AgentCall;
using internal::AgentEvent;
using mesos::v1::TaskStatus;

namespace {

constexpr uint32_t kProtocolVersion = internal::CURRENT_PROTOCOL_VERSION;

// The role a re-registered task was allocated to.
std::string taskRole(const mesos::v1::Task& task, const mesos::v1::FrameworkInfo* framework) {
  if (auto role = allocationRole(task.resources())) return *role;
  if (framework && framework->has_role()) return framework->role();
  if (framework && framework->roles_size() > 0) return framework->roles(0);
  return "*";
}

}  // namespace

void Master::serveAgent(http::Request&& request, http::Responder responder) {
  AgentCall call;
  http::Response failure;
  auto types = api::parseCall(request, &call, &failure);
  if (!types) return responder.respond(std::move(failure));
  if (call.type() == AgentCall::SUBSCRIBE) {
    return subscribeAgent(call, request, std::move(responder));
  }
  if (!call.has_agent_id()) {
    return responder.respond(http::Response::badRequest("Expecting 'agent_id' to be present"));
  }
  Agent* agent = findAgent(call.agent_id().value());
  if (!agent || !agent->reachable || !agent->stream) {
    return responder.respond(
        http::Response::text(403, "agent '" + call.agent_id().value() + "' is not subscribed"));
  }
  if (request.header("Mesos-Stream-Id").value_or("") != agent->streamId) {
    return responder.respond(
        http::Response::badRequest("'Mesos-Stream-Id' does not match the agent's stream"));
  }

  switch (call.type()) {
    case AgentCall::STATUS_UPDATE:
      if (!call.has_status_update()) {
        return responder.respond(
            http::Response::badRequest("Expecting 'status_update' to be present"));
      }
      statusUpdate(*agent, call.status_update());
      break;
    case AgentCall::UPDATE_RESOURCES: {
      auto total = Resources::fromProtos(call.update_resources().resources());
      if (!total) return responder.respond(http::Response::badRequest(total.error().message));
      agent->total = *total;
      (void)allocator_.updateAgent(agent->id, *total);
      break;
    }
    case AgentCall::PONG:
      agent->awaitingPong = false;
      agent->missedPings = 0;
      break;
    case AgentCall::EXITED_EXECUTOR: {
      // The framework hears of the exit as Event::FAILURE with the raw wait status, when
      // it is connected. Our agent sends this for no executor yet (custom executors are
      // refused); like Mesos's agent, it must never send it for a command task's executor.
      const auto& exited = call.exited_executor();
      log::info("agent {}: executor {} of framework {} exited (status {})", agent->id,
                exited.executor_id().value(), exited.framework_id().value(), exited.status());
      Framework* framework = findFramework(exited.framework_id().value());
      if (framework && framework->connected) {
        mesos::v1::scheduler::Event event;
        event.set_type(mesos::v1::scheduler::Event::FAILURE);
        auto* lost = event.mutable_failure();
        lost->mutable_agent_id()->set_value(agent->id);
        *lost->mutable_executor_id() = exited.executor_id();
        if (exited.has_status()) lost->set_status(exited.status());
        sendToFramework(*framework, event);
      }
      break;
    }
    case AgentCall::FRAMEWORK_MESSAGE: {
      const auto& message = call.framework_message();
      if (Framework* framework = findFramework(message.framework_id().value())) {
        mesos::v1::scheduler::Event event;
        event.set_type(mesos::v1::scheduler::Event::MESSAGE);
        event.mutable_message()->mutable_agent_id()->set_value(agent->id);
        *event.mutable_message()->mutable_executor_id() = message.executor_id();
        event.mutable_message()->set_data(message.data());
        sendToFramework(*framework, event);
      }
      break;
    }
    default:
      return responder.respond(http::Response::badRequest(
          "agent call " + AgentCall::Type_Name(call.type()) + " is not understood"));
  }
  responder.respond(http::Response::text(202, ""));
}

void Master::subscribeAgent(const AgentCall& call, const http::Request& request,
                            http::Responder responder) {
  if (!call.has_subscribe()) {
    return responder.respond(http::Response::badRequest("Expecting 'subscribe' to be present"));
  }
  const AgentCall::Subscribe& subscribe = call.subscribe();
  if (!options_.authorizer->allowed(Action::RegisterAgent, request.principal)) {
    return responder.respond(
        http::forbidden(request.principal, "register an agent (register_agents)"));
  }
  if (subscribe.protocol_version() != kProtocolVersion) {
    return responder.respond(http::Response::badRequest(
        "agent protocol version " + std::to_string(subscribe.protocol_version()) +
        " is not spoken here; this master speaks " + std::to_string(kProtocolVersion)));
  }
  auto total = Resources::fromProtos(
      subscribe.resources_size() > 0 ? subscribe.resources() : subscribe.agent_info().resources());
  if (!total) {
    return responder.respond(
        http::Response::badRequest("invalid agent resources: " + total.error().message));
  }
  if (subscribe.has_advertise_ip()) {
    boost::system::error_code error;
    boost::asio::ip::make_address(subscribe.advertise_ip(), error);
    if (error) {
      return responder.respond(http::Response::badRequest(
          "advertise_ip '" + subscribe.advertise_ip() + "' is not an IP address"));
    }
  }
  for (const auto& task : subscribe.tasks()) {
    if (!task.has_framework_id() || task.task_id().value().empty()) {
      return responder.respond(
          http::Response::badRequest("a re-registered task lacks its task or framework id"));
    }
    for (const auto* field : {&task.task_id().value(), &task.framework_id().value()}) {
      if (auto valid = validateId("a re-registered task's id", *field); !valid) {
        return responder.respond(http::Response::badRequest(valid.error().message));
      }
    }
  }

  mesos::v1::AgentInfo info = subscribe.agent_info();
  std::string id = info.id().value();
  const bool reregistering = !id.empty();
  if (reregistering) {
    if (auto valid = validateId("agent_info.id.value", id); !valid) {
      return responder.respond(http::Response::badRequest(valid.error().message));
    }
  }
  if (reregistering && registrar_->isGone(id)) {
    log::warn("refused agent SUBSCRIBE from {}: agent {} was marked gone", request.remote, id);
    return responder.respond(http::Response::text(
        403,
        "agent " + id + " was marked gone and may not come back; start it with a new work dir"));
  }
  Agent* agent = reregistering ? findAgent(id) : nullptr;
  const bool known = agent != nullptr;
  const std::string ip = subscriberIp(subscribe, request.remote);
  if (known) {
    // A second agent claiming a connected agent's id (agent_identity.h).
    if (auto conflict = conflictingClaim(
            id, agent->reachable && agent->stream && !agent->stream->closed(),
            agentAddress(agent->ip, agent->info.port()), agentAddress(ip, info.port()))) {
      log::warn("refused agent SUBSCRIBE from {}: {}", request.remote, *conflict);
      return responder.respond(http::Response::text(409, *conflict));
    }
  }
  recoveredAgents_.erase(id);
  const bool wasInAllocator = known && agent->reachable;
  if (!reregistering) id = newId("S");
  if (!known) {
    agent = &agents_[id];
    agent->id = id;
    agent->registeredTime = now();
  }
  if (reregistering) {
    counters_.agentReregistrations++;
    agent->reregisteredTime = now();
  } else {
    counters_.agentRegistrations++;
  }
  if (agent->stream) {  // an older stream of the same agent: it is replaced
    agent->streamId.clear();
    auto old = std::move(agent->stream);
    old->close();
  }
  info.mutable_id()->set_value(id);
  agent->info = info;
  agent->total = *total;
  agent->version = subscribe.version();
  agent->ip = ip;  // advertise_ip checked above
  agent->capabilities.assign(subscribe.capabilities().begin(), subscribe.capabilities().end());
  agent->reachable = true;
  agent->awaitingPong = false;
  agent->missedPings = 0;
  if (wasInAllocator) {
    (void)allocator_.updateAgent(id, *total);
  } else {
    (void)allocator_.addAgent(id, *total);
  }

  // What the agent still runs is the truth now.
  std::map<std::pair<std::string, std::string>, const mesos::v1::Task*> reported;
  for (const auto& task : subscribe.tasks())
    reported[{task.framework_id().value(), task.task_id().value()}] = &task;

  std::vector<std::pair<std::string, std::string>> gone;
  for (auto& [key, task] : agent->tasks) {
    if (reported.contains(key)) continue;
    if (!isTerminal(task.info.state()) || task.unreachable) {
      Framework* framework = findFramework(key.first);
      const auto state =
          framework && framework->partitionAware ? mesos::v1::TASK_GONE : mesos::v1::TASK_LOST;
      task.info.set_state(state);
      counters_.terminalTasks[state]++;
      if (framework) {
        sendMasterUpdate(*framework, task.info.task_id(), id, state,
                         TaskStatus::REASON_AGENT_REREGISTERED,
                         "Task is unknown to the agent after it registered again");
      }
    }
    gone.push_back(key);
  }
  for (const auto& key : gone)
    completeTask(*agent, key);

  std::set<std::string> shutDown;  // frameworks whose tasks must stop
  std::vector<AgentEvent> kills;
  for (const auto& [key, reportedTask] : reported) {
    Framework* framework = findFramework(key.first);
    if (!framework) {
      bool removed = false;
      for (const auto& completed : completedFrameworks_)
        removed |= completed.id == key.first;
      if (removed) {
        shutDown.insert(key.first);
        continue;
      }
      // After a master restart or failover: the framework is known only through its agents
      // until it subscribes again; no failover timer runs until then (as in Mesos), so no
      // task dies because a master went away.
      mesos::v1::FrameworkInfo frameworkInfo;
      for (const auto& candidate : subscribe.frameworks())
        if (candidate.id().value() == key.first) frameworkInfo = candidate;
      frameworkInfo.mutable_id()->set_value(key.first);
      framework = &recoverFramework(frameworkInfo);
    }

    auto existing = agent->tasks.find(key);
    // Only a task this master itself reported lost is stopped. One on an agent an earlier
    // leader marked unreachable (the registry says so, the tasks it does not know) comes
    // back with its agent: nobody here told its framework otherwise.
    const bool toldLost = existing != agent->tasks.end() && existing->second.unreachable;
    if (toldLost && !framework->partitionAware) {
      // Its framework was told TASK_LOST when the agent went away: the task must stop.
      AgentEvent kill;
      kill.set_type(AgentEvent::KILL_TASK);
      kill.mutable_kill_task()->mutable_framework_id()->set_value(key.first);
      kill.mutable_kill_task()->mutable_task_id()->set_value(key.second);
      completeTask(*agent, key);
      kills.push_back(kill);  // sent once the stream below is open
      continue;
    }
    Task& task = agent->tasks[key];
    task.info = *reportedTask;
    task.info.mutable_agent_id()->set_value(id);
    task.role = taskRole(*reportedTask, &framework->info);
    auto resources = Resources::fromProtos(reportedTask->resources());
    task.resources = resources ? allocatedTo(*resources, task.role) : Resources();
    task.unreachable = false;
    task.resourcesRecovered = isTerminal(task.info.state());
    framework->tasks[key.second] = id;
    if (!task.resourcesRecovered) {
      if (auto claimed =
              allocator_.claim(key.first, task.role, id, allocatedTo(task.resources, ""));
          !claimed) {
        log::warn("agent {}: task {} of framework {}: {}", id, key.second, key.first,
                  claimed.error().message);
      }
    }
  }

  const std::string streamId = randomUuid();
  agent->streamId = streamId;
  http::Headers headers;
  headers["Content-Type"] = std::string(api::kProtobufType);
  headers["Mesos-Stream-Id"] = streamId;
  agent->stream = responder.stream(200, std::move(headers));
  agent->stream->onClose([this, id, streamId] {
    Agent* found = findAgent(id);
    if (!found || found->streamId != streamId) return;
    // Disconnected, not yet unreachable: the pings decide.
    log::info("agent {} disconnected", id);
    found->stream.reset();
    found->streamId.clear();
  });
  log::info("agent {} ({}:{}) {} with {} and {} tasks", id, info.hostname(), info.port(),
            reregistering ? "re-registered" : "registered", total->toString(),
            subscribe.tasks_size());

  AgentEvent subscribed;
  subscribed.set_type(AgentEvent::SUBSCRIBED);
  auto* message = subscribed.mutable_subscribed();
  message->mutable_agent_id()->set_value(id);
  message->set_protocol_version(kProtocolVersion);
  message->set_ping_interval_seconds(flags_.agent_ping_timeout.seconds());
  message->set_ping_timeout_seconds(flags_.agent_ping_timeout.seconds() *
                                    flags_.max_agent_ping_timeouts);
  *message->mutable_master_info() = info_;
  std::vector<AgentEvent> afterSubscribed;
  for (const auto& frameworkId : shutDown) {
    AgentEvent event;
    event.set_type(AgentEvent::SHUTDOWN_FRAMEWORK);
    event.mutable_shutdown_framework()->mutable_framework_id()->set_value(frameworkId);
    afterSubscribed.push_back(std::move(event));
  }
  for (const auto& kill : kills)
    afterSubscribed.push_back(kill);
  // A new agent hears SUBSCRIBED (and gets offered) once the registry holds it, so that a
  // master failing over right after cannot forget an agent that believes it registered.
  // A returning agent's changes ride along without waiting.
  auto confirm = [this, id, streamId, subscribed = std::move(subscribed),
                  afterSubscribed = std::move(afterSubscribed)] {
    Agent* found = findAgent(id);
    if (!found || found->streamId != streamId) return;
    sendToAgent(*found, subscribed);
    for (const auto& event : afterSubscribed)
      sendToAgent(*found, event);
    allocateSoon();
  };
  if (reregistering) {
    registrar_->admitAgent(agent->info);
    confirm();
  } else {
    registrar_->admitAgent(agent->info, std::move(confirm));
  }

  mesos::v1::master::Event event;
  event.set_type(mesos::v1::master::Event::AGENT_ADDED);
  auto* added = event.mutable_agent_added()->mutable_agent();
  *added->mutable_agent_info() = agent->info;
  added->set_active(true);
  added->set_version(agent->version);
  *added->mutable_total_resources() = agent->total.toProtos();
  publish(event);
}

void Master::statusUpdate(Agent& agent, const internal::StatusUpdate& update) {
  counters_.statusUpdates++;
  const TaskStatus& status = update.status();
  const std::string& frameworkId = update.framework_id().value();
  const auto latest = update.has_latest_state() ? update.latest_state() : status.state();
  auto key = std::make_pair(frameworkId, status.task_id().value());
  auto task = agent.tasks.find(key);
  if (task != agent.tasks.end()) {
    updateTask(agent, task->second, status, latest);
    if (!update.uuid().empty()) {
      task->second.unacknowledged = status;
      task->second.unacknowledged->set_uuid(update.uuid());
    }
    if (isTerminal(status.state())) {
      if (update.uuid().empty()) {
        completeTask(agent, key);
      } else {
        task->second.terminalUuid = update.uuid();
      }
    }
  } else {
    counters_.invalidStatusUpdates++;
  }

  Framework* framework = findFramework(frameworkId);
  if (!framework) {
    // Nobody will acknowledge it: the master does, so the agent stops retrying.
    if (!update.uuid().empty()) {
      AgentEvent ack;
      ack.set_type(AgentEvent::ACKNOWLEDGE_UPDATE);
      *ack.mutable_acknowledge_update()->mutable_framework_id() = update.framework_id();
      *ack.mutable_acknowledge_update()->mutable_task_id() = status.task_id();
      ack.mutable_acknowledge_update()->set_uuid(update.uuid());
      sendToAgent(agent, ack);
    }
    return;
  }
  // A disconnected framework gets it when it subscribes again (or the agent retries).
  if (!framework->connected) return;
  mesos::v1::scheduler::Event event;
  event.set_type(mesos::v1::scheduler::Event::UPDATE);
  *event.mutable_update()->mutable_status() = status;
  if (!update.uuid().empty()) event.mutable_update()->mutable_status()->set_uuid(update.uuid());
  sendToFramework(*framework, event);
}

}  // namespace mesolite::master
