#include "cli/execute_scheduler.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <ostream>

#include "common/http_client.h"
#include "common/recordio.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesolite::cli {

namespace asio = boost::asio;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

constexpr const char* kSchedulerPath = "/api/v1/scheduler";
constexpr double kDeclineSeconds = 5;         // before launch: other offers may fit
constexpr double kDeclineAfterLaunch = 3600;  // the one task is launched: no more offers
constexpr auto kTeardownGrace = std::chrono::seconds(10);
constexpr size_t kMaxErrorBody = 4096;

}  // namespace

struct ExecuteScheduler::Impl {
  Impl(asio::io_context& io, ExecuteConfig config, std::ostream& out, std::ostream& err,
       std::function<void(int)> done)
      : io(io),
        client(io),
        config(std::move(config)),
        out(out),
        err(err),
        done(std::move(done)),
        endpoint(this->config.master),
        killTimer(io),
        teardownTimer(io) {}

  asio::io_context& io;
  http::Client client;
  ExecuteConfig config;
  std::ostream& out;
  std::ostream& err;
  std::function<void(int)> done;

  http::Endpoint endpoint;
  std::string path = kSchedulerPath;
  std::shared_ptr<http::StreamHandle> stream;
  recordio::Decoder decoder;
  int streamStatus = 0;
  std::string location;
  std::string errorBody;
  bool redirected = false;

  std::optional<std::string> streamId;
  std::optional<mesos::v1::FrameworkID> frameworkId;
  bool launched = false;
  bool killScheduled = false;
  bool tearingDown = false;
  int pendingExit = 1;
  std::optional<int> exitCode;

  std::deque<Call> calls;
  bool callInFlight = false;

  asio::steady_timer killTimer;
  asio::steady_timer teardownTimer;

  void print(const std::string& text) { out << text << std::flush; }
  void warn(const std::string& text) { err << text << "\n" << std::flush; }

  http::Request request(const Call& call) const {
    http::Request r;
    r.method = "POST";
    r.path = path;
    r.headers["Content-Type"] = std::string(api::mediaType(config.contentType));
    r.headers["Accept"] = std::string(api::mediaType(config.contentType));
    if (streamId) r.headers["Mesos-Stream-Id"] = *streamId;
    if (config.authorization) r.headers["Authorization"] = *config.authorization;
    r.body = api::serialize(call, config.contentType);
    return r;
  }

  void subscribe() {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    *call.mutable_subscribe()->mutable_framework_info() = config.framework;
    streamStatus = 0;
    errorBody.clear();
    decoder = recordio::Decoder();
    http::StreamCallbacks callbacks;
    callbacks.onHeaders = [this](const http::Response& head) { onHeaders(head); };
    callbacks.onData = [this](std::string_view data) { onData(data); };
    callbacks.onEnd = [this](Result<void> end) { onEnd(std::move(end)); };
    stream = client.openStream(endpoint, request(call), std::move(callbacks));
  }

  void onHeaders(const http::Response& head) {
    streamStatus = head.status;
    if (auto it = head.headers.find("Mesos-Stream-Id"); it != head.headers.end()) {
      streamId = it->second;
    }
    if (auto it = head.headers.find("Location"); it != head.headers.end()) location = it->second;
  }

  void onData(std::string_view data) {
    if (exitCode) return;
    if (streamStatus != 200) {
      if (errorBody.size() < kMaxErrorBody) errorBody.append(data.substr(0, kMaxErrorBody));
      return;
    }
    auto records = decoder.decode(data);
    if (!records) {
      warn("Bad event stream from the master at " + endpoint.toString() + ": " +
           records.error().message);
      return finish(1);
    }
    for (const std::string& record : *records) {
      Event event;
      if (auto parsed = api::deserialize(record, config.contentType, &event); !parsed) {
        warn("Bad event from the master: " + parsed.error().message);
        return finish(1);
      }
      handle(event);
      if (exitCode) return;
    }
  }

