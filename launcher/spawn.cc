#include "launcher/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>

#include "launcher/child.h"
#include "launcher/namespaces.h"
#include "launcher/seccomp.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL  // linux/sched.h, kernel >= 5.7
#endif

namespace mesolite::launcher {

namespace {

// struct clone_args (CLONE_ARGS_SIZE_VER2). Our own copy: glibc 2.36 has no clone3
// wrapper and <linux/sched.h> clashes with <sched.h>.
struct CloneArgs {
  uint64_t flags = 0;
  uint64_t pidfd = 0;
  uint64_t childTid = 0;
  uint64_t parentTid = 0;
  uint64_t exitSignal = 0;
  uint64_t stack = 0;
  uint64_t stackSize = 0;
  uint64_t tls = 0;
  uint64_t setTid = 0;
  uint64_t setTidSize = 0;
  uint64_t cgroup = 0;
};
static_assert(sizeof(CloneArgs) == 88);

// With no stack given, clone3 behaves like fork: the child returns here on a copy of
// our stack.
pid_t clone3(uint64_t flags, int cgroupFd) {
  CloneArgs args;
  args.flags = flags;
  args.exitSignal = SIGCHLD;
  if (cgroupFd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = uint64_t(cgroupFd);
  }
  return pid_t(::syscall(SYS_clone3, &args, sizeof(args)));
}

// How a kernel says it does not know clone3 or CLONE_INTO_CGROUP.
bool refused(int error) {
  return error == ENOSYS || error == EINVAL || error == E2BIG || error == EOPNOTSUPP;
}

std::string hex(uint64_t value) {
  char text[32];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

Result<UniqueFd> openOutput(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) return Error::fromErrno("open " + path);
  return fd;
}

Result<void> writePid(const std::string& file, pid_t pid) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::fromErrno("open " + file);
  return writeAll(fd.get(), std::to_string(pid), "pid " + std::to_string(pid) + " to " + file);
}

pid_t reap(pid_t pid, int* status) {
  pid_t done;
  do {
    done = ::waitpid(pid, status, 0);
  } while (done < 0 && errno == EINTR);
  return done;
}

// The task's end of a stream: the file itself, or a pipe to the supervisor's rotating log.
Result<UniqueFd> openStream(const std::string& path, const std::optional<LogRotation>& rotation,
                            const char* name, std::vector<LogPipe>* logs) {
  if (!rotation) return openOutput(path);
  auto log = RotatingLog::open(path, *rotation);
  if (!log) return log.error();
  auto pipe = makePipe(name);  // O_CLOEXEC: only the task's dup2 keeps the write end
  if (!pipe) return pipe.error();
  logs->push_back(LogPipe{std::move(pipe->read), std::move(*log)});
  return std::move(pipe->write);
}

}  // namespace

Result<TaskStdio> openTaskStdio(const LaunchRequest& request) {
  TaskStdio stdio;
  stdio.in.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!stdio.in.valid()) return Error::fromErrno("open /dev/null");
  if (!request.stdoutPath.empty()) {
    auto out = openStream(request.stdoutPath, request.stdoutRotation, "stdout", &stdio.logs);
    if (!out) return out.error();
    stdio.out = std::move(*out);
  }
  if (!request.stderrPath.empty()) {
    auto err = openStream(request.stderrPath, request.stderrRotation, "stderr", &stdio.logs);
    if (!err) return err.error();
    stdio.err = std::move(*err);
  }
  return stdio;
}

