#include "launcher/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "launcher/fd.h"
#include "launcher/mounts.h"

namespace mesolite::launcher {

namespace {

Result<void> loopbackUp() {
  // One ioctl does it; no need for netlink (libnl) on the hot path.
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return Error::fromErrno("socket(AF_INET) to bring lo up");
  ifreq request;
  std::memset(&request, 0, sizeof(request));
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) return Error::fromErrno("SIOCGIFFLAGS lo");
  request.ifr_flags = short(request.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0)
    return Error::fromErrno("SIOCSIFFLAGS lo up");
  return success();
}

struct NamespaceFile {
  int type;
  const char* name;
};
// The user namespace goes last (see JoinedNamespaces).
constexpr NamespaceFile kJoinOrder[] = {
    {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"},
    {CLONE_NEWNET, "net"},       {CLONE_NEWNS, "mnt"},  {CLONE_NEWUSER, "user"},
};

const char* namespaceName(int type) {
  for (const auto& file : kJoinOrder) {
    if (file.type == type) return file.name;
  }
  return type == CLONE_NEWPID ? "pid" : "?";
}

}  // namespace

Result<JoinedNamespaces> openNamespacesOf(pid_t pid, uint64_t namespaces) {
  const std::string directory = "/proc/" + std::to_string(pid) + "/ns/";
  const auto open = [&](const char* name) -> Result<UniqueFd> {
    const std::string path = directory + name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return Error::fromErrno("open " + path);
    return fd;
  };
  JoinedNamespaces joined;
  if (namespaces & CLONE_NEWPID) {
    auto fd = open("pid");
    if (!fd) return fd.error();
    joined.pid = std::move(*fd);
  }
  for (const auto& file : kJoinOrder) {
    if (!(namespaces & uint64_t(file.type))) continue;
    auto fd = open(file.name);
    if (!fd) return fd.error();
    joined.others.emplace_back(file.type, std::move(*fd));
  }
  return joined;
}

Result<void> enterPidNamespace(const JoinedNamespaces& joined, pid_t pid) {
  if (!joined.pid.valid()) return success();
  if (::setns(joined.pid.get(), CLONE_NEWPID) != 0) {
    return Error::fromErrno("setns into the pid namespace of " + std::to_string(pid));
  }
  return success();
}

Result<void> enterNamespaces(const std::vector<std::pair<int, int>>& namespaces) {
  for (const auto& [type, fd] : namespaces) {
    if (::setns(fd, type) != 0) {
      return Error::fromErrno(std::string("setns into the container's ") + namespaceName(type) +
                              " namespace");
    }
  }
  return success();
}

Result<void> setUpNamespaces(const LaunchRequest& request) {
  const uint64_t ns = request.namespaces;
  if (ns & CLONE_NEWCGROUP) {
    // Unshared here, after the supervisor wrote our pid into the v1 cgroups: a cgroup
    // namespace is rooted where the process is when it is created, and at clone time
    // the task was still in the supervisor's v1 cgroups.
    if (::unshare(CLONE_NEWCGROUP) != 0) return Error::fromErrno("unshare(CLONE_NEWCGROUP)");
  }
  if (ns & CLONE_NEWNS) {
    // Keep our mounts from propagating back to the host (and the host's into us).
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return Error::fromErrno("make / rprivate");
    }
    if (auto mounted = setUpMounts(request); !mounted) return mounted;
  }
  if ((ns & CLONE_NEWUTS) && request.hostname) {
    if (::sethostname(request.hostname->data(), request.hostname->size()) != 0) {
      return Error::fromErrno("sethostname '" + *request.hostname + "'");
    }
  }
  if (ns & CLONE_NEWNET) {
    if (auto up = loopbackUp(); !up) return up;
  }
  return success();
}

}  // namespace mesolite::launcher
