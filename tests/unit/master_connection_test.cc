// The agent's MasterConnection follows the leader: a 307 from a master that is not
// leading, a new leader named by its detector (at once, not after the backoff), and no
// leader at all (it waits). The detector is scripted; the masters are in-process fakes.
#include "agent/master_connection.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "common/http_server.h"
#include "tests/support/fake_master.h"
#include "tests/support/running_master_connection.h"
#include "tests/support/scripted_detector.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using testing::FakeMaster;
using testing::ScriptedDetector;

http::Endpoint local(uint16_t port) {
  return {.host = "127.0.0.1", .port = port};
}

// A MasterConnection on its own io_context thread.
class Connection {
 public:
  Connection(std::optional<http::Endpoint> leader, std::chrono::milliseconds backoff)
      : running_(
            [&](boost::asio::io_context& io) {
              auto detector = std::make_unique<ScriptedDetector>(io, leader);
              detector_ = detector.get();
              return detector;
            },
            backoff) {}

  ScriptedDetector& detector() { return *detector_; }
  std::optional<http::Endpoint> master() { return running_.master(); }

 private:
  ScriptedDetector* detector_ = nullptr;  // owned by the connection
  testing::RunningMasterConnection running_;
};

// Answers every call with a 307 to `leaderPort`, as a master that is not leading does.
class Redirector {
 public:
  explicit Redirector(uint16_t leaderPort) : server_(io_) {
    server_.route("/api/v1/agent", [leaderPort](http::Request&&, http::Responder responder) {
      http::Response response;
      response.status = 307;
      response.headers["Location"] = "//127.0.0.1:" + std::to_string(leaderPort) + "/api/v1/agent";
      responder.respond(std::move(response));
    });
    EXPECT_TRUE(server_.listen("127.0.0.1", 0));
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Redirector() {
    boost::asio::post(io_, [this] {
      server_.stop();
      work_.reset();
    });
    thread_.join();
  }
  uint16_t port() const { return server_.port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  http::Server server_;
  std::thread thread_;
};

// A backoff this long means: anything within the test's few seconds happened at once.
constexpr auto kLongBackoff = 10min;

TEST(MasterConnection, FollowsARedirectFromAMasterThatIsNotLeading) {
  FakeMaster leader;
  Redirector follower(leader.port());
  Connection connection(local(follower.port()), kLongBackoff);
  ASSERT_TRUE(leader.waitForSubscription(1, 10s)) << "the 307 was not followed";
  EXPECT_EQ(connection.master(), local(leader.port()));
}

TEST(MasterConnection, SwitchesToANewLeaderAtOnce) {
  FakeMaster first;
  FakeMaster second;
  Connection connection(local(first.port()), kLongBackoff);
  ASSERT_TRUE(first.waitForSubscription(1, 10s));
  connection.detector().setLeader(local(second.port()));
  ASSERT_TRUE(second.waitForSubscription(1, 10s)) << "the new leader was not followed";
  EXPECT_EQ(connection.master(), local(second.port()));
  // The old leader is not subscribed to again.
  EXPECT_FALSE(first.waitForSubscription(2, 300ms));
}

TEST(MasterConnection, KeepsItsStreamWhenTheDetectorLosesSightOfTheLeader) {
  FakeMaster leader;
  Connection connection(local(leader.port()), kLongBackoff);
  ASSERT_TRUE(leader.waitForSubscription(1, 10s));
  connection.detector().setLeader(std::nullopt);
  EXPECT_FALSE(leader.waitForSubscription(2, 300ms));
  EXPECT_EQ(connection.master(), local(leader.port()));
}

TEST(MasterConnection, WaitsForALeaderThenSubscribes) {
  FakeMaster leader;
  Connection connection(std::nullopt, 50ms);
  std::this_thread::sleep_for(300ms);  // a few backoffs with nobody to ask
  EXPECT_EQ(connection.master(), std::nullopt);
  connection.detector().setLeader(local(leader.port()));
  ASSERT_TRUE(leader.waitForSubscription(1, 10s));
}

TEST(MasterConnection, ParseMasterFlagNamesTheFault) {
  boost::asio::io_context io;
  auto scheme = agent::parseMasterFlag(io, "ftp://h:1");
  ASSERT_FALSE(scheme);
  EXPECT_NE(scheme.error().message.find("expected host:port"), std::string::npos);
  auto port = agent::parseMasterFlag(io, "h:notaport");
  ASSERT_FALSE(port);
  EXPECT_NE(port.error().message.find("--master"), std::string::npos);
  auto fixed = agent::parseMasterFlag(io, "127.0.0.1:5050");
  ASSERT_TRUE(fixed) << fixed.error().message;
  ASSERT_TRUE((*fixed)->leader());
  EXPECT_EQ((*fixed)->leader()->endpoint, local(5050));
}

}  // namespace
}  // namespace mesolite
