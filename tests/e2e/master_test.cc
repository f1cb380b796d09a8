// The real mesos-master on 127.0.0.1, driven by schedulers over the v1 Scheduler API
// and by a scripted agent that speaks the agent protocol: offers, launches, updates and
// acknowledgements, kills, agent loss, framework failover, teardown, reconciliation, the
// operator API and the conformance answers (400 / 403) of the Scheduler API.
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/api_codec.h"
#include "common/resources.h"
#include "mesolite/internal.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"
#include "tests/support/api_client.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace e2e;
using internal::AgentCall;
using internal::AgentEvent;

const std::string kUuid1 = std::string("0123456789abcdef");
const std::string kUuid2 = std::string("fedcba9876543210");

// A task launched through an offer and running on the fake agent, acknowledged.
struct RunningTask {
  mesos::v1::Offer offer;
  std::string frameworkId;
};

RunningTask launchRunning(Scheduler& scheduler, FakeAgent& agent, const std::string& taskId) {
  mesos::v1::Offer offer = scheduler.nextOffer();
  EXPECT_EQ(scheduler.launch(offer, taskId, 1, 128).status, 202);
  auto run = agent.next();
  EXPECT_TRUE(run && run->type() == AgentEvent::RUN_TASK);
  EXPECT_EQ(agent.update(scheduler.id(), taskId, mesos::v1::TASK_RUNNING, kUuid1), 202);
  auto running = scheduler.nextUpdate();
  EXPECT_TRUE(running && running->state() == mesos::v1::TASK_RUNNING);
  if (running) {
    EXPECT_EQ(scheduler.acknowledge(*running).status, 202);
  }
  auto ack = agent.next();
  EXPECT_TRUE(ack && ack->type() == AgentEvent::ACKNOWLEDGE_UPDATE);
  return {offer, scheduler.id()};
}

class SchedulerApi : public ::testing::TestWithParam<ContentType> {};