Result<Task> spawnTask(const LaunchRequest& request, const TaskStdio& stdio) {
  auto sync = makePipe("sync");
  if (!sync) return sync.error();
  auto errors = makePipe("errors");
  if (!errors) return errors.error();
  std::optional<Pipe> status;
  if (request.init) {
    auto made = makePipe("status");
    if (!made) return made.error();
    status = std::move(*made);
  }
  // Read here, once: the child only hands it to the kernel.
  std::optional<std::string> seccompFilter;
  if (request.seccompFilterPath) {
    auto filter = readSeccompFilter(*request.seccompFilterPath);
    if (!filter) return filter.error();
    seccompFilter = std::move(*filter);
  }

  ChildContext context;
  context.request = &request;
  for (const std::string& arg : request.argv)
    context.argv.push_back(const_cast<char*>(arg.c_str()));
  context.argv.push_back(nullptr);
  for (const std::string& variable : request.environment) {
    context.envp.push_back(const_cast<char*>(variable.c_str()));
  }
  context.envp.push_back(nullptr);
  context.stdinFd = stdio.in.get();
  context.stdoutFd = stdio.out.get();
  context.stderrFd = stdio.err.get();
  context.syncRead = sync->read.get();
  context.syncWrite = sync->write.get();
  context.errorRead = errors->read.get();
  context.errorWrite = errors->write.get();
  if (status) context.statusWrite = status->write.get();
  if (seccompFilter) context.seccompFilter = &*seccompFilter;

  // Joining a running container: its namespaces are entered, not made.
  const bool joining = request.joinPid > 0;
  JoinedNamespaces joined;
  if (joining) {
    auto opened = openNamespacesOf(request.joinPid, request.namespaces);
    if (!opened) return opened.error();
    joined = std::move(*opened);
    for (const auto& [type, fd] : joined.others)
      context.joinNamespaces.emplace_back(type, fd.get());
    if (auto entered = enterPidNamespace(joined, request.joinPid); !entered) return entered.error();
  }

  UniqueFd cgroup;
  // Not with a new user namespace: the kernel checks CLONE_INTO_CGROUP against the new
  // task's credentials, which belong to a namespace that owns no cgroup (EPERM). The
  // cgroup.procs write in attachToCgroups places it before it runs all the same.
  if (request.cgroupV2Path && (joining || !(request.namespaces & CLONE_NEWUSER))) {
    cgroup.reset(::open(request.cgroupV2Path->c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cgroup.valid()) return Error::fromErrno("open " + *request.cgroupV2Path);
  }

  // The cgroup namespace is unshared by the child once it is in its cgroups.
  const uint64_t flags = joining ? 0 : request.namespaces & ~uint64_t(CLONE_NEWCGROUP);
  Task task;
  pid_t pid = -1;
  int error = 0;
  if (cgroup.valid()) {
    pid = clone3(flags, cgroup.get());
    if (pid == 0) runChild(context);
    error = errno;
    if (pid > 0) {
      task.inCgroupV2 = true;
    } else if (!refused(error)) {
      return Error::fromErrno("clone3 into " + *request.cgroupV2Path + " with flags " + hex(flags),
                              error);
    }
  }
  if (pid < 0) {
    // Older kernels: clone3 without CLONE_INTO_CGROUP (the cgroup.procs write in
    // attachToCgroups does it), or no clone3 at all.
    pid = clone3(flags, -1);
    if (pid == 0) runChild(context);
    if (pid < 0 && errno == ENOSYS) {
      pid = pid_t(::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
      if (pid == 0) runChild(context);
    }
    if (pid < 0) return Error::fromErrno("clone with flags " + hex(flags));
  }
  task.pid = pid;
  task.release = std::move(sync->write);
  task.errors = std::move(errors->read);
  if (status) task.status = std::move(status->read);
  return task;
}

Result<void> attachToCgroups(const LaunchRequest& request, const Task& task) {
  // On a hybrid or v1 host this is how memory, cpu and pids limits apply: the child is
  // still waiting for its release, so it runs nothing outside them.
  for (const std::string& procs : request.cgroupV1ProcsFiles) {
    if (auto written = writePid(procs, task.pid); !written) return written;
  }
  if (request.cgroupV2Path && !task.inCgroupV2) {
    if (auto written = writePid(*request.cgroupV2Path + "/cgroup.procs", task.pid); !written) {
      return written;
    }
  }
  return success();
}

Result<void> releaseTask(Task& task) {
  const char go = 1;
  auto released = writeAll(task.release.get(), std::string_view(&go, 1), "to the task's sync pipe");
  task.release.reset();
  if (!released) {
    abandonTask(task);  // it died before its release, or will exit at EOF
    return released;
  }
  auto message = readAll(task.errors.get(), 65536, "the task's error pipe");
  task.errors.reset();
  if (message && message->empty()) return success();  // exec closed the pipe
  // A message: the child _exit()s right after writing it. No message but a read
  // error: we cannot know whether it exec'ed, and an unsupervised task is worse
  // than none.
  abandonTask(task);
  return message ? Error(*message) : message.error();
}

void abandonTask(Task& task) {
  if (task.pid <= 0) return;
  ::kill(task.pid, SIGKILL);
  int status;
  reap(task.pid, &status);
  task.pid = -1;
}

}  // namespace mesolite::launcher
