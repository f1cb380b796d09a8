#include "master-lite/master.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <random>

#include "common/files_endpoints.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/recordio.h"
#include "common/version.h"
#include "master-lite/agent_proxy.h"
#include "master-lite/agent_proxy_path.h"
#include "master-lite/state_views.h"
#include "master-lite/task_validation.h"

namespace mesolite::master {

namespace asio = boost::asio;
using mesos::v1::TaskState;
using mesos::v1::TaskStatus;
namespace scheduler = mesos::v1::scheduler;

double now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::map<std::string, double> parseWeights(const std::string& text) {
  std::map<std::string, double> weights;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string entry = text.substr(start, comma - start);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) weights[entry.substr(0, eq)] = std::stod(entry.substr(eq + 1));
    start = comma + 1;
  }
  return weights;
}

namespace {

std::chrono::nanoseconds toNanos(const Duration& duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration.value);
}

}  // namespace

std::string Master::Agent::pid() const {
  return "slave(1)@" + (ip.empty() ? info.hostname() : ip) + ":" + std::to_string(info.port());
}

Master::Master(asio::io_context& io, const MasterFlags& flags, Options options)
    : io_(io),
      flags_(flags),
      options_(std::move(options)),
      allocator_(options_.seed),
      allocationTimer_(io),
      pingTimer_(io),
      heartbeatTimer_(io),
      reregisterTimer_(io),
      removalTimer_(io),
      registryGcTimer_(io) {
  startTime_ = now();
  registrar_ = std::make_unique<Registrar>(
      io, std::move(options_.registry),
      RegistrarOptions{.storeTimeout = toNanos(flags_.registry_store_timeout),
                       .fetchTimeout = toNanos(flags_.registry_fetch_timeout),
                       .maxAgentAge = toNanos(flags_.registry_max_agent_age),
                       .maxAgentCount = flags_.registry_max_agent_count},
      [this](const Error& error) {
        log::error("{}", error.message);
        if (options_.abdicate) options_.abdicate(error.message);
      });
  info_.set_id(randomUuid());
  // MasterInfo.ip is the IPv4 address as Mesos packs it (network byte order).
  in_addr address4{};
  info_.set_ip(inet_pton(AF_INET, options_.listenIp.c_str(), &address4) == 1 ? address4.s_addr : 0);
  info_.set_port(options_.port);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  // Mesos: without --hostname, the system's name, or the IP with --no-hostname_lookup.
  info_.set_hostname(
      flags_.hostname.value_or(flags_.hostname_lookup ? std::string(host) : options_.listenIp));
  info_.set_pid("master@" + options_.listenIp + ":" + std::to_string(options_.port));
  info_.set_version(std::string(kMesosApiVersion));
  auto* address = info_.mutable_address();
  address->set_hostname(info_.hostname());
  address->set_ip(options_.listenIp);
  address->set_port(int32_t(options_.port));
  if (flags_.weights) {
    weights_ = parseWeights(*flags_.weights);
    allocator_.setWeights(weights_);
  }
}

Master::~Master() {
  for (auto& [id, framework] : frameworks_)
    if (framework.stream) framework.stream->close();
  for (auto& [id, agent] : agents_)
    if (agent.stream) agent.stream->close();
  for (auto& subscriber : subscribers_)
    subscriber.stream->close();
}

// Mesos's id shapes: frameworks "<master id>-0000", agents "<master id>-S0", offers
// "<master id>-O0", each kind counting on its own.
std::string Master::newId(const char* kind) {
  uint64_t& next = nextIds_[kind];
  if (kind[0] == '\0') {
    char number[32];
    std::snprintf(number, sizeof number, "%04llu", static_cast<unsigned long long>(next++));
    return info_.id() + "-" + number;
  }
  return info_.id() + "-" + kind + std::to_string(next++);
}

Master::Framework* Master::findFramework(const std::string& id) {
  auto found = frameworks_.find(id);
  return found == frameworks_.end() ? nullptr : &found->second;
}

Master::Agent* Master::findAgent(const std::string& id) {
  auto found = agents_.find(id);
  return found == agents_.end() ? nullptr : &found->second;
}