TEST_P(SchedulerApi, AnswersMalformedAndUnsubscribedCallsAsMesosDoes) {
  Master master;
  const ContentType type = GetParam();

  http::Request garbage;
  garbage.method = "POST";
  garbage.path = "/api/v1/scheduler";
  garbage.headers["Content-Type"] = std::string(api::mediaType(type));
  garbage.body = type == ContentType::kJson ? "{\"type\": " : "\xff\xff\xff";
  auto malformed = http::fetch(master.endpoint(), garbage);
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->status, 400);
  EXPECT_FALSE(malformed->body.empty());

  Call noType;
  noType.mutable_framework_id()->set_value("x");
  auto untyped = testing::postCall(master.endpoint(), "/api/v1/scheduler", noType, type);
  EXPECT_EQ(untyped.status, 400);
  EXPECT_NE(untyped.body.find("'type'"), std::string::npos) << untyped.body;

  Call early;
  early.set_type(Call::REVIVE);
  early.mutable_framework_id()->set_value("never-subscribed");
  auto forbidden = testing::postCall(master.endpoint(), "/api/v1/scheduler", early, type);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_NE(forbidden.body.find("not subscribed"), std::string::npos) << forbidden.body;

  Scheduler scheduler(master, frameworkInfo(), type);
  ASSERT_EQ(scheduler.status(), 200);
  EXPECT_FALSE(scheduler.streamId().empty());
  EXPECT_EQ(scheduler.heartbeat(), 15);

  Call revive;
  revive.set_type(Call::REVIVE);
  revive.mutable_framework_id()->set_value(scheduler.id());
  auto missing = testing::postCall(master.endpoint(), "/api/v1/scheduler", revive, type);
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("Mesos-Stream-Id"), std::string::npos) << missing.body;
  auto wrong = testing::postCall(master.endpoint(), "/api/v1/scheduler", revive, type,
                                 {{"Mesos-Stream-Id", "not-the-stream"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("didn't match"), std::string::npos) << wrong.body;
  EXPECT_EQ(scheduler.call(revive).status, 202);

  Call accept;
  accept.set_type(Call::ACCEPT);  // without its 'accept' message
  auto incomplete = scheduler.call(accept);
  EXPECT_EQ(incomplete.status, 400);
  EXPECT_NE(incomplete.body.find("'accept'"), std::string::npos) << incomplete.body;

  Call badUuid;
  badUuid.set_type(Call::ACKNOWLEDGE);
  badUuid.mutable_acknowledge()->mutable_agent_id()->set_value("a");
  badUuid.mutable_acknowledge()->mutable_task_id()->set_value("t");
  badUuid.mutable_acknowledge()->set_uuid("short");
  EXPECT_EQ(scheduler.call(badUuid).status, 400);

  mesos::v1::FrameworkInfo noUser = frameworkInfo();
  noUser.set_user("");
  Scheduler refused(master, noUser, type);
  EXPECT_EQ(refused.status(), 400);
}

INSTANTIATE_TEST_SUITE_P(BothContentTypes, SchedulerApi,
                         ::testing::Values(ContentType::kJson, ContentType::kProtobuf),
                         [](const auto& param) {
                           return param.param == ContentType::kJson ? "json" : "protobuf";
                         });

TEST(Master, OffersAgentResourcesAndRunsATaskToItsAcknowledgedEnd) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo(), ContentType::kProtobuf);

  mesos::v1::Offer offer = scheduler.nextOffer();
  EXPECT_EQ(offer.agent_id().value(), agent.id());
  EXPECT_EQ(offer.hostname(), "fake-agent");
  auto offered = Resources::fromProtos(offer.resources());
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(offered->cpus(), 2);
  EXPECT_EQ(offered->mem(), 1024);
  EXPECT_EQ(offer.allocation_info().role(), "*");

  // A task asking more than the offer holds is refused with TASK_ERROR and a reason.
  EXPECT_EQ(scheduler.launch(offer, "too-big", 5, 128).status, 202);
  auto error = scheduler.nextUpdate();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->state(), mesos::v1::TASK_ERROR);
  EXPECT_EQ(error->reason(), mesos::v1::TaskStatus::REASON_TASK_INVALID);
  EXPECT_NE(error->message().find("more resources"), std::string::npos) << error->message();
  EXPECT_FALSE(error->has_uuid());

  // The declined remainder comes back (refuse_seconds 0); launch for real.
  RunningTask task = launchRunning(scheduler, agent, "t1");
  auto state = master.getJson("/master/state");
  ASSERT_TRUE(state.is_object());
  ASSERT_EQ(state["frameworks"].size(), 1u);
  ASSERT_EQ(state["frameworks"][0]["tasks"].size(), 1u);
  EXPECT_EQ(state["frameworks"][0]["tasks"][0]["state"], "TASK_RUNNING");
  EXPECT_EQ(state["frameworks"][0]["tasks"][0]["resources"]["cpus"], 1);
  EXPECT_EQ(state["slaves"][0]["used_resources"]["mem"], 128);

  // The rest of the agent is offered again; the task's share is not.
  mesos::v1::Offer rest = scheduler.nextOffer();
  EXPECT_EQ(Resources::fromProtos(rest.resources())->cpus(), 1);

  Call kill;
  kill.set_type(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  EXPECT_EQ(scheduler.call(kill).status, 202);
  auto killTask = agent.next();
  ASSERT_TRUE(killTask);
  EXPECT_EQ(killTask->type(), AgentEvent::KILL_TASK);
  EXPECT_EQ(killTask->kill_task().task_id().value(), "t1");

  EXPECT_EQ(agent.update(scheduler.id(), "t1", mesos::v1::TASK_KILLED, kUuid2), 202);
  auto killed = scheduler.nextUpdate();
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(killed->uuid(), kUuid2);
  EXPECT_EQ(scheduler.acknowledge(*killed).status, 202);
  auto ack = agent.next();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->acknowledge_update().uuid(), kUuid2);

  // Acknowledged and terminal: the task is completed and its resources are free.
  state = master.getJson("/master/state");
  EXPECT_EQ(state["frameworks"][0]["tasks"].size(), 0u);
  ASSERT_EQ(state["frameworks"][0]["completed_tasks"].size(), 1u);
  EXPECT_EQ(state["frameworks"][0]["completed_tasks"][0]["state"], "TASK_KILLED");
  auto metrics = master.getJson("/metrics/snapshot");
  EXPECT_EQ(metrics["master/tasks_killed"], 1);
  EXPECT_EQ(metrics["master/tasks_error"], 1);
  EXPECT_EQ(metrics["master/slaves_active"], 1);
  EXPECT_EQ(metrics["master/frameworks_active"], 1);
  // Mesos's names of the allocator's and the host's figures.
  EXPECT_GT(metrics.value("system/cpus_total", 0.0), 0);
  EXPECT_GT(metrics.value("system/mem_total_bytes", 0.0), 0);
  EXPECT_TRUE(metrics.contains("system/load_1min"));
  EXPECT_GT(metrics.value("allocator/mesos/resources/cpus/total", 0.0), 0);
  EXPECT_GE(metrics.value("allocator/mesos/allocation_runs", 0.0), 1);
  EXPECT_EQ(metrics["master/operator_event_stream_subscribers"], 0);

  // The same as Prometheus reads it.
  http::Request request{.method = "GET", .path = "/metrics/prometheus"};
  auto prometheus = http::fetch(master.endpoint(), request);
  ASSERT_TRUE(prometheus);
  EXPECT_EQ(prometheus->status, 200);
  EXPECT_NE(prometheus->body.find(
                "# TYPE mesos_master_tasks_killed gauge\nmesos_master_tasks_killed 1\n"),
            std::string::npos)
      << prometheus->body.substr(0, 500);
  EXPECT_NE(prometheus->body.find("\nmesos_allocator_mesos_resources_cpus_total "),
            std::string::npos);
}

