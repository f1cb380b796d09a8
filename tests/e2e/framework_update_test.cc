// The real mesos-master against schedulers that change their FrameworkInfo with
// UPDATE_FRAMEWORK (roles, capabilities, failover timeout; what Mesos refuses), and that
// hear Event::FAILURE when an agent is lost or an executor exits. Both content types.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/api_codec.h"
#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"
#include "tests/support/api_client.h"

namespace mesolite {
namespace {

using namespace e2e;
using internal::AgentCall;
using internal::AgentEvent;
using mesos::v1::FrameworkInfo;

FrameworkInfo multiRole(const std::vector<std::string>& roles) {
  FrameworkInfo info = frameworkInfo("updated-framework");
  info.add_capabilities()->set_type(FrameworkInfo::Capability::MULTI_ROLE);
  for (const auto& role : roles)
    info.add_roles(role);
  return info;
}

Call updateCall(const FrameworkInfo& info) {
  Call call;
  call.set_type(Call::UPDATE_FRAMEWORK);
  *call.mutable_update_framework()->mutable_framework_info() = info;
  return call;
}

// The framework as /master/frameworks shows it.
nlohmann::json frameworkJson(const Master& master, const std::string& id) {
  auto frameworks = master.getJson("/master/frameworks");
  if (!frameworks.is_object()) return nullptr;
  for (const auto& framework : frameworks["frameworks"])
    if (framework["id"] == id) return framework;
  return nullptr;
}

class UpdateFramework : public ::testing::TestWithParam<ContentType> {};

TEST_P(UpdateFramework, MovesTheFrameworkToItsNewRolesAndKeepsWhatItSays) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, multiRole({"a"}), GetParam());
  ASSERT_EQ(scheduler.status(), 200);

  mesos::v1::master::Call subscribe;
  subscribe.set_type(mesos::v1::master::Call::SUBSCRIBE);
  EventStream operatorEvents(master.endpoint(), "/api/v1", subscribe, GetParam());
  ASSERT_EQ(operatorEvents.status(), 200);

  const mesos::v1::Offer first = scheduler.nextOffer();
  EXPECT_EQ(first.allocation_info().role(), "a");

  FrameworkInfo info = multiRole({"b"});
  info.mutable_id()->set_value(scheduler.id());
  info.set_name("renamed");
  info.set_failover_timeout(120);
  info.set_webui_url("http://scheduler.example:8080");
  info.add_capabilities()->set_type(FrameworkInfo::Capability::TASK_KILLING_STATE);
  auto answer = scheduler.call(updateCall(info));
  EXPECT_EQ(answer.status, 200) << answer.body;

  // The offer made to the role left is rescinded; the next offer is for the new role.
  auto rescind = scheduler.waitFor(Event::RESCIND);
  ASSERT_TRUE(rescind);
  EXPECT_EQ(rescind->rescind().offer_id().value(), first.id().value());
  const mesos::v1::Offer second = scheduler.nextOffer();
  EXPECT_EQ(second.allocation_info().role(), "b");

  auto shown = frameworkJson(master, scheduler.id());
  ASSERT_TRUE(shown.is_object());
  EXPECT_EQ(shown["roles"], nlohmann::json::array({"b"}));
  EXPECT_EQ(shown["name"], "renamed");
  EXPECT_EQ(shown["failover_timeout"], 120);
  EXPECT_EQ(shown["webui_url"], "http://scheduler.example:8080");
  const auto& capabilities = shown["capabilities"];
  EXPECT_NE(std::find(capabilities.begin(), capabilities.end(), "TASK_KILLING_STATE"),
            capabilities.end())
      << capabilities;

  // Operator subscribers hear of the change as in Mesos.
  mesos::v1::master::Event event;
  bool sawUpdated = false;
  while (!sawUpdated && operatorEvents.next(&event, 5s)) {
    if (event.type() != mesos::v1::master::Event::FRAMEWORK_UPDATED) continue;
    sawUpdated = true;
    const auto& updated = event.framework_updated().framework().framework_info();
    EXPECT_EQ(updated.name(), "renamed");
    ASSERT_EQ(updated.roles_size(), 1);
    EXPECT_EQ(updated.roles(0), "b");
  }
  EXPECT_TRUE(sawUpdated);
}

