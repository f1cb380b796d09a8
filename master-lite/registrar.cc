#include "master-lite/registrar.h"

#include <boost/asio/post.hpp>
#include <vector>

#include "common/logging.h"

namespace mesolite::master {

namespace asio = boost::asio;

Registrar::Registrar(asio::io_context& io, std::unique_ptr<RegistryStore> store,
                     RegistrarOptions options, std::function<void(const Error&)> onFailure)
    : io_(io),
      store_(std::move(store)),
      options_(options),
      onFailure_(std::move(onFailure)),
      timeout_(io) {}

Registrar::~Registrar() {
  *alive_ = false;
}

std::string Registrar::describe() const {
  return store_ ? store_->describe() : "memory (--registry=in_memory)";
}

void Registrar::recover(std::function<void(Result<internal::Registry>)> done) {
  reset();
  const uint64_t generation = generation_;
  if (!store_) {
    asio::post(io_, [done = std::move(done)] { done(internal::Registry()); });
    return;
  }
  // The fetch and its deadline race; whichever comes first answers.
  auto answered = std::make_shared<bool>(false);
  auto deadline = std::make_shared<asio::steady_timer>(io_, options_.fetchTimeout);
  auto callback =
      std::make_shared<std::function<void(Result<internal::Registry>)>>(std::move(done));
  deadline->async_wait(
      [this, alive = alive_, answered, callback, generation](boost::system::error_code error) {
        if (error || !*alive || *answered || generation != generation_) return;
        *answered = true;
        (*callback)(Error("reading the registry from " + store_->describe() +
                          " took longer than --registry_fetch_timeout"));
      });
  store_->fetch([this, alive = alive_, answered, callback, deadline,
                 generation](Result<internal::Registry> fetched) {
    if (!*alive || *answered || generation != generation_) return;
    *answered = true;
    deadline->cancel();
    if (fetched) {
      for (const auto& agent : fetched->agents())
        agents_[agent.info().id().value()] = agent.info();
      for (const auto& agent : fetched->unreachable())
        unreachable_[agent.id().value()] = agent.timestamp();
      for (const auto& agent : fetched->gone())
        gone_[agent.id().value()] = agent.timestamp();
      for (const auto& framework : fetched->frameworks())
        frameworks_[framework.id().value()] = framework;
      for (const auto& weight : fetched->weights())
        weights_[weight.role()] = weight.weight();
      lastStoredBytes_ = fetched->ByteSizeLong();
    }
    (*callback)(std::move(fetched));
  });
}

void Registrar::reset() {
  ++generation_;
  agents_.clear();
  unreachable_.clear();
  gone_.clear();
  frameworks_.clear();
  weights_.clear();
  waiting_.clear();
  inFlight_.clear();
  storePending_ = false;
  storing_ = false;
  dirtyAfterStore_ = false;
  timeout_.cancel();
}

void Registrar::admitAgent(const mesos::v1::AgentInfo& info, std::function<void()> stored) {
  const std::string& id = info.id().value();
  agents_[id] = info;
  unreachable_.erase(id);
  changed(std::move(stored));
}

void Registrar::markUnreachable(const std::string& agentId, double when) {
  agents_.erase(agentId);
  unreachable_[agentId] = when;
  changed({});
}

void Registrar::markGone(const std::string& agentId, double when) {
  agents_.erase(agentId);
  unreachable_.erase(agentId);
  gone_[agentId] = when;
  changed({});
}

void Registrar::addFramework(const mesos::v1::FrameworkInfo& info) {
  frameworks_[info.id().value()] = info;
  changed({});
}

void Registrar::removeFramework(const std::string& frameworkId) {
  if (frameworks_.erase(frameworkId) > 0) changed({});
}

void Registrar::setWeights(const std::map<std::string, double>& weights) {
  weights_ = weights;
  changed({});
}

void Registrar::prune(double now) {
  const double maxAge = std::chrono::duration<double>(options_.maxAgentAge).count();
  size_t removed = 0;
  for (auto* list : {&unreachable_, &gone_}) {
    removed += std::erase_if(*list, [&](const auto& entry) { return now - entry.second > maxAge; });
    // The oldest beyond the count go too.
    while (list->size() > options_.maxAgentCount) {
      auto oldest = list->begin();
      for (auto it = list->begin(); it != list->end(); ++it)
        if (it->second < oldest->second) oldest = it;
      list->erase(oldest);
      ++removed;
    }
  }
  if (removed > 0) {
    log::info("registry: pruned {} unreachable or gone agents", removed);
    changed({});
  }
}

internal::Registry Registrar::build() const {
  internal::Registry registry;
  for (const auto& [id, info] : agents_)
    *registry.add_agents()->mutable_info() = info;
  for (const auto& [id, when] : unreachable_) {
    auto* agent = registry.add_unreachable();
    agent->mutable_id()->set_value(id);
    agent->set_timestamp(when);
  }
  for (const auto& [id, when] : gone_) {
    auto* agent = registry.add_gone();
    agent->mutable_id()->set_value(id);
    agent->set_timestamp(when);
  }
  for (const auto& [id, info] : frameworks_)
    *registry.add_frameworks() = info;
  for (const auto& [role, weight] : weights_) {
    auto* entry = registry.add_weights();
    entry->set_role(role);
    entry->set_weight(weight);
  }
  return registry;
}

void Registrar::changed(std::function<void()> stored) {
  if (stored) waiting_.push_back(std::move(stored));
  if (!store_) {
    // In memory: durable as soon as made.
    auto callbacks = std::move(waiting_);
    waiting_.clear();
    for (auto& callback : callbacks)
      asio::post(io_, std::move(callback));
    return;
  }
  // This change rides with the next store.
  if (storing_) {
    dirtyAfterStore_ = true;
    return;
  }
  if (storePending_) return;
  storePending_ = true;
  asio::post(io_, [this, alive = alive_, generation = generation_] {
    if (!*alive || generation != generation_) return;
    storePending_ = false;
    storeNow();
  });
}

void Registrar::storeNow() {
  storing_ = true;
  dirtyAfterStore_ = false;
  inFlight_ = std::move(waiting_);
  waiting_.clear();
  const internal::Registry registry = build();
  const size_t bytes = registry.ByteSizeLong();
  storeStarted_ = std::chrono::steady_clock::now();
  const uint64_t generation = generation_;
  timeout_.expires_after(options_.storeTimeout);
  timeout_.async_wait([this, alive = alive_, generation](boost::system::error_code error) {
    if (error || !*alive || generation != generation_ || !storing_) return;
    ++generation_;  // the late answer of this store is ignored
    storing_ = false;
    onFailure_(Error("storing the registry to " + store_->describe() +
                     " took longer than --registry_store_timeout"));
  });
  store_->store(registry, [this, alive = alive_, generation, bytes](Result<void> stored) {
    if (!*alive || generation != generation_) return;
    timeout_.cancel();
    storing_ = false;
    if (!stored) {
      ++generation_;
      onFailure_(stored.error().wrap("storing the registry to " + store_->describe()));
      return;
    }
    storesCompleted_++;
    lastStoredBytes_ = bytes;
    lastStoreMs_ =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - storeStarted_)
            .count();
    auto callbacks = std::move(inFlight_);
    inFlight_.clear();
    for (auto& callback : callbacks)
      callback();
    if (!waiting_.empty() || dirtyAfterStore_) {
      dirtyAfterStore_ = false;
      storeNow();
    }
  });
}

}  // namespace mesolite::master
