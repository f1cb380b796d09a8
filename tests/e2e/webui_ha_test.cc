// The web UI with three real masters in a real ZooKeeper (no root): opened on a master
// that is not leading, it lands on the leader; the leader killed with kill -9, it follows
// to the new one, by itself (the test never reloads the page). webui_ha_test.mjs drives
// Chromium and says on stdout where the page is; this side knows who leads and kills.
// Run by webui_test.sh (node, Chromium, playwright-core); skips without ZooKeeper.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/e2e/ha_ensemble.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace e2e;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

TEST(WebUiHa, LandsOnTheLeaderFromAFollowerAndFollowsTheNextLeader) {
  if (env("MESOLITE_WEBUI_HA").empty()) GTEST_SKIP() << "run it through webui_test.sh";
  Ensemble ensemble(3, {"--webui_dir=" + env("MESOLITE_WEBUI_DIR")});
  if (ensemble.skip()) GTEST_SKIP() << *ensemble.skip();
  const int leader = ensemble.leader();
  ASSERT_GE(leader, 0) << ensemble.logs();
  const int follower = (leader + 1) % 3;
  auto address = [&](int i) {
    return "127.0.0.1:" + std::to_string(ensemble.master(size_t(i)).endpoint().port);
  };

  Subprocess browser({env("MESOLITE_NODE"), env("MESOLITE_WEBUI_HA"),
                      "--url=http://" + address(follower) + "/#/agents",
                      "--chromium=" + env("MESOLITE_CHROMIUM"),
                      "--modules=" + env("MESOLITE_WEBUI_MODULES"),
                      "--artifacts=" + env("MESOLITE_WEBUI_ARTIFACTS")});
  auto landed = browser.waitForLine("webui-ha: on the leader ", std::chrono::seconds(60));
  ASSERT_TRUE(landed) << browser.out() << browser.err();
  EXPECT_NE(landed->find(address(leader) + "/"), std::string::npos)
      << *landed << " (the leader is " << address(leader) << ")";

  const std::string old = address(leader);
  ensemble.kill(size_t(leader));
  const int next = ensemble.leader(std::chrono::seconds(60));
  ASSERT_GE(next, 0) << ensemble.logs();
  auto followed = browser.waitForLine("webui-ha: followed to ", std::chrono::seconds(90));
  ASSERT_TRUE(followed) << browser.out() << browser.err();
  EXPECT_NE(followed->find(address(next) + "/"), std::string::npos)
      << *followed << " (the new leader is " << address(next) << ", the old " << old << ")";
  auto status = browser.wait(std::chrono::seconds(30));
  ASSERT_TRUE(status) << browser.out() << browser.err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << browser.out() << browser.err();
  std::cout << browser.out();
}

}  // namespace
}  // namespace mesolite
