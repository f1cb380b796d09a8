// mesos-execute against an in-process fake master that speaks just enough of the v1
// Scheduler API: the binary runs as a subprocess, in JSON and in protobuf.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include "common/api_codec.h"
#include "common/http_server.h"
#include "common/recordio.h"
#include "common/resources.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string executePath() {
  const char* path = std::getenv("MESOLITE_EXECUTE");
  return path ? path : "cli/mesos-execute";
}

// kDropStream: the first stream ends right after SUBSCRIBED, then all goes as kFinished.
// kRestart: after the first acknowledgement the master dies and comes back on the same
// port knowing nothing but what the re-SUBSCRIBE says; it offers again, and the task
// finishes (as its agent re-sends the update).
enum class Ending { kFinished, kFailed, kKilledOnKill, kNever, kError, kDropStream, kRestart };

struct Received {
  Call call;
  std::optional<std::string> streamId;
  std::string contentType;
};

// The master: SUBSCRIBE opens the stream with SUBSCRIBED and one OFFERS (a small
// offer and one that fits); ACCEPT starts the task (TASK_RUNNING); the first ACKNOWLEDGE
// ends it as `ending` says; TEARDOWN closes the stream. A second server answers
// every request with a 307 to the first, as a non-leading master does.
class FakeMaster {
 public:
  explicit FakeMaster(Ending ending) : ending_(ending), redirector_(io_) {
    listen(0);
    port_ = server_->port();
    redirector_.route("/api/v1/scheduler", [this](http::Request&&, http::Responder responder) {
      http::Response response;
      response.status = 307;
      response.headers["Location"] = "//127.0.0.1:" + std::to_string(port_) + "/api/v1/scheduler";
      responder.respond(std::move(response));
    });
    EXPECT_TRUE(redirector_.listen("127.0.0.1", 0));
    thread_ = std::thread([this] { io_.run(); });
  }

