// The legacy state endpoints (/master/state, /master/state-summary, /master/frameworks,
// /master/slaves, /master/tasks, /master/roles) answered from a snapshot. Writing the JSON
// of a large cluster takes long enough to stall the master's one event loop (every other
// client, /health included, would wait), so the loop only copies what the JSON shows
// (StateSnapshot::take) and a worker thread writes the JSON from the copy (render).
#pragma once

#include <google/protobuf/arena.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "master-lite/master.h"

namespace mesolite::master {

class StateSnapshot {
 public:
  // A task as the JSON shows it; the messages live in the snapshot's arena, so a copy
  // costs no allocation of its own (the copy is what the loop waits for).
  struct Task {
    const mesos::v1::Task& info;
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& accounted;
    bool unreachable = false;
    bool resourcesRecovered = false;
    Resources resources() const;  // Master::Task::resources
  };
  // Master::Agent without its stream, with the tasks above.
  struct Agent {
    std::string id;
    mesos::v1::AgentInfo info;
    Resources total;
    std::string version;
    std::string pidText;
    std::vector<mesos::v1::AgentInfo::Capability> capabilities;
    double registeredTime = 0;
    double reregisteredTime = 0;
    bool reachable = true;
    std::map<std::pair<std::string, std::string>, Task> tasks;
    std::set<std::string> offers;
    const std::string& pid() const { return pidText; }
  };
  // What a framework's JSON shows; Master::Framework holds a stream and a timer.
  struct Framework {
    std::string id;
    mesos::v1::FrameworkInfo info;
    bool active = false;
    bool connected = false;
    double registeredTime = 0;
    double reregisteredTime = 0;
    double unregisteredTime = 0;
    std::map<std::string, std::string> tasks;
    std::set<std::string> offers;
    std::deque<mesos::v1::Task> completedTasks;
  };

  // On the event loop: copies what `which` shows (streams left out).
  static std::unique_ptr<StateSnapshot> take(const Master& master, const std::string& which);

  // On any thread: the JSON text of `which`, byte for byte what Mesos's layout gives.
  // `query` holds /master/tasks's limit, offset and order; an error is a 400's message.
  // `filter` (the caller's view: state_views.h) leaves out what the caller may not see.
  Result<std::string> render(const std::string& which,
                             const std::map<std::string, std::string>& query,
                             const std::function<void(nlohmann::json&)>& filter = {}) const;

 private:
  Resources usedResources(const Agent& agent) const;

  google::protobuf::Arena arena_;  // first: destroyed after what points into it
  std::map<std::string, Agent> agents_;
  std::vector<Framework> frameworks_;
  std::vector<Framework> completedFrameworks_;
  std::map<std::string, Master::OfferEntry> offers_;
  mesos::v1::MasterInfo info_;
  double startTime_ = 0;
  double electedTime_ = 0;
  std::vector<mesos::v1::AgentInfo> recoveredAgents_;  // of the registry, not yet back
  std::map<std::string, std::string> flagValues_;
  std::optional<std::string> cluster_;
  mesos::v1::master::Response::GetRoles roles_;  // for "roles" only
};

}  // namespace mesolite::master
