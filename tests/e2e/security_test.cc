// The master's control plane attacked as a client without rights would: no credentials,
// wrong ones, a valid principal the ACLs deny, a framework impersonated, an agent that
// cannot authenticate. Each check fails if its protection is removed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/credentials.h"
#include "mesos/v1/master/master.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/fake_agent.h"

namespace mesolite::e2e {
namespace {

using mesos::v1::TaskStatus;

const Credential kAlice{"alice", "alice-secret-4f1c"};
const Credential kBob{"bob", "bob-secret-93ad"};
const Credential kAgent{"agent", "agent-secret-77e0"};

// A directory with the master's credentials (JSON, as Mesos's examples write them).
class SecureMaster : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mesolite-security-XXXXXX";
    dir_ = ::mkdtemp(dir);
    credentials_ = dir_ + "/credentials.json";
    std::ofstream(credentials_) << R"({"credentials":[)"
                                << R"({"principal":"alice","secret":"alice-secret-4f1c"},)"
                                << R"({"principal":"bob","secret":"bob-secret-93ad"},)"
                                << R"({"principal":"agent","secret":"agent-secret-77e0"}]})";
    ::chmod(credentials_.c_str(), 0600);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::vector<std::string> allAuthentication() const {
    return {"--authenticate_frameworks", "--authenticate_agents", "--authenticate_http_readonly",
            "--authenticate_http_readwrite", "--credentials=" + credentials_};
  }

  static http::Response request(const Master& master, const std::string& method,
                                const std::string& path, const std::optional<Credential>& as,
                                std::string body = "", std::string contentType = "") {
    http::Request request{.method = method, .path = path, .body = std::move(body)};
    if (!contentType.empty()) request.headers["Content-Type"] = contentType;
    if (as) request.headers["Authorization"] = basicAuthorization(*as);
    auto response = http::fetch(master.endpoint(), request, {.timeout = 10s});
    return response ? *response : http::Response{.status = 0, .body = response.error().message};
  }

  static http::Headers basic(const Credential& credential) {
    return {{"Authorization", basicAuthorization(credential)}};
  }

  // A SUBSCRIBE as `info` with `as`'s credentials: the status, and the stream if 200.
  static std::unique_ptr<EventStream> subscribe(const Master& master,
                                                const mesos::v1::FrameworkInfo& info,
                                                const std::optional<Credential>& as) {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    *call.mutable_subscribe()->mutable_framework_info() = info;
    return std::make_unique<EventStream>(master.endpoint(), "/api/v1/scheduler", call,
                                         ContentType::kJson, as ? basic(*as) : http::Headers{});
  }

  std::string dir_;
  std::string credentials_;
};

struct Endpoint {
  std::string method, path, body, contentType, realm;
};

const std::vector<Endpoint>& protectedEndpoints() {
  static const std::vector<Endpoint> endpoints = {
      {"GET", "/master/state", "", "", "mesos-master-readonly"},
      {"GET", "/state.json", "", "", "mesos-master-readonly"},
      {"GET", "/master/frameworks", "", "", "mesos-master-readonly"},
      {"GET", "/master/tasks", "", "", "mesos-master-readonly"},
      {"GET", "/master/slaves", "", "", "mesos-master-readonly"},
      {"GET", "/master/roles", "", "", "mesos-master-readonly"},
      {"GET", "/master/state-summary", "", "", "mesos-master-readonly"},
      {"GET", "/flags", "", "", "mesos-master-readonly"},
      {"GET", "/master/flags", "", "", "mesos-master-readonly"},
      {"GET", "/metrics/snapshot", "", "", "mesos-master-readonly"},
      {"GET", "/files/browse?path=/", "", "", "mesos-master-readonly"},
      {"POST", "/api/v1", R"({"type":"GET_STATE"})", "application/json", "mesos-master-readwrite"},
      {"POST", "/master/api/v1", R"({"type":"GET_HEALTH"})", "application/json",
       "mesos-master-readwrite"},
      {"POST", "/master/teardown", "frameworkId=x", "application/x-www-form-urlencoded",
       "mesos-master-readwrite"},
      {"POST", "/api/v1/scheduler",
       R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"x"}}})",
       "application/json", "mesos-master-scheduler"},
  };
  return endpoints;
}

