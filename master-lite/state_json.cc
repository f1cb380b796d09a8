// What the master shows of its state: the operator API's GET_* answers, the legacy JSON
// endpoints in Mesos's layout (/master/state, /master/state-summary, /master/frameworks,
// /master/slaves, /master/tasks, /master/roles), and the metrics (common/metrics serves them).
#include <nlohmann/json.hpp>

#include "common/metrics.h"
#include "common/protobuf_json.h"
#include "common/state_model.h"
#include "common/version.h"
#include "master-lite/master.h"
#include "master-lite/task_validation.h"

namespace mesolite::master {

using nlohmann::json;
namespace v1master = mesos::v1::master;

namespace {

mesos::v1::TimeInfo timeInfo(double seconds) {
  mesos::v1::TimeInfo time;
  time.set_nanoseconds(int64_t(seconds * 1e9));
  return time;
}

// "master/tasks_running" for TASK_RUNNING, as Mesos names them.
std::string taskMetric(mesos::v1::TaskState state) {
  std::string name = mesos::v1::TaskState_Name(state).substr(5);  // drops "TASK_"
  for (auto& c : name)
    c = char(std::tolower(c));
  return "master/tasks_" + name;
}

}  // namespace

// --- protobuf answers --------------------------------------------------------------------

v1master::Response::GetAgents Master::getAgents() const {
  v1master::Response::GetAgents answer;
  for (const auto& [id, agent] : agents_) {
    if (!agent.reachable) continue;
    auto* out = answer.add_agents();
    *out->mutable_agent_info() = agent.info;
    out->set_active(true);
    out->set_deactivated(false);
    out->set_version(agent.version);
    out->set_pid(agent.pid());
    *out->mutable_registered_time() = timeInfo(agent.registeredTime);
    if (agent.reregisteredTime > 0)
      *out->mutable_reregistered_time() = timeInfo(agent.reregisteredTime);
    *out->mutable_total_resources() = agent.total.toProtos();
    *out->mutable_allocated_resources() = usedResources(agent).toProtos();
    Resources offered;
    for (const auto& offerId : agent.offers)
      offered += offers_.at(offerId).resources;
    *out->mutable_offered_resources() = offered.toProtos();
    for (const auto& capability : agent.capabilities)
      *out->add_capabilities() = capability;
  }
  for (const auto& [id, info] : recoveredAgents_)
    *answer.add_recovered_agents() = info;
  return answer;
}

v1master::Response::GetFrameworks Master::getFrameworks() const {
  v1master::Response::GetFrameworks answer;
  auto describe = [this](const Framework& framework, auto* out) {
    *out->mutable_framework_info() = framework.info;
    out->set_active(framework.active);
    out->set_connected(framework.connected);
    out->set_recovered(framework.recovered);
    *out->mutable_registered_time() = timeInfo(framework.registeredTime);
    if (framework.reregisteredTime > 0) {
      *out->mutable_reregistered_time() = timeInfo(framework.reregisteredTime);
    }
    if (framework.unregisteredTime > 0) {
      *out->mutable_unregistered_time() = timeInfo(framework.unregisteredTime);
    }
    Resources offered;
    for (const auto& offerId : framework.offers) {
      const auto& offer = offers_.at(offerId);
      *out->add_offers() = offer.offer;
      offered += offer.resources;
    }
    *out->mutable_offered_resources() = offered.toProtos();
    Resources allocated;
    for (const auto& [taskId, agentId] : framework.tasks) {
      const auto& agent = agents_.at(agentId);
      auto task = agent.tasks.find({framework.id, taskId});
      if (task != agent.tasks.end() && !task->second.resourcesRecovered) {
        allocated += task->second.resources;
      }
    }
    *out->mutable_allocated_resources() = allocated.toProtos();
  };
  for (const auto& [id, framework] : frameworks_)
    describe(framework, answer.add_frameworks());
  for (const auto& framework : completedFrameworks_)
    describe(framework, answer.add_completed_frameworks());
  return answer;
}

v1master::Response::GetTasks Master::getTasks() const {
  v1master::Response::GetTasks answer;
  for (const auto& [id, agent] : agents_) {
    for (const auto& [key, task] : agent.tasks) {
      if (task.unreachable) {
        *answer.add_unreachable_tasks() = task.info;
      } else {
        *answer.add_tasks() = task.info;
      }
    }
  }
  for (const auto& [id, framework] : frameworks_)
    for (const auto& task : framework.completedTasks)
      *answer.add_completed_tasks() = task;
  for (const auto& framework : completedFrameworks_)
    for (const auto& task : framework.completedTasks)
      *answer.add_completed_tasks() = task;
  return answer;
}

v1master::Response::GetRoles Master::getRoles() const {
  std::map<std::string, std::pair<std::set<std::string>, Resources>> roles;
  for (const auto& [role, weight] : weights_)
    roles[role];
  for (const auto& [id, framework] : frameworks_) {
    if (framework.info.roles_size() > 0) {
      for (const auto& role : framework.info.roles())
        roles[role].first.insert(id);
    } else {
      roles[framework.info.has_role() ? framework.info.role() : "*"].first.insert(id);
    }
  }
  for (const auto& [id, agent] : agents_)
    for (const auto& [key, task] : agent.tasks)
      if (!task.resourcesRecovered) roles[task.role].second += allocatedTo(task.resources, "");
  v1master::Response::GetRoles answer;
  for (const auto& [name, entry] : roles) {
    auto* role = answer.add_roles();
    role->set_name(name);
    auto weight = weights_.find(name);
    role->set_weight(weight == weights_.end() ? 1.0 : weight->second);
    for (const auto& id : entry.first)
      role->add_frameworks()->set_value(id);
    *role->mutable_resources() = entry.second.toProtos();
  }
  return answer;
}

v1master::Response::GetState Master::getState() const {
  v1master::Response::GetState state;
  *state.mutable_get_tasks() = getTasks();
  state.mutable_get_executors();
  *state.mutable_get_frameworks() = getFrameworks();
  *state.mutable_get_agents() = getAgents();
  return state;
}

std::map<std::string, double> Master::metrics() const {
  std::map<std::string, double> out;
  size_t active = 0, unreachable = 0, connected = 0;
  Resources total, used, offered;
  std::map<mesos::v1::TaskState, double> tasks;
  for (const auto& [id, agent] : agents_) {
    if (!agent.reachable) {
      ++unreachable;
      continue;
    }
    ++active;
    connected += agent.stream ? 1 : 0;
    total += agent.total;
    used += allocatedTo(usedResources(agent), "");
  }
  for (const auto& [id, agent] : agents_)
    for (const auto& [key, task] : agent.tasks)
      if (!isTerminal(task.info.state())) tasks[task.info.state()]++;
  for (const auto& [id, offer] : offers_)
    offered += allocatedTo(offer.resources, "");
  size_t frameworksConnected = 0, frameworksActive = 0;
  for (const auto& [id, framework] : frameworks_) {
    frameworksConnected += framework.connected;
    frameworksActive += framework.active;
  }

  out["master/elected"] = elected_ ? 1 : 0;
  out["master/recovery_slave_removals"] = double(counters_.recoveryAgentRemovals);
  out["registrar/registry_size_bytes"] = double(registrar_->registrySize());
  out["registrar/state_store_ms"] = registrar_->lastStoreMs();
  out["master/uptime_secs"] = now() - startTime_;
  out["master/slaves_active"] = double(active);
  out["master/slaves_inactive"] = 0;
  out["master/slaves_connected"] = double(connected);
  out["master/slaves_disconnected"] = double(active - connected);
  out["master/slaves_unreachable"] = double(unreachable);
  out["master/slave_registrations"] = double(counters_.agentRegistrations);
  out["master/slave_reregistrations"] = double(counters_.agentReregistrations);
  out["master/slave_unreachable_completed"] = double(counters_.agentsUnreachable);
  out["master/frameworks_active"] = double(frameworksActive);
  out["master/frameworks_inactive"] = double(frameworks_.size() - frameworksActive);
  out["master/frameworks_connected"] = double(frameworksConnected);
  out["master/frameworks_disconnected"] = double(frameworks_.size() - frameworksConnected);
  out["master/outstanding_offers"] = double(offers_.size());
  out["master/messages_status_update"] = double(counters_.statusUpdates);
  out["master/invalid_status_updates"] = double(counters_.invalidStatusUpdates);
  out["master/messages_status_update_acknowledgement"] = double(counters_.acknowledgements);
  out["master/messages_decline_offers"] = double(counters_.offersDeclined);
  out["master/offers_sent"] = double(counters_.offersSent);
  out["master/offers_accepted"] = double(counters_.offersAccepted);
  out["master/offers_declined"] = double(counters_.offersDeclined);
  out["master/operations/error"] = double(counters_.operationsDropped);
  out["master/offers_rescinded"] = double(counters_.offersRescinded);
  for (auto state : {mesos::v1::TASK_STAGING, mesos::v1::TASK_STARTING, mesos::v1::TASK_RUNNING,
                     mesos::v1::TASK_KILLING, mesos::v1::TASK_UNREACHABLE}) {
    out[taskMetric(state)] = tasks[state];
  }
  for (auto state : {mesos::v1::TASK_FINISHED, mesos::v1::TASK_FAILED, mesos::v1::TASK_KILLED,
                     mesos::v1::TASK_LOST, mesos::v1::TASK_ERROR, mesos::v1::TASK_DROPPED,
                     mesos::v1::TASK_GONE, mesos::v1::TASK_GONE_BY_OPERATOR}) {
    auto found = counters_.terminalTasks.find(state);
    out[taskMetric(state)] = found == counters_.terminalTasks.end() ? 0 : double(found->second);
  }
  for (const char* name : {"cpus", "mem", "disk", "gpus"}) {
    const double all = total.scalar(name).value_or(0);
    const double inUse = used.scalar(name).value_or(0);
    out[std::string("master/") + name + "_total"] = all;
    out[std::string("master/") + name + "_used"] = inUse;
    out[std::string("master/") + name + "_percent"] = all > 0 ? inUse / all : 0;
    out[std::string("master/") + name + "_offered"] = offered.scalar(name).value_or(0);
  }
  out["allocator/mesolite/allocation_runs"] = double(counters_.allocationRuns);
  out["allocator/mesolite/allocation_run_ms"] = counters_.lastAllocationMs;
  // Mesos's names of the same: allocation_run_ms is its timer's latest value.
  out["allocator/mesos/allocation_runs"] = double(counters_.allocationRuns);
  out["allocator/mesos/allocation_run_ms"] = counters_.lastAllocationMs;
  for (const char* name : {"cpus", "mem", "disk"}) {
    const std::string prefix = std::string("allocator/mesos/resources/") + name;
    out[prefix + "/total"] = total.scalar(name).value_or(0);
    out[prefix + "/offered_or_allocated"] =
        used.scalar(name).value_or(0) + offered.scalar(name).value_or(0);
  }
  out["master/operator_event_stream_subscribers"] = double(subscribers_.size());
  metrics::addSystemMetrics(out);
  for (int type = 1; type < int(std::size(counters_.callsByType)); ++type) {
    if (!mesos::v1::scheduler::Call::Type_IsValid(type)) continue;
    std::string name =
        mesos::v1::scheduler::Call::Type_Name(mesos::v1::scheduler::Call::Type(type));
    for (auto& c : name)
      c = char(std::tolower(c));
    out["master/messages_scheduler_" + name] = double(counters_.callsByType[type]);
  }
  return out;
}

// --- legacy JSON -------------------------------------------------------------------------

void Master::serveStateJson(const std::string& which, http::Request&& request,
                            http::Responder responder) {
  if (request.method != "GET" && request.method != "HEAD") {
    return responder.respond(http::Response::text(405, "use GET"));
  }
  serveSnapshot(which, std::move(request), std::move(responder));
}

}  // namespace mesolite::master
