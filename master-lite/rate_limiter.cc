#include "master-lite/rate_limiter.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace mesolite::master {

using nlohmann::json;

namespace {

// The bucket of every principal not in `limits`; no principal can be empty.
const std::string kDefaultBucket;

Result<std::optional<double>> qpsField(const json& object, const std::string& field) {
  auto found = object.find(field);
  if (found == object.end()) return std::optional<double>();
  if (!found->is_number() || !std::isfinite(found->get<double>()) || found->get<double>() <= 0) {
    return Error("'" + field + "' must be a positive number, not " + found->dump());
  }
  return std::optional<double>(found->get<double>());
}

Result<std::optional<uint64_t>> capacityField(const json& object, const std::string& field) {
  auto found = object.find(field);
  if (found == object.end()) return std::optional<uint64_t>();
  if (found->is_number_unsigned()) return std::optional<uint64_t>(found->get<uint64_t>());
  if (found->is_number_float()) {
    const double value = found->get<double>();
    if (value >= 0 && value < 1.8e19 && std::floor(value) == value)
      return std::optional<uint64_t>(uint64_t(value));
  }
  return Error("'" + field + "' must be a non-negative integer, not " + found->dump());
}

Result<void> onlyKnownFields(const json& object, const std::set<std::string>& known,
                             const std::string& where) {
  for (const auto& [name, value] : object.items()) {
    if (!known.contains(name)) return Error(where + "unknown field '" + name + "'");
  }
  return success();
}

}  // namespace

Result<RateLimits> parseRateLimits(std::string_view text) {
  const json document = json::parse(text, nullptr, false);
  if (document.is_discarded()) return Error("--rate_limits is not valid JSON");
  if (!document.is_object()) return Error("--rate_limits must be a JSON object");
  if (auto known = onlyKnownFields(
          document, {"limits", "aggregate_default_qps", "aggregate_default_capacity"}, "");
      !known) {
    return known.error();
  }
  RateLimits out;
  auto qps = qpsField(document, "aggregate_default_qps");
  if (!qps) return qps.error();
  out.aggregateDefaultQps = *qps;
  auto capacity = capacityField(document, "aggregate_default_capacity");
  if (!capacity) return capacity.error();
  out.aggregateDefaultCapacity = *capacity;

  auto limits = document.find("limits");
  if (limits == document.end()) return out;
  if (!limits->is_array()) return Error("'limits' must be an array");
  std::set<std::string> seen;
  for (size_t i = 0; i < limits->size(); ++i) {
    const json& entry = (*limits)[i];
    const std::string where = "limits[" + std::to_string(i) + "]: ";
    if (!entry.is_object()) return Error(where + "must be an object");
    if (auto known = onlyKnownFields(entry, {"principal", "qps", "capacity"}, where); !known) {
      return known.error();
    }
    auto principal = entry.find("principal");
    if (principal == entry.end() || !principal->is_string() ||
        principal->get<std::string>().empty()) {
      return Error(where + "'principal' must be a non-empty string");
    }
    RateLimit limit{.principal = principal->get<std::string>()};
    if (!seen.insert(limit.principal).second) {
      return Error(where + "principal '" + limit.principal + "' is named twice");
    }
    auto entryQps = qpsField(entry, "qps");
    if (!entryQps) return entryQps.error().wrap(where.substr(0, where.size() - 2));
    limit.qps = *entryQps;
    auto entryCapacity = capacityField(entry, "capacity");
    if (!entryCapacity) return entryCapacity.error().wrap(where.substr(0, where.size() - 2));
    limit.capacity = *entryCapacity;
    out.limits.push_back(std::move(limit));
  }
  return out;
}

RateLimiter::RateLimiter(RateLimits limits) {
  for (auto& limit : limits.limits)
    buckets_[limit.principal] = {.qps = limit.qps, .capacity = limit.capacity};
  if (limits.aggregateDefaultQps) {
    hasDefault_ = true;
    buckets_[kDefaultBucket] = {.qps = limits.aggregateDefaultQps,
                                .capacity = limits.aggregateDefaultCapacity};
  }
}

RateLimiter::Admission RateLimiter::admit(const std::string& principal, Clock::time_point now) {
  auto found = principal.empty() ? buckets_.end() : buckets_.find(principal);
  if (found == buckets_.end()) {
    if (!hasDefault_) return {};
    found = buckets_.find(kDefaultBucket);
  }
  Bucket& bucket = found->second;
  Admission admission{.bucket = found->first};
  if (!bucket.qps) return admission;  // named without qps: not throttled
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / *bucket.qps));
  if (bucket.next <= now) {
    bucket.next = now + interval;
    return admission;
  }
  if (bucket.capacity && bucket.waiting >= *bucket.capacity) {
    admission.kind = Admission::kRefused;
    admission.capacity = *bucket.capacity;
    return admission;
  }
  admission.kind = Admission::kLater;
  admission.delay = bucket.next - now;
  bucket.next += interval;
  bucket.waiting++;
  return admission;
}

void RateLimiter::done(const std::string& bucket) {
  auto found = buckets_.find(bucket);
  if (found != buckets_.end() && found->second.waiting > 0) found->second.waiting--;
}

uint64_t RateLimiter::waiting(const std::string& bucket) const {
  auto found = buckets_.find(bucket);
  return found == buckets_.end() ? 0 : found->second.waiting;
}

}  // namespace mesolite::master