TEST_P(UpdateFramework, AgentsRunningItsTasksAreTold) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo("told"), GetParam());
  ASSERT_EQ(scheduler.status(), 200);
  ASSERT_EQ(scheduler.launch(scheduler.nextOffer(), "t1", 0.1, 32).status, 202);
  auto run = agent.next();
  ASSERT_TRUE(run && run->type() == AgentEvent::RUN_TASK);

  FrameworkInfo info = frameworkInfo("told");
  info.mutable_id()->set_value(scheduler.id());
  info.add_capabilities()->set_type(FrameworkInfo::Capability::TASK_KILLING_STATE);
  EXPECT_EQ(scheduler.call(updateCall(info)).status, 200);
  std::optional<AgentEvent> told;
  while ((told = agent.next(5s)) && told->type() != AgentEvent::UPDATE_FRAMEWORK) {
  }
  ASSERT_TRUE(told) << "the agent running its task heard nothing";
  const auto& updated = told->update_framework().framework_info();
  EXPECT_EQ(updated.id().value(), scheduler.id());
  bool killingState = false;
  for (const auto& capability : updated.capabilities())
    killingState |= capability.type() == FrameworkInfo::Capability::TASK_KILLING_STATE;
  EXPECT_TRUE(killingState) << updated.DebugString();
}

TEST_P(UpdateFramework, SuppressedRolesGetNoOffers) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, multiRole({"a"}), GetParam());
  ASSERT_EQ(scheduler.status(), 200);
  const mesos::v1::Offer first = scheduler.nextOffer();

  // Unsuppressed, "a" would get the agent back first (equal shares, "a" < "b").
  FrameworkInfo info = multiRole({"a", "b"});
  info.mutable_id()->set_value(scheduler.id());
  Call call = updateCall(info);
  call.mutable_update_framework()->add_suppressed_roles("a");
  EXPECT_EQ(scheduler.call(call).status, 200);
  Call decline;
  decline.set_type(Call::DECLINE);
  *decline.mutable_decline()->add_offer_ids() = first.id();
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(0);
  EXPECT_EQ(scheduler.call(decline).status, 202);
  EXPECT_EQ(scheduler.nextOffer().allocation_info().role(), "b");
}

TEST_P(UpdateFramework, RefusesWhatMesosRefusesByName) {
  Master master;
  Scheduler scheduler(master, frameworkInfo("original"), GetParam());
  ASSERT_EQ(scheduler.status(), 200);
  Scheduler other(master, frameworkInfo("other"), GetParam());
  ASSERT_EQ(other.status(), 200);

  FrameworkInfo base = frameworkInfo("changed");
  base.mutable_id()->set_value(scheduler.id());
  auto expectRefused = [&](const Call& call, int status, const std::string& named) {
    auto answer = scheduler.call(call);
    EXPECT_EQ(answer.status, status) << named << ": " << answer.body;
    EXPECT_NE(answer.body.find(named), std::string::npos) << answer.body;
  };

  FrameworkInfo user = base;
  user.set_user("someone-else");
  expectRefused(updateCall(user), 400, "'FrameworkInfo.user'");
  FrameworkInfo checkpoint = base;
  checkpoint.set_checkpoint(true);
  expectRefused(updateCall(checkpoint), 400, "'FrameworkInfo.checkpoint'");
  FrameworkInfo principal = base;
  principal.set_principal("intruder");
  expectRefused(updateCall(principal), 400, "principal");
  FrameworkInfo noRoles = base;
  noRoles.add_roles("x");  // 'roles' without MULTI_ROLE
  expectRefused(updateCall(noRoles), 400, "'roles'");
  FrameworkInfo timeout = base;
  timeout.set_failover_timeout(1e300);
  expectRefused(updateCall(timeout), 400, "failover_timeout");

  Call suppressed = updateCall(base);
  suppressed.mutable_update_framework()->add_suppressed_roles("not-mine");
  expectRefused(suppressed, 400, "not-mine");
  Call constraints = updateCall(base);
  (*constraints.mutable_update_framework()
        ->mutable_offer_constraints()
        ->mutable_role_constraints())["*"]
      .add_groups();
  expectRefused(constraints, 501, "offer_constraints");
  FrameworkInfo filters = base;
  (*filters.mutable_offer_filters())["*"];
  expectRefused(updateCall(filters), 501, "offer_filters");

  Call missing;
  missing.set_type(Call::UPDATE_FRAMEWORK);
  expectRefused(missing, 400, "'update_framework'");
  FrameworkInfo mismatched = base;
  mismatched.mutable_id()->set_value(other.id());
  expectRefused(updateCall(mismatched), 400, "'framework_id' differs");

  // Another framework's id in both places, on this framework's stream: refused.
  FrameworkInfo others = frameworkInfo("hijacked");
  others.mutable_id()->set_value(other.id());
  Call hijack = updateCall(others);
  hijack.mutable_framework_id()->set_value(other.id());
  auto refused = testing::postCall(master.endpoint(), "/api/v1/scheduler", hijack, GetParam(),
                                   {{"Mesos-Stream-Id", scheduler.streamId()}});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find(other.id()), std::string::npos) << refused.body;

  // Nothing of the refused calls was applied.
  EXPECT_EQ(frameworkJson(master, scheduler.id())["name"], "original");
  EXPECT_EQ(frameworkJson(master, other.id())["name"], "other");
  EXPECT_EQ(scheduler.call(updateCall(base)).status, 200);
  EXPECT_EQ(frameworkJson(master, scheduler.id())["name"], "changed");

  // SUBSCRIBE refuses them as well, rather than subscribing without them.
  Call subscribe;
  subscribe.set_type(Call::SUBSCRIBE);
  *subscribe.mutable_subscribe()->mutable_framework_info() = frameworkInfo("filtered");
  (*subscribe.mutable_subscribe()->mutable_framework_info()->mutable_offer_filters())["*"];
  auto filtered = testing::postCall(master.endpoint(), "/api/v1/scheduler", subscribe, GetParam());
  EXPECT_EQ(filtered.status, 501) << filtered.body;
  EXPECT_NE(filtered.body.find("offer_filters"), std::string::npos) << filtered.body;
  subscribe.mutable_subscribe()->mutable_framework_info()->clear_offer_filters();
  (*subscribe.mutable_subscribe()->mutable_offer_constraints()->mutable_role_constraints())["*"]
      .add_groups();
  auto constrained =
      testing::postCall(master.endpoint(), "/api/v1/scheduler", subscribe, GetParam());
  EXPECT_EQ(constrained.status, 501) << constrained.body;
  EXPECT_NE(constrained.body.find("offer_constraints"), std::string::npos) << constrained.body;
}

