#include "cli/scheduler_connection.h"

#include <boost/asio/io_context.hpp>

#include "common/http.h"

namespace mesolite::cli {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

constexpr const char* kSchedulerPath = "/api/v1/scheduler";
constexpr size_t kMaxErrorBody = 4096;

std::string describeStatus(int status, std::string body) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
    body.pop_back();
  return std::to_string(status) + " " + std::string(http::reason(status)) +
         (body.empty() ? "" : ": " + body);
}

// Answers that say "not here, not now" rather than "no": try another subscription.
bool worthRetrying(int status) {
  return status == 307 || status == 502 || status == 503 || status == 504;
}

std::string seconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count() / 1000) + " s";
}

}  // namespace

SchedulerConnection::SchedulerConnection(asio::io_context& io,
                                         std::unique_ptr<detect::LeaderDetector> detector,
                                         mesos::v1::FrameworkInfo framework,
                                         SchedulerConnectionOptions options, Callbacks callbacks)
    : io_(io),
      detector_(std::move(detector)),
      framework_(std::move(framework)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      client_(io),
      retryTimer_(io),
      heartbeatTimer_(io),
      backoff_(options_.initialBackoff) {}

SchedulerConnection::~SchedulerConnection() {
  *alive_ = false;
  if (stream_) stream_->cancel();
}

void SchedulerConnection::start() {
  deadline_ = Clock::now() + options_.firstSubscriptionBound;
  std::weak_ptr<bool> alive = alive_;
  detector_->onChange([this, alive](const std::optional<detect::Leader>& leader) {
    if (alive.lock()) onLeaderChange(leader);
  });
  subscribe();
}

void SchedulerConnection::close() {
  closed_ = true;
  dropStream();
}

void SchedulerConnection::onLeaderChange(const std::optional<detect::Leader>& leader) {
  // Without a leader, a working stream is kept: our view of ZooKeeper may be what
  // failed, and a master that stops leading ends its streams itself.
  if (closed_ || !leader) return;
  if (stream_ && master_ == leader->endpoint) return;  // already there, or on the way
  callbacks_.inform("The leading master is now at " + leader->endpoint.toString());
  const bool wasSubscribed = subscribed_;
  dropStream();
  if (wasSubscribed && callbacks_.onDisconnected) {
    callbacks_.onDisconnected("the leading master is now at " + leader->endpoint.toString());
  }
  if (closed_) return;
  if (!deadline_) deadline_ = Clock::now() + options_.resubscriptionBound;
  backoff_ = options_.initialBackoff;
  subscribe();
}

void SchedulerConnection::subscribe(std::optional<http::Redirect> redirect) {
  if (closed_) return;
  const uint64_t attempt = ++attempt_;
  redirected_ = redirect.has_value();
  if (redirect) {
    master_ = redirect->endpoint;
    path_ = redirect->path.empty() ? kSchedulerPath : redirect->path;
  } else if (auto leader = detector_->leader()) {
    master_ = leader->endpoint;
    path_ = kSchedulerPath;
  } else {
    master_.reset();
    if (!reportedNoLeader_) callbacks_.warn("No leading master is known yet; waiting for one");
    reportedNoLeader_ = true;
    return retryLater();
  }
  reportedNoLeader_ = false;
  streamStatus_ = 0;
  location_.clear();
  errorBody_.clear();
  decoder_ = recordio::Decoder();
  streamId_.reset();  // a SUBSCRIBE must not carry the stream id of an older one

  Call call;
  call.set_type(Call::SUBSCRIBE);
  *call.mutable_subscribe()->mutable_framework_info() = framework_;
  if (frameworkId_) *call.mutable_framework_id() = *frameworkId_;
  for (const std::string& role : suppressedRoles_)
    call.mutable_subscribe()->add_suppressed_roles(role);

  std::weak_ptr<bool> alive = alive_;
  http::StreamCallbacks streamCallbacks;
  streamCallbacks.onHeaders = [this, alive, attempt](const http::Response& head) {
    if (alive.lock()) onHeaders(attempt, head);
  };
  streamCallbacks.onData = [this, alive, attempt](std::string_view data) {
    if (alive.lock()) onData(attempt, data);
  };
  streamCallbacks.onEnd = [this, alive, attempt](Result<void> end) {
    if (alive.lock()) onEnd(attempt, end);
  };
  stream_ = client_.openStream(*master_, request(call), std::move(streamCallbacks));
  armHeartbeatTimer();
}

http::Request SchedulerConnection::request(const Call& call) const {
  http::Request r;
  r.method = "POST";
  r.path = path_;
  r.headers["Content-Type"] = std::string(api::mediaType(options_.contentType));
  r.headers["Accept"] = std::string(api::mediaType(options_.contentType));
  if (streamId_ && call.type() != Call::SUBSCRIBE) r.headers["Mesos-Stream-Id"] = *streamId_;
  if (options_.authorization) r.headers["Authorization"] = *options_.authorization;
  r.body = api::serialize(call, options_.contentType);
  return r;
}

void SchedulerConnection::onHeaders(uint64_t attempt, const http::Response& head) {
  if (closed_ || attempt != attempt_) return;
  streamStatus_ = head.status;
  if (auto it = head.headers.find("Mesos-Stream-Id"); it != head.headers.end()) {
    streamId_ = it->second;
  }
  if (auto it = head.headers.find("Location"); it != head.headers.end()) location_ = it->second;
}

void SchedulerConnection::onData(uint64_t attempt, std::string_view data) {
  if (closed_ || attempt != attempt_) return;
  if (streamStatus_ != 200) {
    if (errorBody_.size() < kMaxErrorBody) errorBody_.append(data.substr(0, kMaxErrorBody));
    return;
  }
  auto records = decoder_.decode(data);
  if (!records) return lost("bad event stream: " + records.error().message);
  for (const std::string& record : *records) {
    Event event;
    if (auto parsed = api::deserialize(record, options_.contentType, &event); !parsed) {
      return lost("bad event: " + parsed.error().message);
    }
    handle(event);
    if (closed_ || attempt != attempt_) return;  // a callback closed or dropped the stream
  }
}

void SchedulerConnection::handle(const Event& event) {
  armHeartbeatTimer();  // any event shows the master is there
  if (!subscribed_ && event.type() != Event::SUBSCRIBED) {
    return lost("the first event is " + Event::Type_Name(event.type()) + ", not SUBSCRIBED");
  }
  if (event.type() == Event::SUBSCRIBED) {
    subscribed_ = true;
    deadline_.reset();
    lastFailure_.clear();
    backoff_ = options_.initialBackoff;
    frameworkId_ = event.subscribed().framework_id();
    *framework_.mutable_id() = *frameworkId_;  // later SUBSCRIBEs fail over to this id
    if (event.subscribed().heartbeat_interval_seconds() > 0) {
      // Mesos's scheduler library gives up on a master silent for a few heartbeats.
      heartbeatTimeout_ = std::max<std::chrono::milliseconds>(
          std::chrono::seconds(5), std::chrono::milliseconds(int64_t(
                                       event.subscribed().heartbeat_interval_seconds() * 3000)));
    }
    armHeartbeatTimer();
  }
  if (callbacks_.onEvent) callbacks_.onEvent(event);
  if (event.type() == Event::SUBSCRIBED) pump();
}

void SchedulerConnection::onEnd(uint64_t attempt, const Result<void>& end) {
  if (closed_ || attempt != attempt_) return;
  const std::string where = master_->toString();
  if (streamStatus_ == 307 && !redirected_) {
    auto redirect = http::parseRedirect(location_, *master_);
    if (!redirect) {
      return lost("the master at " + where +
                  " is not leading and its redirect is unusable: " + redirect.error().message);
    }
    callbacks_.inform("Redirected to the leading master at " + redirect->endpoint.toString());
    dropStream();
    return subscribe(*redirect);
  }
  if (worthRetrying(streamStatus_)) {
    return lost("the master at " + where + " answered " +
                describeStatus(streamStatus_, errorBody_));
  }
  if (streamStatus_ != 0 && streamStatus_ != 200) {
    return fail("Failed to subscribe to the master at " + where + ": " +
                describeStatus(streamStatus_, errorBody_));
  }
  lost(end ? std::string("the event stream ended") : end.error().message);
}

void SchedulerConnection::lost(const std::string& why) {
  const bool wasSubscribed = subscribed_;
  const std::string where = master_ ? master_->toString() : std::string("(none)");
  dropStream();
  if (wasSubscribed) {
    if (callbacks_.onDisconnected) callbacks_.onDisconnected("the master at " + where + ": " + why);
  } else if (why != lastFailure_) {  // the same failure again and again is said once
    lastFailure_ = why;
    callbacks_.warn("Failed to subscribe to the master at " + where + ": " + why);
  }
  if (closed_) return;
  if (!deadline_) deadline_ = Clock::now() + options_.resubscriptionBound;
  retryLater();
}

void SchedulerConnection::dropStream() {
  ++attempt_;  // every callback of the old stream is stale from now on
  subscribed_ = false;
  streamId_.reset();
  heartbeatTimer_.cancel();
  retryTimer_.cancel();
  if (stream_) {
    auto stream = std::move(stream_);
    stream->cancel();
  }
}

void SchedulerConnection::retryLater() {
  const auto now = Clock::now();
  if (deadline_ && now >= *deadline_) {
    return fail(
        std::string(frameworkId_ ? "Lost the master and found no leader to subscribe to"
                                 : "Found no leading master to subscribe to") +
        " within " +
        seconds(frameworkId_ ? options_.resubscriptionBound : options_.firstSubscriptionBound) +
        "; giving up");
  }
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(backoff_.count(), 1));
  auto delay = std::chrono::milliseconds(pick(random_));
  if (deadline_) {
    delay =
        std::min(delay, std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - now));
  }
  backoff_ = std::min(backoff_ * 2, options_.maxBackoff);
  std::weak_ptr<bool> alive = alive_;
  const uint64_t attempt = attempt_;
  retryTimer_.expires_after(delay);
  retryTimer_.async_wait([this, alive, attempt](boost::system::error_code ec) {
    if (ec || !alive.lock() || closed_ || attempt != attempt_) return;
    subscribe();
  });
}