TEST(Master, DeclineFiltersTheAgentUntilRevive) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo());
  mesos::v1::Offer offer = scheduler.nextOffer();
  Call decline;
  decline.set_type(Call::DECLINE);
  *decline.mutable_decline()->add_offer_ids() = offer.id();
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(3600);
  EXPECT_EQ(scheduler.call(decline).status, 202);
  // Many allocation cycles (50ms) pass without an offer.
  EXPECT_FALSE(scheduler.waitFor(Event::OFFERS, 1s));
  Call revive;
  revive.set_type(Call::REVIVE);
  EXPECT_EQ(scheduler.call(revive).status, 202);
  EXPECT_TRUE(scheduler.waitFor(Event::OFFERS));

  Call suppress;
  suppress.set_type(Call::SUPPRESS);
  EXPECT_EQ(scheduler.call(suppress).status, 202);
  // A suppressed framework's outstanding offer may still be declined; none come after.
  Call declineAll;
  declineAll.set_type(Call::DECLINE);
  auto state = master.getJson("/master/state");
  for (const auto& each : state["frameworks"][0]["offers"])
    declineAll.mutable_decline()->add_offer_ids()->set_value(each["id"]);
  declineAll.mutable_decline()->mutable_filters()->set_refuse_seconds(0);
  EXPECT_EQ(scheduler.call(declineAll).status, 202);
  EXPECT_FALSE(scheduler.waitFor(Event::OFFERS, 1s));
}

TEST(Master, OfferTimeoutRescindsTheOffer) {
  Master master({"--offer_timeout=200ms"});
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo());
  mesos::v1::Offer offer = scheduler.nextOffer();
  auto rescind = scheduler.waitFor(Event::RESCIND);
  ASSERT_TRUE(rescind);
  EXPECT_EQ(rescind->rescind().offer_id().value(), offer.id().value());
  // Accepting the rescinded offer fails the task rather than launching it.
  EXPECT_EQ(scheduler.launch(offer, "late", 1, 128).status, 202);
  auto dropped = scheduler.nextUpdate();
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->state(), mesos::v1::TASK_DROPPED);
  EXPECT_EQ(dropped->reason(), mesos::v1::TaskStatus::REASON_INVALID_OFFERS);
}

