// The containers' delegated scope, over sd-bus (libsystemd).
#include "isolators/cgroups/systemd_scope.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <thread>

#include "common/logging.h"
#include "isolators/cgroups/cgroupfs.h"

extern char** environ;

namespace mesolite::cgroups::systemd {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

struct BusCloser {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageUnref {
  void operator()(sd_bus_message* message) const { sd_bus_message_unref(message); }
};
using Bus = std::unique_ptr<sd_bus, BusCloser>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

// sd_bus_error with its cleanup.
class BusError {
 public:
  ~BusError() { sd_bus_error_free(&error_); }
  sd_bus_error* get() { return &error_; }
  bool hasName(const char* name) const { return sd_bus_error_has_name(&error_, name); }
  std::string describe(const std::string& what, int r) const {
    std::string text = what + ": ";
    if (sd_bus_error_is_set(&error_))
      text += std::string(error_.name) + ": " + (error_.message ? error_.message : "");
    else
      text += std::strerror(-r);
    return text;
  }

 private:
  sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

Result<Bus> connect(const std::string& privateSocket) {
  sd_bus* raw = nullptr;
  // systemd's private socket needs no dbus-daemon (what systemctl uses as root).
  if (::access(privateSocket.c_str(), F_OK) == 0 && sd_bus_new(&raw) >= 0) {
    Bus bus(raw);
    const std::string address = "unix:path=" + privateSocket;
    if (sd_bus_set_address(bus.get(), address.c_str()) >= 0 && sd_bus_start(bus.get()) >= 0)
      return bus;
  }
  if (int r = sd_bus_open_system(&raw); r < 0)
    return Error(std::string("cannot reach systemd over ") + privateSocket +
                 " or the system bus: " + std::strerror(-r));
  return Bus(raw);
}

// The object path of a loaded unit, or nothing when systemd does not know it.
Result<std::optional<std::string>> unitPath(sd_bus* bus, const std::string& unit) {
  BusError error;
  sd_bus_message* raw = nullptr;
  int r = sd_bus_call_method(bus, kDestination, kManagerPath, kManager, "GetUnit", error.get(),
                             &raw, "s", unit.c_str());
  Message reply(raw);
  if (r < 0) {
    if (error.hasName("org.freedesktop.systemd1.NoSuchUnit")) return std::optional<std::string>();
    return Error(error.describe("GetUnit " + unit, r));
  }
  const char* path = nullptr;
  if (r = sd_bus_message_read(reply.get(), "o", &path); r < 0)
    return Error("GetUnit " + unit + ": bad reply: " + std::strerror(-r));
  return std::optional<std::string>(path);
}

Result<std::string> stringProperty(sd_bus* bus, const std::string& path, const char* interface,
                                   const char* name) {
  BusError error;
  char* value = nullptr;
  int r = sd_bus_get_property_string(bus, kDestination, path.c_str(), interface, name, error.get(),
                                     &value);
  if (r < 0) return Error(error.describe(std::string("reading ") + name + " of " + path, r));
  std::string text(value);
  free(value);
  return text;
}

// A unit's ActiveState ("active", "failed", ...), or "" when systemd does not know it;
// `path` is set to its object path when it does.
Result<std::string> activeState(sd_bus* bus, const std::string& unit,
                                std::optional<std::string>* path) {
  auto found = unitPath(bus, unit);
  if (!found) return found.error();
  *path = *found;
  if (!*found) return std::string();
  return stringProperty(bus, **found, "org.freedesktop.systemd1.Unit", "ActiveState");
}

Result<void> startScope(sd_bus* bus, const ScopeRequest& request, pid_t holder) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus, &raw, kDestination, kManagerPath, kManager,
                                         "StartTransientUnit");
  Message call(raw);
  if (r < 0) return Error(std::string("StartTransientUnit: ") + std::strerror(-r));
  const std::string description = "Mesos containers (delegated to the Mesos agent)";
  // The unit's properties; a failed append shows up as r < 0 at the end.
  r = sd_bus_message_append(call.get(), "ss", request.scope.c_str(), "fail");
  if (r >= 0) r = sd_bus_message_open_container(call.get(), 'a', "(sv)");
  if (r >= 0)
    r = sd_bus_message_append(call.get(), "(sv)(sv)(sv)(sv)", "Description", "s",
                              description.c_str(), "Slice", "s", request.slice.c_str(), "Delegate",
                              "b", 1, "PIDs", "au", 1, uint32_t(holder));
  if (r >= 0) r = sd_bus_message_close_container(call.get());
  if (r >= 0) r = sd_bus_message_append(call.get(), "a(sa(sv))", 0);
  if (r < 0) return Error(std::string("StartTransientUnit: building the call: ") + strerror(-r));

