#include "cli/execute_scheduler.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ostream>

#include "cli/scheduler_connection.h"
#include "common/http_client.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesolite::cli {

namespace asio = boost::asio;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

constexpr double kDeclineSeconds = 5;         // before launch: other offers may fit
constexpr double kDeclineAfterLaunch = 3600;  // the one task is launched: no more offers
constexpr auto kTeardownGrace = std::chrono::seconds(10);
// How long mesos-execute keeps looking for a leader after losing its master: long
// enough for an election and a master restart, short enough not to hang for ever.
constexpr std::chrono::milliseconds kResubscriptionBound = std::chrono::minutes(10);

}  // namespace

struct ExecuteScheduler::Impl {
  Impl(asio::io_context& io, std::unique_ptr<detect::LeaderDetector> detector,
       ExecuteConfig configGiven, std::ostream& out, std::ostream& err,
       std::function<void(int)> done)
      : config(std::move(configGiven)),
        out(out),
        err(err),
        done(std::move(done)),
        killTimer(io),
        teardownTimer(io) {
    SchedulerConnectionOptions options;
    options.contentType = config.contentType;
    options.authorization = config.authorization;
    // The framework's failover time, when longer, is how long the master keeps it.
    options.resubscriptionBound = std::max<std::chrono::milliseconds>(
        kResubscriptionBound,
        std::chrono::milliseconds(int64_t(config.framework.failover_timeout() * 1000)));
    connection = std::make_unique<SchedulerConnection>(
        io, std::move(detector), config.framework, options,
        SchedulerConnection::Callbacks{
            .onEvent = [this](const Event& event) { handle(event); },
            .inform = [this](const std::string& line) { print(line + "\n"); },
            .warn = [this](const std::string& line) { warn(line); },
            .onDisconnected = [this](const std::string& why) { disconnected(why); },
            .onFailure =
                [this](const std::string& why) {
                  warn(why);
                  finish(1);
                }});
  }

  ExecuteConfig config;
  std::ostream& out;
  std::ostream& err;
  std::function<void(int)> done;
  std::unique_ptr<SchedulerConnection> connection;

  std::optional<mesos::v1::FrameworkID> frameworkId;  // from the first SUBSCRIBED
  bool launched = false;
  bool killScheduled = false;
  bool tearingDown = false;
  bool teardownSent = false;
  int pendingExit = 1;
  std::optional<int> exitCode;

  asio::steady_timer killTimer;
  asio::steady_timer teardownTimer;

  void print(const std::string& text) { out << text << std::flush; }
  void warn(const std::string& text) { err << text << "\n" << std::flush; }

  void disconnected(const std::string& why) {
    if (exitCode) return;
    if (teardownSent) return finish(pendingExit);  // the master closed it after TEARDOWN
    warn("Disconnected from " + why + "; finding the leading master again");
  }

  void subscribed(const mesos::v1::FrameworkID& id) {
    if (!frameworkId) {
      frameworkId = id;
      print("Subscribed with ID " + id.value() + "\n");
    } else if (id.value() == frameworkId->value()) {
      print("Re-subscribed with ID " + id.value() + "\n");
    } else {
      // The task belongs to the framework the master forgot: nothing left to follow.
      warn("The master subscribed the framework as " + id.value() + ", not " +
           frameworkId->value() + ": it forgot the framework and its task");
      return finish(1);
    }
    if (tearingDown) teardown(pendingExit);  // interrupted while subscribing
  }

  void handle(const Event& event) {
    switch (event.type()) {
      case Event::SUBSCRIBED:
        subscribed(event.subscribed().framework_id());
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
      connection->setSuppressedRoles({config.framework.roles(0)});  // for a new leader too
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
    const Call::Type type = call.type();
    connection->send(std::move(call), [this, type](const Result<http::Response>& response) {
      if (exitCode) return;
      const std::string name = Call::Type_Name(type);
      if (!response) {
        warn("Failed to send " + name + " to the master: " + response.error().message);
      } else if (response->status != 202 && response->status != 200) {
        warn("The master refused " + name + ": " + std::to_string(response->status) + " " +
             std::string(http::reason(response->status)) +
             (response->body.empty() ? "" : ": " + response->body));
      }
      if (type == Call::TEARDOWN) finish(pendingExit);
    });
  }

  void teardown(int code) {
    if (exitCode) return;
    if (!tearingDown) pendingExit = code;
    tearingDown = true;
    if (!frameworkId) {
      // Not subscribed: nothing to tear down unless SUBSCRIBED is on its way; wait a
      // little for it rather than leave a framework behind.
      if (!connection->subscribing()) return finish(pendingExit);
    } else if (!teardownSent) {
      // Sent once subscribed (now, or after finding the leader again).
      teardownSent = true;
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
    connection->close();
    if (done) done(code);
  }
};

ExecuteScheduler::ExecuteScheduler(asio::io_context& io,
                                   std::unique_ptr<detect::LeaderDetector> detector,
                                   ExecuteConfig config, std::ostream& out, std::ostream& err,
                                   std::function<void(int)> done)
    : impl_(std::make_unique<Impl>(io, std::move(detector), std::move(config), out, err,
                                   std::move(done))) {}

ExecuteScheduler::~ExecuteScheduler() = default;

void ExecuteScheduler::start() {
  impl_->connection->start();
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