TEST(Master, WeightsShareTheClusterBetweenRoles) {
  Master master({"--weights=gold=3,silver=1"});
  for (int i = 0; i < 4; ++i)
    FakeAgent{master};  // registered; the streams close
  auto multiRole = [](const std::string& role) {
    mesos::v1::FrameworkInfo info = frameworkInfo(role);
    info.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
    info.add_roles(role);
    return info;
  };
  // The agents above are disconnected but still registered (not yet unreachable).
  Scheduler gold(master, multiRole("gold"));
  Scheduler silver(master, multiRole("silver"));
  auto roles = master.getJson("/master/roles");
  ASSERT_TRUE(roles.is_object());
  bool sawGold = false;
  for (const auto& role : roles["roles"]) {
    if (role["name"] == "gold") {
      sawGold = true;
      EXPECT_EQ(role["weight"], 3);
    }
  }
  EXPECT_TRUE(sawGold);
  auto offer = gold.nextOffer();
  EXPECT_EQ(offer.allocation_info().role(), "gold");
}

TEST(Master, UnreachableAgentTasksAreReportedAndComeBackWithTheAgent) {
  Master master({"--agent_ping_timeout=200ms", "--max_agent_ping_timeouts=2"});
  auto agent = std::make_unique<FakeAgent>(master);
  const std::string agentId = agent->id();
  Scheduler scheduler(master, frameworkInfo());
  launchRunning(scheduler, *agent, "t1");

  agent->answerPings = false;
  agent->disconnect();
  auto unreachable = scheduler.nextUpdate();
  ASSERT_TRUE(unreachable);
  EXPECT_EQ(unreachable->state(), mesos::v1::TASK_UNREACHABLE);
  EXPECT_EQ(unreachable->task_id().value(), "t1");
  EXPECT_TRUE(unreachable->has_unreachable_time());
  auto state = master.getJson("/master/state");
  EXPECT_EQ(state["unreachable_slaves"], 1);
  EXPECT_EQ(state["frameworks"][0]["unreachable_tasks"].size(), 1u);

  // The agent comes back with its task: the master takes it in again.
  mesos::v1::Task task;
  task.set_name("t1");
  task.mutable_task_id()->set_value("t1");
  task.mutable_framework_id()->set_value(scheduler.id());
  task.mutable_agent_id()->set_value(agentId);
  task.set_state(mesos::v1::TASK_RUNNING);
  *task.add_resources() = scalar("cpus", 1);
  *task.add_resources() = scalar("mem", 128);
  FakeAgent back(master, agentId, {task});
  EXPECT_EQ(back.id(), agentId);

  EXPECT_EQ(scheduler.reconcile({"t1"}), 202);
  auto answer = scheduler.nextUpdate();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->state(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(answer->reason(), mesos::v1::TaskStatus::REASON_RECONCILIATION);
  state = master.getJson("/master/state");
  EXPECT_EQ(state["unreachable_slaves"], 0);
  EXPECT_EQ(state["frameworks"][0]["tasks"].size(), 1u);
}

TEST(Master, ReconciliationAnswersKnownAndUnknownTasks) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo());
  launchRunning(scheduler, agent, "known");

  EXPECT_EQ(scheduler.reconcile(), 202);  // implicit
  auto all = scheduler.nextUpdate();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->task_id().value(), "known");
  EXPECT_EQ(all->state(), mesos::v1::TASK_RUNNING);
  EXPECT_FALSE(all->has_uuid());

  EXPECT_EQ(scheduler.reconcile({"never-launched"}), 202);
  auto unknown = scheduler.nextUpdate();
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->task_id().value(), "never-launched");
  EXPECT_EQ(unknown->state(), mesos::v1::TASK_UNKNOWN);
}

