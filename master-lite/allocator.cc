#include "master-lite/allocator.h"

#include <algorithm>

namespace mesolite::master {

ScalarTotals ScalarTotals::of(const Resources& resources) {
  ScalarTotals totals;
  for (const auto& resource : resources) {
    if (resource.type() != mesos::v1::Value::SCALAR) continue;
    const double value = resource.scalar().value();
    const std::string& name = resource.name();
    if (name == "cpus") {
      totals.cpus += value;
    } else if (name == "mem") {
      totals.mem += value;
    } else if (name == "disk") {
      totals.disk += value;
    } else if (name == "gpus") {
      totals.gpus += value;
    }
  }
  return totals;
}

ScalarTotals& ScalarTotals::operator+=(const ScalarTotals& that) {
  cpus += that.cpus;
  mem += that.mem;
  disk += that.disk;
  gpus += that.gpus;
  return *this;
}

ScalarTotals& ScalarTotals::operator-=(const ScalarTotals& that) {
  // Floating-point sums of 0.001 steps drift; never report a negative allocation.
  cpus = std::max(0.0, cpus - that.cpus);
  mem = std::max(0.0, mem - that.mem);
  disk = std::max(0.0, disk - that.disk);
  gpus = std::max(0.0, gpus - that.gpus);
  return *this;
}

double ScalarTotals::dominantShare(const ScalarTotals& total) const {
  double share = 0;
  auto consider = [&share](double part, double whole) {
    if (whole > 0) share = std::max(share, part / whole);
  };
  consider(cpus, total.cpus);
  consider(mem, total.mem);
  consider(disk, total.disk);
  consider(gpus, total.gpus);
  return share;
}

Result<void> Allocator::addAgent(const std::string& agentId, const Resources& total) {
  if (agents_.contains(agentId)) return Error("agent " + agentId + " is already known");
  agents_.emplace(agentId, Agent{.id = agentId, .total = total, .free = total, .allocations = {}});
  clusterTotal_ += ScalarTotals::of(total);
  agentOrderStale_ = true;
  return success();
}

Result<void> Allocator::removeAgent(const std::string& agentId) {
  auto found = agents_.find(agentId);
  if (found == agents_.end()) return Error("unknown agent " + agentId);
  Agent& agent = found->second;
  // The agent's resources leave the cluster, allocated or not.
  for (const auto& [key, resources] : agent.allocations) {
    const ScalarTotals scalars = ScalarTotals::of(resources);
    if (auto framework = frameworks_.find(key.first); framework != frameworks_.end()) {
      if (auto role = framework->second.roles.find(key.second);
          role != framework->second.roles.end()) {
        role->second.allocated -= scalars;
      }
    }
    if (auto role = roles_.find(key.second); role != roles_.end()) {
      role->second.allocated -= scalars;
    }
  }
  for (auto& [frameworkId, framework] : frameworks_)
    framework.filtersByAgent.erase(agentId);
  std::vector<std::pair<std::string, std::string>> held;
  for (const auto& [key, resources] : agent.allocations)
    held.push_back(key);
  clusterTotal_ -= ScalarTotals::of(agent.total);
  agents_.erase(found);
  agentOrderStale_ = true;
  for (const auto& [frameworkId, role] : held) {
    if (auto framework = frameworks_.find(frameworkId); framework != frameworks_.end()) {
      untrackIfIdle(framework->second, role);
    }
  }
  return success();
}

Result<void> Allocator::updateAgent(const std::string& agentId, const Resources& total) {
  auto found = agents_.find(agentId);
  if (found == agents_.end()) return Error("unknown agent " + agentId);
  Agent& agent = found->second;
  clusterTotal_ -= ScalarTotals::of(agent.total);
  clusterTotal_ += ScalarTotals::of(total);
  agent.total = total;
  agent.free = total;
  for (const auto& [key, resources] : agent.allocations)
    agent.free -= resources;
  return success();
}

Result<void> Allocator::addFramework(const std::string& frameworkId,
                                     const std::vector<std::string>& roles,
                                     const std::vector<std::string>& suppressedRoles) {
  if (frameworks_.contains(frameworkId)) {
    return Error("framework " + frameworkId + " is already known");
  }
  if (roles.empty()) return Error("framework " + frameworkId + " has no role");
  for (const auto& role : roles) {
    // "*" is the default role of frameworks that name none, as in Mesos.
    if (auto valid = validateRole(role); !valid) return valid.error().wrap("role " + role);
  }
  for (const auto& role : suppressedRoles) {
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
      return Error("suppressed role " + role + " is not one of the framework's roles");
    }
  }

