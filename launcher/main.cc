// mesos-containerizer: started by the agent once per container with the encoded
// LaunchRequest on fd 3. It clones the task into its namespaces and cgroups, lets it
// exec, stays as its supervisor and records how it ended in `terminationPath`.
//
// Exit status: 0 once the termination is recorded (whatever the task did), 1 if it
// could not be recorded, 2 for bad invocation or a bad request.

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "launcher/fd.h"
#include "launcher/files.h"
#include "launcher/launch_request.h"
#include "launcher/namespaces.h"
#include "launcher/spawn.h"
#include "launcher/supervisor.h"
#include "launcher/user_namespace.h"

namespace mesolite::launcher {

namespace {

constexpr int kRequestFd = 3;
// Optional: one byte here once the task has exec'ed (the agent then reports it
// running); closed without a byte if it never does.
constexpr int kStartedFd = 4;
constexpr size_t kMaxRequestBytes = 16 << 20;
constexpr int kBadInput = 2;
constexpr uint32_t kMaxRotatedLogs = 1000;

int badInput(const std::string& message) {
  std::fprintf(stderr, "mesos-containerizer: %s\n", message.c_str());
  return kBadInput;
}

// What decode cannot know: the launch-time constraints.
Result<void> validate(const LaunchRequest& request) {
  if (request.argv[0].empty()) return Error("launch request: empty command (arg 0)");
  if (request.namespaces & ~kSupportedNamespaces) {
    char text[96];
    std::snprintf(text, sizeof(text), "launch request: unsupported namespace flags 0x%llx",
                  static_cast<unsigned long long>(request.namespaces & ~kSupportedNamespaces));
    return Error(text);
  }
  if (request.hostname && !(request.namespaces & CLONE_NEWUTS)) {
    // Without a uts namespace sethostname would rename the host.
    return Error("launch request: hostname '" + *request.hostname + "' without CLONE_NEWUTS");
  }
  if (request.uid && !request.gid) {
    // The task would keep the launcher's gid 0.
    return Error("launch request: uid " + std::to_string(*request.uid) + " without a gid");
  }
  if (!request.supplementaryGroups.empty() && !request.gid) {
    return Error("launch request: supplementary groups without a gid");
  }
  if (request.filesystem && !(request.namespaces & CLONE_NEWNS)) {
    return Error("launch request: a filesystem view without CLONE_NEWNS");
  }
  if (request.filesystem && request.filesystem->sandbox.empty()) {
    return Error("launch request: a filesystem view without a sandbox");
  }
  if (request.init && !(request.namespaces & CLONE_NEWPID)) {
    // Outside a pid namespace the task's processes are reaped by the supervisor.
    return Error("launch request: an init without CLONE_NEWPID");
  }
  if (request.capabilities &&
      (request.capabilities->effective & ~request.capabilities->bounding) != 0) {
    return Error("launch request: effective capabilities outside the bounding set");
  }
  if (bool(request.userNamespace) != bool(request.namespaces & CLONE_NEWUSER)) {
    return Error("launch request: CLONE_NEWUSER and an id map (userns) go together");
  }
  if (request.userNamespace &&
      uint64_t(request.userNamespace->hostUid) + request.userNamespace->count > (1ULL << 32) - 1) {
    return Error("launch request: the user namespace's ids run past the last uid");
  }
  if (request.joinPid > 0 && (request.filesystem || request.init || request.hostname)) {
    // The container made its mounts, init and hostname when it started.
    return Error("launch request: joining pid " + std::to_string(request.joinPid) +
                 " with a filesystem view, an init or a hostname");
  }
  for (const auto* rotation : {&request.stdoutRotation, &request.stderrRotation}) {
    // One page, as Mesos's logger requires; the count bounds the renames per rotation.
    if (*rotation && ((*rotation)->maxSize < 4096 || (*rotation)->keep > kMaxRotatedLogs)) {
      return Error("launch request: log rotation " + std::to_string((*rotation)->maxSize) + ":" +
                   std::to_string((*rotation)->keep) + " (need at least 4096 bytes and at most " +
                   std::to_string(kMaxRotatedLogs) + " rotated files)");
    }
  }
  if ((request.stdoutRotation && request.stdoutPath.empty()) ||
      (request.stderrRotation && request.stderrPath.empty())) {
    return Error("launch request: log rotation without a file");
  }
  for (const RLimit& limit : request.rlimits) {
    if (limit.resource < 0 || limit.resource >= RLIMIT_NLIMITS) {
      return Error("launch request: unknown rlimit resource " + std::to_string(limit.resource));
    }
  }
  return success();
}

Result<LaunchRequest> readRequest() {
  auto data = readAll(kRequestFd, kMaxRequestBytes, "the launch request on fd 3");
  ::close(kRequestFd);
  if (!data) return data.error();
  auto request = LaunchRequest::decode(*data);
  if (!request) return request.error();
  if (auto valid = validate(*request); !valid) return valid.error();
  if (request->userNamespace) useIdsInsideUserNamespace(&*request);
  return request;
}

// Nothing the agent forgot to mark O_CLOEXEC stays open in a supervisor that lives as
// long as the task, and fds 0-2 are always open so that no file of ours lands there.
void tidyFds() {
  ::close_range(kStartedFd + 1, ~0U, 0);
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) ::open("/dev/null", O_RDWR);
  }
  // Without a started pipe, fd 4 is held too: reportStarted closes it, and a file of
  // ours opened there (a log's directory) would go with it.
  if (::fcntl(kStartedFd, F_GETFD) < 0 && errno == EBADF) {
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0 && null != kStartedFd) {
      ::dup3(null, kStartedFd, O_CLOEXEC);
      ::close(null);
    }
  }
}

