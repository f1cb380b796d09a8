// The master: agents, frameworks, tasks and offers, on the process's one io_context.
//
// It speaks three HTTP APIs, each in its own file:
//   scheduler_api.cc  POST /api/v1/scheduler  (Mesos v1 Scheduler API; UPDATE_FRAMEWORK
//                     in framework_update.cc)
//   agent_api.cc      POST /api/v1/agent      (Mesolite's agent protocol, internal.proto)
//   operator_api.cc   POST /api/v1 and the legacy JSON endpoints (state_json.cc)
// and this file keeps the state they share and the rules that change it: offers from the
// allocator every --allocation_interval, tasks from ACCEPT to their terminal
// acknowledgement, pings that find unreachable agents, framework failover.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/api_codec.h"
#include "common/authorizer.h"
#include "common/http_server.h"
#include "common/resources.h"
#include "common/task_state.h"
#include "common/virtual_files.h"
#include "master-lite/allocator.h"
#include "master-lite/master_flags.h"
#include "master-lite/registrar.h"
#include "mesolite/internal.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesolite::master {

class OffLoop;

// Counters behind /metrics/snapshot that are not read off the current state.
struct MasterCounters {
  uint64_t agentRegistrations = 0;
  uint64_t agentReregistrations = 0;
  uint64_t agentsUnreachable = 0;
  uint64_t recoveryAgentRemovals = 0;  // registry agents that did not re-register in time
  uint64_t frameworkSubscriptions = 0;
  uint64_t offersSent = 0;
  uint64_t offersDeclined = 0;
  uint64_t offersRescinded = 0;
  uint64_t offersAccepted = 0;
  uint64_t operationsDropped = 0;  // offer operations not carried out (OPERATION_ERROR)
  uint64_t statusUpdates = 0;
  uint64_t invalidStatusUpdates = 0;
  uint64_t acknowledgements = 0;
  uint64_t callsByType[32] = {};
  std::map<mesos::v1::TaskState, uint64_t> terminalTasks;  // tasks that ended, by state
  uint64_t allocationRuns = 0;
  double lastAllocationMs = 0;
};

class Master {
 public:
  struct Options {
    std::string listenIp;  // the address agents and schedulers are told about
    uint32_t port = 5050;
    uint64_t seed = 0;  // the allocator's shuffle
    // The --acls; SUBSCRIBE, ACCEPT, TEARDOWN and the state's views ask it.
    std::shared_ptr<const Authorizer> authorizer = std::make_shared<Authorizer>();
    // Where the registry is stored; null with --registry=in_memory.
    std::unique_ptr<RegistryStore> registry;
    // The master cannot go on leading (its registry cannot be stored): the owner steps it
    // down (with --zk) or ends the process.
    std::function<void(const std::string& why)> abdicate;
  };

  Master(boost::asio::io_context& io, const MasterFlags& flags, Options options);
  ~Master();

  // Starts the allocation, ping, heartbeat and offer-timeout timers.
  void start();
  // Routes every endpoint of the master on `server`.
  void addEndpoints(http::Server& server);

  // --- state, read by the operator API and the JSON endpoints ---------------------------

  struct Task {
    mesos::v1::Task info;  // state, statuses, resources (with allocation_info)
    std::string role;
    Resources resources;
    bool resourcesRecovered = false;          // went back to the allocator at a terminal state
    std::optional<std::string> terminalUuid;  // the terminal update awaiting its ack
    // The agent's update in flight (its queue's head), until acknowledged: a framework
    // that subscribes again gets it at once rather than at the agent's next retry.
    std::optional<mesos::v1::TaskStatus> unacknowledged;
    bool unreachable = false;
  };