  void onEnd(Result<void> end) {
    if (exitCode) return;
    if (streamStatus == 307 && !redirected) {
      auto leader = parseLocation(location);
      if (!leader) {
        warn("The master at " + endpoint.toString() + " redirected to '" + location +
             "': " + leader.error().message);
        return finish(1);
      }
      redirected = true;
      print("Redirected to the leading master at " + leader->toString() + "\n");
      endpoint = *leader;
      return subscribe();
    }
    if (streamStatus != 0 && streamStatus != 200) {
      std::string body = errorBody;
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
        body.pop_back();
      warn("Failed to subscribe to the master at " + endpoint.toString() + ": " +
           std::to_string(streamStatus) + " " + std::string(http::reason(streamStatus)) +
           (body.empty() ? "" : ": " + body));
      return finish(1);
    }
    if (tearingDown) return finish(pendingExit);  // the master closed it after TEARDOWN
    warn("Disconnected from the master at " + endpoint.toString() + ": " +
         (end ? std::string("the event stream ended") : end.error().message));
    finish(1);
  }

  // Location of a 307: "//host:port/path" (as Mesos writes it) or "http://host:port/path".
  Result<http::Endpoint> parseLocation(std::string text) {
    if (text.empty()) return Error("no Location header");
    for (const char* scheme : {"http:", "https:"}) {
      if (text.rfind(scheme, 0) == 0) text.erase(0, std::string_view(scheme).size());
    }
    if (text.rfind("//", 0) == 0) text.erase(0, 2);
    if (const size_t slash = text.find('/'); slash != std::string::npos) {
      path = text.substr(slash);
      if (const size_t query = path.find('?'); query != std::string::npos) path.resize(query);
    }
    return http::Endpoint::parse(text);
  }

  void handle(const Event& event) {
    switch (event.type()) {
      case Event::SUBSCRIBED:
        frameworkId = event.subscribed().framework_id();
        print("Subscribed with ID " + frameworkId->value() + "\n");
        if (tearingDown) teardown(pendingExit);  // interrupted while subscribing
        break;
      case Event::OFFERS:
        offers(event.offers());
        break;
      case Event::UPDATE:
        update(event.update().status());
        break;
      case Event::ERROR:
        warn("Received an ERROR event: " + event.error().message());
        finish(1);
        break;
      default:  // HEARTBEAT, RESCIND, MESSAGE, FAILURE, ...: nothing to do for one task
        break;
    }
  }

  void offers(const Event::Offers& offers) {
    if (!frameworkId) return;
    Call decline;
    decline.set_type(Call::DECLINE);
    bool launchedNow = false;
    for (const mesos::v1::Offer& offer : offers.offers()) {
      std::optional<mesos::v1::TaskInfo> task;
      if (!launched && !tearingDown) {
        task = matchOffer(config.task, offer, config.framework.roles(0));
      }
      if (!task) {
        *decline.mutable_decline()->add_offer_ids() = offer.id();
        continue;
      }
      Call accept;
      accept.set_type(Call::ACCEPT);
      *accept.mutable_accept()->add_offer_ids() = offer.id();
      auto* operation = accept.mutable_accept()->add_operations();
      operation->set_type(mesos::v1::Offer::Operation::LAUNCH);
      *operation->mutable_launch()->add_task_infos() = *task;
      accept.mutable_accept()->mutable_filters()->set_refuse_seconds(kDeclineSeconds);
      send(std::move(accept));
      print("Submitted task '" + task->name() + "' to agent '" + offer.agent_id().value() + "'\n");
      launched = true;
      launchedNow = true;
    }
    if (decline.decline().offer_ids_size() > 0) {
      decline.mutable_decline()->mutable_filters()->set_refuse_seconds(
          launched ? kDeclineAfterLaunch : kDeclineSeconds);
      send(std::move(decline));
    }
    if (launchedNow) {
      // One task only: ask the master to stop sending offers.
      Call suppress;
      suppress.set_type(Call::SUPPRESS);
      suppress.mutable_suppress()->add_roles(config.framework.roles(0));
      send(std::move(suppress));
    }
  }