std::pair<Master::Agent*, Master::Task*> Master::findTask(const std::string& frameworkId,
                                                          const std::string& taskId) {
  Framework* framework = findFramework(frameworkId);
  if (!framework) return {nullptr, nullptr};
  auto entry = framework->tasks.find(taskId);
  if (entry == framework->tasks.end()) return {nullptr, nullptr};
  Agent* agent = findAgent(entry->second);
  if (!agent) return {nullptr, nullptr};
  auto task = agent->tasks.find({frameworkId, taskId});
  if (task == agent->tasks.end()) return {nullptr, nullptr};
  return {agent, &task->second};
}

Resources Master::usedResources(const Agent& agent) const {
  Resources used;
  for (const auto& [key, task] : agent.tasks)
    if (!task.resourcesRecovered) used += task.resources;
  return used;
}

// --- timers ------------------------------------------------------------------------------

void Master::start() {
  allocationTick();
  heartbeatTimer_.expires_after(std::chrono::seconds(15));
  heartbeatTimer_.async_wait([this](boost::system::error_code error) {
    if (!error) heartbeatTick();
  });
  pingTimer_.expires_after(toNanos(flags_.agent_ping_timeout));
  pingTimer_.async_wait([this](boost::system::error_code error) {
    if (!error) pingTick();
  });
}

void Master::allocationTick() {
  // Offers older than --offer_timeout go back to the allocator first, so this cycle
  // can hand them to someone else.
  if (flags_.offer_timeout) {
    const TimePoint deadline = Clock::now() - toNanos(*flags_.offer_timeout);
    std::vector<std::string> expired;
    for (const auto& [id, offer] : offers_)
      if (offer.created <= deadline) expired.push_back(id);
    for (const auto& id : expired)
      rescindOffer(id, true);
  }
  runAllocation();
  allocationTimer_.expires_after(toNanos(flags_.allocation_interval));
  allocationTimer_.async_wait([this](boost::system::error_code error) {
    if (!error) allocationTick();
  });
}

void Master::heartbeatTick() {
  scheduler::Event event;
  event.set_type(scheduler::Event::HEARTBEAT);
  for (auto& [id, framework] : frameworks_)
    if (framework.connected) sendToFramework(framework, event);
  mesos::v1::master::Event heartbeat;
  heartbeat.set_type(mesos::v1::master::Event::HEARTBEAT);
  publish(heartbeat);
  heartbeatTimer_.expires_after(std::chrono::seconds(15));
  heartbeatTimer_.async_wait([this](boost::system::error_code error) {
    if (!error) heartbeatTick();
  });
}

void Master::pingTick() {
  std::vector<std::string> lost;
  for (auto& [id, agent] : agents_) {
    if (!agent.reachable) continue;
    if (agent.awaitingPong && ++agent.missedPings >= flags_.max_agent_ping_timeouts) {
      lost.push_back(id);
      continue;
    }
    agent.awaitingPong = true;
    internal::AgentEvent ping;
    ping.set_type(internal::AgentEvent::PING);
    ping.mutable_ping()->set_sequence(++agent.pingSequence);
    sendToAgent(agent, ping);
  }
  for (const auto& id : lost)
    markUnreachable(agents_.at(id));
  pingTimer_.expires_after(toNanos(flags_.agent_ping_timeout));
  pingTimer_.async_wait([this](boost::system::error_code error) {
    if (!error) pingTick();
  });
}

// --- offers ------------------------------------------------------------------------------

void Master::runAllocation() {
  const auto started = Clock::now();
  std::vector<Offer> allocated = allocator_.allocate(started);
  counters_.allocationRuns++;
  counters_.lastAllocationMs =
      std::chrono::duration<double, std::milli>(Clock::now() - started).count();

  std::map<std::string, scheduler::Event> events;
  for (Offer& offer : allocated) {
    Framework* framework = findFramework(offer.frameworkId);
    Agent* agent = findAgent(offer.agentId);
    if (!framework || !framework->connected || !agent || !agent->reachable) {
      (void)allocator_.recoverResources(offer.frameworkId, offer.role, offer.agentId,
                                        offer.resources);
      continue;
    }
    OfferEntry entry;
    entry.role = offer.role;
    entry.resources = allocatedTo(offer.resources, offer.role);
    entry.created = Clock::now();
    mesos::v1::Offer& message = entry.offer;
    message.mutable_id()->set_value(newId("O"));
    message.mutable_framework_id()->set_value(framework->id);
    message.mutable_agent_id()->set_value(agent->id);
    message.set_hostname(agent->info.hostname());
    auto* url = message.mutable_url();
    url->set_scheme("http");
    url->mutable_address()->set_hostname(agent->info.hostname());
    if (!agent->ip.empty()) url->mutable_address()->set_ip(agent->ip);
    url->mutable_address()->set_port(int32_t(agent->info.port()));
    url->set_path("/slave(1)");
    *message.mutable_resources() = entry.resources.toProtos();
    *message.mutable_attributes() = agent->info.attributes();
    message.mutable_allocation_info()->set_role(offer.role);

    auto& event = events[framework->id];
    event.set_type(scheduler::Event::OFFERS);
    *event.mutable_offers()->add_offers() = message;
    framework->offers.insert(message.id().value());
    agent->offers.insert(message.id().value());
    offers_.emplace(message.id().value(), std::move(entry));
    counters_.offersSent++;
  }
  for (auto& [frameworkId, event] : events)
    sendToFramework(frameworks_.at(frameworkId), event);
}

