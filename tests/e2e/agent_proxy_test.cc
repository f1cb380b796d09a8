// The master's agent proxy, /agent/<agent-id>/<endpoint>, with real processes on
// 127.0.0.1 (root: the agent runs a real task): a running task's sandbox browsed, read
// and downloaded through the master; the agent's refusal of a path outside the sandbox,
// an unknown agent, an endpoint not forwarded, and the master's own authentication.
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "tests/e2e/cluster.h"
#include "tests/e2e/real_agent.h"
#include "tests/support/operator_credential.h"
#include "tests/support/temp_dir.h"

namespace mesolite {
namespace {

using namespace e2e;

using testing::TempDir;

http::Response get(const http::Endpoint& endpoint, const std::string& target,
                   const std::optional<Credential>& credential = std::nullopt) {
  http::Request request;
  request.method = "GET";
  request.path = target;
  if (credential) testing::authorize(request, *credential);
  auto response = http::fetch(endpoint, request, {.timeout = 20s});
  if (!response) return http::Response::text(0, response.error().message);
  return *response;
}

// A master (with `masterFlags`), a real agent, and a task writing to its stdout, then
// sleeping: its agent id and sandbox directory.
class AgentProxy : public ::testing::Test {
 protected:
  void start(std::vector<std::string> masterFlags = {}) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: the agent runs a task in cgroups";
    operator_ = testing::makeOperatorCredential(dir_.path());
    masterFlags.push_back("--credentials=" + dir_.path() + "/http_credentials");
    master_ = std::make_unique<Master>(masterFlags);
    agent_ = std::make_unique<Agent>(*master_, dir_.path());
    scheduler_ = std::make_unique<Scheduler>(*master_, frameworkInfo("proxy-test"));
    auto offer = scheduler_->nextOffer();
    agentId_ = offer.agent_id().value();
    ASSERT_FALSE(agentId_.empty());
    auto accepted =
        scheduler_->launch(offer, "proxied", 0.1, 32, "echo hello through the master; sleep 60");
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    // Each update comes once the one before it is acknowledged.
    std::optional<mesos::v1::TaskStatus> update;
    while ((update = scheduler_->nextUpdate(20s)) && update->state() != mesos::v1::TASK_RUNNING) {
      ASSERT_EQ(update->state(), mesos::v1::TASK_STARTING) << update->DebugString();
      scheduler_->acknowledge(*update);
    }
    ASSERT_TRUE(update) << "the task did not run";
    scheduler_->acknowledge(*update);
    auto state = agent_->state();
    ASSERT_TRUE(state.is_object());
    sandbox_ = state["frameworks"][0]["executors"][0]["directory"].get<std::string>();
    // The echo has run once the task runs; give its stdout a moment to reach the file.
    for (int i = 0; i < 50 && std::filesystem::file_size(sandbox_ + "/stdout") == 0; ++i)
      std::this_thread::sleep_for(100ms);
  }
  void TearDown() override {
    if (scheduler_) master_->teardown(scheduler_->id());
    scheduler_.reset();
    agent_.reset();
    master_.reset();
  }

  std::string proxied(const std::string& endpoint) const { return "/agent/" + agentId_ + endpoint; }

  TempDir dir_{"mesolite-proxy"};
  testing::OperatorCredential operator_;
  std::unique_ptr<Master> master_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<Scheduler> scheduler_;
  std::string agentId_;
  std::string sandbox_;
};

TEST_F(AgentProxy, BrowsesReadsAndDownloadsARunningTasksSandbox) {
  ASSERT_NO_FATAL_FAILURE(start());
  const http::Endpoint master = master_->endpoint();
  auto browse = get(master, proxied("/files/browse?path=" + http::percentEncode(sandbox_)));
  ASSERT_EQ(browse.status, 200) << browse.body;
  auto listing = nlohmann::json::parse(browse.body, nullptr, false);
  ASSERT_TRUE(listing.is_array()) << browse.body;
  bool hasStdout = false;
  for (const auto& entry : listing)
    hasStdout |= entry["path"] == sandbox_ + "/stdout";
  EXPECT_TRUE(hasStdout) << browse.body;

  auto read = get(master, proxied("/files/read?path=" + http::percentEncode(sandbox_ + "/stdout") +
                                  "&offset=0&length=1000"));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.headers["Content-Type"].rfind("application/json", 0), 0u);
  auto slice = nlohmann::json::parse(read.body, nullptr, false);
  ASSERT_TRUE(slice.is_object()) << read.body;
  EXPECT_EQ(slice["offset"], 0);
  EXPECT_NE(slice["data"].get<std::string>().find("hello through the master"), std::string::npos)
      << read.body;

