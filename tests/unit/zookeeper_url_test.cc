// zk:// URLs and the Mesos group's member names and MasterInfo znodes, without a server.
#include "common/zookeeper_url.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "common/protobuf_json.h"
#include "common/zookeeper_group.h"

namespace mesolite::zk {
namespace {

TEST(ZooKeeperUrl, ParsesWhatMesosTakes) {
  auto url = parseUrl("zk://10.0.0.1:2181,10.0.0.2:2181/mesos");
  ASSERT_TRUE(url) << url.error().message;
  ASSERT_EQ(url->servers.size(), 2u);
  EXPECT_EQ(url->servers[1].host, "10.0.0.2");
  EXPECT_EQ(url->servers[1].port, 2181);
  EXPECT_FALSE(url->digest);
  EXPECT_EQ(url->path, "/mesos");
  EXPECT_EQ(url->child("json.info_0000000001"), "/mesos/json.info_0000000001");
  auto root = parseUrl("zk://h:1/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->path, "/");
  EXPECT_EQ(root->child("x"), "/x");
  auto auth = parseUrl("zk://user:pa:ss@h:1/a/b\n");
  ASSERT_TRUE(auth);
  EXPECT_EQ(*auth->digest, "user:pa:ss");
  EXPECT_EQ(auth->toString(), "zk://user:***@h:1/a/b");
}

TEST(ZooKeeperUrl, RefusesNamingTheProblemWithoutThePassword) {
  for (auto [url, expected] : std::initializer_list<std::pair<const char*, const char*>>{
           {"", "expected zk://"},
           {"zk://", "no path"},
           {"zk:///mesos", "no servers"},
           {"zk://host/mesos", "server 'host' has no port"},
           {"zk://host:99999/mesos", "bad port '99999'"},
           {"zk://host:21x/mesos", "bad port '21x'"},
           {"zk://:2181/mesos", "has no host"},
           {"zk://::1:2181/mesos", "must be in brackets"},
           {"zk://[::1/mesos", "bad [IPv6 address]"},
           {"zk://a:1,,b:2/mesos", "empty server"},
           {"zk://user:secret@h:1/m//x", "empty component"},
           {"zk://:secret@h:1/m", "user:password"},
           {"zk://h:1/m/./x", "relative component"},
           {"zk://h:1/m\x01", "control character"},
           {"zk://h:1/m /", "has a space"},
       }) {
    auto parsed = parseUrl(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos)
        << url << ": " << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find("secret"), std::string::npos) << parsed.error().message;
  }
}

TEST(ZooKeeperGroup, MembersAndTheLeader) {
  EXPECT_TRUE(parseMember("json.info_0000000003"));
  EXPECT_FALSE(parseMember("json.info_3"));
  EXPECT_FALSE(parseMember("json.info_000000000x"));
  EXPECT_FALSE(parseMember("registry"));
  auto legacy = parseMember("info_0000000001");
  ASSERT_TRUE(legacy);
  EXPECT_FALSE(legacy->json);
  auto leader =
      leaderOf({"registry", "json.info_0000000007", "info_0000000001", "json.info_0000000005"});
  ASSERT_TRUE(leader);
  EXPECT_EQ(leader->name, "json.info_0000000005");
  EXPECT_EQ(leaderOf({"info_0000000004", "info_0000000002"})->name, "info_0000000002");
  EXPECT_FALSE(leaderOf({"registry"}));
}

TEST(ZooKeeperGroup, MasterInfoAsMesosWritesIt) {
  // What a Mesos 1.x master writes (its ip in network byte order).
  const std::string json = R"({"id":"a1","ip":16777343,"port":5050,"pid":"master@127.0.0.1:5050",
    "hostname":"m1","version":"1.11.0","address":{"hostname":"m1","ip":"127.0.0.1","port":5050}})";
  Member member{"json.info_0000000001", 1, true};
  auto info = parseMasterInfo(member, json, "/mesos/json.info_0000000001");
  ASSERT_TRUE(info) << info.error().message;
  auto address = addressOf(*info);
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 5050);
  info->clear_address();
  EXPECT_EQ(addressOf(*info)->host, "127.0.0.1");  // from the legacy ip field

  auto bad = parseMasterInfo(member, "{\"id\":", "/mesos/json.info_0000000001");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/mesos/json.info_0000000001"), std::string::npos);
  auto legacy =
      parseMasterInfo(Member{"info_0000000002", 2, false}, "\xff\xff", "/mesos/info_0000000002");
  ASSERT_FALSE(legacy);
  EXPECT_NE(legacy.error().message.find("/mesos/info_0000000002"), std::string::npos);
}

}  // namespace
}  // namespace mesolite::zk
