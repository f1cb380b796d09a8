#include "master-lite/state_snapshot.h"

#include <nlohmann/json.hpp>

#include "common/protobuf_json.h"
#include "common/state_model.h"
#include "common/version.h"
#include "master-lite/task_validation.h"

namespace mesolite::master {

using nlohmann::json;
Resources StateSnapshot::Task::resources() const {
  auto parsed = Resources::fromProtos(accounted);  // as they were accounted: valid
  return parsed ? *parsed : Resources();
}

std::unique_ptr<StateSnapshot> StateSnapshot::take(const Master& master, const std::string& which) {
  auto snapshot = std::make_unique<StateSnapshot>();
  google::protobuf::Arena* arena = &snapshot->arena_;
  for (const auto& [id, agent] : master.agents()) {
    // Copied in order: each insertion goes at the end, with no key comparison.
    Agent& copy = snapshot->agents_.emplace_hint(snapshot->agents_.end(), id, Agent())->second;
    copy.id = agent.id;
    copy.info = agent.info;
    copy.total = agent.total;
    copy.version = agent.version;
    copy.pidText = agent.pid();
    copy.capabilities = agent.capabilities;
    copy.registeredTime = agent.registeredTime;
    copy.reregisteredTime = agent.reregisteredTime;
    copy.reachable = agent.reachable;
    copy.offers = agent.offers;
    for (const auto& [key, task] : agent.tasks) {
      auto* info = google::protobuf::Arena::CreateMessage<mesos::v1::Task>(arena);
      *info = task.info;
      // Master::Task::resources (allocated to the task's role), held in a Task's field.
      auto* accounted = google::protobuf::Arena::CreateMessage<mesos::v1::Task>(arena);
      for (const auto& resource : task.resources)
        *accounted->add_resources() = resource;
      copy.tasks.emplace_hint(copy.tasks.end(), key,
                              Task{.info = *info,
                                   .accounted = accounted->resources(),
                                   .unreachable = task.unreachable,
                                   .resourcesRecovered = task.resourcesRecovered});
    }
  }
  auto copyFramework = [](const Master::Framework& framework) {
    return Framework{.id = framework.id,
                     .info = framework.info,
                     .active = framework.active,
                     .connected = framework.connected,
                     .registeredTime = framework.registeredTime,
                     .reregisteredTime = framework.reregisteredTime,
                     .unregisteredTime = framework.unregisteredTime,
                     .tasks = framework.tasks,
                     .offers = framework.offers,
                     .completedTasks = framework.completedTasks};
  };
  for (const auto& [id, framework] : master.frameworks())
    snapshot->frameworks_.push_back(copyFramework(framework));
  for (const auto& framework : master.completedFrameworks())
    snapshot->completedFrameworks_.push_back(copyFramework(framework));
  snapshot->offers_ = master.offers();
  snapshot->info_ = master.info();
  snapshot->startTime_ = master.startTime();
  snapshot->electedTime_ = master.electedTime();
  for (const auto& [id, info] : master.recoveredAgents())
    snapshot->recoveredAgents_.push_back(info);
  snapshot->flagValues_ = master.flags().set.values();
  snapshot->cluster_ = master.flags().cluster;
  if (which == "roles") snapshot->roles_ = master.getRoles();
  return snapshot;
}

Resources StateSnapshot::usedResources(const Agent& agent) const {
  Resources used;
  for (const auto& [key, task] : agent.tasks)
    if (!task.resourcesRecovered) used += task.resources();
  return used;
}

Result<std::string> StateSnapshot::render(
    const std::string& which, const std::map<std::string, std::string>& query,
    const std::function<void(nlohmann::json&)>& filter) const {
  auto agentJson = [this](const Agent& agent) {
    const Resources usedAllocated = usedResources(agent);  // each task's parsed once
    const Resources used = allocatedTo(usedAllocated, "");
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
                {"used_resources_full", model::full(usedAllocated, "*")},
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
      if (!task->second.resourcesRecovered) used += allocatedTo(task->second.resources(), "");
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

  // Agents of the registry that have not re-registered with this leader yet.
  const auto recoveredJson = [this] {
    json recovered = json::array();
    // Mesos's SlaveInfo model: the id as a string.
    for (const auto& info : recoveredAgents_) {
      recovered.push_back(
          {{"id", info.id().value()}, {"hostname", info.hostname()}, {"port", info.port()}});
    }
    return recovered;
  };

  json body;
  if (which == "state" || which == "frameworks" || which == "slaves") {
    json agents = json::array();
    for (const auto& [id, agent] : agents_)
      if (agent.reachable) agents.push_back(agentJson(agent));
    json frameworks = json::array();
    for (const auto& framework : frameworks_)
      frameworks.push_back(frameworkJson(framework, true));
    json completed = json::array();
    for (const auto& framework : completedFrameworks_)
      completed.push_back(frameworkJson(framework, true));
    if (which == "frameworks") {
      body = {{"frameworks", std::move(frameworks)},
              {"completed_frameworks", std::move(completed)},
              {"unregistered_frameworks", json::array()}};
    } else if (which == "slaves") {
      body = {{"slaves", std::move(agents)}, {"recovered_slaves", recoveredJson()}};
    } else {
      size_t unreachable = 0;
      for (const auto& [id, agent] : agents_)
        unreachable += agent.reachable ? 0 : 1;
      json flags = json::object();
      for (const auto& [name, value] : flagValues_)
        flags[name] = value;
      body = {{"version", std::string(kMesosApiVersion)},
              {"mesolite_version", std::string(kVersion)},
              {"start_time", startTime_},
              {"elected_time", electedTime_},
              {"id", info_.id()},
              {"pid", info_.pid()},
              {"hostname", info_.hostname()},
              {"cluster", cluster_.value_or("")},
              {"leader", info_.pid()},
              {"leader_info", toJson(info_)},
              // Mesos's AGENT_UPDATE, AGENT_DRAINING and QUOTA_V2 are not built.
              {"capabilities", json::array()},
              {"recovered_slaves", recoveredJson()},
              {"activated_slaves", agents.size()},
              {"deactivated_slaves", 0},
              {"unreachable_slaves", unreachable},
              {"flags", flags},
              {"slaves", std::move(agents)},
              {"frameworks", std::move(frameworks)},
              {"completed_frameworks", std::move(completed)},
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
    for (const auto& framework : frameworks_)
      frameworks.push_back(frameworkJson(framework, false));
    body = {{"hostname", info_.hostname()},
            {"cluster", cluster_.value_or("")},
            {"slaves", std::move(agents)},
            {"frameworks", std::move(frameworks)}};
  } else if (which == "tasks") {
    json tasks = json::array();
    for (const auto& [id, agent] : agents_)
      for (const auto& [key, task] : agent.tasks)
        tasks.push_back(model::task(task.info));
    for (const auto& framework : frameworks_)
      for (const auto& task : framework.completedTasks)
        tasks.push_back(model::task(task));
    // ?limit=&offset=&order=asc|des, as Mesos's /master/tasks.
    size_t limit = 100, offset = 0;
    try {
      if (auto found = query.find("limit"); found != query.end()) limit = std::stoul(found->second);
      if (auto found = query.find("offset"); found != query.end())
        offset = std::stoul(found->second);
    } catch (const std::exception&) {
      return Error("'limit' and 'offset' must be numbers");
    }
    if (query.contains("order") && query.at("order") == "asc") {
      std::reverse(tasks.begin(), tasks.end());
    }
    json page = json::array();
    for (size_t i = offset; i < tasks.size() && page.size() < limit; ++i)
      page.push_back(std::move(tasks[i]));
    body = {{"tasks", std::move(page)}};
  } else if (which == "roles") {
    json roles = json::array();
    std::map<std::string, Resources> offeredTo;
    for (const auto& [id, offer] : offers_)
      offeredTo[offer.role] += allocatedTo(offer.resources, "");
    const auto& answer = roles_;
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
    body = {{"roles", std::move(roles)}};
  }
  if (filter) filter(body);
  return dumpJson(body);
}

}  // namespace mesolite::master