  ~FakeMaster() {
    boost::asio::post(io_, [this] {
      if (stream_) stream_->close();
      server_->stop();
      redirector_.stop();
      work_.reset();
    });
    io_.stop();
    thread_.join();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string redirectorAddress() const {
    return "127.0.0.1:" + std::to_string(redirector_.port());
  }

  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<std::string> callTypes() {
    std::vector<std::string> types;
    for (const auto& r : received())
      types.push_back(Call::Type_Name(r.call.type()));
    return types;
  }

 private:
  void send(const Event& event) {
    if (stream_) stream_->write(recordio::encode(api::serialize(event, type_)));
  }

  void update(mesos::v1::TaskState state, const std::string& uuid, const std::string& message) {
    Event event;
    event.set_type(Event::UPDATE);
    auto* status = event.mutable_update()->mutable_status();
    status->mutable_task_id()->set_value(taskId_);
    status->mutable_agent_id()->set_value("S1");
    status->set_state(state);
    status->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
    if (!message.empty()) status->set_message(message);
    if (state == mesos::v1::TASK_FAILED) {
      status->set_reason(mesos::v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
    }
    status->set_uuid(uuid);
    send(event);
  }

  static mesos::v1::Offer offer(const std::string& id, const std::string& resources) {
    mesos::v1::Offer offer;
    offer.mutable_id()->set_value(id);
    offer.mutable_framework_id()->set_value("F1");
    offer.mutable_agent_id()->set_value("S1");
    offer.set_hostname("agent1");
    offer.mutable_allocation_info()->set_role("*");
    for (auto resource : Resources::parse(resources)->toProtos()) {
      resource.mutable_allocation_info()->set_role("*");
      *offer.add_resources() = resource;
    }
    return offer;
  }

  void handle(http::Request&& request, http::Responder responder) {
    Call call;
    http::Response failure;
    auto types = api::parseCall(request, &call, &failure);
    if (!types) return responder.respond(std::move(failure));
    {
      std::lock_guard lock(mutex_);
      received_.push_back(
          {call, request.header("Mesos-Stream-Id"), request.header("Content-Type").value_or("")});
    }
    http::Response accepted;
    accepted.status = 202;

    switch (call.type()) {
      case Call::SUBSCRIBE: {
        if (restarted_ && call.subscribe().framework_info().id().value() != "F1") {
          return responder.respond(http::Response::badRequest("expected framework F1 back"));
        }
        type_ = types->response;
        http::Headers headers;
        headers["Content-Type"] = std::string(api::mediaType(type_));
        headers["Mesos-Stream-Id"] = "stream-1";
        stream_ = responder.stream(200, headers);
        Event subscribed;
        subscribed.set_type(Event::SUBSCRIBED);
        subscribed.mutable_subscribed()->mutable_framework_id()->set_value("F1");
        subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
        send(subscribed);
        Event heartbeat;
        heartbeat.set_type(Event::HEARTBEAT);
        send(heartbeat);
        if (ending_ == Ending::kError) {
          Event error;
          error.set_type(Event::ERROR);
          error.mutable_error()->set_message("Framework has been removed");
          send(error);
          return;
        }
        if (ending_ == Ending::kDropStream && ++subscriptions_ == 1) {
          stream_->close();
          return;
        }
        Event offers;
        offers.set_type(Event::OFFERS);
        *offers.mutable_offers()->add_offers() = offer("O0", "cpus:0.5;mem:1024");
        *offers.mutable_offers()->add_offers() = offer("O1", "cpus:4;mem:4096;disk:1000");
        send(offers);
        // Back from the dead: the agent re-sends the task's next update.
        if (restarted_) update(mesos::v1::TASK_FINISHED, "uuid-2", "Command exited with status 0");
        return;
      }
      case Call::ACCEPT:
        responder.respond(std::move(accepted));
        if (call.accept().operations_size() == 1 &&
            call.accept().operations(0).launch().task_infos_size() == 1) {
          taskId_ = call.accept().operations(0).launch().task_infos(0).task_id().value();
        }
        update(mesos::v1::TASK_RUNNING, "uuid-1", "");
        return;
      case Call::ACKNOWLEDGE:
        responder.respond(std::move(accepted));
        if (call.acknowledge().uuid() != "uuid-1") return;
        if (ending_ == Ending::kRestart) return restart();
        if (ending_ == Ending::kFinished || ending_ == Ending::kDropStream) {
          update(mesos::v1::TASK_FINISHED, "uuid-2", "Command exited with status 0");
        } else if (ending_ == Ending::kFailed) {
          update(mesos::v1::TASK_FAILED, "uuid-2", "Command exited with status 1");
        }
        return;
      case Call::KILL:
        responder.respond(std::move(accepted));
        if (ending_ == Ending::kKilledOnKill) {
          update(mesos::v1::TASK_KILLED, "uuid-2", "Command terminated with signal Terminated");
        }
        return;
      case Call::TEARDOWN:
        responder.respond(std::move(accepted));
        if (stream_) stream_->close();
        return;
      default:
        return responder.respond(std::move(accepted));
    }
  }

  void listen(uint16_t port) {
    server_ = std::make_unique<http::Server>(io_);
    server_->route("/api/v1/scheduler", [this](http::Request&& request, http::Responder responder) {
      handle(std::move(request), std::move(responder));
    });
    auto listening = server_->listen("127.0.0.1", port);
    EXPECT_TRUE(listening) << listening.error().message;
  }

  // Dies (the stream and the listening socket go), and comes back on the same port
  // a little later.
  void restart() {
    boost::asio::post(io_, [this] {
      if (stream_) stream_->close();
      stream_.reset();
      server_->stop();
      dead_.push_back(std::move(server_));
      restartTimer_.expires_after(300ms);
      restartTimer_.async_wait([this](boost::system::error_code) {
        restarted_ = true;
        listen(port_);
      });
    });
  }

  Ending ending_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::unique_ptr<http::Server> server_;
  std::vector<std::unique_ptr<http::Server>> dead_;  // stopped; kept for their handlers
  uint16_t port_ = 0;
  boost::asio::steady_timer restartTimer_{io_};
  bool restarted_ = false;
  int subscriptions_ = 0;
  http::Server redirector_;
  std::thread thread_;
  std::shared_ptr<http::ResponseStream> stream_;
  api::ContentType type_ = api::ContentType::kJson;
  std::string taskId_ = "cluster-test";
  std::mutex mutex_;
  std::vector<Received> received_;
};

std::vector<std::string> executeArgs(const std::string& master, const std::string& contentType) {
  return {executePath(), "--master=" + master, "--name=cluster-test", "--command=echo hello",
          "--content_type=" + contentType};
}

class ExecuteAgainstFakeMaster : public ::testing::TestWithParam<std::string> {};

TEST_P(ExecuteAgainstFakeMaster, LaunchesAcknowledgesAndTearsDown) {
  FakeMaster master(Ending::kFinished);
  auto result = testing::run(executeArgs(master.address(), GetParam()));
  EXPECT_EQ(result.exitCode(), 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("Subscribed with ID F1\n"));
  EXPECT_THAT(result.out, HasSubstr("Submitted task 'cluster-test' to agent 'S1'\n"));
  EXPECT_THAT(result.out, HasSubstr("Received status update TASK_RUNNING for task 'cluster-test'\n"
                                    "  source: SOURCE_EXECUTOR\n"));
  EXPECT_THAT(result.out, HasSubstr("Received status update TASK_FINISHED for task 'cluster-test'\n"
                                    "  message: 'Command exited with status 0'\n"
                                    "  source: SOURCE_EXECUTOR\n"));

  EXPECT_THAT(master.callTypes(),
              ::testing::ElementsAre("SUBSCRIBE", "ACCEPT", "DECLINE", "SUPPRESS", "ACKNOWLEDGE",
                                     "ACKNOWLEDGE", "TEARDOWN"));
  const std::string mediaType =
      GetParam() == "json" ? "application/json" : "application/x-protobuf";
  for (const Received& r : master.received()) {
    EXPECT_EQ(r.contentType, mediaType);
    if (r.call.type() == Call::SUBSCRIBE) {
      const auto& framework = r.call.subscribe().framework_info();
      EXPECT_EQ(framework.name(), "mesos-execute instance");
      EXPECT_FALSE(framework.user().empty());
      EXPECT_EQ(framework.roles(0), "*");
      continue;
    }
    EXPECT_EQ(r.streamId, "stream-1") << Call::Type_Name(r.call.type());
    EXPECT_EQ(r.call.framework_id().value(), "F1");
  }

  auto received = master.received();
  const Call& accept = received[1].call;
  ASSERT_EQ(accept.accept().offer_ids_size(), 1);
  EXPECT_EQ(accept.accept().offer_ids(0).value(), "O1");
  const auto& task = accept.accept().operations(0).launch().task_infos(0);
  EXPECT_EQ(task.name(), "cluster-test");
  EXPECT_EQ(task.task_id().value(), "cluster-test");
  EXPECT_EQ(task.agent_id().value(), "S1");
  EXPECT_TRUE(task.command().shell());
  EXPECT_EQ(task.command().value(), "echo hello");
  auto resources = Resources::fromProtos(task.resources());
  ASSERT_TRUE(resources) << resources.error().message;
  EXPECT_EQ(resources->cpus(), 1.0);
  EXPECT_EQ(resources->mem(), 128.0);
  EXPECT_FALSE(resources->disk());
  for (const auto& r : task.resources())
    EXPECT_EQ(r.allocation_info().role(), "*");
  EXPECT_EQ(received[2].call.decline().offer_ids(0).value(), "O0");
  EXPECT_EQ(received[4].call.acknowledge().uuid(), "uuid-1");
  EXPECT_EQ(received[4].call.acknowledge().agent_id().value(), "S1");
  EXPECT_EQ(received[4].call.acknowledge().task_id().value(), "cluster-test");
  EXPECT_EQ(received[5].call.acknowledge().uuid(), "uuid-2");
}

TEST_P(ExecuteAgainstFakeMaster, FailedTaskExitsOne) {
  FakeMaster master(Ending::kFailed);
  auto result = testing::run(executeArgs(master.address(), GetParam()));
  EXPECT_EQ(result.exitCode(), 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("Received status update TASK_FAILED for task 'cluster-test'\n"
                                    "  message: 'Command exited with status 1'\n"
                                    "  source: SOURCE_EXECUTOR\n"
                                    "  reason: REASON_COMMAND_EXECUTOR_FAILED\n"));
  auto types = master.callTypes();
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.back(), "TEARDOWN");
}

INSTANTIATE_TEST_SUITE_P(ContentTypes, ExecuteAgainstFakeMaster,
                         ::testing::Values("json", "protobuf"));

TEST(Execute, FollowsARedirectToTheLeader) {
  FakeMaster master(Ending::kFinished);
  auto result = testing::run(executeArgs(master.redirectorAddress(), "json"));
  EXPECT_EQ(result.exitCode(), 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("Redirected to the leading master at " + master.address()));
  EXPECT_EQ(master.callTypes().back(), "TEARDOWN");
}

TEST(Execute, KillAfter) {
  FakeMaster master(Ending::kKilledOnKill);
  auto args = executeArgs(master.address(), "protobuf");
  args.push_back("--kill_after=100ms");
  auto result = testing::run(args);
  EXPECT_EQ(result.exitCode(), 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("Asked to kill task 'cluster-test' on agent 'S1'\n"));
  EXPECT_THAT(result.out, HasSubstr("Received status update TASK_KILLED"));
  auto types = master.callTypes();
  EXPECT_NE(std::find(types.begin(), types.end(), "KILL"), types.end());
  EXPECT_EQ(types.back(), "TEARDOWN");
}

TEST(Execute, ErrorEventExitsOne) {
  FakeMaster master(Ending::kError);
  auto result = testing::run(executeArgs(master.address(), "json"));
  EXPECT_EQ(result.exitCode(), 1);
  EXPECT_THAT(result.err, HasSubstr("Received an ERROR event: Framework has been removed"));
}

TEST(Execute, ADroppedStreamIsFollowedByANewSubscription) {
  FakeMaster master(Ending::kDropStream);
  auto result = testing::run(executeArgs(master.address(), "json"));
  EXPECT_EQ(result.exitCode(), 0) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("Disconnected from the master at " + master.address()));
  EXPECT_THAT(result.out, HasSubstr("Re-subscribed with ID F1\n"));
  EXPECT_THAT(master.callTypes(),
              ::testing::ElementsAre("SUBSCRIBE", "SUBSCRIBE", "ACCEPT", "DECLINE", "SUPPRESS",
                                     "ACKNOWLEDGE", "ACKNOWLEDGE", "TEARDOWN"));
  const auto received = master.received();
  const Call& again = received[1].call;
  EXPECT_EQ(again.framework_id().value(), "F1");
  EXPECT_EQ(again.subscribe().framework_info().id().value(), "F1");
  EXPECT_EQ(received[1].streamId, std::nullopt) << "a SUBSCRIBE carries no stream id";
}

