// --rate_limits JSON (master-lite/rate_limiter.cc): whatever parses has only known,
// well-typed fields, and a limiter built from it keeps every bucket's queue within its
// capacity over a scripted burst of calls, whatever the principals.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "master-lite/rate_limiter.h"

namespace {

void require(bool condition) {
  if (!condition) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = mesolite::master::parseRateLimits(text);
  if (!parsed) {
    require(!parsed.error().message.empty());
    return 0;
  }
  for (const auto& limit : parsed->limits) {
    require(!limit.principal.empty());
    require(!limit.qps || *limit.qps > 0);
  }
  using mesolite::master::RateLimiter;
  RateLimiter limiter(*parsed);
  const RateLimiter::Clock::time_point start{};
  for (int i = 0; i < 64; ++i) {
    const std::string principal = parsed->limits.empty()
                                      ? std::string(i % 2 ? "" : "other")
                                      : parsed->limits[size_t(i) % parsed->limits.size()].principal;
    auto admission = limiter.admit(principal, start + std::chrono::milliseconds(i));
    require(admission.delay.count() >= 0);
    if (admission.kind == RateLimiter::Admission::kRefused) {
      require(limiter.waiting(admission.bucket) >= admission.capacity);
    }
  }
  return 0;
}