void Master::allocateSoon() {
  if (allocationPending_) return;
  allocationPending_ = true;
  asio::post(io_, [this] {
    allocationPending_ = false;
    runAllocation();
  });
}

std::optional<Master::OfferEntry> Master::takeOffer(const std::string& offerId) {
  auto found = offers_.find(offerId);
  if (found == offers_.end()) return std::nullopt;
  OfferEntry entry = std::move(found->second);
  offers_.erase(found);
  if (Framework* framework = findFramework(entry.offer.framework_id().value()))
    framework->offers.erase(offerId);
  if (Agent* agent = findAgent(entry.offer.agent_id().value())) agent->offers.erase(offerId);
  return entry;
}

void Master::rescindOffer(const std::string& offerId, bool tellFramework) {
  auto entry = takeOffer(offerId);
  if (!entry) return;
  counters_.offersRescinded++;
  (void)allocator_.recoverResources(entry->offer.framework_id().value(), entry->role,
                                    entry->offer.agent_id().value(),
                                    allocatedTo(entry->resources, ""));
  if (!tellFramework) return;
  if (Framework* framework = findFramework(entry->offer.framework_id().value())) {
    scheduler::Event event;
    event.set_type(scheduler::Event::RESCIND);
    *event.mutable_rescind()->mutable_offer_id() = entry->offer.id();
    sendToFramework(*framework, event);
  }
}

// --- agents ------------------------------------------------------------------------------

void Master::markUnreachable(Agent& agent) {
  log::warn("agent {} ({}) is unreachable: {} pings unanswered", agent.id, agent.info.hostname(),
            agent.missedPings);
  counters_.agentsUnreachable++;
  agent.reachable = false;
  agent.unreachableTime = now();
  registrar_->markUnreachable(agent.id, agent.unreachableTime);
  if (agent.stream) agent.stream->close();
  agent.stream.reset();
  agent.streamId.clear();
  std::vector<std::string> offerIds(agent.offers.begin(), agent.offers.end());
  for (const auto& id : offerIds)
    rescindOffer(id, true);
  (void)allocator_.removeAgent(agent.id);

  for (auto& [key, task] : agent.tasks) {
    if (isTerminal(task.info.state())) continue;
    task.unreachable = true;
    task.resourcesRecovered = true;  // they left the allocator with the agent
    Framework* framework = findFramework(key.first);
    const bool aware = framework && framework->partitionAware;
    const TaskState state = aware ? mesos::v1::TASK_UNREACHABLE : mesos::v1::TASK_LOST;
    task.info.set_state(state);
    if (state == mesos::v1::TASK_LOST) counters_.terminalTasks[state]++;
    if (framework) {
      sendMasterUpdate(*framework, task.info.task_id(), agent.id, state,
                       TaskStatus::REASON_AGENT_REMOVED,
                       "Agent " + agent.info.hostname() + " is unreachable");
    }
  }
  sendAgentLost(agent);
  mesos::v1::master::Event event;
  event.set_type(mesos::v1::master::Event::AGENT_REMOVED);
  event.mutable_agent_removed()->mutable_agent_id()->set_value(agent.id);
  publish(event);
}