void SchedulerConnection::armHeartbeatTimer() {
  std::weak_ptr<bool> alive = alive_;
  const uint64_t attempt = attempt_;
  heartbeatTimer_.expires_after(heartbeatTimeout_);
  heartbeatTimer_.async_wait([this, alive, attempt](boost::system::error_code ec) {
    if (ec || !alive.lock() || closed_ || attempt != attempt_) return;
    lost("no event for " + seconds(heartbeatTimeout_));
  });
}

void SchedulerConnection::fail(const std::string& why) {
  closed_ = true;
  dropStream();
  if (callbacks_.onFailure) callbacks_.onFailure(why);
}

void SchedulerConnection::send(Call call,
                               std::function<void(const Result<http::Response>&)> answered) {
  calls_.push_back({std::move(call), std::move(answered)});
  pump();
}

// One call at a time, in order: the acknowledgement of the last update must reach the
// master before the TEARDOWN that follows it.
void SchedulerConnection::pump() {
  if (closed_ || !subscribed_ || callInFlight_ || calls_.empty()) return;
  QueuedCall queued = std::move(calls_.front());
  calls_.pop_front();
  *queued.call.mutable_framework_id() = *frameworkId_;
  callInFlight_ = true;
  const uint64_t attempt = attempt_;
  std::weak_ptr<bool> alive = alive_;
  http::Request call = request(queued.call);
  client_.send(*master_, std::move(call),
               [this, alive, attempt, queued](Result<http::Response> response) mutable {
                 if (!alive.lock() || closed_) return;
                 callInFlight_ = false;
                 if (!response || worthRetrying(response->status)) {
                   // Not delivered: the call waits for the next subscription.
                   const std::string why =
                       Call::Type_Name(queued.call.type()) + " was not delivered: " +
                       (response ? describeStatus(response->status, response->body)
                                 : response.error().message);
                   calls_.push_front(std::move(queued));
                   if (attempt == attempt_) return lost(why);
                   return pump();
                 }
                 if (queued.answered) queued.answered(response);
                 pump();
               });
}

}  // namespace mesolite::cli