  void update(const mesos::v1::TaskStatus& status) {
    print(formatStatus(status));
    if (status.has_uuid()) {
      Call ack;
      ack.set_type(Call::ACKNOWLEDGE);
      *ack.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
      *ack.mutable_acknowledge()->mutable_task_id() = status.task_id();
      ack.mutable_acknowledge()->set_uuid(status.uuid());
      send(std::move(ack));
    }
    if (status.task_id().value() != config.task.task_id().value()) return;
    if (config.killAfter && status.state() == mesos::v1::TASK_RUNNING && !killScheduled) {
      killScheduled = true;
      killTimer.expires_after(config.killAfter->value);
      killTimer.async_wait([this, taskId = status.task_id(),
                            agentId = status.agent_id()](boost::system::error_code ec) {
        if (ec || exitCode || tearingDown) return;
        print("Asked to kill task '" + taskId.value() + "' on agent '" + agentId.value() + "'\n");
        Call kill;
        kill.set_type(Call::KILL);
        *kill.mutable_kill()->mutable_task_id() = taskId;
        *kill.mutable_kill()->mutable_agent_id() = agentId;
        send(std::move(kill));
      });
    }
    if (isTerminal(status.state())) teardown(status.state() == mesos::v1::TASK_FINISHED ? 0 : 1);
  }

  void send(Call call) {
    if (frameworkId) *call.mutable_framework_id() = *frameworkId;
    calls.push_back(std::move(call));
    pump();
  }

  // One call at a time, in order: the acknowledgement of the last update must reach the
  // master before the TEARDOWN that follows it.
  void pump() {
    if (callInFlight || calls.empty() || exitCode) return;
    Call call = std::move(calls.front());
    calls.pop_front();
    callInFlight = true;
    const Call::Type type = call.type();
    client.send(endpoint, request(call), [this, type](Result<http::Response> response) {
      callInFlight = false;
      if (exitCode) return;
      const std::string name = Call::Type_Name(type);
      if (!response) {
        warn("Failed to send " + name + " to the master: " + response.error().message);
      } else if (response->status != 202 && response->status != 200) {
        warn("The master refused " + name + ": " + std::to_string(response->status) + " " +
             std::string(http::reason(response->status)) +
             (response->body.empty() ? "" : ": " + response->body));
      }
      if (type == Call::TEARDOWN) return finish(pendingExit);
      pump();
    });
  }

  void teardown(int code) {
    if (exitCode) return;
    if (!tearingDown) pendingExit = code;
    tearingDown = true;
    if (!frameworkId) {
      // Not subscribed: nothing to tear down unless SUBSCRIBED is on its way; wait a
      // little for it rather than leave a framework behind.
      if (!stream || streamStatus != 200) return finish(pendingExit);
    } else {
      Call call;
      call.set_type(Call::TEARDOWN);
      send(std::move(call));
    }
    teardownTimer.expires_after(kTeardownGrace);
    teardownTimer.async_wait([this](boost::system::error_code ec) {
      if (ec || exitCode) return;
      warn("The master did not answer TEARDOWN in time; exiting");
      finish(pendingExit);
    });
  }

  void finish(int code) {
    if (exitCode) return;
    exitCode = code;
    killTimer.cancel();
    teardownTimer.cancel();
    if (stream) stream->cancel();
    if (done) done(code);
  }
};

ExecuteScheduler::ExecuteScheduler(asio::io_context& io, ExecuteConfig config, std::ostream& out,
                                   std::ostream& err, std::function<void(int)> done)
    : impl_(std::make_unique<Impl>(io, std::move(config), out, err, std::move(done))) {}

ExecuteScheduler::~ExecuteScheduler() = default;

void ExecuteScheduler::start() {
  impl_->subscribe();
}

void ExecuteScheduler::interrupt(int exitCode) {
  if (impl_->exitCode) return;
  if (impl_->tearingDown) return impl_->finish(exitCode);
  impl_->warn(impl_->frameworkId ? "Interrupted: tearing down the framework"
                                 : "Interrupted before subscribing");
  impl_->teardown(exitCode);
}

std::optional<int> ExecuteScheduler::exitCode() const {
  return impl_->exitCode;
}

}  // namespace mesolite::cli
