#include "agent/master_connection.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/logging.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using internal::AgentCall;
using internal::AgentEvent;

namespace {

constexpr const char* kProtobuf = "application/x-protobuf";

http::Request post(std::string body, const std::optional<Credential>& credential) {
  http::Request request{.method = "POST", .path = "/api/v1/agent", .body = std::move(body)};
  request.headers["Content-Type"] = kProtobuf;
  request.headers["Accept"] = kProtobuf;
  if (credential) request.headers["Authorization"] = basicAuthorization(*credential);
  return request;
}

}  // namespace

Result<std::unique_ptr<detect::LeaderDetector>> parseMasterFlag(asio::io_context& io,
                                                                const std::string& text,
                                                                detect::DetectorOptions options) {
  // With LIBPROCESS_SSL_ENABLED every connection speaks TLS (as Mesos's agent does);
  // https:// asks for it whatever the environment says.
  const bool knownScheme = text.find("://") == std::string::npos || text.rfind("http://", 0) == 0 ||
                           text.rfind("https://", 0) == 0 || text.rfind("zk://", 0) == 0;
  if (!knownScheme) {
    return Error("--master=" + text +
                 ": expected host:port, http://host:port, https://host:port or zk://...");
  }
  auto detector = detect::LeaderDetector::create(io, text, options);
  if (!detector) return detector.error().wrap("--master");
  return detector;
}

MasterConnection::MasterConnection(asio::io_context& io,
                                   std::unique_ptr<detect::LeaderDetector> detector,
                                   MasterConnectionOptions options, Callbacks callbacks)
    : io_(io),
      detector_(std::move(detector)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      client_(io, {.timeout = std::chrono::seconds(30)}),
      retryTimer_(std::make_unique<asio::steady_timer>(io)),
      pingTimer_(std::make_unique<asio::steady_timer>(io)),
      pingTimeout_(options_.defaultPingTimeout),
      backoff_(options_.backoffFactor) {}

MasterConnection::~MasterConnection() {
  *alive_ = false;
  if (stream_) stream_->cancel();
}

void MasterConnection::start() {
  std::weak_ptr<bool> alive = alive_;
  detector_->onChange([this, alive](const std::optional<detect::Leader>& leader) {
    if (alive.lock()) onLeaderChange(leader);
  });
  subscribe();
}

// As Mesos's agent does on a new detection: whatever the state of the current stream,
// the new leader is the one to talk to, now.
void MasterConnection::onLeaderChange(const std::optional<detect::Leader>& leader) {
  if (!leader) {
    // Our view of ZooKeeper may be what failed; a master that stops leading closes its
    // streams itself, so a working stream is kept until it ends.
    log::warn("no leading master is known now{}",
              stream_ && master_ ? "; keeping the stream to " + master_->toString() : "");
    return;
  }
  const bool connecting = stream_ != nullptr;
  if (connecting && master_ == leader->endpoint) return;  // already there, or on the way
  log::info("the leading master is now at {}", leader->endpoint.toString());
  if (connecting) log::warn("leaving the master at {}: it no longer leads", master_->toString());
  dropStream();
  backoff_ = options_.backoffFactor;
  subscribe();
}

void MasterConnection::subscribe(std::optional<http::Endpoint> redirectedTo) {
  const uint64_t attempt = ++attempt_;
  redirected_ = redirectedTo.has_value();
  if (redirectedTo) {
    master_ = std::move(redirectedTo);
  } else if (auto leader = detector_->leader()) {
    master_ = leader->endpoint;
  } else {
    master_.reset();
    if (!reportedNoLeader_) log::warn("no leading master is known yet; waiting for one");
    reportedNoLeader_ = true;
    retryAfterBackoff();
    return;
  }
  reportedNoLeader_ = false;
  decoder_.emplace();
  headStatus_ = 0;
  location_.clear();
  errorBody_.clear();
  AgentCall call;
  call.set_type(AgentCall::SUBSCRIBE);
  *call.mutable_subscribe() = callbacks_.subscribe();
  if (call.subscribe().agent_info().has_id()) {
    *call.mutable_agent_id() = call.subscribe().agent_info().id();
  }
  log::info("subscribing to the master at {}{}", master_->toString(),
            call.subscribe().agent_info().has_id()
                ? " as agent " + call.subscribe().agent_info().id().value()
                : std::string());
  std::weak_ptr<bool> alive = alive_;
  stream_ = client_.openStream(*master_, post(call.SerializeAsString(), options_.credential),
                               {.onHeaders =
                                    [this, alive, attempt](const http::Response& head) {
                                      if (alive.lock()) onHeaders(attempt, head);
                                    },
                                .onData =
                                    [this, alive, attempt](std::string_view data) {
                                      if (alive.lock()) onData(attempt, data);
                                    },
                                .onEnd =
                                    [this, alive, attempt](Result<void> end) {
                                      if (alive.lock()) onEnd(attempt, std::move(end));
                                    }});
  armPingTimer();
}

void MasterConnection::onHeaders(uint64_t attempt, const http::Response& head) {
  if (attempt != attempt_) return;
  headStatus_ = head.status;
  if (head.status == 200) {
    streamId_ = head.headers.count("Mesos-Stream-Id") ? head.headers.at("Mesos-Stream-Id") : "";
  }
  if (head.status == 307 && head.headers.count("Location")) location_ = head.headers.at("Location");
}

void MasterConnection::onData(uint64_t attempt, std::string_view data) {
  if (attempt != attempt_) return;
  if (headStatus_ != 200) {
    if (errorBody_.size() < 4096) errorBody_.append(data.substr(0, 4096));
    return;
  }
  auto records = decoder_->decode(data);
  if (!records) return disconnect("bad event stream: " + records.error().message);
  for (const std::string& record : *records) {
    AgentEvent event;
    if (!event.ParseFromString(record)) return disconnect("an event is not a valid AgentEvent");
    // Acknowledgements and pings are cheap and touch no task's order: they go ahead of
    // a burst of RUN_TASKs, so the tasks launched first report RUNNING without waiting
    // for the whole burst (each update waits for the ack of the one before).
    // Nothing overtakes SUBSCRIBED: until it is handled, every event waits in order.
    const bool urgent = subscribed_ && (event.type() == AgentEvent::ACKNOWLEDGE_UPDATE ||
                                        event.type() == AgentEvent::PING);
    (urgent ? urgent_ : pending_).push_back(std::move(event));
  }
  if ((!pending_.empty() || !urgent_.empty()) && !draining_) {
    draining_ = true;
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), attempt] {
      if (alive.lock()) drain(attempt);
    });
  }
}

