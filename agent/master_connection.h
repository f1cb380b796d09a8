// The agent's link to its master (contract: /work/contract/agent-master.md): a
// SUBSCRIBE stream of AgentEvents, calls POSTed beside it, PONGs for PINGs, and a
// fresh subscription after a backoff whenever the stream ends, errs or goes quiet.
// It never gives up: the agent keeps running its tasks while the master is away.
// Which master: the leader a LeaderDetector names at each attempt (a fixed host:port,
// or the lowest member of a ZooKeeper group); a new leader is followed at once, and a
// 307 from a master that is not leading is followed for that attempt.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "common/credentials.h"
#include "common/http_client.h"
#include "common/leader_detector.h"
#include "common/recordio.h"
#include "common/result.h"
#include "mesolite/internal.pb.h"

namespace mesolite::agent {

// --master: host:port, http(s)://host:port or zk://[user:password@]host:port,.../path
// (file:// was resolved by the flag layer already): the detector that finds the
// leading master, watching from now on. Errors name what is wrong with the URL.
Result<std::unique_ptr<detect::LeaderDetector>> parseMasterFlag(
    boost::asio::io_context& io, const std::string& text, detect::DetectorOptions options = {});

struct MasterConnectionOptions {
  // --registration_backoff_factor: the first retry waits a random time up to this,
  // each later one up to twice the previous bound, capped at maxBackoff.
  std::chrono::milliseconds backoffFactor{std::chrono::seconds(1)};
  std::chrono::milliseconds maxBackoff{std::chrono::minutes(1)};
  // Silence tolerated before SUBSCRIBED tells the master's own timeout.
  std::chrono::milliseconds defaultPingTimeout{std::chrono::seconds(75)};
  // --credential, sent with every call (HTTP Basic) for a master run with
  // --authenticate_agents.
  std::optional<Credential> credential;
};

class MasterConnection {
 public:
  struct Callbacks {
    // Builds the SUBSCRIBE payload at each attempt (it lists what the agent runs now).
    std::function<internal::AgentCall::Subscribe()> subscribe;
    // The master accepted the subscription. Called before any later event.
    std::function<void(const internal::AgentEvent::Subscribed&)> onSubscribed;
    // The stream is gone; a new subscription is on its way.
    std::function<void()> onDisconnected;
    // Every event but SUBSCRIBED and PING.
    std::function<void(const internal::AgentEvent&)> onEvent;
  };

  MasterConnection(boost::asio::io_context& io, std::unique_ptr<detect::LeaderDetector> detector,
                   MasterConnectionOptions options, Callbacks callbacks);
  ~MasterConnection();
  MasterConnection(const MasterConnection&) = delete;
  MasterConnection& operator=(const MasterConnection&) = delete;

  void start();  // subscribes now (or once the detector knows a leader)

  // POSTs `call` with the agent id and stream id; dropped (false) while not
  // subscribed: whoever needs delivery retries (the status update manager does).
  bool send(internal::AgentCall call);

  bool subscribed() const { return subscribed_; }
  const std::string& agentId() const { return agentId_; }
  // The master of the current attempt or subscription; nullopt while no leader is known.
  const std::optional<http::Endpoint>& master() const { return master_; }

 private:
  // To the detector's leader, or to `redirectedTo` (the Location of a 307).
  void subscribe(std::optional<http::Endpoint> redirectedTo = std::nullopt);
  void onLeaderChange(const std::optional<detect::Leader>& leader);
  void onHeaders(uint64_t attempt, const http::Response& head);
  void onData(uint64_t attempt, std::string_view data);
  void onEnd(uint64_t attempt, Result<void> end);
  void handle(uint64_t attempt, const internal::AgentEvent& event);
  void drain(uint64_t attempt);
  void disconnect(const std::string& why);
  // Ends the current attempt or subscription (no retry scheduled).
  void dropStream();
  std::chrono::milliseconds retryAfterBackoff();  // returns the delay chosen
  void armPingTimer();

  boost::asio::io_context& io_;
  std::unique_ptr<detect::LeaderDetector> detector_;
  MasterConnectionOptions options_;
  Callbacks callbacks_;
  http::Client client_;
  std::unique_ptr<boost::asio::steady_timer> retryTimer_;
  std::unique_ptr<boost::asio::steady_timer> pingTimer_;
  std::shared_ptr<http::StreamHandle> stream_;
  std::optional<recordio::Decoder> decoder_;
  std::deque<internal::AgentEvent> pending_;  // received, not yet handled, in order
  std::deque<internal::AgentEvent> urgent_;   // acknowledgements and pings: handled first
  bool draining_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for late callbacks
  uint64_t attempt_ = 0;  // the current subscription; callbacks of older ones are stale
  std::optional<http::Endpoint> master_;
  bool redirected_ = false;        // this attempt follows a 307 (only one is followed)
  bool reportedNoLeader_ = false;  // "no leader" is logged once until one is known
  int headStatus_ = 0;
  std::string location_;  // of a 307
  std::string errorBody_;
  bool subscribed_ = false;
  std::string agentId_;
  std::string streamId_;
  std::chrono::milliseconds pingTimeout_;
  std::chrono::milliseconds backoff_;
  std::mt19937 random_{std::random_device{}()};
};

}  // namespace mesolite::agent