// The master dies after the task runs and comes back on the same address: mesos-execute
// finds it again, re-subscribes as F1, declines the new offers (the task is not
// launched twice) and still prints and acknowledges the task's end.
TEST(Execute, SurvivesAMasterRestart) {
  FakeMaster master(Ending::kRestart);
  auto result = testing::run(executeArgs(master.address(), "protobuf"));
  EXPECT_EQ(result.exitCode(), 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("Subscribed with ID F1\n"));
  EXPECT_THAT(result.out, HasSubstr("Re-subscribed with ID F1\n"));
  EXPECT_THAT(result.out,
              HasSubstr("Received status update TASK_FINISHED for task 'cluster-test'"));
  EXPECT_THAT(result.err, HasSubstr("Disconnected from the master at " + master.address()));

  const auto types = master.callTypes();
  EXPECT_EQ(std::count(types.begin(), types.end(), "ACCEPT"), 1) << "launched twice";
  EXPECT_EQ(types.back(), "TEARDOWN");
  std::vector<Call> subscribes;
  for (const Received& r : master.received()) {
    if (r.call.type() == Call::SUBSCRIBE) subscribes.push_back(r.call);
  }
  ASSERT_EQ(subscribes.size(), 2u);
  EXPECT_FALSE(subscribes[0].subscribe().framework_info().has_id());
  EXPECT_EQ(subscribes[1].subscribe().framework_info().id().value(), "F1");
  EXPECT_EQ(subscribes[1].framework_id().value(), "F1");
  // The new master hears that the framework wants no more offers.
  ASSERT_EQ(subscribes[1].subscribe().suppressed_roles_size(), 1);
  EXPECT_EQ(subscribes[1].subscribe().suppressed_roles(0), "*");
  // The update the restarted master relayed is acknowledged to it.
  bool acknowledgedAfterRestart = false;
  for (const Received& r : master.received()) {
    if (r.call.type() == Call::ACKNOWLEDGE && r.call.acknowledge().uuid() == "uuid-2") {
      acknowledgedAfterRestart = true;
    }
  }
  EXPECT_TRUE(acknowledgedAfterRestart);
}

