// The agent's operator API attacked from where Mesos left it open: a task on the host
// (it shares the host's network) calling its own agent to start a root container or kill
// another task, with and without guessed credentials; principals the ACLs deny; the
// read-only endpoints without credentials. Root only: real containers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/agent_with_master.h"
#include "tests/support/standalone_agent.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::StandaloneAgent;

// What a task can try against the agent at `port`: each line "<what> <HTTP status>", and
// whether it could read the agent's credentials file.
std::string attackScript(uint16_t port, const std::string& credentialsPath) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1";
  const std::string post =
      "curl -s -o /dev/null -w '%{http_code}' -X POST -H "
      "'Content-Type: application/json' " +
      url + " -d ";
  const std::string launch =
      R"('{"type":"LAUNCH_CONTAINER","launch_container":{"container_id":{"value":"evil"},)"
      R"("command":{"value":"id -u > evil-ran"},"resources":[]}}')";
  const std::string kill =
      R"('{"type":"KILL_CONTAINER","kill_container":{"container_id":{"value":"victim"}}}')";
  std::ostringstream script;
  script << "echo launch $(" << post << launch << ")\n"
         << "echo launch-guessed $(" << post << launch << " -u test-operator:guess)\n"
         << "echo launch-empty $(" << post << launch << " -u test-operator:)\n"
         << "echo kill $(" << post << kill << ")\n"
         << "echo kill-guessed $(" << post << kill << " -u test-operator:test-operator)\n"
         << "if cat " << credentialsPath
         << " >/dev/null 2>&1; then echo credentials readable; "
            "else echo credentials unreadable; fi\n";
  return script.str();
}

std::map<std::string, std::string> results(const std::string& out) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const size_t space = line.find(' ');
    if (space != std::string::npos) fields[line.substr(0, space)] = line.substr(space + 1);
  }
  return fields;
}

bool containerKnown(StandaloneAgent& agent, const std::string& id) {
  auto response =
      agent.call({{"type", "GET_CONTAINERS"}, {"get_containers", {{"show_standalone", true}}}});
  auto answer = json::parse(response.body, nullptr, false);
  if (answer.is_discarded()) return false;
  for (const auto& container : answer["get_containers"].value("containers", json::array())) {
    if (container["container_id"]["value"] == id) return true;
  }
  return false;
}

class AgentSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: runs containers";
    if (::access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "needs /usr/bin/curl in tasks";
  }

  // Runs the attack as `nobody` next to a victim task; returns what the attacker saw.
  std::map<std::string, std::string> attack(StandaloneAgent& agent) {
    EXPECT_EQ(agent.launch("victim", "exec sleep 600").status, 200);
    const auto response = agent.launch(
        "attacker", attackScript(agent.endpoint().port, agent.directory() + "/http_credentials"),
        "cpus:0.1;mem:64", nullptr, "nobody");
    EXPECT_EQ(response.status, 200) << response.body;
    auto end = agent.wait("attacker");
    EXPECT_EQ(end.value("exit_status", -1), 0) << agent.err("attacker");
    return results(agent.out("attacker"));
  }
};

TEST_F(AgentSecurity, ATaskCannotDriveItsOwnAgent) {
  StandaloneAgent agent;
  ASSERT_TRUE(agent.ok()) << agent.startError();
  auto seen = attack(agent);
  EXPECT_EQ(seen["launch"], "401");
  EXPECT_EQ(seen["launch-guessed"], "401");
  EXPECT_EQ(seen["launch-empty"], "401");
  EXPECT_EQ(seen["kill"], "401");
  EXPECT_EQ(seen["kill-guessed"], "401");
  EXPECT_EQ(seen["credentials"], "unreadable");
  // Nothing happened: no container "evil", and the victim still runs.
  EXPECT_FALSE(containerKnown(agent, "evil"));
  EXPECT_TRUE(containerKnown(agent, "victim"));
  auto victim = agent.callAs(agent.credential(), {{"type", "GET_CONTAINERS"},
                                                  {"get_containers", {{"show_standalone", true}}}});
  EXPECT_EQ(victim.status, 200);
  EXPECT_NE(victim.body.find("victim"), std::string::npos);
  EXPECT_EQ(agent.kill("victim", SIGKILL).status, 200);  // the operator may
  agent.wait("victim");
}