TEST_F(SecureMaster, EveryEndpointWithoutValidCredentialsGets401WithItsRealm) {
  Master master(allAuthentication());
  const Credential wrong{"alice", "alice-secret-4f1d"};
  const Credential stranger{"mallory", "alice-secret-4f1c"};
  for (const auto& endpoint : protectedEndpoints()) {
    for (const std::optional<Credential>& as :
         std::vector<std::optional<Credential>>{std::nullopt, wrong, stranger}) {
      auto response =
          request(master, endpoint.method, endpoint.path, as, endpoint.body, endpoint.contentType);
      EXPECT_EQ(response.status, 401)
          << endpoint.method << " " << endpoint.path << " as " << (as ? as->principal : "nobody");
      EXPECT_EQ(response.headers["WWW-Authenticate"], "Basic realm=\"" + endpoint.realm + "\"")
          << endpoint.path;
    }
    // The valid credential gets through to the endpoint itself.
    auto response = request(master, endpoint.method, endpoint.path, kAlice, endpoint.body,
                            endpoint.contentType);
    EXPECT_NE(response.status, 401) << endpoint.path << ": " << response.body;
  }
  // Garbage in the header is a 401 too, never a crash.
  for (const std::string header :
       {"Basic", "Basic !!!!", "Basic YWxpY2U=", "Bearer x", "Basic ="}) {
    http::Request raw{.method = "GET", .path = "/master/state"};
    raw.headers["Authorization"] = header;
    auto response = http::fetch(master.endpoint(), raw, {.timeout = 10s});
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->status, 401) << header;
  }
  // Mesos leaves these open, and so do we.
  for (const std::string path : {"/health", "/version", "/master/redirect"}) {
    auto response = request(master, "GET", path, std::nullopt);
    EXPECT_TRUE(response.status == 200 || response.status == 307) << path << " " << response.status;
  }
  // Secrets appear neither in /flags nor in the log.
  auto flags = request(master, "GET", "/flags", kAlice);
  ASSERT_EQ(flags.status, 200);
  EXPECT_EQ(flags.body.find("secret"), std::string::npos) << flags.body;
  EXPECT_NE(flags.body.find(credentials_), std::string::npos) << flags.body;
  EXPECT_EQ(master.process().err().find("4f1c"), std::string::npos);
  EXPECT_EQ(master.process().err().find("4f1d"), std::string::npos);
  EXPECT_NE(master.process().err().find("authentication failed"), std::string::npos);
}

TEST_F(SecureMaster, AuthenticationFlagsWithoutCredentialsOrWithBadOnesStopTheMaster) {
  const std::string master = std::getenv("MESOLITE_MASTER");
  const std::vector<std::string> base = {master, "--ip=127.0.0.1", "--port=0",
                                         "--registry=in_memory"};
  auto withFlags = [&](std::vector<std::string> extra) {
    auto argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::run(argv, {}, 10s);
  };
  auto missing = withFlags({"--authenticate_http_readonly"});
  EXPECT_NE(missing.exitCode(), 0);
  EXPECT_NE(missing.err.find("--authenticate_http_readonly needs --credentials"), std::string::npos)
      << missing.err;

  std::ofstream(dir_ + "/broken") << "alice\n";
  auto broken = withFlags({"--authenticate_http_readonly", "--credentials=" + dir_ + "/broken"});
  EXPECT_NE(broken.exitCode(), 0);
  EXPECT_NE(broken.err.find("expected 'principal secret'"), std::string::npos) << broken.err;

  auto acls = withFlags({R"(--acls={"reserve_resources":[]})"});
  EXPECT_NE(acls.exitCode(), 0);
  EXPECT_NE(acls.err.find("reserve_resources"), std::string::npos) << acls.err;
  auto unknown = withFlags({R"(--acls={"run_task":[]})"});
  EXPECT_NE(unknown.exitCode(), 0);
  EXPECT_NE(unknown.err.find("unknown ACL list 'run_task'"), std::string::npos) << unknown.err;

  auto authenticator = withFlags({"--http_authenticators=custom"});
  EXPECT_NE(authenticator.exitCode(), 0);
  EXPECT_NE(authenticator.err.find("only basic"), std::string::npos) << authenticator.err;
}

