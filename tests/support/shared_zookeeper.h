// One real ZooKeeper server for a whole gtest binary (starting the JVM is the slow part),
// stopped by pid and its directory removed when the binary exits; and the skip a test
// makes when no server can run here.
#pragma once

#include <gtest/gtest.h>

#include <memory>

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

}  // namespace mesolite::testing

// Skips the test, saying why, when ZooKeeper cannot run on this host; fails it when the
// server did not start.
#define REQUIRE_SHARED_ZOOKEEPER()                                                            \
  do {                                                                                        \
    if (auto why = ::mesolite::testing::ZooKeeperServer::unavailable()) GTEST_SKIP() << *why; \
    ASSERT_NE(::mesolite::testing::sharedZooKeeperServer(), nullptr)                          \
        << "the ZooKeeper server did not start";                                              \
  } while (0)
