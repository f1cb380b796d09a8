// Clients finding the leader in a real ZooKeeper (tests/support/zookeeper_server.h; the
// test skips, saying why, without java or the jar): mesos-resolve prints the leader a
// json.info_ znode names, and the agent's MasterConnection moves to a new leader when
// the znodes change. The masters are in-process fakes; the znodes are written here as
// Mesos's masters write them. No root.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

#include "agent/master_connection.h"
#include "common/protobuf_json.h"
#include "common/zookeeper.h"
#include "common/zookeeper_url.h"
#include "tests/support/fake_master.h"
#include "tests/support/running_master_connection.h"
#include "tests/support/shared_zookeeper.h"
#include "tests/support/subprocess.h"
#include "tests/support/zookeeper_server.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using testing::FakeMaster;
using testing::ZooKeeperServer;

constexpr auto kSessionTimeout = 4s;

std::string binary(const char* variable, const char* fallback) {
  const char* path = std::getenv(variable);
  return path ? path : fallback;
}
std::string resolvePath() {
  return binary("MESOLITE_RESOLVE", "cli/mesos-resolve");
}

ZooKeeperServer* server() {
  return testing::sharedZooKeeperServer();
}

#define REQUIRE_SERVER() REQUIRE_SHARED_ZOOKEEPER()

// Writes the group's znodes as Mesos's masters do, through its own session and loop.
class Group {
 public:
  explicit Group(const std::string& url) : guard_(boost::asio::make_work_guard(io_)) {
    auto parsed = zk::parseUrl(url);
    EXPECT_TRUE(parsed) << parsed.error().message;
    path_ = parsed->path;
    auto session = zk::Session::create(io_, *parsed, kSessionTimeout, {});
    EXPECT_TRUE(session) << session.error().message;
    session_ = std::move(*session);
    EXPECT_TRUE(runUntil([&] { return session_->connected(); })) << "no ZooKeeper session";
    auto created = await<zk::Nothing>([&](auto done) { session_->createPath(path_, done); });
    EXPECT_TRUE(created.ok()) << created.error().message;
  }

  // A member named json.info_<sequence> holding `info` as JSON; returns its path.
  std::string join(const mesos::v1::MasterInfo& info) {
    auto created = await<std::string>([&](auto done) {
      session_->create(path_ + "/json.info_", toJsonString(info), ZOO_SEQUENCE, done);
    });
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.value;
  }

  void leave(const std::string& member) {
    auto removed = await<zk::Nothing>([&](auto done) { session_->remove(member, -1, done); });
    EXPECT_TRUE(removed.ok()) << removed.error().message;
  }

 private:
  template <typename Predicate>
  bool runUntil(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(10ms);
    }
    return true;
  }

  template <typename T>
  zk::Reply<T> await(std::function<void(std::function<void(zk::Reply<T>)>)> start) {
    std::optional<zk::Reply<T>> reply;
    start([&](zk::Reply<T> r) { reply = std::move(r); });
    EXPECT_TRUE(runUntil([&] { return reply.has_value(); }));
    return reply ? std::move(*reply) : zk::Reply<T>{ZOPERATIONTIMEOUT, "timeout", {}};
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::shared_ptr<zk::Session> session_;
  std::string path_;
};

TEST(HaDetection, MesosResolvePrintsTheLeaderOfAZooKeeperGroup) {
  REQUIRE_SERVER();
  const std::string url = server()->url("/resolve/mesos");
  Group group(url);
  const std::string leader = group.join(testing::loopbackMasterInfo("leader", 15050));
  const std::string follower = group.join(testing::loopbackMasterInfo("follower", 15051));

  auto resolved = testing::run({resolvePath(), url});
  EXPECT_EQ(resolved.exitCode(), 0) << resolved.err;
  EXPECT_EQ(resolved.out, "127.0.0.1:15050\n");

  // The lowest member leaves: the next one leads.
  group.leave(leader);
  auto next = testing::run({resolvePath(), url});
  EXPECT_EQ(next.exitCode(), 0) << next.err;
  EXPECT_EQ(next.out, "127.0.0.1:15051\n");

  // An empty group: no leader within the timeout, and the message says where and why.
  group.leave(follower);
  auto none = testing::run({resolvePath(), "--timeout=1", url});
  EXPECT_EQ(none.exitCode(), 1);
  EXPECT_EQ(none.out, "");
  EXPECT_NE(none.err.find("Failed to detect master from '" + url + "'"), std::string::npos)
      << none.err;
}

// An agent's connection, with the real detector, on its own io_context thread.
// The agent's connection to `master` (zk://...). A backoff this long means: a switch
// seen within the test happened at once.
class AgentConnection {
 public:
  explicit AgentConnection(const std::string& master)
      : running_(
            [&](boost::asio::io_context& io) -> std::unique_ptr<detect::LeaderDetector> {
              auto detector =
                  agent::parseMasterFlag(io, master, {.sessionTimeout = kSessionTimeout});
              EXPECT_TRUE(detector) << detector.error().message;
              return detector ? std::move(*detector) : nullptr;
            },
            10min) {}

