// --rate_limits: Mesos's JSON and the queueing rules, with the time passed in.
#include "master-lite/rate_limiter.h"

#include <gtest/gtest.h>

namespace mesolite::master {
namespace {

using namespace std::chrono_literals;
using Admission = RateLimiter::Admission;
const RateLimiter::Clock::time_point t0{};

TEST(RateLimits, ParsesMesossExample) {
  auto limits = parseRateLimits(R"({"limits": [
      {"principal": "foo", "qps": 55.5, "capacity": 100000},
      {"principal": "bar", "qps": 300},
      {"principal": "baz"}],
    "aggregate_default_qps": 333, "aggregate_default_capacity": 1000000})");
  ASSERT_TRUE(limits) << limits.error().message;
  ASSERT_EQ(limits->limits.size(), 3u);
  EXPECT_EQ(limits->limits[0].principal, "foo");
  EXPECT_DOUBLE_EQ(*limits->limits[0].qps, 55.5);
  EXPECT_EQ(*limits->limits[0].capacity, 100000u);
  EXPECT_FALSE(limits->limits[1].capacity);
  EXPECT_FALSE(limits->limits[2].qps);
  EXPECT_DOUBLE_EQ(*limits->aggregateDefaultQps, 333);
  EXPECT_EQ(*limits->aggregateDefaultCapacity, 1000000u);
}

TEST(RateLimits, RefusesUnknownFieldsAndBadValuesByName) {
  auto expectError = [](const std::string& json, const std::string& needle) {
    auto parsed = parseRateLimits(json);
    ASSERT_FALSE(parsed) << json;
    EXPECT_NE(parsed.error().message.find(needle), std::string::npos) << parsed.error().message;
  };
  expectError(R"({"limit": []})", "'limit'");
  expectError(R"({"limits": [{"principal": "a", "burst": 3}]})",
              "limits[0]: unknown field 'burst'");
  expectError(R"({"limits": [{"qps": 3}]})", "'principal'");
  expectError(R"({"limits": [{"principal": "a", "qps": -1}]})", "'qps'");
  expectError(R"({"limits": [{"principal": "a", "qps": "fast"}]})", "'qps'");
  expectError(R"({"limits": [{"principal": "a", "capacity": 1.5}]})", "'capacity'");
  expectError(R"({"limits": [{"principal": "a"}, {"principal": "a"}]})", "named twice");
  expectError(R"({"aggregate_default_qps": 0})", "aggregate_default_qps");
  expectError("not json", "not valid JSON");
  expectError("[]", "object");
}

TEST(RateLimiter, LetsQpsThroughThenQueuesUpToCapacityThenRefuses) {
  RateLimiter limiter(*parseRateLimits(R"({"limits": [{"principal": "foo", "qps": 10,
                                                       "capacity": 2}]})"));
  EXPECT_EQ(limiter.admit("foo", t0).kind, Admission::kNow);
  auto second = limiter.admit("foo", t0);
  EXPECT_EQ(second.kind, Admission::kLater);
  EXPECT_EQ(second.delay, 100ms);
  auto third = limiter.admit("foo", t0);
  EXPECT_EQ(third.kind, Admission::kLater);
  EXPECT_EQ(third.delay, 200ms);
  auto fourth = limiter.admit("foo", t0);
  EXPECT_EQ(fourth.kind, Admission::kRefused);
  EXPECT_EQ(fourth.bucket, "foo");
  EXPECT_EQ(fourth.capacity, 2u);
  // A queued call that ran frees its place.
  limiter.done("foo");
  EXPECT_EQ(limiter.waiting("foo"), 1u);
  EXPECT_EQ(limiter.admit("foo", t0 + 1ms).kind, Admission::kLater);
  // Once the queue's time has passed, a call runs at once.
  EXPECT_EQ(limiter.admit("foo", t0 + 10s).kind, Admission::kNow);
}

TEST(RateLimiter, UnnamedPrincipalsShareTheAggregateDefault) {
  RateLimiter limiter(*parseRateLimits(R"({"limits": [{"principal": "free"}],
                                          "aggregate_default_qps": 1,
                                          "aggregate_default_capacity": 0})"));
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(limiter.admit("free", t0).kind, Admission::kNow);  // named without qps
  EXPECT_EQ(limiter.admit("qux", t0).kind, Admission::kNow);
  EXPECT_EQ(limiter.admit("", t0).kind, Admission::kRefused);  // same bucket, no capacity
  EXPECT_EQ(limiter.admit("other", t0 + 1s).kind, Admission::kNow);
}

TEST(RateLimiter, WithoutAggregateDefaultOthersAreNotThrottled) {
  RateLimiter limiter(*parseRateLimits(R"({"limits": [{"principal": "foo", "qps": 1}]})"));
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(limiter.admit("bar", t0).kind, Admission::kNow);
  EXPECT_EQ(limiter.admit("foo", t0).kind, Admission::kNow);
  for (int i = 0; i < 100; ++i)  // no capacity: unbounded queue
    EXPECT_EQ(limiter.admit("foo", t0).kind, Admission::kLater);
}

}  // namespace
}  // namespace mesolite::master