// Mesos tells every connected framework, whether it ran anything there or not (after
// the updates of the agent's tasks, as Mesos's __removeSlave orders them).
void Master::sendAgentLost(const Agent& agent) {
  scheduler::Event event;
  event.set_type(scheduler::Event::FAILURE);
  event.mutable_failure()->mutable_agent_id()->set_value(agent.id);
  for (auto& [id, framework] : frameworks_)
    if (framework.connected) sendToFramework(framework, event);
}

// --- frameworks --------------------------------------------------------------------------

void Master::disconnectFramework(Framework& framework) {
  if (!framework.connected) return;
  log::info("framework {} ({}) disconnected; failover timeout {}s", framework.id,
            framework.info.name(), framework.info.failover_timeout());
  framework.connected = false;
  framework.active = false;
  framework.stream.reset();
  framework.unregisteredTime = now();
  (void)allocator_.deactivateFramework(framework.id);
  std::vector<std::string> offerIds(framework.offers.begin(), framework.offers.end());
  for (const auto& id : offerIds)
    rescindOffer(id, false);

  const double timeout = std::max(0.0, framework.info.failover_timeout());
  framework.failoverTimer = std::make_unique<asio::steady_timer>(io_);
  framework.failoverTimer->expires_after(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(timeout)));
  const std::string id = framework.id;
  framework.failoverTimer->async_wait([this, id](boost::system::error_code error) {
    if (error) return;
    Framework* found = findFramework(id);
    if (found && !found->connected) removeFramework(*found, "failover timeout elapsed");
  });
}

bool Master::teardownFramework(const std::string& frameworkId, const std::string& why) {
  Framework* framework = findFramework(frameworkId);
  if (!framework) return false;
  removeFramework(*framework, why);
  return true;
}

void Master::removeFramework(Framework& framework, const std::string& why) {
  log::info("removing framework {} ({}): {}", framework.id, framework.info.name(), why);
  std::vector<std::string> offerIds(framework.offers.begin(), framework.offers.end());
  for (const auto& id : offerIds)
    rescindOffer(id, false);

  // The agents stop the framework's tasks; its pending updates die with it.
  std::set<std::string> agentIds;
  for (const auto& [taskId, agentId] : framework.tasks)
    agentIds.insert(agentId);
  for (const auto& agentId : agentIds) {
    Agent* agent = findAgent(agentId);
    if (!agent) continue;
    internal::AgentEvent event;
    event.set_type(internal::AgentEvent::SHUTDOWN_FRAMEWORK);
    event.mutable_shutdown_framework()->mutable_framework_id()->set_value(framework.id);
    sendToAgent(*agent, event);
  }
  auto tasks = framework.tasks;
  for (const auto& [taskId, agentId] : tasks) {
    Agent* agent = findAgent(agentId);
    if (!agent) continue;
    auto key = std::make_pair(framework.id, taskId);
    auto task = agent->tasks.find(key);
    if (task == agent->tasks.end()) continue;
    if (!isTerminal(task->second.info.state())) {
      // As Mesos: the task is implicitly killed, and operator subscribers see it.
      TaskStatus status;
      *status.mutable_task_id() = task->second.info.task_id();
      status.mutable_agent_id()->set_value(agentId);
      status.set_state(mesos::v1::TASK_KILLED);
      status.set_source(TaskStatus::SOURCE_MASTER);
      status.set_reason(TaskStatus::REASON_FRAMEWORK_REMOVED);
      status.set_message("Framework " + framework.id + " removed");
      status.set_timestamp(now());
      updateTask(*agent, task->second, status, mesos::v1::TASK_KILLED);
    }
    recoverTaskResources(*agent, task->second);
    completeTask(*agent, key);
  }
  (void)allocator_.removeFramework(framework.id);
  registrar_->removeFramework(framework.id);

  if (framework.stream) framework.stream->close();
  framework.stream.reset();
  framework.failoverTimer.reset();
  framework.connected = false;
  framework.active = false;
  framework.unregisteredTime = now();

  mesos::v1::master::Event event;
  event.set_type(mesos::v1::master::Event::FRAMEWORK_REMOVED);
  *event.mutable_framework_removed()->mutable_framework_info() = framework.info;
  publish(event);

  completedFrameworks_.push_back(std::move(framework));
  while (completedFrameworks_.size() > flags_.max_completed_frameworks)
    completedFrameworks_.pop_front();
  frameworks_.erase(completedFrameworks_.back().id);
}

// --- tasks -------------------------------------------------------------------------------

