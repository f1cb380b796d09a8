// Nothing a task asks for is silently ignored: ContainerInfo fields that no enabled
// isolator carries out are refused by name before anything else is prepared.
#pragma once

#include <set>
#include <string>

#include "isolators/isolator.h"
#include "isolators/options.h"

namespace mesolite::isolation {

class UnhonouredFieldsCheck : public Isolator {
 public:
  // `enabled`: the isolator names in use; `cgroupSubsystems`: what the cgroups isolator
  // manages ("cpu", "mem", ...; cgroups/all resolved).
  UnhonouredFieldsCheck(std::set<std::string> enabled, std::set<std::string> cgroupSubsystems,
                        const IsolatorOptions& options)
      : enabled_(std::move(enabled)),
        cgroupSubsystems_(std::move(cgroupSubsystems)),
        options_(options) {}

  std::string_view name() const override { return "container-info-check"; }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;

 private:
  std::set<std::string> enabled_;
  std::set<std::string> cgroupSubsystems_;
  IsolatorOptions options_;
};

}  // namespace mesolite::isolation
