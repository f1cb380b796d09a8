// A master's terms as leader: elected (in ZooKeeper, or at start without --zk), it reads
// the registry and waits for the agents it names to re-register; deposed, it forgets
// everything at once, and redirects what only a leader may answer to the one that leads.
#include <algorithm>
#include <boost/asio/post.hpp>

#include "common/http.h"
#include "common/ids.h"
#include "common/logging.h"
#include "master-lite/agent_removal.h"
#include "master-lite/master.h"

namespace mesolite::master {

namespace asio = boost::asio;

namespace {

std::chrono::nanoseconds toNanos(const Duration& duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration.value);
}

// The request's path and query as they were sent (the server keeps them decoded).
std::string requestTarget(const http::Request& request) {
  std::string target;
  size_t from = 0;
  while (from <= request.path.size()) {  // each segment encoded, its slashes kept
    const size_t slash = std::min(request.path.find('/', from), request.path.size());
    target += http::percentEncode(std::string_view(request.path).substr(from, slash - from));
    if (slash < request.path.size()) target += '/';
    from = slash + 1;
  }
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    target += separator + http::percentEncode(name) + "=" + http::percentEncode(value);
    separator = '&';
  }
  return target;
}

}  // namespace

void Master::elect(std::function<void(Result<void>)> done) {
  if (elected_ || recovering_) return done(success());
  recovering_ = true;
  const uint64_t term = ++term_;
  log::info("master {} elected; reading the registry from {}", info_.id(), registrar_->describe());
  registrar_->recover([this, term, done = std::move(done)](Result<internal::Registry> registry) {
    if (term != term_ || !recovering_) return;  // stepped down meanwhile
    if (!registry) {
      recovering_ = false;
      return done(registry.error());
    }
    lead(*registry);
    done(success());
  });
}

void Master::lead(const internal::Registry& registry) {
  recovering_ = false;
  elected_ = true;
  electedTime_ = now();
  leader_ = info_;
  // Weights changed through UPDATE_WEIGHTS outlive the master; --weights is the start.
  if (registry.weights_size() > 0) {
    weights_.clear();
    for (const auto& weight : registry.weights())
      weights_[weight.role()] = weight.weight();
    allocator_.setWeights(weights_);
  }
  for (const auto& framework : registry.frameworks())
    recoverFramework(framework);
  for (const auto& agent : registry.agents())
    recoveredAgents_[agent.info().id().value()] = agent.info();
  log::info(
      "master {} leads: the registry names {} agents ({} unreachable, {} gone) and {} frameworks",
      info_.id(), registry.agents_size(), registry.unreachable_size(), registry.gone_size(),
      registry.frameworks_size());

  if (!recoveredAgents_.empty()) {
    reregisterTimer_.expires_after(toNanos(flags_.agent_reregister_timeout));
    reregisterTimer_.async_wait([this, term = term_](boost::system::error_code error) {
      if (!error && term == term_ && elected_) reregistrationTimedOut();
    });
  }
  pruneRegistry();
}

void Master::pruneRegistry() {
  registrar_->prune(now());
  registryGcTimer_.expires_after(toNanos(flags_.registry_gc_interval));
  registryGcTimer_.async_wait([this, term = term_](boost::system::error_code error) {
    if (!error && term == term_ && elected_) pruneRegistry();
  });
}

Master::Framework& Master::recoverFramework(const mesos::v1::FrameworkInfo& given) {
  mesos::v1::FrameworkInfo info = given;
  const std::string id = info.id().value();
  if (info.user().empty()) info.set_user("root");
  if (info.name().empty()) info.set_name("unknown");
  Framework& framework = frameworks_[id];
  framework.id = id;
  framework.info = info;
  framework.recovered = true;
  framework.registeredTime = now();
  framework.partitionAware = false;
  for (const auto& capability : info.capabilities()) {
    framework.partitionAware |=
        capability.type() == mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE;
  }
  std::vector<std::string> roles(info.roles().begin(), info.roles().end());
  if (roles.empty()) roles.push_back(info.has_role() ? info.role() : "*");
  (void)allocator_.addFramework(id, roles);
  (void)allocator_.deactivateFramework(id);
  return framework;
}

