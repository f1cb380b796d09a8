// High availability against a real ZooKeeper server on loopback (tests/support/
// zookeeper_server.h): zk:// URLs, masters contending, a detector following the leader,
// session loss, digest ACLs, and the registry's chunked, fenced znodes. No root.
#include "common/zookeeper.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <regex>

#include "common/leader_detector.h"
#include "common/protobuf_json.h"
#include "common/zookeeper_url.h"
#include "master-lite/contender.h"
#include "master-lite/registry_zookeeper.h"
#include "tests/support/shared_zookeeper.h"
#include "tests/support/zookeeper_server.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using master::Contender;
using testing::ZooKeeperServer;

constexpr auto kSessionTimeout = 2s;

ZooKeeperServer* server() {
  return testing::sharedZooKeeperServer();
}

#define REQUIRE_SERVER() REQUIRE_SHARED_ZOOKEEPER()

class Loop {
 public:
  Loop() : guard_(boost::asio::make_work_guard(io_)) {}
  boost::asio::io_context& io() { return io_; }
  // Runs the loop until `done` holds; false after `timeout`.
  template <typename Predicate>
  bool runUntil(Predicate done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(10ms);
    }
    return true;
  }
  void runFor(std::chrono::milliseconds duration) {
    runUntil([] { return false; }, duration);
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
};

// A contender and what its callbacks told.
struct Candidate {
  std::unique_ptr<Contender> contender;
  int elected = 0;
  int lost = 0;
  std::optional<mesos::v1::MasterInfo> leader;
  bool leading() const { return elected > lost; }
};

std::unique_ptr<Candidate> contend(Loop& loop, const std::string& url, const std::string& id,
                                   int port) {
  auto candidate = std::make_unique<Candidate>();
  Candidate* raw = candidate.get();
  Contender::Callbacks callbacks;
  callbacks.onElected = [raw] { ++raw->elected; };
  callbacks.onLost = [raw](const std::string&) { ++raw->lost; };
  callbacks.onLeader = [raw](const std::optional<mesos::v1::MasterInfo>& leader) {
    raw->leader = leader;
  };
  auto created = Contender::create(loop.io(), url, kSessionTimeout,
                                   testing::loopbackMasterInfo(id, port), std::move(callbacks));
  EXPECT_TRUE(created) << created.error().message;
  if (created) candidate->contender = std::move(*created);
  return candidate;
}

// A plain session, as another client (a Mesos tool, an operator) would have.
std::shared_ptr<zk::Session> rawSession(Loop& loop, const std::string& url) {
  auto parsed = zk::parseUrl(url);
  EXPECT_TRUE(parsed);
  auto session = zk::Session::create(loop.io(), *parsed, kSessionTimeout, {});
  EXPECT_TRUE(session);
  EXPECT_TRUE(loop.runUntil([&] { return (*session)->connected(); }, 10s));
  return *session;
}

template <typename T>
zk::Reply<T> await(Loop& loop, std::function<void(std::function<void(zk::Reply<T>)>)> start) {
  std::optional<zk::Reply<T>> reply;
  start([&](zk::Reply<T> r) { reply = std::move(r); });
  EXPECT_TRUE(loop.runUntil([&] { return reply.has_value(); }, 10s));
  return reply ? std::move(*reply) : zk::Reply<T>{ZOPERATIONTIMEOUT, "timeout", {}};
}

TEST(ZooKeeperUrl, ErrorsNameWhatIsWrong) {
  auto check = [](const std::string& url, const std::string& expected) {
    auto parsed = zk::parseUrl(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos)
        << url << " -> " << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find("secret"), std::string::npos) << parsed.error().message;
  };
  check("http://h:2181/mesos", "expected zk://");
  check("zk://h:2181", "no path");
  check("zk://h/mesos", "server 'h' has no port");
  check("zk://h:0/mesos", "bad port '0'");
  check("zk://h:2181,/mesos", "empty server");
  check("zk://u:secret@/mesos", "no servers");
  check("zk://usersecret@h:1/mesos", "user:password");
  check("zk://u:secret@h:1/a//b", "empty component");
  check("zk://h:1/a/../b", "relative component");
  auto good = zk::parseUrl(" zk://u:p@w@h1:2181,[::1]:2182/mesos/\n");
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(*good->digest, "u:p@w");
  EXPECT_EQ(good->hosts(), "h1:2181,[::1]:2182");
  EXPECT_EQ(good->path, "/mesos");
  EXPECT_EQ(good->toString(), "zk://u:***@h1:2181,[::1]:2182/mesos");
}