TEST_F(SecureMaster, AFrameworkIsBoundToThePrincipalItAuthenticatedAs) {
  Master master(allAuthentication());
  auto info = frameworkInfo("alice's");
  info.set_principal("alice");

  // Claiming someone else's principal, or none, is refused.
  EXPECT_EQ(subscribe(master, info, kBob)->status(), 403);
  auto anonymous = info;
  anonymous.clear_principal();
  EXPECT_EQ(subscribe(master, anonymous, kAlice)->status(), 403);

  auto alice = subscribe(master, info, kAlice);
  ASSERT_EQ(alice->status(), 200) << alice->body();
  Event subscribed;
  ASSERT_TRUE(alice->next(&subscribed));
  const std::string id = subscribed.subscribed().framework_id().value();
  const std::string streamId = alice->header("Mesos-Stream-Id");

  // Bob, authenticated, takes alice's framework id: as himself, then claiming alice.
  auto takeover = info;
  takeover.mutable_id()->set_value(id);
  takeover.set_principal("bob");
  auto asBob = subscribe(master, takeover, kBob);
  EXPECT_EQ(asBob->status(), 403);
  EXPECT_NE(asBob->body().find("registered with principal 'alice'"), std::string::npos)
      << asBob->body();
  takeover.set_principal("alice");
  EXPECT_EQ(subscribe(master, takeover, kBob)->status(), 403);

  // Bob with alice's stream id (leaked, say) still cannot act for her framework.
  Call teardown;
  teardown.set_type(Call::TEARDOWN);
  teardown.mutable_framework_id()->set_value(id);
  http::Headers headers = basic(kBob);
  headers["Mesos-Stream-Id"] = streamId;
  auto response = testing::postCall(master.endpoint(), "/api/v1/scheduler", teardown,
                                    ContentType::kJson, headers);
  EXPECT_EQ(response.status, 403) << response.body;

  // Alice's subscription is untouched.
  EXPECT_FALSE(alice->ended());
  auto state = request(master, "GET", "/master/frameworks", kAlice);
  ASSERT_EQ(state.status, 200);
  auto json = nlohmann::json::parse(state.body);
  ASSERT_EQ(json["frameworks"].size(), 1u);
  EXPECT_EQ(json["frameworks"][0]["id"], id);
  EXPECT_EQ(json["frameworks"][0]["active"], true);
}

