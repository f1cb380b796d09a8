// The flags of Mesos 1.11's master that mesos-master refuses, each with why and what to do
// instead. A flag leaves this table when it is built (then it is a MasterFlags member).
#include "master-lite/refused_flags.h"

#include "common/refused_flags.h"

namespace mesolite::master {

namespace {

constexpr std::string_view kRemove = "remove it";
constexpr std::string_view kOnlyOneMaster =
    "leader election (--zk) and master detection are built in, not modules";
constexpr std::string_view kNoOfferConstraints = "offer constraints are not supported";

constexpr RefusedFlag kMasterRefusedFlags[] = {
    {"authentication_v0_timeout", kAuthenticationMissing, kAuthenticationInstead},
    {"authenticators", kAuthenticationMissing, kAuthenticationInstead},
    {"fair_sharing_excluded_resource_names",
     "dominant resource fairness counts every resource kind", kRemove},
    {"filter_gpu_resources", "GPUs are not isolated on the agents, so none are offered apart",
     kRemove},
    {"log_auto_initialize", "there is no replicated log to initialize", kRemove},
    {"master_contender", kOnlyOneMaster, kRemove},
    {"master_detector", kOnlyOneMaster, kRemove},
    {"max_executors_per_agent", "the number of executors per agent is not limited", kRemove},
    {"max_unreachable_tasks_per_framework",
     "the number of unreachable tasks kept per framework is not configurable", kRemove},
    {"min_allocatable_resources", "the smallest resources worth offering are not configurable",
     "remove it; frameworks decline offers too small for them"},
    {"modules", "the master loads no modules", kRemove},
    {"offer_constraints_re2_max_mem", kNoOfferConstraints, kRemove},
    {"offer_constraints_re2_max_program_size", kNoOfferConstraints, kRemove},
    {"publish_per_framework_metrics", "metrics per framework are not published", kRemove},
    {"require_agent_domain", "fault domains are not supported", kRemove},
    {"whitelist", "agent whitelists are not supported (Mesos deprecated them)",
     "remove it, and stop unwanted agents"},
};

}  // namespace

void refuseMesosOnlyFlags(FlagSet& set) {
  set.refuse(commonRefusedFlags());
  set.refuse(kMasterRefusedFlags);
}

}  // namespace mesolite::master
