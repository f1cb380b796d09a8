// The master's agent proxy (master-lite/agent_proxy.h): its paths, and its handler on a
// real server in front of a scripted agent, both on one io_context on loopback.
#include "master-lite/agent_proxy.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/http_client.h"
#include "common/http_server.h"
#include "master-lite/agent_proxy_path.h"

namespace mesolite::master {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(AgentProxyPath, NamesTheAgentAndTheEndpoint) {
  auto target = parseAgentProxyPath("/agent/3f2a-S0/files/read");
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->agentId, "3f2a-S0");
  EXPECT_EQ(target->endpoint, "/files/read");
  for (std::string_view endpoint : kAgentProxyEndpoints) {
    auto each = parseAgentProxyPath("/agent/a/" + std::string(endpoint.substr(1)));
    ASSERT_TRUE(each) << endpoint;
    EXPECT_EQ(each->endpoint, endpoint);
  }
}

TEST(AgentProxyPath, AcceptsMesossOtherSpellings) {
  for (const char* path : {"/agent/a/slave(1)/state", "/agent/a/state.json",
                           "/agent/a/slave(1)/monitor/statistics.json"}) {
    auto target = parseAgentProxyPath(path);
    ASSERT_TRUE(target) << path << ": " << target.error().message;
    EXPECT_EQ(target->endpoint, std::string_view(path).find("state") != std::string_view::npos
                                    ? "/state"
                                    : "/monitor/statistics");
  }
}

TEST(AgentProxyPath, RefusesOtherEndpointsNamingThemAndTheAllowedOnes) {
  for (const char* path :
       {"/agent/a/api/v1", "/agent/a/files/debug", "/agent/a/", "/agent/a", "/agent/a/state/",
        "/agent/a//state", "/agent/a/.json", "/agent/a/slave(1)/", "/agent/a/master/state",
        "/agent/a/metrics/snapshot"}) {
    auto target = parseAgentProxyPath(path);
    ASSERT_FALSE(target) << path;
    EXPECT_NE(target.error().message.find("/files/browse, /files/read"), std::string::npos)
        << target.error().message;
  }
  auto refused = parseAgentProxyPath("/agent/a/api/v1");
  EXPECT_NE(refused.error().message.find("'/api/v1'"), std::string::npos)
      << refused.error().message;
}

TEST(AgentProxyPath, RefusesMalformedAgentIdsNamingThem) {
  for (const char* path : {"/agent//state", "/agent/../state", "/agent/a\x01b/state"}) {
    auto target = parseAgentProxyPath(path);
    ASSERT_FALSE(target) << path;
    EXPECT_NE(target.error().message.find("agent id"), std::string::npos) << target.error().message;
  }
  EXPECT_FALSE(parseAgentProxyPath("/agent/" + std::string(256, 'a') + "/state"));
  EXPECT_FALSE(parseAgentProxyPath("/agents/a/state"));
}

// A master's proxy (port `proxy`) in front of a scripted agent (port `agent`).
class AgentProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_.route("/files/read", [this](http::Request&& request, http::Responder responder) {
      seen_ = request;
      auto response = http::Response::json(request.header("Authorization") ? 200 : 401, "{}");
      response.headers["Content-Disposition"] = "attachment; filename=x";
      response.headers["X-Agent-Only"] = "1";
      responder.respond(std::move(response));
    });
    agent_.route("/state", [](http::Request&&, http::Responder responder) {
      responder.respond(http::Response::json(200, std::string(4096, ' ') + "{}"));
    });
    agent_.route("/flags", [this](http::Request&&, http::Responder responder) {
      held_.push_back(responder);  // never answers
    });
    ASSERT_TRUE(agent_.listen("127.0.0.1", 0));
    const http::Endpoint agentAt{"127.0.0.1", agent_.port()};
    auto locate = [agentAt](const std::string& id) -> AgentLocation {
      if (id == "known") return agentAt;
      if (id == "gone") return http::Endpoint{"127.0.0.1", 1};  // nothing listens there
      if (id == "away") return http::Response::text(503, "agent away is not connected\n");
      return http::Response::notFound("no agent " + id + "\n");
    };
    proxy_.routePrefix(
        "/agent/",
        agentProxy(io_, locate, {.timeout = 300ms, .maxBodyBytes = 1024, .maxInFlight = 1}));
    ASSERT_TRUE(proxy_.listen("127.0.0.1", 0));
  }

  http::Response get(const std::string& target, const std::string& method = "GET",
                     http::Headers headers = {}) {
    std::optional<Result<http::Response>> result;
    http::Client client(io_);
    client.send({"127.0.0.1", proxy_.port()},
                {.method = method, .path = target, .headers = std::move(headers)},
                [&](Result<http::Response> r) { result = std::move(r); });
    while (!result && io_.run_one_for(5s)) {
    }
    if (!result || !*result) return http::Response::text(0, result ? result->error().message : "");
    return **result;
  }

  asio::io_context io_;
  http::Server agent_{io_};
  http::Server proxy_{io_};
  std::optional<http::Request> seen_;
  std::vector<http::Responder> held_;
};