  Framework& framework = frameworks_[frameworkId];
  framework.id = frameworkId;
  for (const auto& roleName : roles) {
    if (framework.roles.contains(roleName)) continue;
    trackRole(framework, roleName);
    framework.roles[roleName].suppressed = std::find(suppressedRoles.begin(), suppressedRoles.end(),
                                                     roleName) != suppressedRoles.end();
  }
  return success();
}

Result<void> Allocator::updateFramework(const std::string& frameworkId,
                                        const std::vector<std::string>& roles,
                                        const std::vector<std::string>& suppressedRoles) {
  auto found = frameworks_.find(frameworkId);
  if (found == frameworks_.end()) return Error("unknown framework " + frameworkId);
  if (roles.empty()) return Error("framework " + frameworkId + " has no role");
  for (const auto& role : roles) {
    if (auto valid = validateRole(role); !valid) return valid.error().wrap("role " + role);
  }
  const std::set<std::string> newRoles(roles.begin(), roles.end());
  const std::set<std::string> suppressed(suppressedRoles.begin(), suppressedRoles.end());
  for (const auto& role : suppressed) {
    if (!newRoles.contains(role)) {
      return Error("suppressed role " + role + " is not one of the framework's roles");
    }
  }

  Framework& framework = found->second;
  std::vector<std::string> left;
  for (auto& [roleName, standing] : framework.roles)
    if (!newRoles.contains(roleName)) left.push_back(roleName);
  for (const auto& roleName : left) {
    FrameworkRole& standing = framework.roles.at(roleName);
    standing.subscribed = false;
    standing.suppressed = false;
    clearFilters(framework, roleName);
    untrackIfIdle(framework, roleName);
  }
  for (const auto& roleName : newRoles) {
    if (!framework.roles.contains(roleName)) trackRole(framework, roleName);
    FrameworkRole& standing = framework.roles.at(roleName);
    standing.subscribed = true;
    const bool wanted = suppressed.contains(roleName);
    if (standing.suppressed && !wanted) clearFilters(framework, roleName);  // a revive
    standing.suppressed = wanted;
  }
  return success();
}

bool Allocator::subscribedTo(const Framework& framework, const std::string& role) {
  auto found = framework.roles.find(role);
  return found != framework.roles.end() && found->second.subscribed;
}

void Allocator::trackRole(Framework& framework, const std::string& roleName) {
  framework.roles[roleName];
  Role& role = roles_[roleName];
  role.id = roleName;
  ++role.frameworkCount;
}

void Allocator::untrackIfIdle(Framework& framework, const std::string& roleName) {
  auto standing = framework.roles.find(roleName);
  if (standing == framework.roles.end() || standing->second.subscribed) return;
  for (const auto& [agentId, agent] : agents_)
    if (agent.allocations.contains({framework.id, roleName})) return;
  auto role = roles_.find(roleName);
  if (role != roles_.end()) {
    role->second.frameworks.erase({standing->second.share, &framework});
    if (--role->second.frameworkCount == 0) roles_.erase(role);
  }
  framework.roles.erase(standing);
}

void Allocator::clearFilters(Framework& framework, const std::string& role) {
  for (auto it = framework.filtersByAgent.begin(); it != framework.filtersByAgent.end();) {
    std::erase_if(it->second, [&](const Filter& filter) { return filter.role == role; });
    it = it->second.empty() ? framework.filtersByAgent.erase(it) : std::next(it);
  }
}

Result<void> Allocator::removeFramework(const std::string& frameworkId) {
  auto found = frameworks_.find(frameworkId);
  if (found == frameworks_.end()) return Error("unknown framework " + frameworkId);
  Framework& framework = found->second;

  for (auto& [agentId, agent] : agents_) {
    for (const auto& [roleName, standing] : framework.roles) {
      auto allocation = agent.allocations.find({frameworkId, roleName});
      if (allocation == agent.allocations.end()) continue;
      const Resources resources = allocation->second;
      releaseAllocation(agent, frameworkId, roleName, resources);
    }
  }
  for (const auto& [roleName, standing] : framework.roles) {
    auto role = roles_.find(roleName);
    if (role == roles_.end()) continue;
    role->second.frameworks.erase({standing.share, &framework});
    if (--role->second.frameworkCount == 0) roles_.erase(role);
  }
  frameworks_.erase(found);
  return success();
}

Result<void> Allocator::activateFramework(const std::string& frameworkId) {
  auto found = frameworks_.find(frameworkId);
  if (found == frameworks_.end()) return Error("unknown framework " + frameworkId);
  found->second.active = true;
  return success();
}

