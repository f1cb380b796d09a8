#include "agent/launcher_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace mesolite::agent {

namespace {

constexpr int kRequestFd = 3;
constexpr int kStartedFd = 4;
// Only for the exec: the launcher runs /proc/self/fd/5 and closes it first thing.
constexpr int kBinaryFd = 5;

// Above the fds the launcher's are dup'ed to (3-5), so that no dup2 of the spawn
// overwrites the source of a later one.
Result<launcher::UniqueFd> aboveLauncherFds(int fd, const char* what) {
  launcher::UniqueFd original(fd);
  launcher::UniqueFd moved(::fcntl(fd, F_DUPFD_CLOEXEC, kBinaryFd + 1));
  if (!moved.valid()) return Error::fromErrno(std::string("move ") + what + " above fd 5");
  return moved;
}

Result<void> writeWhole(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::fromErrno("write the launch request");
    written += size_t(n);
  }
  return success();
}

}  // namespace

Result<SealedLauncher> SealedLauncher::copy(const std::string& path) {
  launcher::UniqueFd source(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source.valid()) return Error::fromErrno("open " + path);
  struct stat info;
  if (::fstat(source.get(), &info) != 0) return Error::fromErrno("stat " + path);
  // Run from a copy, but only what the operator installed as a program.
  if (!S_ISREG(info.st_mode) || ::access(path.c_str(), X_OK) != 0)
    return Error(path + " is not an executable file (see --launcher_dir)");
  launcher::UniqueFd copy(::memfd_create("mesos-containerizer", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!copy.valid()) return Error::fromErrno("memfd_create for a copy of " + path);
  for (off_t offset = 0; offset < info.st_size;) {
    const ssize_t n = ::sendfile(copy.get(), source.get(), &offset, size_t(info.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::fromErrno("copy " + path + " into a memfd");
  }
  constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) != 0) {
    return Error::fromErrno("seal the memfd copy of " + path);
  }
  auto kept = aboveLauncherFds(copy.release(), "the launcher's copy");
  if (!kept) return kept.error();
  SealedLauncher launcher;
  launcher.path_ = path;
  launcher.fd_ = std::move(*kept);
  return launcher;
}

Result<LauncherProcess> spawnLauncher(const SealedLauncher& binary,
                                      const launcher::LaunchRequest& request,
                                      const std::string& logPath) {
  int requestPipe[2];
  if (::pipe2(requestPipe, O_CLOEXEC) != 0) return Error::fromErrno("pipe2 for the launch request");
  launcher::UniqueFd requestWrite(requestPipe[1]);
  auto requestRead = aboveLauncherFds(requestPipe[0], "the request pipe");
  if (!requestRead) return requestRead.error();
  int startedPipe[2];
  if (::pipe2(startedPipe, O_CLOEXEC) != 0) return Error::fromErrno("pipe2 for the started pipe");
  launcher::UniqueFd startedRead(startedPipe[0]);
  auto startedWrite = aboveLauncherFds(startedPipe[1], "the started pipe");
  if (!startedWrite) return startedWrite.error();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, requestRead->get(), kRequestFd);
  posix_spawn_file_actions_adddup2(&actions, startedWrite->get(), kStartedFd);
  posix_spawn_file_actions_adddup2(&actions, binary.fd(), kBinaryFd);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Nothing else of the agent's reaches the launcher: Asio opens sockets without
  // close-on-exec, and a socket still open in a child keeps its epoll registration in
  // the agent alive after the agent closes it, so its events would reach whatever
  // descriptor reuses the slot (seen as a supervisor "exiting" while it runs).
  posix_spawn_file_actions_addclosefrom_np(&actions, kBinaryFd + 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string program = "/proc/self/fd/" + std::to_string(kBinaryFd);
  std::string name = binary.path();
  std::string verb = "launch";
  char* argv[] = {name.data(), verb.data(), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  requestRead->reset();
  startedWrite->reset();
  if (spawned != 0) return Error::fromErrno("spawn " + binary.path(), spawned);

  // A launcher that died before reading leaves EPIPE here; its exit is noticed by the
  // caller's watch, which reads the reason from its termination record.
  (void)writeWhole(requestWrite.get(), request.encode());
  return LauncherProcess{pid, std::move(startedRead)};
}

}  // namespace mesolite::agent