void Master::launchTask(Framework& framework, Agent& agent, const std::string& role,
                        mesos::v1::TaskInfo taskInfo, Resources resources) {
  *taskInfo.mutable_resources() = resources.toProtos();
  Task task;
  task.role = role;
  task.resources = std::move(resources);
  mesos::v1::Task& info = task.info;
  info.set_name(taskInfo.name());
  *info.mutable_task_id() = taskInfo.task_id();
  info.mutable_framework_id()->set_value(framework.id);
  info.mutable_agent_id()->set_value(agent.id);
  info.set_state(mesos::v1::TASK_STAGING);
  *info.mutable_resources() = task.resources.toProtos();
  if (taskInfo.has_labels()) *info.mutable_labels() = taskInfo.labels();
  if (taskInfo.has_discovery()) *info.mutable_discovery() = taskInfo.discovery();
  if (taskInfo.has_container()) *info.mutable_container() = taskInfo.container();
  if (taskInfo.has_kill_policy()) *info.mutable_kill_policy() = taskInfo.kill_policy();
  info.set_user(taskInfo.command().has_user() ? taskInfo.command().user() : framework.info.user());

  auto key = std::make_pair(framework.id, taskInfo.task_id().value());
  framework.tasks[taskInfo.task_id().value()] = agent.id;
  agent.tasks[key] = task;

  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::RUN_TASK);
  auto* run = event.mutable_run_task();
  *run->mutable_framework() = framework.info;
  *run->mutable_task() = std::move(taskInfo);
  sendToAgent(agent, event);

  mesos::v1::master::Event added;
  added.set_type(mesos::v1::master::Event::TASK_ADDED);
  *added.mutable_task_added()->mutable_task() = task.info;
  publish(added);
}

void Master::updateTask(Agent& agent, Task& task, const TaskStatus& status, TaskState latest) {
  const bool wasTerminal = isTerminal(task.info.state());
  task.info.set_state(latest);
  task.unreachable = false;
  *task.info.add_statuses() = status;
  // Keep the history short: Mesos keeps every status, but a long-lived task flapping
  // health would grow without bound.
  if (task.info.statuses_size() > 16) task.info.mutable_statuses()->DeleteSubrange(0, 1);
  if (isTerminal(latest)) {
    if (!wasTerminal) counters_.terminalTasks[latest]++;
    recoverTaskResources(agent, task);
  }
  mesos::v1::master::Event event;
  event.set_type(mesos::v1::master::Event::TASK_UPDATED);
  auto* updated = event.mutable_task_updated();
  *updated->mutable_framework_id() = task.info.framework_id();
  *updated->mutable_status() = status;
  updated->set_state(latest);
  publish(event);
}

void Master::recoverTaskResources(Agent& agent, Task& task) {
  if (task.resourcesRecovered) return;
  task.resourcesRecovered = true;
  if (!agent.reachable) return;
  (void)allocator_.recoverResources(task.info.framework_id().value(), task.role, agent.id,
                                    allocatedTo(task.resources, ""));
}

void Master::completeTask(Agent& agent, const std::pair<std::string, std::string>& key) {
  auto found = agent.tasks.find(key);
  if (found == agent.tasks.end()) return;
  recoverTaskResources(agent, found->second);
  Framework* framework = findFramework(key.first);
  if (framework) {
    if (auto entry = framework->tasks.find(key.second);
        entry != framework->tasks.end() && entry->second == agent.id) {
      framework->tasks.erase(entry);
    }
    framework->completedTasks.push_back(found->second.info);
    while (framework->completedTasks.size() > flags_.max_completed_tasks_per_framework)
      framework->completedTasks.pop_front();
  }
  agent.tasks.erase(found);
}

void Master::sendMasterUpdate(Framework& framework, const mesos::v1::TaskID& taskId,
                              const std::optional<std::string>& agentId, TaskState state,
                              TaskStatus::Reason reason, const std::string& message) {
  scheduler::Event event;
  event.set_type(scheduler::Event::UPDATE);
  TaskStatus* status = event.mutable_update()->mutable_status();
  *status->mutable_task_id() = taskId;
  status->set_state(state);
  status->set_source(TaskStatus::SOURCE_MASTER);
  status->set_reason(reason);
  status->set_message(message);
  status->set_timestamp(now());
  if (agentId) status->mutable_agent_id()->set_value(*agentId);
  if (state == mesos::v1::TASK_UNREACHABLE) {
    status->mutable_unreachable_time()->set_nanoseconds(int64_t(now() * 1e9));
  }
  sendToFramework(framework, event);
}