TEST(ZooKeeper, LowestLeadsFailoverAndDetection) {
  REQUIRE_SERVER();
  Loop loop;
  const std::string url = server()->url("/election/mesos");
  auto first = contend(loop, url, "first", 5051);
  ASSERT_TRUE(loop.runUntil([&] { return first->leading(); }, 10s));
  auto second = contend(loop, url, "second", 5052);
  ASSERT_TRUE(
      loop.runUntil([&] { return second->leader && second->leader->id() == "first"; }, 10s));
  EXPECT_FALSE(second->leading());

  // The znodes are named and filled the way Mesos's tools read them.
  auto raw = rawSession(loop, url);
  auto children = await<std::vector<std::string>>(
      loop, [&](auto done) { raw->children("/election/mesos", false, done); });
  ASSERT_TRUE(children.ok()) << children.error().message;
  ASSERT_EQ(children.value.size(), 2u);
  std::sort(children.value.begin(), children.value.end());
  for (const auto& child : children.value) {
    EXPECT_TRUE(std::regex_match(child, std::regex("json\\.info_[0-9]{10}"))) << child;
  }
  auto data = await<zk::Node>(
      loop, [&](auto done) { raw->get("/election/mesos/" + children.value.front(), false, done); });
  ASSERT_TRUE(data.ok());
  auto info = parseJson<mesos::v1::MasterInfo>(data.value.data);
  ASSERT_TRUE(info) << info.error().message << ": " << data.value.data;
  EXPECT_EQ(info->id(), "first");
  EXPECT_NE(data.value.stat.ephemeralOwner, 0);

  auto detector = detect::LeaderDetector::create(loop.io(), url, {kSessionTimeout});
  ASSERT_TRUE(detector) << detector.error().message;
  ASSERT_TRUE(loop.runUntil([&] { return (*detector)->leader().has_value(); }, 10s));
  EXPECT_EQ((*detector)->leader()->endpoint.toString(), "127.0.0.1:5051");
  int changes = 0;
  (*detector)->onChange([&](const std::optional<detect::Leader>&) { ++changes; });

  // The leader's session ends: the other takes over within the session timeout.
  const auto killed = std::chrono::steady_clock::now();
  first.reset();
  ASSERT_TRUE(loop.runUntil([&] { return second->leading(); }, kSessionTimeout + 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - killed, kSessionTimeout + 1s);
  ASSERT_TRUE(loop.runUntil(
      [&] {
        auto leader = (*detector)->leader();
        return leader && leader->endpoint.port == 5052;
      },
      5s));
  EXPECT_GE(changes, 1);
  EXPECT_EQ(second->leader->id(), "second");

  // The one-shot form, as mesos-resolve uses it.
  auto once = detect::detectLeaderOnce(url, 5s, {kSessionTimeout});
  ASSERT_TRUE(once) << once.error().message;
  EXPECT_EQ(once->endpoint.toString(), "127.0.0.1:5052");
  auto none = detect::detectLeaderOnce(server()->url("/nobody"), 1500ms, {kSessionTimeout});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("/nobody"), std::string::npos) << none.error().message;
}

TEST(ZooKeeper, BadMemberIsSkippedAndContenderRecontendsWhenItsNodeIsDeleted) {
  REQUIRE_SERVER();
  Loop loop;
  const std::string url = server()->url("/skip");
  auto raw = rawSession(loop, url);
  ASSERT_TRUE(await<zk::Nothing>(loop, [&](auto done) { raw->createPath("/skip", done); }).ok());
  auto bad = await<std::string>(loop, [&](auto done) {
    raw->create("/skip/json.info_", "{not json", ZOO_EPHEMERAL_SEQUENTIAL, done);
  });
  ASSERT_TRUE(bad.ok());
  auto candidate = contend(loop, url, "good", 5053);
  auto detector = detect::LeaderDetector::create(loop.io(), url, {kSessionTimeout});
  ASSERT_TRUE(detector);
  // The bad znode is the lowest: the detector skips it (the contender is not elected, as
  // the group's lowest member is not it; Mesos's masters behave the same).
  ASSERT_TRUE(loop.runUntil([&] { return (*detector)->leader().has_value(); }, 10s));
  EXPECT_EQ((*detector)->leader()->info.id(), "good");
  EXPECT_FALSE(candidate->leading());
  ASSERT_TRUE(await<zk::Nothing>(loop, [&](auto done) { raw->remove(bad.value, -1, done); }).ok());
  ASSERT_TRUE(loop.runUntil([&] { return candidate->leading(); }, 10s));

  // Its own znode deleted by someone else: leadership lost, a new candidacy made.
  auto children = await<std::vector<std::string>>(
      loop, [&](auto done) { raw->children("/skip", false, done); });
  ASSERT_EQ(children.value.size(), 1u);
  ASSERT_TRUE(await<zk::Nothing>(loop, [&](auto done) {
                raw->remove("/skip/" + children.value.front(), -1, done);
              }).ok());
  ASSERT_TRUE(loop.runUntil([&] { return candidate->lost == 1 && candidate->elected == 2; }, 10s))
      << candidate->elected << " " << candidate->lost;
}