// One event per turn of the event loop: a burst of RUN_TASKs (an ACCEPT of many tasks)
// must not hold back the status updates of the tasks launched first.
void MasterConnection::drain(uint64_t attempt) {
  auto& queue = urgent_.empty() ? pending_ : urgent_;
  if (attempt != attempt_ || queue.empty()) {
    draining_ = false;
    return;
  }
  AgentEvent event = std::move(queue.front());
  queue.pop_front();
  handle(attempt, event);
  // Done, or the handler dropped the stream.
  if (attempt != attempt_ || (pending_.empty() && urgent_.empty())) {
    draining_ = false;
    return;
  }
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), attempt] {
    if (alive.lock()) drain(attempt);
  });
}

void MasterConnection::onEnd(uint64_t attempt, Result<void> end) {
  if (attempt != attempt_) return;
  if (headStatus_ == 307 && !redirected_) {
    // A master that is not (or no longer) leading names the leader: go there now.
    auto redirect = http::parseRedirect(location_, *master_);
    if (!redirect) {
      return disconnect(
          "the master at " + master_->toString() +
          " is not leading and its redirect is unusable: " + redirect.error().message);
    }
    log::info("the master at {} is not leading; following its redirect to {}", master_->toString(),
              redirect->endpoint.toString());
    dropStream();
    return subscribe(redirect->endpoint);
  }
  if (headStatus_ != 0 && headStatus_ != 200) {
    return disconnect("the master answered " + std::to_string(headStatus_) +
                      (errorBody_.empty() ? "" : ": " + errorBody_));
  }
  disconnect(end ? "the master closed the event stream" : end.error().message);
}

