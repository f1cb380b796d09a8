// Health checks and checks without processes: how a task's check definitions are read
// (Mesos's defaults and validation) and Mesos's rules for when a health result is news.
#include <gtest/gtest.h>

#include <limits>

#include "agent/task_checks.h"
#include "common/check_definition.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using agent::HealthTracker;

TEST(CheckDefinition, HealthCheckTakesMesossDefaults) {
  mesos::v1::HealthCheck check;
  check.set_type(mesos::v1::HealthCheck::TCP);
  check.mutable_tcp()->set_port(8080);
  auto definition = healthCheckDefinition(check);
  ASSERT_TRUE(definition) << definition.error().message;
  EXPECT_EQ(definition->type, CheckDefinition::Type::kTcp);
  EXPECT_EQ(definition->port, 8080u);
  EXPECT_EQ(definition->delay, 15s);
  EXPECT_EQ(definition->interval, 10s);
  EXPECT_EQ(definition->timeout, 20s);
  EXPECT_EQ(definition->gracePeriod, 10s);
  EXPECT_EQ(definition->consecutiveFailures, 3u);
  EXPECT_FALSE(definition->ipv6);
}

TEST(CheckDefinition, HttpPathAndProtocolAreKept) {
  mesos::v1::HealthCheck check;
  check.set_type(mesos::v1::HealthCheck::HTTP);
  check.mutable_http()->set_port(80);
  check.mutable_http()->set_path("/health?deep=1");
  check.mutable_http()->set_protocol(mesos::v1::NetworkInfo::IPv6);
  check.set_interval_seconds(0.25);
  auto definition = healthCheckDefinition(check);
  ASSERT_TRUE(definition) << definition.error().message;
  EXPECT_EQ(definition->path, "/health?deep=1");
  EXPECT_TRUE(definition->ipv6);
  EXPECT_EQ(definition->interval, 250ms);
}

TEST(CheckDefinition, BadDefinitionsAreRefusedNamingWhat) {
  const auto refusal = [](const mesos::v1::HealthCheck& check) {
    auto definition = healthCheckDefinition(check);
    return definition ? std::string() : definition.error().message;
  };
  mesos::v1::HealthCheck check;
  EXPECT_EQ(refusal(check), "HealthCheck must specify 'type'");
  check.set_type(mesos::v1::HealthCheck::COMMAND);
  EXPECT_NE(refusal(check).find("'command' to be set"), std::string::npos);
  check.mutable_command()->set_value("true");
  check.mutable_command()->add_uris()->set_value("http://127.0.0.1/x");
  EXPECT_NE(refusal(check).find("uris"), std::string::npos);
  check.mutable_command()->clear_uris();
  check.set_timeout_seconds(-1);
  EXPECT_NE(refusal(check).find("'timeout_seconds' to be non-negative"), std::string::npos);
  check.set_timeout_seconds(std::numeric_limits<double>::quiet_NaN());
  EXPECT_NE(refusal(check).find("'timeout_seconds'"), std::string::npos);
  check.set_timeout_seconds(1);

  mesos::v1::HealthCheck http;
  http.set_type(mesos::v1::HealthCheck::HTTP);
  http.mutable_http()->set_port(80);
  http.mutable_http()->set_path("health");
  EXPECT_NE(refusal(http).find("must start with '/'"), std::string::npos);
  http.mutable_http()->set_path("/a b");
  EXPECT_NE(refusal(http).find("space"), std::string::npos);
  http.mutable_http()->set_path("/");
  http.mutable_http()->add_statuses(200);
  EXPECT_NE(refusal(http).find("statuses"), std::string::npos);
  http.mutable_http()->clear_statuses();
  http.mutable_http()->set_port(70000);
  EXPECT_NE(refusal(http).find("port 70000"), std::string::npos);

  mesos::v1::CheckInfo info;
  info.set_type(mesos::v1::CheckInfo::UNKNOWN);
  auto unknown = checkDefinition(info);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("not a valid check type"), std::string::npos);
}

TEST(HealthTracker, FirstSuccessIsNewsRepeatedSuccessIsNot) {
  const auto start = HealthTracker::Clock::now();
  HealthTracker tracker(3, 10s, start);
  auto first = tracker.success();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->healthy);
  EXPECT_FALSE(tracker.success());
}

TEST(HealthTracker, FailuresInTheGracePeriodAreIgnoredUntilTheFirstSuccess) {
  const auto start = HealthTracker::Clock::now();
  HealthTracker tracker(1, 10s, start);
  EXPECT_FALSE(tracker.failure(start + 5s));  // still starting up
  ASSERT_TRUE(tracker.success());
  auto failed = tracker.failure(start + 6s);  // healthy once: the grace period is over
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->healthy);
  EXPECT_TRUE(failed->killTask);
}

TEST(HealthTracker, ConsecutiveFailuresKillAndASuccessResetsTheCount) {
  const auto start = HealthTracker::Clock::now();
  HealthTracker tracker(3, 0s, start);
  auto one = tracker.failure(start);
  ASSERT_TRUE(one);
  EXPECT_FALSE(one->killTask);
  EXPECT_EQ(one->consecutiveFailures, 1u);
  ASSERT_TRUE(tracker.failure(start));
  auto healthyAgain = tracker.success();
  ASSERT_TRUE(healthyAgain);  // the first success after failures is news
  EXPECT_TRUE(healthyAgain->healthy);
  EXPECT_FALSE(tracker.failure(start)->killTask);
  EXPECT_FALSE(tracker.failure(start)->killTask);
  auto third = tracker.failure(start);
  EXPECT_TRUE(third->killTask);
  EXPECT_EQ(third->consecutiveFailures, 3u);
}

TEST(HealthTracker, GracePeriodEndsWithTime) {
  const auto start = HealthTracker::Clock::now();
  HealthTracker tracker(2, 1s, start);
  EXPECT_FALSE(tracker.failure(start + 500ms));
  auto late = tracker.failure(start + 2s);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->consecutiveFailures, 1u);
}

TEST(HealthTracker, ResumedAfterARestartHasNoSecondGracePeriod) {
  const auto start = HealthTracker::Clock::now();
  HealthTracker tracker(2, 60s, start);
  tracker.resume(true);
  EXPECT_FALSE(tracker.success());  // healthy was told already
  ASSERT_TRUE(tracker.failure(start));
  EXPECT_TRUE(tracker.failure(start)->killTask);
}

}  // namespace
}  // namespace mesolite
