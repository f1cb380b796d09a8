// mesos-fetcher's file system side: the sandbox made ready as root, the switch to the
// task's user, and files created inside the sandbox without following any symlink.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "launcher/fd.h"

namespace mesolite::fetch {

// The launcher's owning fd (header-only): one fd owner for the helpers.
using Fd = launcher::UniqueFd;

struct User {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The user's ids, from the user database (NSS): done here, off the agent's loop.
Result<User> lookUpUser(const std::string& name);

// As root: mkdir -p the sandbox, give it to `user`, and open its stdout and stderr
// (created for the user, never through a symlink) as this process's fds 1 and 2.
Result<void> prepareSandbox(const std::string& sandbox, const std::optional<User>& user);

// For good: the user's groups, gid and uid.
Result<void> becomeUser(const User& user);

// Creates (or truncates) `relative` under the sandbox, making its parent directories;
// refuses to go through or replace a symlink.
Result<Fd> createInSandbox(int sandboxFd, const std::string& relative);

// Copies `from` to `to` from their current offsets, refusing more than `maxBytes` (0: any).
Result<void> copyFd(int from, int to, uint64_t maxBytes, const std::string& what);

}  // namespace mesolite::fetch