TEST(ZooKeeper, DigestAuthLetsOthersReadButNotWrite) {
  REQUIRE_SERVER();
  Loop loop;
  auto candidate = contend(loop, server()->url("/secure", "mesos:secret"), "secure", 5054);
  ASSERT_TRUE(loop.runUntil([&] { return candidate->leading(); }, 10s));
  auto stranger = rawSession(loop, server()->url("/secure"));
  auto children = await<std::vector<std::string>>(
      loop, [&](auto done) { stranger->children("/secure", false, done); });
  ASSERT_TRUE(children.ok()) << children.error().message;
  ASSERT_EQ(children.value.size(), 1u);
  const std::string node = "/secure/" + children.value.front();
  auto read = await<zk::Node>(loop, [&](auto done) { stranger->get(node, false, done); });
  EXPECT_TRUE(read.ok()) << read.error().message;
  auto written = await<struct Stat>(loop, [&](auto done) { stranger->set(node, "x", -1, done); });
  EXPECT_EQ(written.code, ZNOAUTH) << written.error().message;
  auto deleted = await<zk::Nothing>(loop, [&](auto done) { stranger->remove(node, -1, done); });
  EXPECT_EQ(deleted.code, ZNOAUTH) << deleted.error().message;
  EXPECT_TRUE(candidate->leading());
}

internal::Registry bigRegistry(size_t agents) {
  internal::Registry registry;
  for (size_t i = 0; i < agents; ++i) {
    auto* agent = registry.add_agents()->mutable_info();
    agent->set_hostname("agent-" + std::to_string(i) + "." + std::string(500, 'x'));
    agent->mutable_id()->set_value("S" + std::to_string(i));
  }
  return registry;
}

TEST(ZooKeeper, RegistryIsChunkedFencedAndCorruptionNamed) {
  REQUIRE_SERVER();
  Loop loop;
  const std::string url = server()->url("/registry-test");
  auto candidate = contend(loop, url, "registrar", 5055);
  ASSERT_TRUE(loop.runUntil([&] { return candidate->leading(); }, 10s));
  auto store = candidate->contender->registryStore();
  EXPECT_EQ(store->describe(), server()->url("/registry-test") + "/registry");

  auto fetch = [&](master::RegistryStore& from) {
    std::optional<Result<internal::Registry>> fetched;
    from.fetch([&](Result<internal::Registry> r) { fetched = std::move(r); });
    EXPECT_TRUE(loop.runUntil([&] { return fetched.has_value(); }, 20s));
    return fetched ? std::move(*fetched) : Result<internal::Registry>(Error("timeout"));
  };
  auto save = [&](master::RegistryStore& to, const internal::Registry& registry) {
    std::optional<Result<void>> stored;
    to.store(registry, [&](Result<void> r) { stored = std::move(r); });
    EXPECT_TRUE(loop.runUntil([&] { return stored.has_value(); }, 20s));
    return stored ? std::move(*stored) : Result<void>(Error("timeout"));
  };

  auto empty = fetch(*store);
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->agents_size(), 0);
  const auto big = bigRegistry(3000);
  ASSERT_GT(big.ByteSizeLong(), 1u << 20);
  auto stored = save(*store, big);
  ASSERT_TRUE(stored) << stored.error().message;

  // Another master's store reads it whole.
  auto other = candidate->contender->registryStore();
  auto read = fetch(*other);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->SerializeAsString(), big.SerializeAsString());

  // The first store writes again (smaller): the other's view is stale and refused.
  ASSERT_TRUE(save(*store, bigRegistry(10)));
  auto stale = save(*other, bigRegistry(20));
  ASSERT_FALSE(stale);
  EXPECT_NE(stale.error().message.find("ZBADVERSION"), std::string::npos) << stale.error().message;
  auto again = fetch(*other);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->agents_size(), 10);
  ASSERT_TRUE(save(*other, bigRegistry(20)));

  // A chunk left by a master that died before switching the manifest: the next fetch
  // deletes it.
  auto raw = rawSession(loop, url);
  ASSERT_TRUE(await<std::string>(loop, [&](auto done) {
                raw->create("/registry-test/registry/chunk_", "orphan", ZOO_PERSISTENT_SEQUENTIAL,
                            done);
              }).ok());
  ASSERT_TRUE(fetch(*other));
  loop.runFor(300ms);

  // Old chunks are gone: only the current one is left.
  auto chunks = await<std::vector<std::string>>(
      loop, [&](auto done) { raw->children("/registry-test/registry", false, done); });
  ASSERT_TRUE(chunks.ok());
  EXPECT_EQ(chunks.value.size(), 1u);

  // A store tied to a candidacy whose znode is gone (a master whose session ended) writes
  // nothing, even though its version is current.
  auto deposed = master::makeZooKeeperRegistryStore(
      raw, [] { return std::optional<std::string>("/registry-test/json.info_0000009999"); });
  ASSERT_TRUE(fetch(*deposed));
  auto refused = save(*deposed, bigRegistry(1));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("json.info_0000009999 is gone"), std::string::npos)
      << refused.error().message;

  // A corrupt chunk, then a corrupt manifest: errors that name the znode.
  ASSERT_TRUE(await<struct Stat>(loop, [&](auto done) {
                raw->set("/registry-test/registry/" + chunks.value.front(), "garbage", -1, done);
              }).ok());
  auto corruptChunk = fetch(*other);
  ASSERT_FALSE(corruptChunk);
  EXPECT_NE(corruptChunk.error().message.find("/registry-test/registry/" + chunks.value.front()),
            std::string::npos)
      << corruptChunk.error().message;
  ASSERT_TRUE(await<struct Stat>(loop, [&](auto done) {
                raw->set("/registry-test/registry", "{\"format\":", -1, done);
              }).ok());
  auto corruptManifest = fetch(*other);
  ASSERT_FALSE(corruptManifest);
  EXPECT_NE(corruptManifest.error().message.find("/registry-test/registry"), std::string::npos)
      << corruptManifest.error().message;
}