struct Started {
  pid_t pid = -1;
  UniqueFd status;            // with an init: where it reports the task's wait status
  std::vector<LogPipe> logs;  // rotated stdout/stderr
};

// Starts the task: its pid once it has exec'ed; otherwise why not (it is gone then).
Result<Started> start(const LaunchRequest& request) {
  auto stdio = openTaskStdio(request);
  if (!stdio) return stdio.error();
  auto task = spawnTask(request, *stdio);
  if (!task) return task.error();
  std::vector<LogPipe> logs = std::move(stdio->logs);
  *stdio = TaskStdio();  // the child has its copies (our write ends close: EOF is its own)

  Result<void> ready = attachToCgroups(request, *task);
  // Joining a container: its id maps are written already (and rlimits applied by the child).
  if (ready && request.userNamespace && request.joinPid == 0) {
    ready = setUpUserNamespace(request, task->pid);
  }
  if (ready && !request.pidPath.empty()) {
    // Before the release: once the task runs, the agent can always find it.
    ready = writeFileAtomically(request.pidPath, std::to_string(task->pid) + "\n", false);
  }
  if (!ready) {
    abandonTask(*task);
    return ready.error();
  }
  Started started{task->pid, std::move(task->status), std::move(logs)};
  if (auto execed = releaseTask(*task); !execed) return execed.error();
  return started;
}

// Under an init the supervisor's child is the init: the task's own status comes
// through the init's pipe. None there: the init itself was killed (by the agent through
// the cgroup, or the OOM killer), and its status is the task's.
int taskStatus(int waitedStatus, const UniqueFd& statusPipe) {
  if (!statusPipe.valid()) return waitedStatus;
  int status = 0;
  ssize_t n;
  do {
    n = ::read(statusPipe.get(), &status, sizeof(status));
  } while (n < 0 && errno == EINTR);
  return n == sizeof(status) ? status : waitedStatus;
}

void reportStarted(bool started) {
  if (::fcntl(kStartedFd, F_GETFD) < 0) return;  // nobody asked
  if (started) {
    const char byte = 1;
    [[maybe_unused]] ssize_t ignored = ::write(kStartedFd, &byte, 1);
  }
  ::close(kStartedFd);
}

double now() {
  timespec time;
  ::clock_gettime(CLOCK_REALTIME, &time);
  return double(time.tv_sec) + double(time.tv_nsec) / 1e9;
}

// Keeps the agent's delegated systemd scope alive while no container runs (see
// isolators/cgroups/systemd_scope.h): sleeps, holding nothing, until signalled.
int holdScope() {
  ::close_range(3, ~0U, 0);
  for (;;)
    ::pause();
}

int run(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--hold-scope") return holdScope();
  if (argc != 2 || std::string_view(argv[1]) != "launch") {
    std::fprintf(stderr,
                 "usage: mesos-containerizer launch  (the launch request on fd 3)\n"
                 "       mesos-containerizer --hold-scope  (keeps the containers' scope)\n");
    return kBadInput;
  }
  if (::fcntl(kRequestFd, F_GETFD) < 0) {
    return badInput("fd 3 is not open: the launch request is expected on fd 3 (" +
                    std::string(std::strerror(errno)) + ")");
  }

  std::string terminationPath;
  std::optional<std::string> oomCounterFile;
  Termination termination;
  Result<Started> task = Error("not started");
  {
    auto request = readRequest();
    tidyFds();
    if (!request) return badInput(request.error().message);
    terminationPath = request->terminationPath;
    oomCounterFile = request->oomCounterFile;
    if (auto supervising = becomeSupervisor(); !supervising) {
      task = supervising.error();
    } else {
      task = start(*request);
    }
  }
  // The request (argv, environment, ...) is gone; hand its pages back, the supervisor
  // may live for months.
  ::malloc_trim(0);

  reportStarted(bool(task));
  if (task) {
    auto status = waitForTask(task->pid, task->logs);
    if (status) {
      termination.waitStatus = taskStatus(*status, task->status);
    } else {
      termination.message = status.error().message;
    }
    if (oomCounterFile) {
      auto kills = readOomKills(*oomCounterFile);
      if (kills) {
        termination.oomKills = *kills;
      } else {
        termination.message += (termination.message.empty() ? "" : "; ") + kills.error().message;
      }
    }
  } else {
    termination.message = task.error().message;
    std::fprintf(stderr, "mesos-containerizer: the task did not start: %s\n",
                 termination.message.c_str());
  }
  termination.timestamp = now();
  if (auto written = writeFileAtomically(terminationPath, termination.encode(), true); !written) {
    std::fprintf(stderr, "mesos-containerizer: cannot record the termination: %s\n",
                 written.error().message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

}  // namespace mesolite::launcher

int main(int argc, char** argv) {
  return mesolite::launcher::run(argc, argv);
}
