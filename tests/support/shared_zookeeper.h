// One real ZooKeeper server for a whole gtest binary (starting the JVM is the slow part),
// stopped by pid and its directory removed when the binary exits; and the skip a test
// makes when no server can run here.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "mesos/v1/mesos.pb.h"
#include "tests/support/zookeeper_server.h"

namespace mesolite::testing {

inline ZooKeeperServer* sharedZooKeeperServer() {
  static std::unique_ptr<ZooKeeperServer> instance = []() -> std::unique_ptr<ZooKeeperServer> {
    if (ZooKeeperServer::unavailable()) return nullptr;
    auto created = std::make_unique<ZooKeeperServer>(1);
    if (auto error = created->start()) {
      ADD_FAILURE() << *error;
      return nullptr;
    }
    return created;
  }();
  return instance.get();
}

// The MasterInfo a master on 127.0.0.1:`port` writes in its json.info_ znode (hostname
// "localhost"), as Mesos 1.11 writes it.
inline mesos::v1::MasterInfo loopbackMasterInfo(const std::string& id, uint16_t port) {
  mesos::v1::MasterInfo info;
  info.set_id(id);
  info.set_ip(htonl(0x7f000001));
  info.set_port(port);
  info.set_hostname("localhost");
  info.set_pid("master@127.0.0.1:" + std::to_string(port));
  info.set_version("1.11.0");
  info.mutable_address()->set_hostname("localhost");
  info.mutable_address()->set_ip("127.0.0.1");
  info.mutable_address()->set_port(port);
  return info;
}

}  // namespace mesolite::testing

// Skips the test, saying why, when ZooKeeper cannot run on this host; fails it when the
// server did not start.
#define REQUIRE_SHARED_ZOOKEEPER()                                                            \
  do {                                                                                        \
    if (auto why = ::mesolite::testing::ZooKeeperServer::unavailable()) GTEST_SKIP() << *why; \
    ASSERT_NE(::mesolite::testing::sharedZooKeeperServer(), nullptr)                          \
        << "the ZooKeeper server did not start";                                              \
  } while (0)