// --master names a master that is not leading: its 307 is followed at the first
// subscription and again at the re-subscription after the stream is lost.
TEST(Execute, FollowsARedirectAgainAfterLosingTheStream) {
  FakeMaster master(Ending::kDropStream);
  auto result = testing::run(executeArgs(master.redirectorAddress(), "json"));
  EXPECT_EQ(result.exitCode(), 0) << result.out << result.err;
  const std::string redirected = "Redirected to the leading master at " + master.address();
  const size_t first = result.out.find(redirected);
  ASSERT_NE(first, std::string::npos) << result.out;
  EXPECT_NE(result.out.find(redirected, first + 1), std::string::npos) << result.out;
  EXPECT_THAT(result.out, HasSubstr("Re-subscribed with ID F1\n"));
  EXPECT_EQ(master.callTypes().back(), "TEARDOWN");
}

TEST(Execute, KeepsTryingWhileNoMasterAnswers) {
  // Nothing listens on port 1; the first subscription's bound is a minute, so only
  // the message is checked here, then the run is interrupted.
  testing::Subprocess execute(executeArgs("127.0.0.1:1", "json"));
  ASSERT_TRUE(execute.waitForLine("Failed to subscribe to the master at 127.0.0.1:1", 10s))
      << execute.err();
  auto status = execute.stop(SIGTERM, 10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
}

TEST(Execute, SigtermTearsDownTheFramework) {
  FakeMaster master(Ending::kNever);
  testing::Subprocess execute(executeArgs(master.address(), "json"));
  ASSERT_TRUE(execute.waitForLine("TASK_RUNNING", 10s)) << execute.out() << execute.err();
  // Let the acknowledgement go out first so the last call is the TEARDOWN.
  for (int i = 0; i < 100 && master.callTypes().size() < 5; ++i)
    std::this_thread::sleep_for(10ms);
  auto status = execute.stop(SIGTERM, 10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
  EXPECT_EQ(master.callTypes().back(), "TEARDOWN");
}

TEST(Execute, BadFlagsNameTheFlag) {
  auto result = testing::run(
      {executePath(), "--master=127.0.0.1:1", "--name=t", "--command=true", "--content_type=xml"});
  EXPECT_EQ(result.exitCode(), 1);
  EXPECT_THAT(result.err, HasSubstr("--content_type"));
  auto help = testing::run({executePath(), "--help"});
  EXPECT_EQ(help.exitCode(), 0);
  EXPECT_THAT(help.out, HasSubstr("--kill_after=VALUE"));
}

}  // namespace
}  // namespace mesolite

