// The registrar: the master's registry (internal.proto's Registry) in memory, and its
// stores. A change applies at once to the copy in memory; changes made on the same turn of
// the event loop, or while a store is in flight, go out together in the next store, so a
// burst of registrations costs a few stores, not one each. A store that fails or outlasts
// --registry_store_timeout ends the master's leadership (onFailure); nothing is retried
// behind its back.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "master-lite/registry_store.h"
#include "mesolite/internal.pb.h"

namespace mesolite::master {

struct RegistrarOptions {
  std::chrono::nanoseconds storeTimeout{std::chrono::seconds(20)};    // --registry_store_timeout
  std::chrono::nanoseconds fetchTimeout{std::chrono::minutes(1)};     // --registry_fetch_timeout
  std::chrono::nanoseconds maxAgentAge{std::chrono::hours(24 * 14)};  // --registry_max_agent_age
  uint64_t maxAgentCount = 100 * 1024;                                // --registry_max_agent_count
};

class Registrar {
 public:
  // `store` null: --registry=in_memory (changes are kept in memory only).
  Registrar(boost::asio::io_context& io, std::unique_ptr<RegistryStore> store,
            RegistrarOptions options, std::function<void(const Error&)> onFailure);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  std::string describe() const;
  // The store, when it can only be made after the registrar (it shares the session of
  // the master's candidacy in ZooKeeper). Before the first recover().
  void setStore(std::unique_ptr<RegistryStore> store) { store_ = std::move(store); }

  // Reads the stored registry (within the fetch timeout) and makes it the copy in memory.
  void recover(std::function<void(Result<internal::Registry>)> done);
  // Forgets the copy in memory and every change not yet stored (the master stepped down).
  void reset();

  // --- changes: applied now, stored in the next batch; `stored` runs once it is durable ---
  void admitAgent(const mesos::v1::AgentInfo& info, std::function<void()> stored = {});
  void markUnreachable(const std::string& agentId, double when);
  void markGone(const std::string& agentId, double when);
  void addFramework(const mesos::v1::FrameworkInfo& info);  // id set; replaces an older one
  void removeFramework(const std::string& frameworkId);
  void setWeights(const std::map<std::string, double>& weights);
  // Drops unreachable and gone agents older than --registry_max_agent_age, then the oldest
  // beyond --registry_max_agent_count.
  void prune(double now);

  bool isGone(const std::string& agentId) const { return gone_.contains(agentId); }
  bool isUnreachable(const std::string& agentId) const { return unreachable_.contains(agentId); }
  const std::map<std::string, mesos::v1::AgentInfo>& agents() const { return agents_; }

  // Stores done and changes waiting, for metrics (registrar/*) and tests.
  uint64_t storesCompleted() const { return storesCompleted_; }
  double lastStoreMs() const { return lastStoreMs_; }
  size_t registrySize() const { return lastStoredBytes_; }

 private:
  internal::Registry build() const;
  void changed(std::function<void()> stored);
  void storeNow();

  boost::asio::io_context& io_;
  std::unique_ptr<RegistryStore> store_;
  RegistrarOptions options_;
  std::function<void(const Error&)> onFailure_;

  std::map<std::string, mesos::v1::AgentInfo> agents_;
  std::map<std::string, double> unreachable_;
  std::map<std::string, double> gone_;
  std::map<std::string, mesos::v1::FrameworkInfo> frameworks_;
  std::map<std::string, double> weights_;

  bool storePending_ = false;                    // a store is scheduled on the loop
  bool storing_ = false;                         // a store is in flight
  bool dirtyAfterStore_ = false;                 // changed while a store was in flight
  std::vector<std::function<void()>> waiting_;   // for the next store
  std::vector<std::function<void()>> inFlight_;  // for the store in flight
  uint64_t generation_ = 0;  // reset() makes callbacks of older stores and fetches stale
  boost::asio::steady_timer timeout_;
  std::chrono::steady_clock::time_point storeStarted_;
  uint64_t storesCompleted_ = 0;
  double lastStoreMs_ = 0;
  size_t lastStoredBytes_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mesolite::master