TEST_F(SecureMaster, AclsDecideWhoRegistersRunsTearsDownAndReads) {
  const std::string acls = R"({
    "register_frameworks": [
      {"principals": {"values": ["bob"]}, "roles": {"values": ["prod"]}},
      {"principals": {"type": "NONE"}, "roles": {"values": ["prod"]}}
    ],
    "run_tasks": [
      {"principals": {"values": ["alice"]}, "users": {"values": ["nobody"]}},
      {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
    ],
    "teardown_frameworks": [
      {"principals": {"values": ["alice"]}, "framework_principals": {"values": ["alice"]}},
      {"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}
    ],
    "view_flags": [{"principals": {"values": ["alice"]}, "flags": {"type": "ANY"}},
                   {"principals": {"type": "ANY"}, "flags": {"type": "NONE"}}],
    "get_endpoints": [{"principals": {"values": ["alice"]}, "paths": {"values": ["/metrics/snapshot"]}},
                      {"principals": {"type": "ANY"}, "paths": {"type": "NONE"}}]
  })";
  auto flags = allAuthentication();
  flags.push_back("--acls=" + acls);
  Master master(flags);

  // register_frameworks: only bob may use role prod; alice may use others.
  auto prod = frameworkInfo("prod");
  prod.add_roles("prod");
  prod.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
  prod.set_principal("alice");
  auto refused = subscribe(master, prod, kAlice);
  EXPECT_EQ(refused->status(), 403);
  EXPECT_NE(refused->body().find("Not authorized to use role 'prod'"), std::string::npos)
      << refused->body();
  prod.set_principal("bob");
  EXPECT_EQ(subscribe(master, prod, kBob)->status(), 200);

  // run_tasks: alice may run tasks as nobody only.
  auto info = frameworkInfo("alice's");
  info.set_principal("alice");
  auto alice = subscribe(master, info, kAlice);
  ASSERT_EQ(alice->status(), 200);
  Event subscribed;
  ASSERT_TRUE(alice->next(&subscribed));
  const std::string id = subscribed.subscribed().framework_id().value();
  const std::string streamId = alice->header("Mesos-Stream-Id");

  // An agent (authenticated) brings offers.
  internal::AgentCall agentCall;
  agentCall.set_type(internal::AgentCall::SUBSCRIBE);
  auto* agentSubscribe = agentCall.mutable_subscribe();
  agentSubscribe->set_protocol_version(1);
  agentSubscribe->set_version("test");
  agentSubscribe->mutable_agent_info()->set_hostname("fake-agent");
  *agentSubscribe->add_resources() = scalar("cpus", 2);
  *agentSubscribe->add_resources() = scalar("mem", 1024);
  EventStream agent(master.endpoint(), "/api/v1/agent", agentCall, ContentType::kProtobuf,
                    basic(kAgent));
  ASSERT_EQ(agent.status(), 200) << agent.body();

  std::optional<mesos::v1::Offer> offer;
  for (int i = 0; i < 20 && !offer; ++i) {
    Event event;
    if (!alice->next(&event, 5s)) break;
    if (event.type() == Event::OFFERS && event.offers().offers_size() > 0) {
      offer = event.offers().offers(0);
    }
  }
  ASSERT_TRUE(offer);
  Call accept;
  accept.set_type(Call::ACCEPT);
  accept.mutable_framework_id()->set_value(id);
  *accept.mutable_accept()->add_offer_ids() = offer->id();
  auto* launch = accept.mutable_accept()->add_operations();
  launch->set_type(mesos::v1::Offer::Operation::LAUNCH);
  auto addTask = [&](const std::string& taskId, const std::string& user) {
    auto* task = launch->mutable_launch()->add_task_infos();
    task->set_name(taskId);
    task->mutable_task_id()->set_value(taskId);
    *task->mutable_agent_id() = offer->agent_id();
    task->mutable_command()->set_value("true");
    if (!user.empty()) task->mutable_command()->set_user(user);
    *task->add_resources() = scalar("cpus", 0.1);
    *task->add_resources() = scalar("mem", 32);
  };
  addTask("as-root", "");  // the framework's user, root
  addTask("as-nobody", "nobody");
  http::Headers headers = basic(kAlice);
  headers["Mesos-Stream-Id"] = streamId;
  auto accepted = testing::postCall(master.endpoint(), "/api/v1/scheduler", accept,
                                    ContentType::kJson, headers);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  std::optional<TaskStatus> rootStatus;
  for (int i = 0; i < 20 && !rootStatus; ++i) {
    Event event;
    if (!alice->next(&event, 5s)) break;
    if (event.type() == Event::UPDATE && event.update().status().task_id().value() == "as-root") {
      rootStatus = event.update().status();
    }
  }
  ASSERT_TRUE(rootStatus);
  EXPECT_EQ(rootStatus->state(), mesos::v1::TASK_ERROR);
  EXPECT_EQ(rootStatus->reason(), TaskStatus::REASON_TASK_UNAUTHORIZED);
  EXPECT_NE(rootStatus->message().find("as user 'root'"), std::string::npos)
      << rootStatus->message();
  // The task as nobody went to the agent.
  bool ranNobody = false;
  for (int i = 0; i < 20 && !ranNobody; ++i) {
    internal::AgentEvent event;
    if (!agent.next(&event, 5s)) break;
    ranNobody = event.type() == internal::AgentEvent::RUN_TASK &&
                event.run_task().task().task_id().value() == "as-nobody";
  }
  EXPECT_TRUE(ranNobody);

  // teardown_frameworks: bob may not tear alice's framework down; alice may.
  auto bobTeardown = request(master, "POST", "/master/teardown", kBob, "frameworkId=" + id,
                             "application/x-www-form-urlencoded");
  EXPECT_EQ(bobTeardown.status, 403) << bobTeardown.body;
  auto bobOperator =
      request(master, "POST", "/api/v1", kBob,
              R"({"type":"TEARDOWN","teardown":{"framework_id":{"value":")" + id + R"("}}})",
              "application/json");
  EXPECT_EQ(bobOperator.status, 403) << bobOperator.body;
  EXPECT_FALSE(alice->ended());

  // view_flags and get_endpoints.
  EXPECT_EQ(request(master, "GET", "/flags", kBob).status, 403);
  EXPECT_EQ(request(master, "GET", "/flags", kAlice).status, 200);
  EXPECT_EQ(request(master, "POST", "/api/v1", kBob, R"({"type":"GET_FLAGS"})", "application/json")
                .status,
            403);
  EXPECT_EQ(request(master, "GET", "/metrics/snapshot", kBob).status, 403);
  EXPECT_EQ(request(master, "GET", "/metrics/snapshot", kAlice).status, 200);

  auto aliceTeardown = request(master, "POST", "/master/teardown", kAlice, "frameworkId=" + id,
                               "application/x-www-form-urlencoded");
  EXPECT_EQ(aliceTeardown.status, 200) << aliceTeardown.body;
}