namespace mesolite {
namespace {

// mesos-ps (through `mesos ps`) against a fake master whose one agent is itself.
TEST(MesosPs, TableFromStateAndStatistics) {
  const char* ps = std::getenv("MESOLITE_MESOS");
  ASSERT_NE(ps, nullptr);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  http::Server server(io);
  ASSERT_TRUE(server.listen("127.0.0.1", 0));
  const std::string address = "127.0.0.1:" + std::to_string(server.port());
  server.route("/master/state", [address](http::Request&&, http::Responder responder) {
    responder.respond(http::Response::json(200, R"({
      "frameworks": [{"id": "F1", "name": "fw", "user": "root", "tasks": [
        {"id": "t1", "name": "t1", "framework_id": "F1", "executor_id": "", "slave_id": "S1",
         "state": "TASK_RUNNING", "resources": {"cpus": 1, "mem": 128}},
        {"id": "t2", "name": "t2", "framework_id": "F1", "executor_id": "", "slave_id": "S2",
         "state": "TASK_RUNNING", "resources": {"cpus": 2, "mem": 256}}]}],
      "slaves": [{"id": "S1", "hostname": "a1", "pid": "slave(1)@)" +
                                                    address + R"("},
                 {"id": "S2", "hostname": "a2", "pid": "slave(1)@127.0.0.1:1"}]})"));
  });
  server.route("/monitor/statistics", [](http::Request&&, http::Responder responder) {
    responder.respond(http::Response::json(200, R"([{"executor_id": "t1", "framework_id": "F1",
      "statistics": {"cpus_limit": 1.1, "cpus_user_time_secs": 1, "cpus_system_time_secs": 0.5,
                     "mem_rss_bytes": 1048576, "mem_limit_bytes": 167772160}}])"));
  });
  std::thread thread([&] { io.run(); });
  auto result = testing::run({ps, "ps", "--master=" + address});
  boost::asio::post(io, [&] {
    server.stop();
    work.reset();
  });
  io.stop();
  thread.join();
  EXPECT_EQ(result.exitCode(), 0) << result.err;
  EXPECT_EQ(
      result.out,
      "USER    FRAMEWORK    TASK      SLAVE              MEM                TIME              "
      "CPU (allocated)\n"
      "root    fw           t1        a1                 1.0 MB/160.0 MB    00:00:01.500000   "
      "1.1\n"
      "root    fw           t2        a2                 -/256.0 MB         -                 "
      "2.0\n");
}

}  // namespace
}  // namespace mesolite