Result<void> Allocator::deactivateFramework(const std::string& frameworkId) {
  auto found = frameworks_.find(frameworkId);
  if (found == frameworks_.end()) return Error("unknown framework " + frameworkId);
  found->second.active = false;
  return success();
}

Result<void> Allocator::claim(const std::string& frameworkId, const std::string& roleName,
                              const std::string& agentId, const Resources& resources) {
  auto agent = agents_.find(agentId);
  if (agent == agents_.end()) return Error("unknown agent " + agentId);
  auto framework = frameworks_.find(frameworkId);
  if (framework == frameworks_.end()) return Error("unknown framework " + frameworkId);
  if (auto valid = validateRole(roleName); !valid) return valid.error().wrap("role " + roleName);
  if (!agent->second.free.contains(resources)) {
    return Error("agent " + agentId + " has not " + resources.toString() + " free");
  }
  // A task in a role its framework has left (UPDATE_FRAMEWORK) still holds its
  // resources: the role is tracked, never offered, until they are recovered (as Mesos).
  if (!framework->second.roles.contains(roleName)) {
    trackRole(framework->second, roleName);
    framework->second.roles.at(roleName).subscribed = false;
  }
  addAllocation(agent->second, framework->second, roles_.at(roleName), resources);
  return success();
}

void Allocator::setWeights(const std::map<std::string, double>& weights) {
  weights_ = weights;
}

Result<void> Allocator::recoverResources(const std::string& frameworkId, const std::string& role,
                                         const std::string& agentId, const Resources& resources,
                                         std::optional<TimePoint> refuseUntil) {
  // A removed agent or framework already gave everything back: nothing to do, as in Mesos.
  auto agent = agents_.find(agentId);
  if (agent == agents_.end()) return success();
  releaseAllocation(agent->second, frameworkId, role, resources);

  auto framework = frameworks_.find(frameworkId);
  if (framework == frameworks_.end()) return success();
  if (refuseUntil && subscribedTo(framework->second, role)) {
    framework->second.filtersByAgent[agentId].push_back(
        Filter{.role = role, .refused = resources, .expiry = *refuseUntil});
  }
  untrackIfIdle(framework->second, role);  // the last of a role the framework left
  return success();
}

Result<void> Allocator::revive(const std::string& frameworkId, std::optional<std::string> role) {
  auto found = frameworks_.find(frameworkId);
  if (found == frameworks_.end()) return Error("unknown framework " + frameworkId);
  Framework& framework = found->second;
  if (role && !subscribedTo(framework, *role)) {
    return Error("role " + *role + " is not one of framework " + frameworkId + "'s roles");
  }

  for (auto& [roleName, standing] : framework.roles) {
    if (!role || roleName == *role) standing.suppressed = false;
  }
  if (!role) {
    framework.filtersByAgent.clear();
    return success();
  }
  clearFilters(framework, *role);
  return success();
}

Result<void> Allocator::suppress(const std::string& frameworkId,
                                 const std::vector<std::string>& roles) {
  auto found = frameworks_.find(frameworkId);
  if (found == frameworks_.end()) return Error("unknown framework " + frameworkId);
  Framework& framework = found->second;
  for (const auto& role : roles) {
    if (!subscribedTo(framework, role)) {
      return Error("role " + role + " is not one of framework " + frameworkId + "'s roles");
    }
  }
  for (auto& [roleName, standing] : framework.roles) {
    if (roles.empty() || std::find(roles.begin(), roles.end(), roleName) != roles.end()) {
      standing.suppressed = true;
    }
  }
  return success();
}

Resources Allocator::available(const std::string& agentId) const {
  auto found = agents_.find(agentId);
  return found == agents_.end() ? Resources() : found->second.free;
}

ScalarTotals Allocator::allocated(const std::string& frameworkId) const {
  ScalarTotals totals;
  auto found = frameworks_.find(frameworkId);
  if (found == frameworks_.end()) return totals;
  for (const auto& [roleName, standing] : found->second.roles)
    totals += standing.allocated;
  return totals;
}

double Allocator::weightOf(const std::string& role) const {
  auto found = weights_.find(role);
  return found == weights_.end() || found->second <= 0 ? 1.0 : found->second;
}

double Allocator::roleShare(const Role& role) const {
  return role.allocated.dominantShare(clusterTotal_) / weightOf(role.id);
}

void Allocator::resort() {
  // The cluster total may have changed since the last cycle, which moves every share.
  for (auto& [roleName, role] : roles_) {
    role.frameworks.clear();
    role.share = roleShare(role);
  }
  for (auto& [frameworkId, framework] : frameworks_) {
    for (auto& [roleName, standing] : framework.roles) {
      standing.share = standing.allocated.dominantShare(clusterTotal_);
      roles_.at(roleName).frameworks.insert({standing.share, &framework});
    }
  }
}