TEST_F(SecureMaster, ViewAclsFilterTheStateTheApisAndTheEventStream) {
  const std::string acls = R"({
    "view_frameworks": [
      {"principals": {"values": ["bob"]}, "users": {"values": ["nobody"]}},
      {"principals": {"values": ["bob"]}, "users": {"type": "NONE"}}
    ],
    "view_flags": [{"principals": {"values": ["bob"]}, "flags": {"type": "NONE"}}]
  })";
  auto flags = allAuthentication();
  flags.push_back("--acls=" + acls);
  Master master(flags);
  auto nobodys = frameworkInfo("nobody's");
  nobodys.set_user("nobody");
  nobodys.set_principal("alice");
  auto first = subscribe(master, nobodys, kAlice);
  ASSERT_EQ(first->status(), 200);

  // Operator subscribers as bob and as alice, before a root framework arrives.
  mesos::v1::master::Call subscribeCall;
  subscribeCall.set_type(mesos::v1::master::Call::SUBSCRIBE);
  EventStream bobEvents(master.endpoint(), "/api/v1", subscribeCall, ContentType::kJson,
                        basic(kBob));
  EventStream aliceEvents(master.endpoint(), "/api/v1", subscribeCall, ContentType::kJson,
                          basic(kAlice));
  ASSERT_EQ(bobEvents.status(), 200);
  ASSERT_EQ(aliceEvents.status(), 200);
  mesos::v1::master::Event event;
  ASSERT_TRUE(bobEvents.next(&event));
  EXPECT_EQ(event.subscribed().get_state().get_frameworks().frameworks_size(), 1);

  auto roots = frameworkInfo("root's");
  roots.set_principal("alice");
  auto second = subscribe(master, roots, kAlice);
  ASSERT_EQ(second->status(), 200);

  auto names = [](const nlohmann::json& frameworks) {
    std::set<std::string> found;
    for (const auto& framework : frameworks)
      found.insert(framework.value("name", ""));
    return found;
  };
  auto asBob = nlohmann::json::parse(request(master, "GET", "/master/frameworks", kBob).body);
  EXPECT_EQ(names(asBob["frameworks"]), std::set<std::string>{"nobody's"});
  auto asAlice = nlohmann::json::parse(request(master, "GET", "/master/frameworks", kAlice).body);
  EXPECT_EQ(names(asAlice["frameworks"]), (std::set<std::string>{"nobody's", "root's"}));
  auto bobState = nlohmann::json::parse(request(master, "GET", "/master/state", kBob).body);
  EXPECT_EQ(names(bobState["frameworks"]), std::set<std::string>{"nobody's"});
  EXPECT_FALSE(bobState.contains("flags"));
  EXPECT_TRUE(nlohmann::json::parse(request(master, "GET", "/master/state", kAlice).body)
                  .contains("flags"));
  auto bobApi = nlohmann::json::parse(
      request(master, "POST", "/api/v1", kBob, R"({"type":"GET_FRAMEWORKS"})", "application/json")
          .body);
  EXPECT_EQ(bobApi["get_frameworks"]["frameworks"].size(), 1u);

  // The event stream: alice hears of the root framework, bob does not.
  auto added = [](EventStream& stream) {
    mesos::v1::master::Event next;
    while (stream.next(&next, 2s)) {
      if (next.type() == mesos::v1::master::Event::FRAMEWORK_ADDED) {
        return next.framework_added().framework().framework_info().name();
      }
    }
    return std::string();
  };
  EXPECT_EQ(added(aliceEvents), "root's");
  EXPECT_EQ(added(bobEvents), "");
}

