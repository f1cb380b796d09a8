// The browser test without root: the real mesos-master serving the web UI, a scripted
// agent and scheduler (no container), and webui_test.mjs driving Chromium against them.
// The task webui-test runs until the page has shown it RUNNING, then finishes. Run by
// webui_test.sh (which checks node, Chromium and playwright-core, and passes them here).
#include <gtest/gtest.h>

#include <cstdlib>

#include "mesolite/internal.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace e2e;
using internal::AgentEvent;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

TEST(WebUi, ShowsAScriptedClusterAndATaskFinishingWithoutAReload) {
  Master master({"--webui_dir=" + env("MESOLITE_WEBUI_DIR"), "--cluster=mesolite-webui"});
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo("webui-framework"));
  ASSERT_EQ(scheduler.status(), 200);

  const mesos::v1::Offer offer = scheduler.nextOffer();
  ASSERT_EQ(scheduler.launch(offer, "webui-test", 1, 128).status, 202);
  auto run = agent.next();
  ASSERT_TRUE(run && run->type() == AgentEvent::RUN_TASK);
  ASSERT_EQ(agent.update(scheduler.id(), "webui-test", mesos::v1::TASK_RUNNING, "uuid-running-001"),
            202);
  auto running = scheduler.nextUpdate();
  ASSERT_TRUE(running && running->state() == mesos::v1::TASK_RUNNING);
  ASSERT_EQ(scheduler.acknowledge(*running).status, 202);

  const std::string url = "http://127.0.0.1:" + std::to_string(master.endpoint().port);
  Subprocess browser({env("MESOLITE_NODE"), env("MESOLITE_WEBUI_TEST"), "--url=" + url,
                      "--master=" + env("MESOLITE_MASTER"),
                      "--chromium=" + env("MESOLITE_CHROMIUM"),
                      "--modules=" + env("MESOLITE_WEBUI_MODULES"),
                      "--artifacts=" + env("MESOLITE_WEBUI_ARTIFACTS")});
  ASSERT_TRUE(browser.waitForLine("webui-test: saw RUNNING", std::chrono::seconds(60)))
      << browser.out() << browser.err();
  // The agent's acknowledgement of RUNNING and its pings come on the stream meanwhile.
  ASSERT_EQ(
      agent.update(scheduler.id(), "webui-test", mesos::v1::TASK_FINISHED, "uuid-finished-02"),
      202);
  auto status = browser.wait(std::chrono::seconds(90));
  ASSERT_TRUE(status) << browser.out() << browser.err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << browser.out() << browser.err();
  std::cout << browser.out();
}

}  // namespace
}  // namespace mesolite
