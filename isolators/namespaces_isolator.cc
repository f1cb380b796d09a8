#include "isolators/namespaces_isolator.h"

#include <sched.h>

namespace mesolite::isolation {

bool wantsNoNetwork(const mesos::v1::ContainerInfo& info) {
  for (const auto& network : info.network_infos()) {
    if (network.name() == "none") return true;
  }
  return false;
}

NamespacesIsolator::NamespacesIsolator(std::set<std::string> kinds, bool cgroupNamespace)
    : kinds_(std::move(kinds)), cgroupNamespace_(cgroupNamespace) {}

Result<void> NamespacesIsolator::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  if (kinds_.count("pid")) {
    // A fresh /proc for the new pid namespace needs a mount namespace of its own.
    plan->namespaces |= CLONE_NEWPID | CLONE_NEWNS;
    // The task is not pid 1 itself: the kernel gives pid 1 no default signal actions
    // (a `sleep` would ignore SIGTERM) and someone must reap its orphans.
    plan->init = true;
    if (cgroupNamespace_) plan->namespaces |= CLONE_NEWCGROUP;
  }
  if (kinds_.count("ipc")) plan->namespaces |= CLONE_NEWIPC | CLONE_NEWNS;
  if (kinds_.count("uts")) {
    plan->namespaces |= CLONE_NEWUTS;
    if (spec.info.has_hostname()) plan->hostname = spec.info.hostname();
  } else if (spec.info.has_hostname()) {
    return Error("container " + spec.id + " asks for hostname '" + spec.info.hostname() +
                 "', which needs the namespaces/uts isolator (--isolation)");
  }
  if (wantsNoNetwork(spec.info)) plan->namespaces |= CLONE_NEWNET;
  return success();
}

}  // namespace mesolite::isolation