TEST(Master, FrameworkFailoverKeepsItsTasksAndEndsTheOldStream) {
  Master master;
  FakeAgent agent(master);
  auto first = std::make_unique<Scheduler>(master, frameworkInfo());
  const std::string id = first->id();
  launchRunning(*first, agent, "survivor");

  mesos::v1::FrameworkInfo info = frameworkInfo();
  info.mutable_id()->set_value(id);
  Scheduler second(master, info);
  ASSERT_EQ(second.status(), 200);
  EXPECT_EQ(second.id(), id);
  auto error = first->waitFor(Event::ERROR);
  ASSERT_TRUE(error);
  EXPECT_NE(error->error().message().find("failed over"), std::string::npos);

  EXPECT_EQ(second.reconcile(), 202);
  auto status = second.nextUpdate();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->task_id().value(), "survivor");
  EXPECT_EQ(status->state(), mesos::v1::TASK_RUNNING);
  // Disconnecting within the failover timeout leaves the task alone.
  second.disconnect();
  EXPECT_FALSE(agent.next(500ms));
}

TEST(Master, UpdatesThatArriveDuringFailoverReachTheNewSchedulerAtOnce) {
  Master master;
  FakeAgent agent(master);
  auto first = std::make_unique<Scheduler>(master, frameworkInfo());
  const std::string id = first->id();
  launchRunning(*first, agent, "ends-while-away");
  first->disconnect();
  first.reset();

  // The task ends while no scheduler listens; this scripted agent never retries.
  EXPECT_EQ(agent.update(id, "ends-while-away", mesos::v1::TASK_FINISHED, kUuid2), 202);
  mesos::v1::FrameworkInfo info = frameworkInfo();
  info.mutable_id()->set_value(id);
  Scheduler second(master, info);
  ASSERT_EQ(second.status(), 200);
  auto finished = second.nextUpdate();
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->state(), mesos::v1::TASK_FINISHED);
  EXPECT_EQ(finished->uuid(), kUuid2);
  EXPECT_EQ(second.acknowledge(*finished).status, 202);
  auto ack = agent.next();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type(), AgentEvent::ACKNOWLEDGE_UPDATE);
  EXPECT_EQ(ack->acknowledge_update().uuid(), kUuid2);
  // Acknowledged and terminal: completed, and not sent again on the next subscription.
  auto state = master.getJson("/master/state");
  EXPECT_EQ(state["frameworks"][0]["completed_tasks"].size(), 1u);
}

TEST(Master, FrameworkWithoutFailoverTimeoutIsRemovedWhenItDisconnects) {
  Master master;
  FakeAgent agent(master);
  mesos::v1::FrameworkInfo info = frameworkInfo();
  info.set_failover_timeout(0);
  Scheduler scheduler(master, info);
  launchRunning(scheduler, agent, "orphan");
  scheduler.disconnect();
  auto shutdown = agent.next();
  ASSERT_TRUE(shutdown);
  EXPECT_EQ(shutdown->type(), AgentEvent::SHUTDOWN_FRAMEWORK);
  EXPECT_EQ(shutdown->shutdown_framework().framework_id().value(), scheduler.id());
  auto state = master.getJson("/master/state");
  EXPECT_EQ(state["frameworks"].size(), 0u);
  EXPECT_EQ(state["completed_frameworks"].size(), 1u);
}

TEST(Master, TeardownEndpointRemovesTheFrameworkAndStopsItsTasks) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo());
  launchRunning(scheduler, agent, "doomed");

  EXPECT_EQ(master.teardown("nobody"), 400);
  EXPECT_EQ(master.teardown(scheduler.id()), 200);

  auto shutdown = agent.next();
  ASSERT_TRUE(shutdown);
  EXPECT_EQ(shutdown->type(), AgentEvent::SHUTDOWN_FRAMEWORK);
  auto state = master.getJson("/master/state");
  EXPECT_EQ(state["frameworks"].size(), 0u);
  ASSERT_EQ(state["completed_frameworks"].size(), 1u);
  EXPECT_EQ(state["completed_frameworks"][0]["completed_tasks"][0]["state"], "TASK_KILLED");
  // The framework's stream is closed; a new subscription with its id is refused.
  mesos::v1::FrameworkInfo again = frameworkInfo();
  again.mutable_id()->set_value(scheduler.id());
  Scheduler refused(master, again);
  EXPECT_EQ(refused.status(), 403);
}

