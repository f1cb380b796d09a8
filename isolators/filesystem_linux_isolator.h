// filesystem/linux for tasks without an image: the task's own mount namespace in which
// the host's root is read-only, the agent's --work_dir and --runtime_dir are invisible
// but for the task's own sandbox (at its usual path and at /mnt/mesos/sandbox), /tmp is
// private, the kernel's sensitive /proc and /sys files are masked or read-only (runc's
// lists) and host secrets are masked. Tasks of --filesystem_writable_roles see the
// host's root writable; everything else still holds for them.
#pragma once

#include <memory>

#include "isolators/isolator.h"
#include "isolators/options.h"

namespace mesolite::isolation {

class FilesystemLinuxIsolator : public Isolator {
 public:
  // Fails on a kernel without the new mount API (Linux 5.12) or when the sandbox mount
  // point cannot be made.
  static Result<std::unique_ptr<Isolator>> create(const IsolatorOptions& options);

  std::string_view name() const override { return "filesystem/linux"; }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;

 private:
  explicit FilesystemLinuxIsolator(IsolatorOptions options) : options_(std::move(options)) {}

  IsolatorOptions options_;
};

}  // namespace mesolite::isolation