TEST_F(AgentSecurity, EvenARootTaskCannotReadTheAgentsCredentials) {
  StandaloneAgent agent;
  ASSERT_TRUE(agent.ok()) << agent.startError();
  const std::string path = agent.directory() + "/http_credentials";
  ASSERT_EQ(::access(path.c_str(), R_OK), 0);  // the host can
  ASSERT_EQ(agent.launch("root-reader", "cat " + path + " >stolen 2>&1; echo rc=$?").status, 200);
  agent.wait("root-reader");
  EXPECT_NE(agent.out("root-reader").find("rc="), std::string::npos) << agent.err("root-reader");
  EXPECT_EQ(agent.out("root-reader").find("rc=0"), std::string::npos) << agent.out("root-reader");
  std::ifstream stolen(agent.sandbox("root-reader") + "/stolen");
  const std::string text((std::istreambuf_iterator<char>(stolen)), {});
  EXPECT_EQ(text.find(agent.credential()->secret), std::string::npos) << text;
}

TEST_F(AgentSecurity, TheOptOutRestoresMesossOpenApiAndTheAttackWorks) {
  // The control: the same task against an agent run with the opt-out does launch a
  // container and kill its neighbour, so the test above can fail.
  StandaloneAgent agent({"--allow_unauthenticated_operator_writes"});
  ASSERT_TRUE(agent.ok()) << agent.startError();
  EXPECT_NE(agent.startError().find("--allow_unauthenticated_operator_writes"), std::string::npos);
  auto seen = attack(agent);
  EXPECT_EQ(seen["launch"], "200");
  EXPECT_EQ(seen["kill"], "200");
  EXPECT_TRUE(containerKnown(agent, "evil"));
  agent.wait("evil");
  agent.wait("victim");
}

TEST_F(AgentSecurity, AclsDecideWhichUsersAnOperatorMayLaunchAsAndWhatItMayRead) {
  const std::string acls = R"({
    "launch_standalone_containers": [
      {"principals": {"values": ["test-operator"]}, "users": {"values": ["nobody"]}},
      {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
    ],
    "kill_standalone_containers": [
      {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
    ],
    "view_flags": [{"principals": {"type": "ANY"}, "flags": {"type": "NONE"}}],
    "get_endpoints": [{"principals": {"type": "ANY"}, "paths": {"type": "NONE"}}]
  })";
  StandaloneAgent agent({"--acls=" + acls, "--authenticate_http_readonly"});
  ASSERT_TRUE(agent.ok()) << agent.startError();

  auto asRoot = agent.launch("as-root", "exec sleep 600");
  EXPECT_EQ(asRoot.status, 403) << asRoot.body;
  EXPECT_NE(asRoot.body.find("launch_standalone_containers"), std::string::npos) << asRoot.body;
  EXPECT_FALSE(containerKnown(agent, "as-root"));
  auto asNobody = agent.launch("as-nobody", "exec sleep 600", "cpus:0.1;mem:32", nullptr, "nobody");
  EXPECT_EQ(asNobody.status, 200) << asNobody.body;
  EXPECT_EQ(agent.kill("as-nobody", SIGKILL).status, 403);  // kill_standalone_containers

  auto get = [&](const std::string& path, const std::optional<Credential>& as) {
    http::Request request{.method = "GET", .path = path};
    if (as) request.headers["Authorization"] = basicAuthorization(*as);
    auto response = http::fetch(agent.endpoint(), request, {.timeout = 10s});
    return response ? response->status : 0;
  };
  // --authenticate_http_readonly: the read-only endpoints want credentials.
  EXPECT_EQ(get("/state", std::nullopt), 401);
  EXPECT_EQ(get("/state", agent.credential()), 200);
  EXPECT_EQ(get("/monitor/statistics", std::nullopt), 401);
  EXPECT_EQ(get("/containers", std::nullopt), 401);
  EXPECT_EQ(get("/health", std::nullopt), 200);
  // view_flags and get_endpoints deny even an authenticated operator here.
  EXPECT_EQ(get("/flags", agent.credential()), 403);
  EXPECT_EQ(get("/monitor/statistics", agent.credential()), 403);
  EXPECT_EQ(get("/containers", agent.credential()), 403);  // as /monitor/statistics
  EXPECT_EQ(get("/slave(1)/containers", agent.credential()), 403);
  EXPECT_EQ(get("/metrics/snapshot", agent.credential()),
            403);  // The container the ACLs keep alive goes with the test agent's cgroups.
}