INSTANTIATE_TEST_SUITE_P(BothContentTypes, UpdateFramework,
                         ::testing::Values(ContentType::kJson, ContentType::kProtobuf),
                         [](const auto& param) {
                           return param.param == ContentType::kJson ? "json" : "protobuf";
                         });

class FailureEvents : public ::testing::TestWithParam<ContentType> {};

TEST_P(FailureEvents, EveryConnectedFrameworkHearsOfALostAgent) {
  Master master({"--agent_ping_timeout=200ms", "--max_agent_ping_timeouts=2"});
  FakeAgent agent(master);
  Scheduler first(master, frameworkInfo("first"), GetParam());
  Scheduler second(master, frameworkInfo("second"), GetParam());
  ASSERT_EQ(first.status(), 200);
  ASSERT_EQ(second.status(), 200);

  agent.answerPings = false;
  agent.disconnect();
  for (Scheduler* scheduler : {&first, &second}) {
    auto failure = scheduler->waitFor(Event::FAILURE);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->failure().agent_id().value(), agent.id());
    EXPECT_FALSE(failure->failure().has_executor_id());
  }
}

TEST_P(FailureEvents, AnExitedExecutorIsReportedToItsFramework) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo(), GetParam());
  ASSERT_EQ(scheduler.status(), 200);

  AgentCall exited;
  exited.set_type(AgentCall::EXITED_EXECUTOR);
  exited.mutable_exited_executor()->mutable_framework_id()->set_value(scheduler.id());
  exited.mutable_exited_executor()->mutable_executor_id()->set_value("custom-executor");
  exited.mutable_exited_executor()->set_status(256);  // exit code 1
  EXPECT_EQ(agent.call(exited), 202);
  auto failure = scheduler.waitFor(Event::FAILURE);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->failure().agent_id().value(), agent.id());
  EXPECT_EQ(failure->failure().executor_id().value(), "custom-executor");
  EXPECT_EQ(failure->failure().status(), 256);
}

INSTANTIATE_TEST_SUITE_P(BothContentTypes, FailureEvents,
                         ::testing::Values(ContentType::kJson, ContentType::kProtobuf),
                         [](const auto& param) {
                           return param.param == ContentType::kJson ? "json" : "protobuf";
                         });

}  // namespace
}  // namespace mesolite