TEST(Master, OperatorApiDescribesTheCluster) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo());

  mesos::v1::master::Call subscribe;
  subscribe.set_type(mesos::v1::master::Call::SUBSCRIBE);
  EventStream events(master.endpoint(), "/api/v1", subscribe, ContentType::kJson);
  ASSERT_EQ(events.status(), 200);
  mesos::v1::master::Event subscribed;
  ASSERT_TRUE(events.next(&subscribed));
  EXPECT_EQ(subscribed.type(), mesos::v1::master::Event::SUBSCRIBED);
  EXPECT_EQ(subscribed.subscribed().get_state().get_agents().agents_size(), 1);

  launchRunning(scheduler, agent, "watched");
  mesos::v1::master::Event added;
  bool sawAdded = false;
  while (events.next(&added, 5s)) {
    if (added.type() == mesos::v1::master::Event::TASK_ADDED) {
      sawAdded = true;
      EXPECT_EQ(added.task_added().task().task_id().value(), "watched");
      break;
    }
  }
  EXPECT_TRUE(sawAdded);

  for (auto type : {mesos::v1::master::Call::GET_STATE, mesos::v1::master::Call::GET_AGENTS,
                    mesos::v1::master::Call::GET_FRAMEWORKS, mesos::v1::master::Call::GET_TASKS,
                    mesos::v1::master::Call::GET_ROLES, mesos::v1::master::Call::GET_HEALTH,
                    mesos::v1::master::Call::GET_METRICS}) {
    mesos::v1::master::Call call;
    call.set_type(type);
    if (type == mesos::v1::master::Call::GET_METRICS) {
      // Mesos requires the (empty) get_metrics message.
      auto bare = testing::postCall(master.endpoint(), "/api/v1", call, ContentType::kJson);
      EXPECT_EQ(bare.status, 400) << bare.body;
      call.mutable_get_metrics();
    }
    auto response = testing::postCall(master.endpoint(), "/api/v1", call, ContentType::kJson);
    ASSERT_EQ(response.status, 200) << mesos::v1::master::Call::Type_Name(type);
    mesos::v1::master::Response parsed;
    ASSERT_TRUE(api::deserialize(response.body, ContentType::kJson, &parsed).ok());
    if (type == mesos::v1::master::Call::GET_TASKS) {
      ASSERT_EQ(parsed.get_tasks().tasks_size(), 1);
      EXPECT_EQ(parsed.get_tasks().tasks(0).state(), mesos::v1::TASK_RUNNING);
    }
    if (type == mesos::v1::master::Call::GET_AGENTS) {
      ASSERT_EQ(parsed.get_agents().agents_size(), 1);
      EXPECT_EQ(parsed.get_agents().agents(0).agent_info().hostname(), "fake-agent");
    }
    if (type == mesos::v1::master::Call::GET_FRAMEWORKS) {
      ASSERT_EQ(parsed.get_frameworks().frameworks_size(), 1);
      EXPECT_TRUE(parsed.get_frameworks().frameworks(0).connected());
    }
  }
  for (const char* path : {"/master/state-summary", "/master/frameworks", "/master/slaves",
                           "/master/tasks", "/master/roles", "/health"}) {
    http::Request request;
    request.method = "GET";
    request.path = path;
    auto response = http::fetch(master.endpoint(), request);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 200) << path;
  }
  EXPECT_EQ(master.getJson("/master/tasks")["tasks"][0]["id"], "watched");
  EXPECT_EQ(master.getJson("/master/slaves")["slaves"][0]["hostname"], "fake-agent");
  // Tools reach agents through the pid, which holds the address the agent came from.
  EXPECT_EQ(master.getJson("/master/slaves")["slaves"][0]["pid"], "slave(1)@127.0.0.1:5051");

  mesos::v1::master::Call teardown;
  teardown.set_type(mesos::v1::master::Call::TEARDOWN);
  teardown.mutable_teardown()->mutable_framework_id()->set_value(scheduler.id());
  EXPECT_EQ(testing::postCall(master.endpoint(), "/api/v1", teardown, ContentType::kJson).status,
            200);
  EXPECT_TRUE(master.getJson("/master/frameworks")["frameworks"].empty());
}