  struct Framework {
    std::string id;
    mesos::v1::FrameworkInfo info;
    bool active = false;
    bool connected = false;
    bool partitionAware = false;
    bool killingState = false;  // TASK_KILLING_STATE
    // Known from the registry or a re-registering agent, not yet subscribed to this
    // master: no failover timer runs until it subscribes and disconnects (as in Mesos).
    bool recovered = false;
    double registeredTime = 0;
    double reregisteredTime = 0;
    double unregisteredTime = 0;
    // The subscription: event stream and what it is written in.
    std::shared_ptr<http::ResponseStream> stream;
    std::string streamId;
    api::ContentType contentType = api::ContentType::kJson;
    std::unique_ptr<boost::asio::steady_timer> failoverTimer;
    // task id -> agent id of the framework's live tasks; the tasks live in their agent.
    std::map<std::string, std::string> tasks;
    std::set<std::string> offers;
    std::deque<mesos::v1::Task> completedTasks;
  };

  struct Agent {
    std::string id;
    mesos::v1::AgentInfo info;  // id set
    Resources total;
    std::string version;
    std::string ip;  // where its SUBSCRIBE came from, as Mesos's agent pids name it
    std::vector<mesos::v1::AgentInfo::Capability> capabilities;
    double registeredTime = 0;
    double reregisteredTime = 0;
    bool reachable = true;
    double unreachableTime = 0;
    std::shared_ptr<http::ResponseStream> stream;
    std::string streamId;
    uint64_t pingSequence = 0;
    bool awaitingPong = false;
    uint32_t missedPings = 0;
    // (framework id, task id) -> task.
    std::map<std::pair<std::string, std::string>, Task> tasks;
    std::set<std::string> offers;
    std::string pid() const;  // "slave(1)@ip:port", as Mesos names agents
  };

  struct OfferEntry {
    mesos::v1::Offer offer;
    std::string role;
    Resources resources;  // with allocation_info
    TimePoint created;
  };

  const std::map<std::string, Agent>& agents() const { return agents_; }
  const std::map<std::string, Framework>& frameworks() const { return frameworks_; }
  const std::deque<Framework>& completedFrameworks() const { return completedFrameworks_; }
  const std::map<std::string, OfferEntry>& offers() const { return offers_; }
  const MasterCounters& counters() const { return counters_; }
  const MasterFlags& flags() const { return flags_; }
  const mesos::v1::MasterInfo& info() const { return info_; }
  double startTime() const { return startTime_; }
  const std::map<std::string, double>& weights() const { return weights_; }
  // What the agent's tasks hold until they end (allocated to their roles).
  Resources usedResources(const Agent& agent) const;

  // --- leadership (leadership.cc) ----------------------------------------------------------

  // This master leads now (elected in ZooKeeper, or started without --zk): it reads the
  // registry, then serves. `done` gets the error of a registry that cannot be read.
  void elect(std::function<void(Result<void>)> done);
  // Stops leading at once: every stream closes and everything is forgotten but the
  // flags; agents and tasks keep running, and the next term has a new master id.
  void stepDown(const std::string& why);
  // The leader as the contender sees it: where a master that does not lead redirects.
  void setLeader(const std::optional<mesos::v1::MasterInfo>& leader);
  bool elected() const { return elected_; }
  // The registry's store when it comes after the master (ZooKeeper's, through the
  // contender's session); before the first election.
  void useRegistryStore(std::unique_ptr<RegistryStore> store) {
    registrar_->setStore(std::move(store));
  }
  double electedTime() const { return electedTime_; }
  // Agents of the registry that have not re-registered since this master was elected.
  const std::map<std::string, mesos::v1::AgentInfo>& recoveredAgents() const {
    return recoveredAgents_;
  }
  const Registrar& registrar() const { return *registrar_; }

  // --- what the APIs do ------------------------------------------------------------------

  // TEARDOWN (scheduler or operator): kills the framework's tasks and forgets it.
  // Returns false when no such framework is known.
  bool teardownFramework(const std::string& frameworkId, const std::string& why);