TEST_F(AgentProxyTest, ForwardsTheQueryAuthorizationAndTheAnswer) {
  auto answer = get("/agent/known/files/read?path=%2Fa%20b&offset=0&length=-1", "GET",
                    {{"Authorization", "Basic eDp5"}, {"Cookie", "secret"}});
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, "{}");
  EXPECT_EQ(answer.headers["Content-Type"], "application/json");
  EXPECT_EQ(answer.headers["Content-Disposition"], "attachment; filename=x");
  EXPECT_EQ(answer.headers.count("X-Agent-Only"), 0u);
  EXPECT_EQ(answer.headers["X-Content-Type-Options"], "nosniff");
  ASSERT_TRUE(seen_);
  EXPECT_EQ(seen_->rawQuery, "path=%2Fa%20b&offset=0&length=-1");
  EXPECT_EQ(seen_->header("Authorization").value_or(""), "Basic eDp5");
  EXPECT_FALSE(seen_->header("Cookie"));
  EXPECT_EQ(seen_->method, "GET");
}

TEST_F(AgentProxyTest, TheAgentsStatusReachesTheClient) {
  EXPECT_EQ(get("/agent/known/files/read?path=x").status, 401);
}

TEST_F(AgentProxyTest, HeadGetsTheHeadersWithoutTheBody) {
  auto answer = get("/agent/known/files/read?path=x", "HEAD", {{"Authorization", "Basic eDp5"}});
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "");
  EXPECT_EQ(answer.headers["Content-Length"], "2");  // what a GET gets: "{}"
  ASSERT_TRUE(seen_);
  EXPECT_EQ(seen_->method, "GET");
}

TEST_F(AgentProxyTest, RefusesWhatItDoesNotForward) {
  auto post = get("/agent/known/files/read", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["Allow"], "GET, HEAD");
  auto other = get("/agent/known/api/v1");
  EXPECT_EQ(other.status, 404);
  EXPECT_NE(other.body.find("/api/v1"), std::string::npos) << other.body;
  auto unknown = get("/agent/nobody/state");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("nobody"), std::string::npos);
  auto away = get("/agent/away/state");
  EXPECT_EQ(away.status, 503);
  EXPECT_FALSE(seen_);
}

TEST_F(AgentProxyTest, AnAgentThatCannotBeReachedIs502NamingItsAddress) {
  auto answer = get("/agent/gone/state");
  EXPECT_EQ(answer.status, 502);
  EXPECT_NE(answer.body.find("127.0.0.1:1"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("gone"), std::string::npos) << answer.body;
}

TEST_F(AgentProxyTest, AnAnswerOverTheLimitIs502NamingTheLimit) {
  auto answer = get("/agent/known/state");
  EXPECT_EQ(answer.status, 502);
  EXPECT_NE(answer.body.find("1024 bytes"), std::string::npos) << answer.body;
}

TEST_F(AgentProxyTest, ASilentAgentTimesOutAndTheInFlightBoundRefusesMeanwhile) {
  std::optional<Result<http::Response>> slow;
  http::Client client(io_);
  client.send({"127.0.0.1", proxy_.port()}, {.method = "GET", .path = "/agent/known/flags"},
              [&](Result<http::Response> r) { slow = std::move(r); });
  while (held_.empty() && io_.run_one_for(5s)) {
  }
  auto refused = get("/agent/known/files/read?path=x");  // the one slot is taken
  EXPECT_EQ(refused.status, 503) << refused.body;
  while (!slow && io_.run_one_for(5s)) {
  }
  ASSERT_TRUE(slow && *slow);
  EXPECT_EQ((*slow)->status, 502);
  EXPECT_EQ(get("/agent/known/files/read?path=x").status, 401);  // the slot is free again
}

}  // namespace
}  // namespace mesolite::master