 private:
  testing::RunningMasterConnection running_;
};

TEST(HaDetection, TheAgentMovesToTheNewLeaderWhenTheGroupChanges) {
  REQUIRE_SERVER();
  const std::string url = server()->url("/agent/mesos");
  Group group(url);
  FakeMaster first;
  FakeMaster second;
  const std::string firstMember = group.join(testing::loopbackMasterInfo("first", first.port()));

  AgentConnection agent(url);
  ASSERT_TRUE(first.waitForSubscription(1, 15s)) << "the agent did not find the leader";

  group.join(testing::loopbackMasterInfo("second", second.port()));
  EXPECT_FALSE(second.waitForSubscription(1, 500ms)) << "a follower was subscribed to";
  group.leave(firstMember);
  ASSERT_TRUE(second.waitForSubscription(1, 10s)) << "the agent did not follow the new leader";
}

// The mesos-agent binary takes --master=zk:// and --zk_session_timeout, and subscribes
// to the leader the group names (a fake master here; nothing is launched).
TEST(HaDetection, TheAgentBinaryFindsItsMasterInZooKeeper) {
  REQUIRE_SERVER();
  const char* launcherDir = std::getenv("MESOLITE_LAUNCHER_DIR");
  if (!launcherDir) GTEST_SKIP() << "MESOLITE_LAUNCHER_DIR is not set";
  const std::string url = server()->url("/agentbin/mesos");
  Group group(url);
  FakeMaster master;
  group.join(testing::loopbackMasterInfo("only", master.port()));
  char workDir[] = "/tmp/mesolite-ha-agent-XXXXXX";
  ASSERT_NE(mkdtemp(workDir), nullptr);
  {
    testing::Subprocess agent({binary("MESOLITE_AGENT", "agent/mesos-agent"), "--master=" + url,
                               "--zk_session_timeout=5secs", "--work_dir=" + std::string(workDir),
                               "--runtime_dir=" + std::string(workDir) + "/run",
                               "--isolation=posix/rlimits", "--ip=127.0.0.1", "--port=0",
                               "--resources=cpus:1;mem:256",
                               "--launcher_dir=" + std::string(launcherDir)});
    EXPECT_TRUE(master.waitForSubscription(1, 20s)) << agent.err();
    agent.stop(SIGTERM, 10s);
  }
  std::filesystem::remove_all(workDir);
}

// A real mesos-master on loopback (standalone: the test writes its znode).
struct Master {
  std::unique_ptr<testing::Subprocess> process;
  uint16_t port = 0;

  Master() {
    process = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{binary("MESOLITE_MASTER", "master-lite/mesos-master"),
                                 "--registry=in_memory", "--ip=127.0.0.1", "--port=0"});
    auto line = process->waitForLine("master listening on", 20s);
    EXPECT_TRUE(line) << process->err();
    std::smatch match;
    if (line && std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))"))) {
      port = uint16_t(std::stoi(match[1]));
    }
  }
};

// mesos-execute finds the master through ZooKeeper, and when the group names another
// leader it subscribes there with the same framework id. (No agent: the task waits for
// an offer, which is all this needs.)
TEST(HaDetection, MesosExecuteFollowsTheLeaderOfAZooKeeperGroup) {
  REQUIRE_SERVER();
  const std::string url = server()->url("/execute/mesos");
  Group group(url);
  Master first;
  ASSERT_NE(first.port, 0);
  const std::string firstMember = group.join(testing::loopbackMasterInfo("first", first.port));

  testing::Subprocess execute({binary("MESOLITE_EXECUTE", "cli/mesos-execute"), "--master=" + url,
                               "--name=ha-task", "--command=true"});
  auto subscribed = execute.waitForLine("Subscribed with ID", 15s);
  ASSERT_TRUE(subscribed) << execute.out() << execute.err();
  const std::string frameworkId = subscribed->substr(subscribed->rfind(' ') + 1);

  Master second;
  ASSERT_NE(second.port, 0);
  group.join(testing::loopbackMasterInfo("second", second.port));
  group.leave(firstMember);
  ASSERT_TRUE(execute.waitForLine("Re-subscribed with ID " + frameworkId, 15s))
      << execute.out() << execute.err();
  EXPECT_NE(
      execute.out().find("The leading master is now at 127.0.0.1:" + std::to_string(second.port)),
      std::string::npos)
      << execute.out();

  // Interrupted: the framework is torn down at the new leader, and it exits.
  auto status = execute.stop(SIGTERM, 15s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
}

}  // namespace
}  // namespace mesolite