// Three servers: one may go, two may not (no quorum: the session cannot be kept).
TEST(ZooKeeper, EnsembleKeepsTheLeaderUntilQuorumIsLost) {
  if (auto why = ZooKeeperServer::unavailable()) GTEST_SKIP() << *why;
  ZooKeeperServer ensemble(3);
  auto started = ensemble.start();
  ASSERT_FALSE(started) << *started;
  Loop loop;
  const std::string url = ensemble.url("/mesos");
  auto candidate = contend(loop, url, "ensemble", 5057);
  ASSERT_TRUE(loop.runUntil([&] { return candidate->leading(); }, 15s));
  auto detector = detect::LeaderDetector::create(loop.io(), url, {kSessionTimeout});
  ASSERT_TRUE(detector);
  ASSERT_TRUE(loop.runUntil([&] { return (*detector)->leader().has_value(); }, 10s));

  ensemble.stopServer(0);
  loop.runFor(kSessionTimeout + 1s);
  EXPECT_EQ(candidate->lost, 0);
  EXPECT_TRUE(candidate->leading());
  EXPECT_TRUE((*detector)->leader().has_value());

  ensemble.stopServer(1);
  ASSERT_TRUE(loop.runUntil([&] { return candidate->lost == 1; }, kSessionTimeout + 10s));
  ASSERT_TRUE(loop.runUntil([&] { return !(*detector)->leader().has_value(); }, 10s));

  auto back = ensemble.startServer(1);
  ASSERT_FALSE(back) << *back;
  ASSERT_TRUE(loop.runUntil([&] { return candidate->elected == 2; }, 30s))
      << candidate->elected << " " << candidate->lost;
  ASSERT_TRUE(loop.runUntil([&] { return (*detector)->leader().has_value(); }, 10s));
  EXPECT_EQ((*detector)->leader()->info.id(), "ensemble");
}

// Last: it stops the server.
TEST(ZooKeeper, ServerDownLongerThanTheSessionTimeoutThenBack) {
  REQUIRE_SERVER();
  Loop loop;
  const std::string url = server()->url("/outage");
  auto candidate = contend(loop, url, "survivor", 5056);
  ASSERT_TRUE(loop.runUntil([&] { return candidate->leading(); }, 10s));
  server()->stop();
  ASSERT_TRUE(loop.runUntil([&] { return candidate->lost == 1; }, kSessionTimeout + 5s));
  EXPECT_FALSE(candidate->leader.has_value());
  auto restarted = server()->start();
  ASSERT_FALSE(restarted) << *restarted;
  // The old session's znode lives on in the server until it expires there; then the new
  // candidacy leads.
  ASSERT_TRUE(loop.runUntil([&] { return candidate->elected == 2; }, 20s))
      << candidate->elected << " " << candidate->lost;
  ASSERT_TRUE(candidate->leader);
  EXPECT_EQ(candidate->leader->id(), "survivor");
}

}  // namespace
}  // namespace mesolite