// --- sending -----------------------------------------------------------------------------

void Master::sendToFramework(Framework& framework, const scheduler::Event& event) {
  if (!framework.stream || framework.stream->closed()) return;
  framework.stream->write(recordio::encode(api::serialize(event, framework.contentType)));
}

void Master::sendToAgent(Agent& agent, const internal::AgentEvent& event) {
  if (!agent.stream || agent.stream->closed()) return;
  agent.stream->write(recordio::encode(event.SerializeAsString()));
}

void Master::publish(const mesos::v1::master::Event& event) {
  std::erase_if(subscribers_, [](const Subscriber& s) { return s.stream->closed(); });
  const auto taskUser = [this](const std::string& frameworkId,
                               const std::string& taskId) -> std::optional<std::string> {
    auto [agent, task] = findTask(frameworkId, taskId);
    if (task == nullptr) return std::nullopt;
    return task->info.user();
  };
  for (auto& subscriber : subscribers_) {
    if (!StateView(*options_.authorizer, subscriber.principal).sees(event, taskUser)) continue;
    subscriber.stream->write(recordio::encode(api::serialize(event, subscriber.contentType)));
  }
}

void Master::addEndpoints(http::Server& server) {
  if (flags_.log_dir) files_->attach("/master/log", *flags_.log_dir + "/mesos-master.log");
  files::addFilesEndpoints(server, files_);
  // What only the leader answers; a master that does not lead redirects it (as Mesos).
  server.route("/api/v1/scheduler",
               leaderOnly([this](http::Request&& request, http::Responder responder) {
                 serveScheduler(std::move(request), std::move(responder));
               }));
  server.route("/api/v1/agent",
               leaderOnly([this](http::Request&& request, http::Responder responder) {
                 serveAgent(std::move(request), std::move(responder));
               }));
  server.route("/api/v1", leaderOnly([this](http::Request&& request, http::Responder responder) {
                 serveOperator(std::move(request), std::move(responder));
               }));
  server.route("/master/teardown",
               leaderOnly([this](http::Request&& request, http::Responder responder) {
                 serveTeardown(std::move(request), std::move(responder));
               }));
  for (const char* which :
       {"state", "state-summary", "frameworks", "slaves", "tasks", "roles", "state.json"}) {
    const std::string name = which;
    server.route("/master/" + name,
                 leaderOnly([this, name](http::Request&& request, http::Responder responder) {
                   serveStateJson(name == "state.json" ? "state" : name, std::move(request),
                                  std::move(responder));
                 }));
  }
  metrics::addMetricsEndpoints(server, [this] { return metrics(); });
  // A few read-only endpoints of the agents, through the leader (agent_proxy.h).
  server.routePrefix(std::string(kAgentProxyPrefix),
                     leaderOnly(agentProxy(io_, locateAgents(*this))));
  // Mesos answers /master/redirect with the leader's address, protocol-relative.
  server.route("/master/redirect", [this](http::Request&& request, http::Responder responder) {
    redirect(request, std::move(responder));
  });

  // Mesos's other names of the same endpoints: its v1 scheduler library posts to
  // /master/api/v1/scheduler; dashboards read /master/state.json, /state, ...
  const std::vector<std::pair<std::string, std::string>> aliases = {
      {"/master/api/v1/scheduler", "/api/v1/scheduler"},
      {"/master/api/v1", "/api/v1"},
      {"/master/flags", "/flags"},
      {"/master/health", "/health"},
      {"/master/version", "/version"},
      {"/redirect", "/master/redirect"},
      {"/teardown", "/master/teardown"},
  };
  for (const auto& [path, existing] : aliases)
    (void)server.alias(path, existing);
  for (const std::string name : {"state-summary", "frameworks", "slaves", "tasks", "roles"}) {
    (void)server.alias("/master/" + name + ".json", "/master/" + name);
    (void)server.alias("/" + name, "/master/" + name);
    (void)server.alias("/" + name + ".json", "/master/" + name);
  }
  (void)server.alias("/state", "/master/state");
  (void)server.alias("/state.json", "/master/state");
}

}  // namespace mesolite::master
