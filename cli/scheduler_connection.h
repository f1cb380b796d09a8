// A v1 Scheduler API client's link to the leading master, as Mesos's scheduler library
// keeps it: SUBSCRIBE to the leader a LeaderDetector names (following a 307 from a
// master that is not leading), and when the stream ends, errs or goes quiet, find the
// leader again and SUBSCRIBE again with the framework id, within a bound. Calls are
// queued and sent one at a time, in order, only while subscribed: a call made while
// disconnected waits for the next subscription.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "common/api_codec.h"
#include "common/http_client.h"
#include "common/leader_detector.h"
#include "common/recordio.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesolite::cli {

struct SchedulerConnectionOptions {
  api::ContentType contentType = api::ContentType::kProtobuf;
  std::optional<std::string> authorization;  // "Basic ..." sent with every call
  // How long to keep trying without a subscription: before the first one (nothing runs
  // yet, a wrong address should not hang for long), and after losing one.
  std::chrono::milliseconds firstSubscriptionBound{std::chrono::minutes(1)};
  std::chrono::milliseconds resubscriptionBound{std::chrono::minutes(10)};
  // Retries wait a random time up to the backoff, which doubles up to maxBackoff.
  std::chrono::milliseconds initialBackoff{std::chrono::milliseconds(500)};
  std::chrono::milliseconds maxBackoff{std::chrono::seconds(10)};
};

class SchedulerConnection {
 public:
  using Call = mesos::v1::scheduler::Call;
  using Event = mesos::v1::scheduler::Event;

  struct Callbacks {
    // Every event, SUBSCRIBED included (the connection has recorded its framework id).
    std::function<void(const Event&)> onEvent;
    // Lines for the user: `inform` for progress (stdout), `warn` for trouble (stderr).
    std::function<void(const std::string&)> inform;
    std::function<void(const std::string&)> warn;
    // The stream is gone; unless the callback closes the connection, a new
    // subscription follows.
    std::function<void(const std::string& why)> onDisconnected;
    // Given up: the master refused the subscription, or no subscription within the
    // bound. The connection is closed.
    std::function<void(const std::string& why)> onFailure;
  };

  SchedulerConnection(boost::asio::io_context& io, std::unique_ptr<detect::LeaderDetector> detector,
                      mesos::v1::FrameworkInfo framework, SchedulerConnectionOptions options,
                      Callbacks callbacks);
  ~SchedulerConnection();
  SchedulerConnection(const SchedulerConnection&) = delete;
  SchedulerConnection& operator=(const SchedulerConnection&) = delete;

  void start();
  // Stops everything: no callback is called afterwards.
  void close();

  // Queued; sent with the framework id once subscribed. `answered` gets the master's
  // answer (or the error of a call that could not be delivered and was given up).
  void send(Call call, std::function<void(const Result<http::Response>&)> answered = {});

  // Roles to name as suppressed in later SUBSCRIBE calls (a new leader knows nothing of
  // a SUPPRESS sent to the old one).
  void setSuppressedRoles(std::vector<std::string> roles) { suppressedRoles_ = std::move(roles); }

  bool subscribed() const { return subscribed_; }
  // The master took the SUBSCRIBE (200) and SUBSCRIBED is on its way.
  bool subscribing() const { return stream_ != nullptr && streamStatus_ == 200 && !subscribed_; }
  const std::optional<mesos::v1::FrameworkID>& frameworkId() const { return frameworkId_; }
  const std::optional<http::Endpoint>& master() const { return master_; }

 private:
  struct QueuedCall {
    Call call;
    std::function<void(const Result<http::Response>&)> answered;
  };

  void onLeaderChange(const std::optional<detect::Leader>& leader);
  // To the detector's leader, or to a 307's target.
  void subscribe(std::optional<http::Redirect> redirect = std::nullopt);
  void onHeaders(uint64_t attempt, const http::Response& head);
  void onData(uint64_t attempt, std::string_view data);
  void onEnd(uint64_t attempt, const Result<void>& end);
  void handle(const Event& event);
  void lost(const std::string& why);
  void dropStream();
  void retryLater();
  void armHeartbeatTimer();
  void pump();
  void fail(const std::string& why);
  http::Request request(const Call& call) const;

  boost::asio::io_context& io_;
  std::unique_ptr<detect::LeaderDetector> detector_;
  mesos::v1::FrameworkInfo framework_;
  SchedulerConnectionOptions options_;
  Callbacks callbacks_;
  http::Client client_;
  boost::asio::steady_timer retryTimer_;
  boost::asio::steady_timer heartbeatTimer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for late callbacks

  bool closed_ = false;
  uint64_t attempt_ = 0;  // the current subscription; callbacks of older ones are stale
  std::optional<http::Endpoint> master_;
  std::string path_;
  bool redirected_ = false;  // this attempt follows a 307 (only one is followed)
  bool reportedNoLeader_ = false;
  std::string lastFailure_;  // of a subscription attempt, said once
  std::shared_ptr<http::StreamHandle> stream_;
  recordio::Decoder decoder_;
  int streamStatus_ = 0;
  std::string location_;
  std::string errorBody_;

  bool subscribed_ = false;
  std::optional<std::string> streamId_;
  std::optional<mesos::v1::FrameworkID> frameworkId_;
  std::vector<std::string> suppressedRoles_;
  std::chrono::milliseconds heartbeatTimeout_{std::chrono::seconds(75)};
  // When trying stops: set while not subscribed.
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::chrono::milliseconds backoff_;
  std::mt19937 random_{std::random_device{}()};

  std::deque<QueuedCall> calls_;
  bool callInFlight_ = false;
};

}  // namespace mesolite::cli
