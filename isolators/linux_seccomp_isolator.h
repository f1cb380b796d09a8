// linux/seccomp: a seccomp filter for every task, from Docker-format profiles.
//   --seccomp_config_dir      profiles (*.json) a task may name; all parsed at start, a
//                             bad one stops the agent naming the file
//   --seccomp_profile_name    the default profile, a file in that directory; without it
//                             the built-in default (isolators/seccomp/default_profile.cc)
//   --seccomp_allow_unconfined  lets a task ask for no filter (LinuxInfo.seccomp.unconfined)
// A profile is compiled once per set of the capabilities its rules depend on (cached in
// memory and under <runtime_dir>/seccomp/); the launcher only installs the BPF.
#pragma once

#include <map>
#include <memory>

#include "isolators/isolator.h"
#include "isolators/options.h"
#include "isolators/seccomp/profile.h"

namespace mesolite::isolation {

class LinuxSeccompIsolator : public Isolator {
 public:
  static Result<std::unique_ptr<Isolator>> create(const IsolatorOptions& options);

  std::string_view name() const override { return "linux/seccomp"; }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;

  static constexpr const char* kBuiltinProfileName = "mesolite-default";

 private:
  LinuxSeccompIsolator() = default;
  // The compiled filter's path for `profile` and a task holding `capabilities`.
  Result<std::string> filterFor(const std::string& profileName, uint64_t capabilities);

  std::map<std::string, seccomp::Profile> profiles_;
  std::string defaultProfile_;
  bool allowUnconfined_ = false;
  std::string filterDir_;
  std::map<std::pair<std::string, uint64_t>, std::string> compiled_;
};

}  // namespace mesolite::isolation