void Allocator::addAllocation(Agent& agent, Framework& framework, Role& role,
                              const Resources& resources) {
  const ScalarTotals scalars = ScalarTotals::of(resources);
  agent.free -= resources;
  agent.allocations[{framework.id, role.id}] += resources;
  framework.roles.at(role.id).allocated += scalars;
  role.allocated += scalars;
}

void Allocator::releaseAllocation(Agent& agent, const std::string& frameworkId,
                                  const std::string& role, const Resources& resources) {
  auto allocation = agent.allocations.find({frameworkId, role});
  if (allocation == agent.allocations.end()) return;
  // Only what was allocated comes back, whatever the caller claims.
  const Resources before = allocation->second;
  allocation->second -= resources;
  const Resources returned = before - allocation->second;
  if (allocation->second.empty()) agent.allocations.erase(allocation);
  agent.free += returned;

  const ScalarTotals scalars = ScalarTotals::of(returned);
  if (auto framework = frameworks_.find(frameworkId); framework != frameworks_.end()) {
    if (auto standing = framework->second.roles.find(role);
        standing != framework->second.roles.end()) {
      standing->second.allocated -= scalars;
    }
  }
  if (auto found = roles_.find(role); found != roles_.end()) found->second.allocated -= scalars;
}

bool Allocator::isFiltered(Framework& framework, const std::string& role,
                           const std::string& agentId, const Resources& offered, TimePoint now) {
  if (framework.filtersByAgent.empty()) return false;
  auto found = framework.filtersByAgent.find(agentId);
  if (found == framework.filtersByAgent.end()) return false;
  std::vector<Filter>& filters = found->second;
  std::erase_if(filters, [now](const Filter& filter) { return now >= filter.expiry; });
  const bool filtered = std::any_of(filters.begin(), filters.end(), [&](const Filter& filter) {
    return filter.role == role && filter.refused.contains(offered);
  });
  if (filters.empty()) framework.filtersByAgent.erase(found);
  return filtered;
}

std::vector<Offer> Allocator::allocate(TimePoint now) {
  resort();
  if (agentOrderStale_) {
    agentOrder_.clear();
    agentOrder_.reserve(agents_.size());
    for (auto& [agentId, agent] : agents_)
      agentOrder_.push_back(&agent);
    // unordered_map order depends on the library; sort so a seed means the same order.
    std::sort(agentOrder_.begin(), agentOrder_.end(),
              [](const Agent* left, const Agent* right) { return left->id < right->id; });
    agentOrderStale_ = false;
  }
  // Shuffled, as Mesos does, so no agent is always first in line.
  std::shuffle(agentOrder_.begin(), agentOrder_.end(), random_);

  std::set<std::pair<double, Role*>, ByShare<Role>> roleOrder;
  for (auto& [roleName, role] : roles_)
    roleOrder.insert({role.share, &role});

  std::vector<Offer> offers;
  std::vector<Role*> rolesInOrder;
  for (Agent* agent : agentOrder_) {
    if (agent->free.empty()) continue;
    // A snapshot: shares change (and the set with them) as this agent is handed out.
    rolesInOrder.clear();
    for (const auto& [share, role] : roleOrder)
      rolesInOrder.push_back(role);

    for (Role* role : rolesInOrder) {
      if (agent->free.empty()) break;
      Resources offered = agent->free.allocatableTo(role->id);
      if (offered.empty()) continue;

      Framework* chosen = nullptr;
      for (const auto& [share, framework] : role->frameworks) {
        if (!framework->active) continue;
        const FrameworkRole& standing = framework->roles.at(role->id);
        if (standing.suppressed || !standing.subscribed) continue;
        if (isFiltered(*framework, role->id, agent->id, offered, now)) continue;
        chosen = framework;
        break;
      }
      if (chosen == nullptr) continue;

      FrameworkRole& standing = chosen->roles.at(role->id);
      role->frameworks.erase({standing.share, chosen});
      roleOrder.erase({role->share, role});
      addAllocation(*agent, *chosen, *role, offered);
      standing.share = standing.allocated.dominantShare(clusterTotal_);
      role->share = roleShare(*role);
      role->frameworks.insert({standing.share, chosen});
      roleOrder.insert({role->share, role});

      offers.push_back(Offer{.frameworkId = chosen->id,
                             .role = role->id,
                             .agentId = agent->id,
                             .resources = std::move(offered)});
    }
  }
  return offers;
}

}  // namespace mesolite::master
