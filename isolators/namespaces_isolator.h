// namespaces/pid, namespaces/ipc, namespaces/uts: the task gets its own pid namespace
// (it is pid 1, sees only its own processes in a fresh /proc, and its death ends the
// rest), System V IPC + a private /dev/shm, and hostname. A container that asks for
// the network "none" gets a network namespace holding only loopback.
#pragma once

#include <set>
#include <string>

#include "isolators/isolator.h"

namespace mesolite::isolation {

class NamespacesIsolator : public Isolator {
 public:
  // `kinds`: any of "pid", "ipc", "uts". `cgroupNamespace`: also give the task a
  // cgroup namespace (on cgroup v2 hosts, where it hides the host's hierarchy).
  NamespacesIsolator(std::set<std::string> kinds, bool cgroupNamespace);

  std::string_view name() const override { return "namespaces"; }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;

 private:
  std::set<std::string> kinds_;
  bool cgroupNamespace_;
};

// Whether the container asks for no network at all (a NetworkInfo named "none").
bool wantsNoNetwork(const mesos::v1::ContainerInfo& info);

}  // namespace mesolite::isolation
