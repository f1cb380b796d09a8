#include "launcher/namespaces.h"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

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

}  // namespace

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