  auto download =
      get(master, proxied("/files/download?path=" + http::percentEncode(sandbox_ + "/stdout")));
  ASSERT_EQ(download.status, 200) << download.body;
  EXPECT_NE(download.body.find("hello through the master"), std::string::npos);
  EXPECT_EQ(download.headers["Content-Disposition"], "attachment; filename=stdout");
  EXPECT_EQ(download.headers["X-Content-Type-Options"], "nosniff");
  // What the agent answers itself, byte for byte.
  auto direct =
      get(agent_->endpoint(), "/files/download?path=" + http::percentEncode(sandbox_ + "/stdout"));
  EXPECT_EQ(download.body, direct.body);

  // /containers and /monitor/statistics of the agent, through the master.
  for (const char* endpoint : {"/containers", "/monitor/statistics", "/slave(1)/state"}) {
    auto answer = get(master, proxied(endpoint));
    EXPECT_EQ(answer.status, 200) << endpoint << ": " << answer.body;
    EXPECT_NE(answer.body.find(endpoint == std::string("/slave(1)/state") ? agentId_ : "proxied"),
              std::string::npos)
        << endpoint << ": " << answer.body;
  }
}

TEST_F(AgentProxy, TheAgentsRefusalOfAPathOutsideTheSandboxReachesTheClient) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (const std::string& path :
       {sandbox_ + "/../../../../../../etc/passwd", std::string("/etc/passwd")}) {
    const std::string target = "/files/read?path=" + http::percentEncode(path) + "&offset=0";
    auto direct = get(agent_->endpoint(), target);
    auto proxiedAnswer = get(master_->endpoint(), proxied(target));
    EXPECT_GE(proxiedAnswer.status, 400) << path << ": " << proxiedAnswer.body;
    EXPECT_LT(proxiedAnswer.status, 500) << path << ": " << proxiedAnswer.body;
    EXPECT_EQ(proxiedAnswer.status, direct.status) << path;
    EXPECT_EQ(proxiedAnswer.body.find("root:"), std::string::npos) << proxiedAnswer.body;
  }
}

TEST_F(AgentProxy, UnknownAgentsAndEndpointsNotForwardedAre404NamingThem) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto unknown = get(master_->endpoint(), "/agent/no-such-agent-S9/state");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("no-such-agent-S9"), std::string::npos) << unknown.body;
  auto other = get(master_->endpoint(), proxied("/api/v1"));
  EXPECT_EQ(other.status, 404);
  EXPECT_NE(other.body.find("/api/v1"), std::string::npos) << other.body;
  EXPECT_NE(other.body.find("/files/browse"), std::string::npos) << other.body;
  http::Request post;
  post.method = "POST";
  post.path = proxied("/state");
  auto posted = http::fetch(master_->endpoint(), post);
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 405);
}

TEST_F(AgentProxy, AnAgentThatLeftIs503NamingIt) {
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(get(master_->endpoint(), proxied("/flags")).status, 200);
  agent_->stop();
  http::Response answer;
  for (int i = 0; i < 100; ++i) {
    answer = get(master_->endpoint(), proxied("/flags"));
    if (answer.status != 200 && answer.status != 502) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_NE(answer.body.find(agentId_), std::string::npos) << answer.body;
}

TEST_F(AgentProxy, WithAuthenticationAClientWithoutCredentialsGets401FromTheMaster) {
  ASSERT_NO_FATAL_FAILURE(start({"--authenticate_http_readonly"}));
  auto anonymous = get(master_->endpoint(), proxied("/state"));
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_NE(anonymous.headers["WWW-Authenticate"].find("mesos-master-readonly"), std::string::npos);
  // The master's own credentials pass it; they go on to the agent, which asks for none.
  auto authenticated = get(master_->endpoint(), proxied("/state"), operator_.credential);
  EXPECT_EQ(authenticated.status, 200) << authenticated.body;
}

}  // namespace
}  // namespace mesolite