 private:
  // scheduler_api.cc
  void serveScheduler(http::Request&& request, http::Responder responder);
  void dispatchSchedulerCall(const mesos::v1::scheduler::Call& call, api::CallTypes types,
                             http::Request&& request, http::Responder responder);
  // rate_limiting.cc: --rate_limits. True when the call was answered 429 or will be
  // dispatched later; false when it may run now.
  bool throttleSchedulerCall(mesos::v1::scheduler::Call& call, api::CallTypes types,
                             http::Request& request, http::Responder& responder);
  std::string callPrincipal(const mesos::v1::scheduler::Call& call) const;
  void subscribeFramework(const mesos::v1::scheduler::Call& call, api::CallTypes types,
                          const http::Request& request, http::Responder responder);
  std::optional<http::Response> handleSchedulerCall(Framework& framework,
                                                    const mesos::v1::scheduler::Call& call);
  void accept(Framework& framework, const mesos::v1::scheduler::Call::Accept& accept);
  void dropOperation(Framework& framework, const mesos::v1::Offer::Operation& operation,
                     const std::string& message);
  void decline(Framework& framework, const google::protobuf::RepeatedPtrField<mesos::v1::OfferID>&,
               const mesos::v1::Filters& filters);
  void kill(Framework& framework, const mesos::v1::scheduler::Call::Kill& kill);
  void acknowledge(Framework& framework, const mesos::v1::scheduler::Call::Acknowledge& ack);
  void reconcile(Framework& framework, const mesos::v1::scheduler::Call::Reconcile& reconcile);

  // framework_update.cc: UPDATE_FRAMEWORK. Answers 200 when applied, else 400 or 501
  // naming the field; nothing is changed unless all of the call is valid.
  http::Response updateFramework(Framework& framework,
                                 const mesos::v1::scheduler::Call::UpdateFramework& update);
  // Event::FAILURE to every connected framework: the agent is gone (Mesos's LostSlaveMessage).
  void sendAgentLost(const Agent& agent);

  // agent_api.cc
  void serveAgent(http::Request&& request, http::Responder responder);
  void subscribeAgent(const internal::AgentCall& call, const http::Request& request,
                      http::Responder responder);
  void statusUpdate(Agent& agent, const internal::StatusUpdate& update);

  // operator_api.cc
  void serveOperator(http::Request&& request, http::Responder responder);
  void serveTeardown(http::Request&& request, http::Responder responder);
  std::optional<http::Response> updateWeights(const mesos::v1::master::Call& call,
                                              const std::optional<std::string>& principal);
  // teardown_frameworks: a 403 when `principal` may not tear the framework down.
  std::optional<http::Response> checkTeardown(const std::optional<std::string>& principal,
                                              const std::string& frameworkId) const;

  // state_json.cc
  void serveStateJson(const std::string& which, http::Request&& request, http::Responder responder);
  // state_serving.cc: large answers computed off the event loop (off_loop.h).
  void serveSnapshot(const std::string& which, http::Request&& request, http::Responder responder);
  void respondOffLoop(mesos::v1::master::Response response, api::ContentType type,
                      http::Responder responder);
  OffLoop& offLoop();

 public:
  // Operator API answers built from the state (state_json.cc); public for the operator
  // SUBSCRIBE snapshot and tests.
  mesos::v1::master::Response::GetState getState() const;
  mesos::v1::master::Response::GetAgents getAgents() const;
  mesos::v1::master::Response::GetFrameworks getFrameworks() const;
  mesos::v1::master::Response::GetTasks getTasks() const;
  mesos::v1::master::Response::GetRoles getRoles() const;
  std::map<std::string, double> metrics() const;

 private:
  // --- leadership (leadership.cc) ----------------------------------------------------------
  void lead(const internal::Registry& registry);
  // A framework known from the registry or from an agent's tasks, before it subscribes.
  Framework& recoverFramework(const mesos::v1::FrameworkInfo& info);
  void reregistrationTimedOut();
  void removeNextRecoveredAgent();
  void pruneRegistry();
  // Handlers of the leader's endpoints: a master that does not lead redirects (307).
  http::Handler leaderOnly(http::Handler handler);
  void redirect(const http::Request& request, http::Responder responder);

