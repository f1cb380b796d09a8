#include "isolators/rlimits_isolator.h"

#include <sys/resource.h>

#include <map>

namespace mesolite::isolation {

namespace {

using RLimitType = mesos::v1::RLimitInfo::RLimit;

const std::map<int, int>& resourceOf() {
  static const std::map<int, int> table{
      {RLimitType::RLMT_AS, RLIMIT_AS},
      {RLimitType::RLMT_CORE, RLIMIT_CORE},
      {RLimitType::RLMT_CPU, RLIMIT_CPU},
      {RLimitType::RLMT_DATA, RLIMIT_DATA},
      {RLimitType::RLMT_FSIZE, RLIMIT_FSIZE},
      {RLimitType::RLMT_LOCKS, RLIMIT_LOCKS},
      {RLimitType::RLMT_MEMLOCK, RLIMIT_MEMLOCK},
      {RLimitType::RLMT_MSGQUEUE, RLIMIT_MSGQUEUE},
      {RLimitType::RLMT_NICE, RLIMIT_NICE},
      {RLimitType::RLMT_NOFILE, RLIMIT_NOFILE},
      {RLimitType::RLMT_NPROC, RLIMIT_NPROC},
      {RLimitType::RLMT_RSS, RLIMIT_RSS},
      {RLimitType::RLMT_RTPRIO, RLIMIT_RTPRIO},
      {RLimitType::RLMT_RTTIME, RLIMIT_RTTIME},
      {RLimitType::RLMT_SIGPENDING, RLIMIT_SIGPENDING},
      {RLimitType::RLMT_STACK, RLIMIT_STACK},
  };
  return table;
}

}  // namespace

Result<void> RLimitsIsolator::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  if (!spec.info.has_rlimit_info()) return success();
  for (const auto& limit : spec.info.rlimit_info().rlimits()) {
    const std::string type = RLimitType::Type_Name(limit.type());
    auto resource = resourceOf().find(limit.type());
    if (resource == resourceOf().end()) {
      return Error("rlimit of unknown type " + std::to_string(int(limit.type())));
    }
    // Mesos's rule: neither soft nor hard means unlimited; one without the other is
    // an error; soft may not exceed hard.
    if (limit.has_soft() != limit.has_hard()) {
      return Error("rlimit " + type + " needs both soft and hard, or neither (unlimited)");
    }
    launcher::RLimit planned{resource->second, RLIM_INFINITY, RLIM_INFINITY};
    if (limit.has_soft()) {
      if (limit.soft() > limit.hard()) {
        return Error("rlimit " + type + ": soft " + std::to_string(limit.soft()) +
                     " exceeds hard " + std::to_string(limit.hard()));
      }
      planned.soft = limit.soft();
      planned.hard = limit.hard();
    }
    plan->rlimits.push_back(planned);
  }
  return success();
}

}  // namespace mesolite::isolation
