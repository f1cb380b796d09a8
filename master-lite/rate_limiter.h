// --rate_limits: Mesos's framework rate limiting (docs/framework-rate-limiting.md in the
// Mesos sources). Each principal named in `limits` has its own bucket; every other
// principal (and a framework without one) shares the aggregate default bucket. A bucket
// lets one call through every 1/qps seconds; calls beyond that wait their turn, at most
// `capacity` of them (unbounded without one), and the one after is refused (429, as
// Mesos answers an HTTP framework). An entry without qps, or no aggregate default, means
// not throttled. Pure: the time is passed in, the caller runs the waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite::master {

struct RateLimit {
  std::string principal;
  std::optional<double> qps;
  std::optional<uint64_t> capacity;
};

struct RateLimits {
  std::vector<RateLimit> limits;
  std::optional<double> aggregateDefaultQps;
  std::optional<uint64_t> aggregateDefaultCapacity;
};

// Mesos's JSON; unknown fields, a principal named twice, a qps that is not a positive
// number and a capacity that is not a non-negative integer are refused by name.
Result<RateLimits> parseRateLimits(std::string_view json);

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Admission {
    enum Kind { kNow, kLater, kRefused } kind = kNow;
    Clock::duration delay{};  // kLater: run the call after this long, then call done()
    std::string bucket;       // for done(); and the refusal's message names it
    uint64_t capacity = 0;    // kRefused: the bucket's capacity
  };

  explicit RateLimiter(RateLimits limits);

  // A call of a framework with `principal` (empty: none) arrives at `now`.
  Admission admit(const std::string& principal, Clock::time_point now);
  // A call admitted kLater from `bucket` has run: its place in the queue is free.
  void done(const std::string& bucket);

  // Calls waiting in `bucket`.
  uint64_t waiting(const std::string& bucket) const;

 private:
  struct Bucket {
    std::optional<double> qps;
    std::optional<uint64_t> capacity;
    Clock::time_point next{};  // when the next call may run
    uint64_t waiting = 0;
  };
  std::map<std::string, Bucket> buckets_;  // by principal; "" is the aggregate default
  bool hasDefault_ = false;
};

}  // namespace mesolite::master