TEST_F(AgentSecurity, CredentialFlagsAreCheckedAtStart) {
  StandaloneAgent missing({"--authenticate_http_readwrite", "--http_credentials=/nonexistent"});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.startError().find("/nonexistent"), std::string::npos) << missing.startError();
  StandaloneAgent lonely({"--credential=/nonexistent"});
  EXPECT_FALSE(lonely.ok());
  EXPECT_NE(lonely.startError().find("without --master it has no use"), std::string::npos)
      << lonely.startError();
}

}  // namespace
}  // namespace mesolite

namespace mesolite {
namespace {

using AgentWithMaster = testing::AgentWithMaster;

TEST_F(AgentWithMaster, ViewAndSandboxAclsFilterWhatAnOperatorSeesOfTasks) {
  // The test operator may see nothing of root's frameworks, tasks and sandboxes; an
  // anonymous caller (ANY) matches no rule and falls to permissive.
  const std::string acls = R"({
    "view_frameworks": [{"principals": {"values": ["test-operator"]}, "users": {"type": "NONE"}}],
    "view_tasks": [{"principals": {"values": ["test-operator"]}, "users": {"type": "NONE"}}],
    "view_executors": [{"principals": {"values": ["test-operator"]}, "users": {"type": "NONE"}}],
    "access_sandboxes": [{"principals": {"values": ["test-operator"]}, "users": {"type": "NONE"}}]
  })";
  startAgent({"--acls=" + acls});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  master_->runTask(testing::framework("F1", false),
                   testing::task("t-secret", "echo classified; exec sleep 1000", 32));
  ASSERT_TRUE(master_->waitForUpdate("t-secret", mesos::v1::TASK_RUNNING, 20s)) << agent_->err();

  const auto fetch = [&](const std::string& path, bool asOperator) {
    http::Request request{.method = "GET", .path = path};
    if (asOperator) testing::authorize(request, operator_.credential);
    auto response = http::fetch(endpoint_, request, {.timeout = 10s});
    return response ? *response : http::Response{.status = 0};
  };
  auto anonymous = json::parse(fetch("/state", false).body);
  ASSERT_EQ(anonymous["frameworks"].size(), 1u);
  const std::string directory = anonymous["frameworks"][0]["executors"][0]["directory"];
  auto filtered = json::parse(fetch("/state", true).body);
  EXPECT_EQ(filtered["frameworks"].size(), 0u) << filtered.dump();

  http::Request call{.method = "POST", .path = "/api/v1", .body = R"({"type":"GET_TASKS"})"};
  call.headers["Content-Type"] = "application/json";
  testing::authorize(call, operator_.credential);
  auto tasks = http::fetch(endpoint_, call, {.timeout = 10s});
  ASSERT_TRUE(tasks && tasks->status == 200);
  EXPECT_EQ(tasks->body.find("t-secret"), std::string::npos) << tasks->body;

  const std::string read =
      "/files/read?path=" + http::percentEncode(directory + "/stdout") + "&offset=0";
  EXPECT_EQ(fetch(read, false).status, 200);
  auto denied = fetch(read, true);
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("access_sandboxes"), std::string::npos) << denied.body;
}

}  // namespace
}  // namespace mesolite
