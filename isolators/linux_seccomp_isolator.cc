#include "isolators/linux_seccomp_isolator.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/fs.h"

namespace mesolite::isolation {

namespace {

Result<seccomp::Profile> loadProfile(const std::string& path) {
  auto text = fs::readFile(path);
  if (!text) return text.error();
  auto profile = seccomp::parseProfile(*text, path);
  if (!profile) return profile.error();
  if (profile->installFlags != 0) {
    return Error(path + ": \"flags\" are not supported by this agent; remove them");
  }
  return profile;
}

Result<void> checkKernel() {
  if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
    return Error::fromErrno("linux/seccomp: this kernel has no seccomp (prctl(PR_GET_SECCOMP))");
  }
  uint32_t action = SECCOMP_RET_ERRNO;
  if (::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) {
    return Error::fromErrno("linux/seccomp: this kernel cannot filter system calls");
  }
  return success();
}

}  // namespace

Result<std::unique_ptr<Isolator>> LinuxSeccompIsolator::create(const IsolatorOptions& options) {
  if (auto supported = checkKernel(); !supported) {
    return supported.error().wrap("remove linux/seccomp from --isolation to run without it");
  }
  std::unique_ptr<LinuxSeccompIsolator> isolator(new LinuxSeccompIsolator());
  isolator->allowUnconfined_ = options.seccompAllowUnconfined;
  isolator->filterDir_ = options.runtimeDir + "/seccomp";

  auto builtin = seccomp::parseProfile(seccomp::defaultProfileJson(), "built-in default profile");
  if (!builtin) return builtin.error();
  isolator->profiles_[kBuiltinProfileName] = std::move(*builtin);
  isolator->defaultProfile_ = kBuiltinProfileName;

  if (options.seccompConfigDir) {
    std::error_code error;
    std::filesystem::directory_iterator entries(*options.seccompConfigDir, error);
    if (error) {
      return Error("--seccomp_config_dir " + *options.seccompConfigDir + ": " + error.message());
    }
    for (const auto& entry : entries) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      auto profile = loadProfile(entry.path());
      if (!profile) return profile.error().wrap("--seccomp_config_dir");
      isolator->profiles_[entry.path().filename()] = std::move(*profile);
    }
  }
  if (options.seccompProfileName) {
    if (!options.seccompConfigDir) {
      return Error(
          "--seccomp_profile_name needs --seccomp_config_dir (the profile is a file there)");
    }
    if (!isolator->profiles_.count(*options.seccompProfileName)) {
      return Error("--seccomp_profile_name: no profile '" + *options.seccompProfileName + "' in " +
                   *options.seccompConfigDir + " (its *.json files)");
    }
    isolator->defaultProfile_ = *options.seccompProfileName;
  }
  // Compiled now for the common cases, so that a profile libseccomp cannot compile
  // stops the agent here rather than failing tasks later.
  for (uint64_t capabilities : {uint64_t(0), ~uint64_t(0)}) {
    if (auto filter = isolator->filterFor(isolator->defaultProfile_, capabilities); !filter) {
      return filter.error();
    }
  }
  return std::unique_ptr<Isolator>(std::move(isolator));
}

Result<std::string> LinuxSeccompIsolator::filterFor(const std::string& profileName,
                                                    uint64_t capabilities) {
  const seccomp::Profile& profile = profiles_.at(profileName);
  const uint64_t relevant = capabilities & seccomp::mentionedCapabilities(profile);
  auto cached = compiled_.find({profileName, relevant});
  if (cached != compiled_.end()) return cached->second;

  auto program = seccomp::compile(profile, relevant);
  if (!program) return program.error();
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), "-%016llx.bpf", static_cast<unsigned long long>(relevant));
  const std::string path = filterDir_ + "/" + profileName + suffix;
  if (auto made = fs::makeDirectories(filterDir_, 0700); !made) return made.error();
  if (auto written = fs::writeFileAtomically(path, *program); !written) return written.error();
  compiled_[{profileName, relevant}] = path;
  return path;
}

Result<void> LinuxSeccompIsolator::prepare(const ContainerSpec& spec, LaunchPlan* plan) {
  std::string profileName = defaultProfile_;
  if (spec.info.linux_info().has_seccomp()) {
    const auto& asked = spec.info.linux_info().seccomp();
    if (asked.unconfined()) {
      if (asked.has_profile_name()) {
        return Error("container " + spec.id + ": seccomp asks for both unconfined and profile '" +
                     asked.profile_name() + "'");
      }
      if (!allowUnconfined_) {
        return Error("container " + spec.id +
                     " asks to run without a seccomp filter (seccomp.unconfined), which this "
                     "agent forbids (--seccomp_allow_unconfined)");
      }
      return success();
    }
    if (asked.has_profile_name()) {
      profileName = asked.profile_name();
      if (profileName == kBuiltinProfileName || !profiles_.count(profileName)) {
        return Error("container " + spec.id + ": no seccomp profile '" + profileName +
                     "' in --seccomp_config_dir");
      }
    }
  }
  // The task's capabilities decide the rules that depend on them; without
  // linux/capabilities a root task keeps them all.
  const bool root = !spec.uid || *spec.uid == 0;
  const uint64_t capabilities =
      plan->capabilities ? plan->capabilities->effective : (root ? ~uint64_t(0) : 0);
  auto filter = filterFor(profileName, capabilities);
  if (!filter) return filter.error().wrap("container " + spec.id);
  plan->seccompFilterPath = *filter;
  return success();
}

}  // namespace mesolite::isolation
