// --rate_limits applied to the scheduler API (rate_limiter.h holds the rules): a call
// beyond its principal's qps waits on a timer, one beyond the bucket's capacity is
// answered 429.
#include <boost/asio/steady_timer.hpp>
#include <set>

#include "common/logging.h"
#include "master-lite/master.h"
#include "master-lite/rate_limiter.h"

namespace mesolite::master {

using mesos::v1::scheduler::Call;

struct SchedulerThrottle {
  explicit SchedulerThrottle(RateLimits limits) : limiter(std::move(limits)) {}
  ~SchedulerThrottle() {
    for (const auto& timer : timers)
      timer->cancel();
  }
  RateLimiter limiter;
  std::set<std::shared_ptr<boost::asio::steady_timer>> timers;  // the calls waiting
};

// The one place the principal of a scheduler call is chosen: FrameworkInfo.principal of
// the SUBSCRIBE, or of the framework the call names. An authenticated principal, once
// there is one, takes its place here.
std::string Master::callPrincipal(const Call& call) const {
  if (call.type() == Call::SUBSCRIBE) return call.subscribe().framework_info().principal();
  auto framework = frameworks_.find(call.framework_id().value());
  return framework == frameworks_.end() ? std::string() : framework->second.info.principal();
}

bool Master::throttleSchedulerCall(Call& call, api::CallTypes types, http::Request& request,
                                   http::Responder& responder) {
  if (!flags_.rate_limits) return false;
  if (!throttle_) {
    auto limits = parseRateLimits(*flags_.rate_limits);  // validated with the flags
    throttle_ = std::make_shared<SchedulerThrottle>(limits ? *limits : RateLimits{});
  }
  // The authenticated principal when there is one; else the one the framework claims.
  const std::string principal = request.principal.value_or(callPrincipal(call));
  auto admission = throttle_->limiter.admit(principal, RateLimiter::Clock::now());
  switch (admission.kind) {
    case RateLimiter::Admission::kNow:
      return false;
    case RateLimiter::Admission::kRefused: {
      const std::string who = admission.bucket.empty()
                                  ? "the frameworks without a limit of their own"
                                  : "principal '" + admission.bucket + "'";
      log::warn("scheduler call {} of {} refused: rate limit capacity reached",
                Call::Type_Name(call.type()), who);
      responder.respond(http::Response::text(
          429, "Message " + Call::Type_Name(call.type()) + " dropped: capacity (" +
                   std::to_string(admission.capacity) + ") of the rate limit of " + who +
                   " exceeded (--rate_limits)"));
      return true;
    }
    case RateLimiter::Admission::kLater:
      break;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, admission.delay);
  throttle_->timers.insert(timer);
  std::weak_ptr<SchedulerThrottle> weak = throttle_;
  timer->async_wait([this, weak, timer, bucket = admission.bucket, call = std::move(call), types,
                     request = std::move(request),
                     responder = std::move(responder)](boost::system::error_code error) mutable {
    auto throttle = weak.lock();
    if (error || !throttle) return;  // the master is going away
    throttle->timers.erase(timer);
    throttle->limiter.done(bucket);
    dispatchSchedulerCall(call, types, std::move(request), std::move(responder));
  });
  return true;
}

}  // namespace mesolite::master