TEST(Master, RefusesAnAgentOfAnotherProtocolVersion) {
  Master master;
  AgentCall call;
  call.set_type(AgentCall::SUBSCRIBE);
  call.mutable_subscribe()->set_protocol_version(99);
  call.mutable_subscribe()->mutable_agent_info()->set_hostname("future");
  auto response =
      testing::postCall(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("version 99"), std::string::npos) << response.body;
}

// Fields not carried out yet are refused by name, never run as if absent; operations
// not built are dropped with OPERATION_ERROR to a framework that asked for feedback.
TEST(Master, TaskFieldsAndOperationsNotBuiltAreRefusedByName) {
  Master master;
  FakeAgent agent(master);
  Scheduler scheduler(master, frameworkInfo(), ContentType::kJson);
  mesos::v1::Offer offer = scheduler.nextOffer();

  Call call;
  call.set_type(Call::ACCEPT);
  auto* accept = call.mutable_accept();
  *accept->add_offer_ids() = offer.id();
  accept->mutable_filters()->set_refuse_seconds(0);
  auto* reserve = accept->add_operations();
  reserve->set_type(mesos::v1::Offer::Operation::RESERVE);
  reserve->mutable_id()->set_value("reserve-1");
  *reserve->mutable_reserve()->add_resources() = scalar("cpus", 0.1);
  auto* launch = accept->add_operations();
  launch->set_type(mesos::v1::Offer::Operation::LAUNCH);
  const std::map<std::string, std::function<void(mesos::v1::TaskInfo*)>> fields = {
      {"command.uris",
       [](auto* task) { task->mutable_command()->add_uris()->set_value("hdfs://x/y.tgz"); }},
      {"health_check",
       [](auto* task) { task->mutable_health_check()->set_type(mesos::v1::HealthCheck::TCP); }},
      {"check", [](auto* task) { task->mutable_check()->set_type(mesos::v1::CheckInfo::TCP); }},
      {"limits", [](auto* task) { (*task->mutable_limits())["disk"].set_value(2); }},
      {"data", [](auto* task) { task->set_data("opaque"); }},
  };
  for (const auto& [field, set] : fields) {
    auto* info = launch->mutable_launch()->add_task_infos();
    info->set_name(field);
    info->mutable_task_id()->set_value(field);
    *info->mutable_agent_id() = offer.agent_id();
    info->mutable_command()->set_value("true");
    *info->add_resources() = scalar("cpus", 0.1);
    set(info);
  }
  EXPECT_EQ(scheduler.call(call).status, 202);

  auto operation = scheduler.waitFor(Event::UPDATE_OPERATION_STATUS);
  ASSERT_TRUE(operation);
  const auto& status = operation->update_operation_status().status();
  EXPECT_EQ(status.operation_id().value(), "reserve-1");
  EXPECT_EQ(status.state(), mesos::v1::OPERATION_ERROR);
  EXPECT_NE(status.message().find("RESERVE is not supported"), std::string::npos)
      << status.message();

  std::set<std::string> refused;
  for (size_t i = 0; i < fields.size(); ++i) {
    auto update = scheduler.nextUpdate();
    ASSERT_TRUE(update);
    EXPECT_EQ(update->state(), mesos::v1::TASK_ERROR);
    EXPECT_EQ(update->reason(), mesos::v1::TaskStatus::REASON_TASK_INVALID);
    const std::string& id = update->task_id().value();
    EXPECT_EQ(update->message().rfind(id + " ", 0), 0u) << update->message();
    refused.insert(id);
  }
  EXPECT_EQ(refused.size(), fields.size());
  // None reached the agent.
  auto event = agent.next(300ms);
  EXPECT_FALSE(event && event->type() == AgentEvent::RUN_TASK);
  EXPECT_EQ(master.getJson("/metrics/snapshot")["master/operations/error"], 1);
}