  BusError error;
  sd_bus_message* reply = nullptr;
  const auto timeoutUsec =
      uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(request.timeout).count());
  r = sd_bus_call(bus, call.get(), timeoutUsec, error.get(), &reply);
  Message replyOwner(reply);
  if (r < 0) return Error(error.describe("StartTransientUnit " + request.scope, r));
  return success();
}

// The holder sleeps in its own session, with nothing of the agent's but its binary.
Result<pid_t> spawnHolder(const std::vector<std::string>& command) {
  if (command.empty()) return Error("no holder command for the delegated scope");
  std::vector<char*> argv;
  for (const std::string& arg : command)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  for (int fd = 0; fd <= 2; ++fd)
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (err != 0) return Error("cannot start " + command[0] + ": " + std::strerror(err));
  return pid;
}

std::vector<pid_t> processesIn(const std::string& dir) {
  auto pids = fs::readIdList(dir + "/cgroup.procs");
  return pids ? *pids : std::vector<pid_t>{};
}

// The scope's own cgroup must hold no process once containers below it use controllers
// (cgroup v2's no-internal-process rule): the holder moves to a leaf of its own.
Result<void> settleHolder(const std::string& scopeDir, const std::vector<std::string>& holder) {
  const std::string leaf = scopeDir + "/" + kHolderCgroup;
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) return Error::fromErrno("mkdir " + leaf);
  std::vector<pid_t> moving = processesIn(scopeDir);
  if (moving.empty() && processesIn(leaf).empty()) {
    // A scope kept alive by containers only: without a holder it would end with them.
    auto pid = spawnHolder(holder);
    if (!pid) return pid.error();
    moving.push_back(*pid);
  }
  for (pid_t pid : moving)
    if (auto moved = fs::writeFile(leaf + "/cgroup.procs", std::to_string(pid)); !moved)
      if (errno != ESRCH) return moved.error();
  return success();
}

}  // namespace

Result<std::string> ensureDelegatedScope(const ScopeRequest& request) {
  auto bus = connect(request.privateSocket);
  if (!bus) return bus.error();
  const auto deadline = Clock::now() + request.timeout;

  std::optional<std::string> path;
  auto state = activeState(bus->get(), request.scope, &path);
  if (!state) return state.error();
  if (*state != "active") {
    if (path) {
      // A failed or stopping scope of an earlier run: start afresh.
      BusError ignored;
      sd_bus_call_method(bus->get(), kDestination, kManagerPath, kManager, "ResetFailedUnit",
                         ignored.get(), nullptr, "s", request.scope.c_str());
    }
    auto holder = spawnHolder(request.holder);
    if (!holder) return holder.error();
    if (auto started = startScope(bus->get(), request, *holder); !started) {
      ::kill(*holder, SIGKILL);
      return started.error();
    }
    // The start job runs on its own; the unit is usable once it is active.
    for (;;) {
      auto active = activeState(bus->get(), request.scope, &path);
      if (!active) return active.error();
      if (*active == "active") break;
      if (*active == "failed") return Error("systemd could not start " + request.scope);
      if (Clock::now() > deadline)
        return Error("systemd did not start " + request.scope + " in time");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  auto cgroup = stringProperty(bus->get(), *path, "org.freedesktop.systemd1.Scope", "ControlGroup");
  if (!cgroup) return cgroup.error();
  if (cgroup->empty() || (*cgroup)[0] != '/')
    return Error(request.scope + " has no control group ('" + *cgroup + "')");
  if (auto settled = settleHolder(request.cgroup2Mount + *cgroup, request.holder); !settled)
    return settled.error();
  log::info("containers go in {} ({}), delegated by systemd", request.scope, *cgroup);
  return *cgroup;
}

}  // namespace mesolite::cgroups::systemd