  // --- the rules (master.cc) -------------------------------------------------------------
  void allocationTick();
  void pingTick();
  void heartbeatTick();
  void runAllocation();
  // Runs an allocation cycle on the next turn of the event loop (once, however often it
  // is asked): a new framework or agent need not wait for --allocation_interval.
  void allocateSoon();
  void rescindOffer(const std::string& offerId, bool tellFramework);
  // The offer is gone (accepted, declined, rescinded); returns it.
  std::optional<OfferEntry> takeOffer(const std::string& offerId);
  void markUnreachable(Agent& agent);
  void disconnectFramework(Framework& framework);
  void removeFramework(Framework& framework, const std::string& why);
  // `resources`: the task's, as validateTask() returned them (allocated to `role`).
  void launchTask(Framework& framework, Agent& agent, const std::string& role,
                  mesos::v1::TaskInfo task, Resources resources);
  // Records a new state of a task (from the agent, or made by the master) and
  // gives its resources back once the newest state is terminal.
  void updateTask(Agent& agent, Task& task, const mesos::v1::TaskStatus& status,
                  mesos::v1::TaskState latestState);
  void completeTask(Agent& agent, const std::pair<std::string, std::string>& key);
  void recoverTaskResources(Agent& agent, Task& task);
  // An UPDATE made by the master itself: no uuid, nothing to acknowledge.
  void sendMasterUpdate(Framework& framework, const mesos::v1::TaskID& taskId,
                        const std::optional<std::string>& agentId, mesos::v1::TaskState state,
                        mesos::v1::TaskStatus::Reason reason, const std::string& message);
  void sendToFramework(Framework& framework, const mesos::v1::scheduler::Event& event);
  void sendToAgent(Agent& agent, const internal::AgentEvent& event);
  void publish(const mesos::v1::master::Event& event);  // operator SUBSCRIBE streams

  Framework* findFramework(const std::string& id);
  Agent* findAgent(const std::string& id);
  // The task of a framework, wherever it runs.
  std::pair<Agent*, Task*> findTask(const std::string& frameworkId, const std::string& taskId);

  std::string newId(const char* kind);

  boost::asio::io_context& io_;
  const MasterFlags& flags_;
  // /files and LIST_FILES / READ_FILE: the master's log as /master/log (with --log_dir).
  std::shared_ptr<files::VirtualFiles> files_ = std::make_shared<files::VirtualFiles>();
  Options options_;
  mesos::v1::MasterInfo info_;
  double startTime_ = 0;
  Allocator allocator_;
  std::map<std::string, double> weights_;

  std::map<std::string, Agent> agents_;
  std::map<std::string, Framework> frameworks_;
  std::deque<Framework> completedFrameworks_;
  std::map<std::string, OfferEntry> offers_;
  MasterCounters counters_;
  std::map<std::string, uint64_t> nextIds_;  // by kind: "", "S", "O"

  struct Subscriber {
    std::shared_ptr<http::ResponseStream> stream;
    api::ContentType contentType;
    std::optional<std::string> principal;  // what it may see: view_frameworks, view_tasks
  };
  std::vector<Subscriber> subscribers_;
  bool allocationPending_ = false;

  boost::asio::steady_timer allocationTimer_;
  boost::asio::steady_timer pingTimer_;
  boost::asio::steady_timer heartbeatTimer_;

  std::unique_ptr<Registrar> registrar_;
  bool elected_ = false;
  bool recovering_ = false;  // elected, reading the registry
  double electedTime_ = 0;
  uint64_t term_ = 0;  // counts elections; a callback of an older term is stale
  std::optional<mesos::v1::MasterInfo> leader_;
  std::map<std::string, mesos::v1::AgentInfo> recoveredAgents_;
  std::vector<std::string> removalQueue_;  // recovered agents to mark unreachable
  boost::asio::steady_timer reregisterTimer_;
  boost::asio::steady_timer removalTimer_;
  boost::asio::steady_timer registryGcTimer_;
  std::shared_ptr<struct SchedulerThrottle> throttle_;  // with --rate_limits
  // Last: its workers are joined before anything they might read is destroyed.
  std::shared_ptr<OffLoop> offLoop_;
};

// "role1=2,role2=0.5" (--weights; validated with the flags).
std::map<std::string, double> parseWeights(const std::string& text);

// Seconds since the epoch, as Mesos's timestamps.
double now();

}  // namespace mesolite::master