void Master::reregistrationTimedOut() {
  if (recoveredAgents_.empty()) return;
  // The registry lists the recovered agents too (and the returned ones, admitted again).
  const size_t total = registrar_->agents().size();
  const double fraction = double(recoveredAgents_.size()) / double(std::max<size_t>(total, 1));
  const double limit = *parsePercentage(flags_.recovery_agent_removal_limit);  // validated
  if (fraction > limit) {
    // As Mesos: better to stop than to declare most of the cluster lost.
    const std::string why = std::to_string(recoveredAgents_.size()) + " of the registry's " +
                            std::to_string(total) +
                            " agents did not re-register within --agent_reregister_timeout, "
                            "more than --recovery_agent_removal_limit=" +
                            flags_.recovery_agent_removal_limit;
    log::error("{}; not marking them unreachable", why);
    if (options_.abdicate) options_.abdicate(why);
    return;
  }
  log::warn(
      "{} agents did not re-register within --agent_reregister_timeout ({}): marking them "
      "unreachable",
      recoveredAgents_.size(), flags_.agent_reregister_timeout.toString());
  for (const auto& [id, info] : recoveredAgents_)
    removalQueue_.push_back(id);
  removeNextRecoveredAgent();
}

void Master::removeNextRecoveredAgent() {
  while (!removalQueue_.empty()) {
    const std::string id = removalQueue_.front();
    removalQueue_.erase(removalQueue_.begin());
    auto found = recoveredAgents_.find(id);
    if (found == recoveredAgents_.end()) continue;  // it came back meanwhile
    log::warn("agent {} ({}) of the registry did not re-register: unreachable", id,
              found->second.hostname());
    recoveredAgents_.erase(found);
    registrar_->markUnreachable(id, now());
    counters_.recoveryAgentRemovals++;
    counters_.agentsUnreachable++;
    mesos::v1::master::Event event;
    event.set_type(mesos::v1::master::Event::AGENT_REMOVED);
    event.mutable_agent_removed()->mutable_agent_id()->set_value(id);
    publish(event);
    if (flags_.agent_removal_rate_limit && !removalQueue_.empty()) {
      const auto rate = *parseRemovalRateLimit(*flags_.agent_removal_rate_limit);  // validated
      removalTimer_.expires_after(rate.interval());
      removalTimer_.async_wait([this, term = term_](boost::system::error_code error) {
        if (!error && term == term_ && elected_) removeNextRecoveredAgent();
      });
      return;
    }
  }
}

void Master::stepDown(const std::string& why) {
  ++term_;
  const bool wasLeading = elected_ || recovering_;
  elected_ = false;
  recovering_ = false;
  if (leader_ && leader_->id() == info_.id()) leader_.reset();
  if (!wasLeading) return;
  log::warn("master {} no longer leads: {}; its agents and tasks keep running", info_.id(), why);
  registrar_->reset();
  reregisterTimer_.cancel();
  removalTimer_.cancel();
  registryGcTimer_.cancel();

  // The maps are emptied before the streams close, so that their close handlers find
  // nothing to act on: nothing is removed, killed or failed over, only forgotten.
  auto frameworks = std::move(frameworks_);
  auto agents = std::move(agents_);
  auto subscribers = std::move(subscribers_);
  frameworks_.clear();
  agents_.clear();
  subscribers_.clear();
  completedFrameworks_.clear();
  offers_.clear();
  recoveredAgents_.clear();
  removalQueue_.clear();
  nextIds_.clear();
  allocator_ = Allocator(options_.seed);
  weights_.clear();
  if (flags_.weights) weights_ = parseWeights(*flags_.weights);
  allocator_.setWeights(weights_);
  for (auto& [id, framework] : frameworks) {
    framework.failoverTimer.reset();
    if (framework.stream) framework.stream->close();
  }
  for (auto& [id, agent] : agents)
    if (agent.stream) agent.stream->close();
  for (auto& subscriber : subscribers)
    subscriber.stream->close();
  // A new term, a new master: ids of the old term's frameworks, agents and offers cannot
  // be made again.
  info_.set_id(randomUuid());
}

void Master::setLeader(const std::optional<mesos::v1::MasterInfo>& leader) {
  leader_ = leader;
}

http::Handler Master::leaderOnly(http::Handler handler) {
  return [this, handler = std::move(handler)](http::Request&& request, http::Responder responder) {
    if (elected_) return handler(std::move(request), std::move(responder));
    if (recovering_) {
      return responder.respond(http::Response::text(
          503, "this master was elected and is reading its registry; try again shortly"));
    }
    redirect(request, std::move(responder));
  };
}

// As Mesos: 307 to the leader, protocol-relative (the client keeps http or https);
// /redirect and /master/redirect go to the leader's root, so they cannot loop.
void Master::redirect(const http::Request& request, http::Responder responder) {
  if (!leader_) return responder.respond(http::Response::text(503, "No leader elected"));
  std::string location = "//" + leader_->hostname() + ":" + std::to_string(leader_->port());
  if (request.path != "/redirect" && request.path != "/master/redirect") {
    location += requestTarget(request);
  }
  http::Response response = http::Response::text(307, "");
  response.headers["Location"] = location;
  responder.respond(std::move(response));
}

}  // namespace mesolite::master