TEST_F(SecureMaster, UpdateWeightsIsValidatedAndAuthorizedPerRole) {
  Master master(
      {"--credentials=" + credentials_, "--authenticate_http_readwrite",
       R"(--acls={"update_weights":[{"principals":{"values":["alice"]},"roles":{"type":"ANY"}},)"
       R"({"principals":{"type":"ANY"},"roles":{"type":"NONE"}}]})"});
  const std::string update =
      R"({"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"prod","weight":3}]}})";
  EXPECT_EQ(request(master, "POST", "/api/v1", kBob, update, "application/json").status, 403);
  EXPECT_EQ(request(master, "POST", "/api/v1", kAlice,
                    R"({"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[)"
                    R"({"role":"prod","weight":3},{"role":"bad role","weight":1}]}})",
                    "application/json")
                .status,
            400);
  EXPECT_EQ(request(master, "POST", "/api/v1", kAlice,
                    R"({"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[)"
                    R"({"role":"prod","weight":-1}]}})",
                    "application/json")
                .status,
            400);
  auto weights = [&] {
    return nlohmann::json::parse(
        request(master, "POST", "/api/v1", kAlice, R"({"type":"GET_WEIGHTS"})", "application/json")
            .body);
  };
  EXPECT_FALSE(weights()["get_weights"].contains("weight_infos"));  // nothing half-applied
  EXPECT_EQ(request(master, "POST", "/api/v1", kAlice, update, "application/json").status, 200);
  EXPECT_EQ(weights()["get_weights"]["weight_infos"][0]["role"], "prod");
  EXPECT_EQ(weights()["get_weights"]["weight_infos"][0]["weight"], 3.0);
}

TEST_F(SecureMaster, AnAgentThatCannotAuthenticateIsNotAdmitted) {
  Master master({"--authenticate_agents", "--credentials=" + credentials_});
  internal::AgentCall call;
  call.set_type(internal::AgentCall::SUBSCRIBE);
  auto* subscribe = call.mutable_subscribe();
  subscribe->set_protocol_version(1);
  subscribe->set_version("test");
  subscribe->mutable_agent_info()->set_hostname("impostor");
  *subscribe->add_resources() = scalar("cpus", 2);
  *subscribe->add_resources() = scalar("mem", 1024);

  EventStream none(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf);
  EXPECT_EQ(none.status(), 401);
  EXPECT_EQ(none.header("WWW-Authenticate"), "Basic realm=\"mesos-master-agent\"");
  EventStream wrong(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf,
                    basic({"agent", "guess"}));
  EXPECT_EQ(wrong.status(), 401);
  EXPECT_EQ(master.getJson("/master/slaves")["slaves"].size(), 0u);

  EventStream genuine(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf,
                      basic(kAgent));
  EXPECT_EQ(genuine.status(), 200) << genuine.body();
  EXPECT_EQ(master.getJson("/master/slaves")["slaves"].size(), 1u);
}

TEST_F(SecureMaster, RegisterAgentsAclKeepsAgentsOut) {
  Master master(
      {"--authenticate_agents", "--credentials=" + credentials_,
       R"(--acls={"register_agents":[{"principals":{"values":["agent"]},"agents":{"type":"ANY"}},)"
       R"({"principals":{"type":"ANY"},"agents":{"type":"NONE"}}]})"});
  internal::AgentCall call;
  call.set_type(internal::AgentCall::SUBSCRIBE);
  auto* subscribe = call.mutable_subscribe();
  subscribe->set_protocol_version(1);
  subscribe->set_version("test");
  subscribe->mutable_agent_info()->set_hostname("agent");
  *subscribe->add_resources() = scalar("cpus", 1);
  EventStream bob(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf, basic(kBob));
  EXPECT_EQ(bob.status(), 403);
  EXPECT_NE(bob.body().find("register_agents"), std::string::npos) << bob.body();
  EventStream agent(master.endpoint(), "/api/v1/agent", call, ContentType::kProtobuf,
                    basic(kAgent));
  EXPECT_EQ(agent.status(), 200) << agent.body();
}

TEST_F(SecureMaster, WithoutAuthenticationTheMasterStaysOpenAsMesosIs) {
  // The defaults: nothing needs credentials, so that existing clients keep working.
  Master master;
  EXPECT_EQ(request(master, "GET", "/master/state", std::nullopt).status, 200);
  auto scheduler = subscribe(master, frameworkInfo(), std::nullopt);
  EXPECT_EQ(scheduler->status(), 200);
}

}  // namespace
}  // namespace mesolite::e2e