TEST(Master, ServesMesosPathsRedirectsToTheLeaderAndOffersReachableUrls) {
  Master master;
  FakeAgent agent(master);
  for (const std::string path :
       {"/master/state", "/master/state.json", "/state", "/state.json",
        "/master/state-summary.json", "/state-summary", "/master/frameworks.json", "/frameworks",
        "/master/slaves.json", "/slaves", "/master/tasks.json", "/tasks", "/master/roles.json",
        "/roles", "/master/flags", "/master/health", "/master/version"}) {
    http::Request request{.method = "GET", .path = path};
    auto response = http::fetch(master.endpoint(), request);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 200) << path;
  }
  for (const std::string path : {"/master/redirect", "/redirect"}) {
    http::Request request{.method = "GET", .path = path};
    auto response = http::fetch(master.endpoint(), request);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 307) << path;
    const std::string location = response->headers["Location"];
    EXPECT_EQ(location.rfind("//", 0), 0u) << location;
    EXPECT_NE(location.find(":" + std::to_string(master.endpoint().port)), std::string::npos)
        << location;
  }
  mesos::v1::master::Call version;
  version.set_type(mesos::v1::master::Call::GET_VERSION);
  EXPECT_EQ(
      testing::postCall(master.endpoint(), "/master/api/v1", version, ContentType::kJson).status,
      200);

  // Mesos's scheduler library posts to /master/api/v1/scheduler.
  Call subscribe;
  subscribe.set_type(Call::SUBSCRIBE);
  *subscribe.mutable_subscribe()->mutable_framework_info() = frameworkInfo();
  EventStream stream(master.endpoint(), "/master/api/v1/scheduler", subscribe,
                     ContentType::kProtobuf);
  ASSERT_EQ(stream.status(), 200) << stream.body();
  Event event;
  ASSERT_TRUE(stream.next(&event));
  EXPECT_EQ(event.type(), Event::SUBSCRIBED);
  while (stream.next(&event) && event.type() != Event::OFFERS) {
  }
  ASSERT_EQ(event.type(), Event::OFFERS);
  const auto& url = event.offers().offers(0).url();
  EXPECT_EQ(url.scheme(), "http");
  EXPECT_EQ(url.address().hostname(), "fake-agent");
  EXPECT_EQ(url.address().ip(), "127.0.0.1");
  EXPECT_EQ(url.address().port(), 5051);
  EXPECT_EQ(url.path(), "/slave(1)");
}

TEST(Master, NamesTheAgentByItsAdvertisedIpAndRefusesOneThatIsNoIp) {
  Master master;
  AgentCall call;
  call.set_type(AgentCall::SUBSCRIBE);
  auto* subscribe = call.mutable_subscribe();
  subscribe->set_protocol_version(1);
  subscribe->mutable_agent_info()->set_hostname("behind-nat");
  subscribe->mutable_agent_info()->set_port(5051);
  *subscribe->mutable_agent_info()->add_resources() = scalar("cpus", 1);
  subscribe->set_advertise_ip("not-an-ip");
  auto refused =
      testing::postCall(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("'not-an-ip' is not an IP address"), std::string::npos)
      << refused.body;

  subscribe->set_advertise_ip("192.0.2.7");
  EventStream stream(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf);
  ASSERT_EQ(stream.status(), 200) << stream.body();
  AgentEvent subscribed;
  ASSERT_TRUE(stream.next(&subscribed));
  EXPECT_EQ(master.getJson("/master/slaves")["slaves"][0]["pid"], "slave(1)@192.0.2.7:5051");
}

TEST(Master, RootFrameworksAreRefusedWithoutRootSubmissions) {
  Master strict({"--no-root_submissions"});
  mesos::v1::FrameworkInfo root = frameworkInfo();
  root.set_user("root");
  Scheduler refused(strict, root);
  EXPECT_EQ(refused.status(), 403);
  mesos::v1::FrameworkInfo nobodyInfo = frameworkInfo();
  nobodyInfo.set_user("nobody");
  Scheduler nobody(strict, nobodyInfo);
  EXPECT_EQ(nobody.status(), 200);

  Master permissive;  // Mesos's default: root may subscribe
  Scheduler allowed(permissive, root);
  EXPECT_EQ(allowed.status(), 200);
}

}  // namespace
}  // namespace mesolite
