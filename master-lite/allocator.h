// The master's allocator: hierarchical DRF (simplified from Mesos's
// HierarchicalDRFAllocator) as a pure, single-threaded library. Time is passed in by the
// caller, so tests are deterministic and the master decides when a cycle runs.
//
// One cycle (allocate): agents are visited in a shuffled order; for each agent, roles in
// ascending weighted dominant share, and within a role frameworks in ascending dominant
// share; the first framework that may take the agent's resources allocatable to the role
// gets all of them. Shares are updated as the cycle goes, so the next agent goes to
// whoever is now furthest behind. Resources stay allocated until recoverResources().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/resources.h"
#include "common/result.h"

namespace mesolite::master {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Offer {
  std::string frameworkId;
  std::string role;
  std::string agentId;
  Resources resources;
};

// The scalar quantities DRF compares, cached per agent, role and framework so the hot
// loop adds doubles instead of walking Resources.
struct ScalarTotals {
  double cpus = 0;
  double mem = 0;
  double disk = 0;
  double gpus = 0;

  static ScalarTotals of(const Resources& resources);
  ScalarTotals& operator+=(const ScalarTotals& that);
  ScalarTotals& operator-=(const ScalarTotals& that);
  // The largest fraction of `total` this holds, over the kinds the cluster has.
  double dominantShare(const ScalarTotals& total) const;
};

class Allocator {
 public:
  // `seed` drives the agent shuffle of each cycle: the same seed gives the same offers.
  explicit Allocator(uint64_t seed = 0) : random_(seed) {}

  Result<void> addAgent(const std::string& agentId, const Resources& total);
  Result<void> removeAgent(const std::string& agentId);
  // The agent's total changed (e.g. re-registration with other resources): what is free
  // becomes the new total less what is still allocated on it.
  Result<void> updateAgent(const std::string& agentId, const Resources& total);

  Result<void> addFramework(const std::string& frameworkId, const std::vector<std::string>& roles,
                            const std::vector<std::string>& suppressedRoles = {});
  // Everything allocated to the framework returns to its agents.
  Result<void> removeFramework(const std::string& frameworkId);
  // UPDATE_FRAMEWORK (or a SUBSCRIBE that fails over with other roles): the framework's
  // roles become `roles` and exactly `suppressedRoles` of them are suppressed. A role
  // left stops getting offers and loses its filters; its allocations stay tracked until
  // they are recovered, as in Mesos. A suppressed role that is no longer suppressed is
  // revived (its filters cleared).
  Result<void> updateFramework(const std::string& frameworkId,
                               const std::vector<std::string>& roles,
                               const std::vector<std::string>& suppressedRoles = {});
  Result<void> activateFramework(const std::string& frameworkId);
  Result<void> deactivateFramework(const std::string& frameworkId);

  // Marks resources as allocated that are in use already: the tasks an agent reports
  // when it registers again. The framework must be known; a `role` it is not in (one it
  // left) is tracked without offers until the resources are recovered.
  Result<void> claim(const std::string& frameworkId, const std::string& role,
                     const std::string& agentId, const Resources& resources);

  // --weights: role -> weight (default 1). A role's share is divided by its weight.
  void setWeights(const std::map<std::string, double>& weights);

  // Resources allocated to `frameworkId` in `role` on `agentId` come back: a declined or
  // expired offer, or the resources of a task that reached a terminal state. With
  // `refuseUntil`, the framework is not offered these resources of that agent in that role
  // again before that time (refuse_seconds of DECLINE; Mesos's filter: an offer that
  // holds more than the refused resources still goes out).
  Result<void> recoverResources(const std::string& frameworkId, const std::string& role,
                                const std::string& agentId, const Resources& resources,
                                std::optional<TimePoint> refuseUntil = std::nullopt);

  // REVIVE: clears the framework's filters and unsuppresses, for one role or all of them.
  Result<void> revive(const std::string& frameworkId,
                      std::optional<std::string> role = std::nullopt);
  // SUPPRESS: no offers in these roles (all of the framework's roles when empty).
  Result<void> suppress(const std::string& frameworkId, const std::vector<std::string>& roles = {});

  // One allocation cycle at time `now` (filters whose time has passed are gone).
  std::vector<Offer> allocate(TimePoint now);

  // What is not allocated on the agent, empty for an unknown agent.
  Resources available(const std::string& agentId) const;
  // Scalars allocated to the framework over all its roles and agents.
  ScalarTotals allocated(const std::string& frameworkId) const;

 private:
  struct Role;
  struct Framework;

  struct Agent {
    std::string id;
    Resources total;
    Resources free;
    // Keyed by (frameworkId, role): what recoverResources gives back.
    std::map<std::pair<std::string, std::string>, Resources> allocations;
  };

  struct Filter {
    std::string role;
    Resources refused;
    TimePoint expiry;
  };

  // One framework's standing in one of its roles.
  struct FrameworkRole {
    ScalarTotals allocated;
    bool suppressed = false;
    // False for a role the framework left while resources were still allocated to it:
    // tracked for their recovery, never offered.
    bool subscribed = true;
    double share = 0;  // as last sorted; the key of Role::frameworks
  };

  struct Framework {
    std::string id;
    bool active = true;
    std::map<std::string, FrameworkRole> roles;
    std::unordered_map<std::string, std::vector<Filter>> filtersByAgent;
  };

  // Ascending share; ties broken by id so a cycle is reproducible.
  template <typename T>
  struct ByShare {
    bool operator()(const std::pair<double, T*>& left, const std::pair<double, T*>& right) const {
      if (left.first != right.first) return left.first < right.first;
      return left.second->id < right.second->id;
    }
  };

  struct Role {
    std::string id;
    ScalarTotals allocated;
    double share = 0;           // weighted, as last sorted; the key of the cycle's role order
    size_t frameworkCount = 0;  // the role goes away with its last framework
    std::set<std::pair<double, Framework*>, ByShare<Framework>> frameworks;
  };

  static bool subscribedTo(const Framework& framework, const std::string& role);
  // Creates the framework's standing in `role` (and the role, if new).
  void trackRole(Framework& framework, const std::string& role);
  // Forgets a role the framework left once nothing is allocated to it there.
  void untrackIfIdle(Framework& framework, const std::string& role);
  static void clearFilters(Framework& framework, const std::string& role);
  double weightOf(const std::string& role) const;
  double roleShare(const Role& role) const;
  // Recomputes every share against the current cluster total and rebuilds the orders.
  void resort();
  void addAllocation(Agent& agent, Framework& framework, Role& role, const Resources& resources);
  // Takes `resources` (what of them is allocated) back from framework/role on the agent.
  void releaseAllocation(Agent& agent, const std::string& frameworkId, const std::string& role,
                         const Resources& resources);
  bool isFiltered(Framework& framework, const std::string& role, const std::string& agentId,
                  const Resources& offered, TimePoint now);

  std::unordered_map<std::string, Agent> agents_;
  std::unordered_map<std::string, Framework> frameworks_;
  std::map<std::string, Role> roles_;
  std::map<std::string, double> weights_;
  ScalarTotals clusterTotal_;

  std::vector<Agent*> agentOrder_;  // rebuilt when agents come or go
  bool agentOrderStale_ = true;
  std::mt19937_64 random_;
};

}  // namespace mesolite::master
