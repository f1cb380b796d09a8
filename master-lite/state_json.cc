// What the master shows of its state: the operator API's GET_* answers, the legacy JSON
// endpoints in Mesos's layout (/master/state, /master/state-summary, /master/frameworks,
// /master/slaves, /master/tasks, /master/roles), and the metrics (common/metrics serves them).
#include <nlohmann/json.hpp>

#include "common/metrics.h"
#include "common/protobuf_json.h"
#include "common/state_model.h"
#include "common/version.h"
#include "master-lite/master.h"
#include "master-lite/state_views.h"
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
  return answer;
}

v1master::Response::GetFrameworks Master::getFrameworks() const {
  v1master::Response::GetFrameworks answer;
  auto describe = [this](const Framework& framework, auto* out) {
    *out->mutable_framework_info() = framework.info;
    out->set_active(framework.active);
    out->set_connected(framework.connected);
    out->set_recovered(false);
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

  out["master/elected"] = 1;
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
  auto agentJson = [this](const Agent& agent) {
    const Resources used = allocatedTo(usedResources(agent), "");
    Resources offered;
    for (const auto& offerId : agent.offers)
      offered += allocatedTo(offers_.at(offerId).resources, "");
    json capabilities = json::array();
    for (const auto& capability : agent.capabilities)
      capabilities.push_back(mesos::v1::AgentInfo::Capability::Type_Name(capability.type()));
    return json{{"id", agent.id},
                {"pid", agent.pid()},
                {"hostname", agent.info.hostname()},
                {"port", agent.info.port()},
                {"registered_time", agent.registeredTime},
                {"reregistered_time", agent.reregisteredTime},
                {"resources", model::resources(agent.total)},
                {"used_resources", model::resources(used)},
                {"offered_resources", model::resources(offered)},
                {"reserved_resources", json::object()},
                {"unreserved_resources", model::resources(agent.total.unreserved())},
                {"reserved_resources_full", json::object()},
                {"unreserved_resources_full", model::full(agent.total.unreserved())},
                {"used_resources_full", model::full(usedResources(agent), "*")},
                {"offered_resources_full", model::full(offered)},
                {"attributes", model::attributes(agent.info.attributes())},
                {"active", agent.reachable},
                {"deactivated", false},
                {"version", agent.version},
                {"capabilities", capabilities}};
  };
  auto frameworkJson = [this](const Framework& framework, bool withTasks) {
    json tasks = json::array();
    json unreachable = json::array();
    Resources used;
    std::map<std::string, int> byState;
    std::set<std::string> agentIds;
    for (const auto& [taskId, agentId] : framework.tasks) {
      auto agent = agents_.find(agentId);
      if (agent == agents_.end()) continue;
      auto task = agent->second.tasks.find({framework.id, taskId});
      if (task == agent->second.tasks.end()) continue;
      (task->second.unreachable ? unreachable : tasks).push_back(model::task(task->second.info));
      if (!task->second.resourcesRecovered) used += allocatedTo(task->second.resources, "");
      byState[mesos::v1::TaskState_Name(task->second.info.state())]++;
      agentIds.insert(agentId);
    }
    json completed = json::array();
    for (const auto& task : framework.completedTasks)
      completed.push_back(model::task(task));
    json offers = json::array();
    Resources offered;
    for (const auto& offerId : framework.offers) {
      const auto& offer = offers_.at(offerId);
      offered += allocatedTo(offer.resources, "");
      offers.push_back({{"id", offerId},
                        {"framework_id", framework.id},
                        {"slave_id", offer.offer.agent_id().value()},
                        {"resources", model::resources(allocatedTo(offer.resources, ""))}});
    }
    json capabilities = json::array();
    for (const auto& capability : framework.info.capabilities())
      capabilities.push_back(mesos::v1::FrameworkInfo::Capability::Type_Name(capability.type()));
    json roles = json::array();
    for (const auto& role : framework.info.roles())
      roles.push_back(role);
    json out = {{"id", framework.id},
                {"name", framework.info.name()},
                {"user", framework.info.user()},
                {"hostname", framework.info.hostname()},
                {"webui_url", framework.info.webui_url()},
                {"principal", framework.info.principal()},
                {"role", framework.info.has_role() ? json(framework.info.role())
                                                   : (roles.empty() ? json("*") : roles[0])},
                {"roles", roles},
                {"capabilities", capabilities},
                {"active", framework.active},
                {"connected", framework.connected},
                {"recovered", false},
                {"checkpoint", framework.info.checkpoint()},
                {"failover_timeout", framework.info.failover_timeout()},
                {"registered_time", framework.registeredTime},
                {"reregistered_time", framework.reregisteredTime},
                {"unregistered_time", framework.unregisteredTime},
                {"resources", model::resources(used)},
                {"used_resources", model::resources(used)},
                {"offered_resources", model::resources(offered)},
                // Offer constraints are refused at SUBSCRIBE, so there are none to show.
                {"offer_constraints", json::object()}};
    if (withTasks) {
      out["tasks"] = std::move(tasks);
      out["unreachable_tasks"] = std::move(unreachable);
      out["completed_tasks"] = std::move(completed);
      out["offers"] = std::move(offers);
      out["executors"] = json::array();
      out["completed_executors"] = json::array();
    } else {
      for (const char* state :
           {"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_FINISHED",
            "TASK_KILLED", "TASK_FAILED", "TASK_LOST", "TASK_ERROR", "TASK_UNREACHABLE"})
        out[state] = byState[state];
      out["slave_ids"] = agentIds;
    }
    return out;
  };

  json body;
  if (which == "state" || which == "frameworks" || which == "slaves") {
    json agents = json::array();
    for (const auto& [id, agent] : agents_)
      if (agent.reachable) agents.push_back(agentJson(agent));
    json frameworks = json::array();
    for (const auto& [id, framework] : frameworks_)
      frameworks.push_back(frameworkJson(framework, true));
    json completed = json::array();
    for (const auto& framework : completedFrameworks_)
      completed.push_back(frameworkJson(framework, true));
    if (which == "frameworks") {
      body = {{"frameworks", frameworks},
              {"completed_frameworks", completed},
              {"unregistered_frameworks", json::array()}};
    } else if (which == "slaves") {
      body = {{"slaves", agents}, {"recovered_slaves", json::array()}};
    } else {
      size_t unreachable = 0;
      for (const auto& [id, agent] : agents_)
        unreachable += agent.reachable ? 0 : 1;
      json flags = json::object();
      for (const auto& [name, value] : flags_.set.values())
        flags[name] = value;
      body = {{"version", std::string(kMesosApiVersion)},
              {"mesolite_version", std::string(kVersion)},
              {"start_time", startTime_},
              {"elected_time", startTime_},
              {"id", info_.id()},
              {"pid", info_.pid()},
              {"hostname", info_.hostname()},
              {"cluster", flags_.cluster.value_or("")},
              {"leader", info_.pid()},
              {"leader_info", toJson(info_)},
              // Mesos's AGENT_UPDATE, AGENT_DRAINING and QUOTA_V2 are not built.
              {"capabilities", json::array()},
              {"recovered_slaves", json::array()},
              {"activated_slaves", agents.size()},
              {"deactivated_slaves", 0},
              {"unreachable_slaves", unreachable},
              {"flags", flags},
              {"slaves", agents},
              {"frameworks", frameworks},
              {"completed_frameworks", completed},
              {"orphan_tasks", json::array()},
              {"unregistered_frameworks", json::array()}};
    }
  } else if (which == "state-summary") {
    json agents = json::array();
    for (const auto& [id, agent] : agents_) {
      if (!agent.reachable) continue;
      json entry = agentJson(agent);
      std::map<std::string, int> byState;
      std::set<std::string> frameworkIds;
      for (const auto& [key, task] : agent.tasks) {
        byState[mesos::v1::TaskState_Name(task.info.state())]++;
        frameworkIds.insert(key.first);
      }
      for (const char* state :
           {"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_FINISHED",
            "TASK_KILLED", "TASK_FAILED", "TASK_LOST", "TASK_ERROR", "TASK_UNREACHABLE"})
        entry[state] = byState[state];
      entry["framework_ids"] = frameworkIds;
      agents.push_back(std::move(entry));
    }
    json frameworks = json::array();
    for (const auto& [id, framework] : frameworks_)
      frameworks.push_back(frameworkJson(framework, false));
    body = {{"hostname", info_.hostname()},
            {"cluster", flags_.cluster.value_or("")},
            {"slaves", agents},
            {"frameworks", frameworks}};
  } else if (which == "tasks") {
    json tasks = json::array();
    for (const auto& [id, agent] : agents_)
      for (const auto& [key, task] : agent.tasks)
        tasks.push_back(model::task(task.info));
    for (const auto& [id, framework] : frameworks_)
      for (const auto& task : framework.completedTasks)
        tasks.push_back(model::task(task));
    // ?limit=&offset=&order=asc|des, as Mesos's /master/tasks.
    size_t limit = 100, offset = 0;
    try {
      if (auto found = request.query.find("limit"); found != request.query.end())
        limit = std::stoul(found->second);
      if (auto found = request.query.find("offset"); found != request.query.end())
        offset = std::stoul(found->second);
    } catch (const std::exception&) {
      return responder.respond(http::Response::badRequest("'limit' and 'offset' must be numbers"));
    }
    if (request.query.contains("order") && request.query.at("order") == "asc") {
      std::reverse(tasks.begin(), tasks.end());
    }
    json page = json::array();
    for (size_t i = offset; i < tasks.size() && page.size() < limit; ++i)
      page.push_back(tasks[i]);
    body = {{"tasks", page}};
  } else if (which == "roles") {
    json roles = json::array();
    std::map<std::string, Resources> offeredTo;
    for (const auto& [id, offer] : offers_)
      offeredTo[offer.role] += allocatedTo(offer.resources, "");
    const auto answer = getRoles();  // the loop below reads into it
    for (const auto& role : answer.roles()) {
      Resources resources;
      if (auto parsed = Resources::fromProtos(role.resources())) resources = *parsed;
      json frameworks = json::array();
      for (const auto& id : role.frameworks())
        frameworks.push_back(id.value());
      // No quota is built: guarantee and limit are empty, as Mesos shows a role without.
      json allocated = model::resources(resources);
      roles.push_back({{"name", role.name()},
                       {"weight", role.weight()},
                       {"quota",
                        {{"role", role.name()},
                         {"guarantee", json::object()},
                         {"limit", json::object()},
                         {"consumed", allocated}}},
                       {"frameworks", frameworks},
                       {"resources", allocated},
                       {"allocated", allocated},
                       {"offered", model::resources(offeredTo[role.name()])},
                       {"reserved", json::object()}});
    }
    body = {{"roles", roles}};
  }
  StateView(*options_.authorizer, request.principal).filterJson(body);
  responder.respond(http::Response::json(200, dumpJson(body)));
}

}  // namespace mesolite::master