void MasterConnection::handle(uint64_t attempt, const AgentEvent& event) {
  armPingTimer();  // any event shows the master is there
  if (!subscribed_ && event.type() != AgentEvent::SUBSCRIBED) {
    return disconnect("the first event is " + AgentEvent::Type_Name(event.type()) +
                      ", not SUBSCRIBED");
  }
  switch (event.type()) {
    case AgentEvent::SUBSCRIBED: {
      const auto& subscribed = event.subscribed();
      if (subscribed.agent_id().value().empty()) return disconnect("SUBSCRIBED has no agent id");
      subscribed_ = true;
      agentId_ = subscribed.agent_id().value();
      backoff_ = options_.backoffFactor;
      if (subscribed.ping_timeout_seconds() > 0) {
        pingTimeout_ = std::chrono::milliseconds(int64_t(subscribed.ping_timeout_seconds() * 1000));
      } else if (subscribed.ping_interval_seconds() > 0) {
        pingTimeout_ =
            std::chrono::milliseconds(int64_t(subscribed.ping_interval_seconds() * 5000));
      }
      armPingTimer();
      log::info("subscribed to the master at {} as agent {} (stream {})", master_->toString(),
                agentId_, streamId_);
      if (callbacks_.onSubscribed) callbacks_.onSubscribed(subscribed);
      return;
    }
    case AgentEvent::PING: {
      AgentCall pong;
      pong.set_type(AgentCall::PONG);
      if (event.ping().has_sequence()) pong.mutable_pong()->set_sequence(event.ping().sequence());
      send(std::move(pong));
      return;
    }
    default:
      if (callbacks_.onEvent) callbacks_.onEvent(event);
      (void)attempt;
  }
}

bool MasterConnection::send(AgentCall call) {
  if (!subscribed_) return false;
  call.mutable_agent_id()->set_value(agentId_);
  http::Request request = post(call.SerializeAsString(), options_.credential);
  request.headers["Mesos-Stream-Id"] = streamId_;
  const uint64_t attempt = attempt_;
  const auto type = call.type();
  std::weak_ptr<bool> alive = alive_;
  client_.send(*master_, std::move(request),
               [this, alive, attempt, type](Result<http::Response> response) {
                 if (!alive.lock() || attempt != attempt_) return;
                 if (!response) {
                   log::warn("{} to the master failed: {}", AgentCall::Type_Name(type),
                             response.error().message);
                   return;
                 }
                 if (response->status == 202 || response->status == 200) return;
                 if (response->status == 403) {
                   return disconnect("the master answered 403 to " + AgentCall::Type_Name(type) +
                                     ": " + response->body);
                 }
                 log::warn("the master answered {} to {}: {}", response->status,
                           AgentCall::Type_Name(type), response->body);
               });
  return true;
}

void MasterConnection::disconnect(const std::string& why) {
  const std::string where = master_ ? master_->toString() : "(none)";
  dropStream();
  const auto delay = retryAfterBackoff();
  log::warn("lost the master at {}: {}; subscribing again in {} ms", where, why, delay.count());
}

void MasterConnection::dropStream() {
  const bool was = subscribed_;
  ++attempt_;  // every callback of the old stream is stale from now on
  subscribed_ = false;
  pending_.clear();
  urgent_.clear();
  draining_ = false;
  pingTimer_->cancel();
  retryTimer_->cancel();
  if (stream_) {
    auto stream = std::move(stream_);
    stream->cancel();
  }
  if (was && callbacks_.onDisconnected) callbacks_.onDisconnected();
}

std::chrono::milliseconds MasterConnection::retryAfterBackoff() {
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(backoff_.count(), 0));
  const std::chrono::milliseconds delay(pick(random_));
  backoff_ = std::min(backoff_ * 2, options_.maxBackoff);
  if (backoff_.count() == 0) backoff_ = std::chrono::milliseconds(1);
  std::weak_ptr<bool> alive = alive_;
  const uint64_t attempt = attempt_;
  retryTimer_->expires_after(delay);
  retryTimer_->async_wait([this, alive, attempt](const boost::system::error_code& ec) {
    if (ec || !alive.lock() || attempt != attempt_) return;
    subscribe();
  });
  return delay;
}

void MasterConnection::armPingTimer() {
  std::weak_ptr<bool> alive = alive_;
  const uint64_t attempt = attempt_;
  pingTimer_->expires_after(pingTimeout_);
  pingTimer_->async_wait([this, alive, attempt](const boost::system::error_code& ec) {
    if (ec || !alive.lock() || attempt != attempt_) return;
    disconnect("no event from the master for " + std::to_string(pingTimeout_.count()) + " ms");
  });
}

}  // namespace mesolite::agent
