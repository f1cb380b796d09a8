// namespaces/user (Mesos never shipped it): each container gets its own user namespace
// whose ids 0..65535 are a block of host ids from --user_namespace_id_range, a block no
// other running container holds. Root inside is root of its own files only: the host's
// files belong to ids that do not exist in the namespace, so no capability reaches
// them (/etc/shadow stays unreadable even with no mask over it). The sandbox is handed
// to the container's ids. The task's cgroups are not delegated to it: a container
// must not raise its own limits, so there is nothing it needs to write there.
#pragma once

#include <memory>
#include <vector>

#include "isolators/isolator.h"
#include "isolators/options.h"

namespace mesolite::isolation {

// Ids per container: every uid a Linux distribution hands out (nobody is 65534).
constexpr uint32_t kUserNamespaceIds = 65536;

class UserNamespaceIsolator : public Isolator {
 public:
  // Fails when the kernel has no user namespaces, when the range holds less than one
  // block, or when a user or group of this host has an id inside it.
  static Result<std::unique_ptr<Isolator>> create(const IsolatorOptions& options);

  std::string_view name() const override { return "namespaces/user"; }
  Result<void> recover(const std::vector<ContainerSpec>& containers) override;
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override;
  Result<void> cleanup(const std::string& containerId) override;

 private:
  struct Holder {
    std::string containerId;
    std::string sandbox;
    uint32_t ownerUid = 0;  // whose the sandbox is once the container is gone
    uint32_t ownerGid = 0;
  };

  UserNamespaceIsolator(IdRange range, std::string stateDir);

  uint32_t firstId(size_t block) const {
    return range_.first + uint32_t(block) * kUserNamespaceIds;
  }
  std::string stateFile(const std::string& containerId) const;

  IdRange range_;
  std::string stateDir_;  // <runtime_dir>/userns: which container holds which block
  std::vector<std::optional<Holder>> blocks_;
  size_t next_ = 0;  // next-fit: a freed block is reused as late as possible
};

// "[first-last]" or "first-last", Mesos's range syntax for one range.
Result<IdRange> parseIdRange(const std::string& text);

}  // namespace mesolite::isolation
