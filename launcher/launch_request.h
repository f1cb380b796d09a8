// What the agent tells mesos-containerizer to do: the command, its environment and
// files, and the isolation the isolators planned. Sent over a pipe as NUL-separated
// "key=value" records: the launcher runs once per task and must start fast, so it
// links neither protobuf nor Boost (see DESIGN.md, "Launch path").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite::launcher {

struct RLimit {
  int resource = 0;   // RLIMIT_*
  uint64_t soft = 0;  // RLIM_INFINITY for unlimited
  uint64_t hard = 0;
};

// The task's capabilities, as CAP_* bit masks (bit n = capability n). The launcher
// decides how to make them hold for the task's user (see launcher/capabilities.h).
struct Capabilities {
  uint64_t bounding = 0;   // the most the task (and anything it execs) may ever hold
  uint64_t effective = 0;  // what it holds after exec (permitted = effective)
};

// What the task sees of the host's filesystem (filesystem/linux). Applied in the
// task's own mount namespace; nothing of it reaches the host.
struct FilesystemView {
  std::string sandbox;                // also seen at its own path, read-write
  std::string sandboxMountPoint;      // e.g. /mnt/mesos/sandbox (must exist)
  bool readOnlyRoot = true;           // every host mount read-only
  bool privateTmp = true;             // a fresh tmpfs on /tmp
  std::vector<std::string> hidden;    // directories covered by an empty tmpfs
  std::vector<std::string> masked;    // files: /dev/null over them; directories: empty tmpfs
  std::vector<std::string> readOnly;  // bound read-only (under a fresh /proc too)
};

// namespaces/user: the task's ids 0..count-1 are the host's hostUid.. and hostGid..;
// the launcher writes the maps, and the task switches to its ids inside.
struct UserNamespace {
  uint32_t hostUid = 0;
  uint32_t hostGid = 0;
  uint32_t count = 0;
};

// What the isolators plan for a task and the launcher carries out: shared by the
// agent's LaunchPlan and the launcher's LaunchRequest, so a new step is one field.
struct Isolation {
  uint64_t namespaces = 0;              // CLONE_NEW* flags for the task
  std::optional<std::string> hostname;  // with CLONE_NEWUTS
  std::vector<RLimit> rlimits;
  // The task starts in these cgroups: a cgroup2 directory (clone3 CLONE_INTO_CGROUP
  // where the kernel allows, else its cgroup.procs) and v1 cgroup.procs files.
  std::optional<std::string> cgroupV2Path;
  std::vector<std::string> cgroupV1ProcsFiles;
  // Where the OOM killer's count is read after the task ends (memory.events or
  // memory.oom_control), to tell an OOM death from another SIGKILL.
  std::optional<std::string> oomCounterFile;

  // With CLONE_NEWUSER: the id maps (every other namespace then belongs to it).
  std::optional<UserNamespace> userNamespace;

  // Hardening, in the order the task's process applies it.
  std::optional<FilesystemView> filesystem;  // needs CLONE_NEWNS
  bool init = false;  // a PID-1 init forwards signals and reaps (needs CLONE_NEWPID)
  std::optional<Capabilities> capabilities;  // none: the user's usual capabilities
  bool noNewPrivileges = false;
  // A compiled seccomp filter (struct sock_filter[]), installed right before exec.
  std::optional<std::string> seccompFilterPath;
};

// Size-based rotation of the task's stdout or stderr, as Mesos's LogrotateContainerLogger
// does it: the task writes into a pipe; the supervisor appends to the file and, before it
// would pass `maxSize`, renames file -> file.1 -> ... -> file.<keep> (the oldest goes).
struct LogRotation {
  uint64_t maxSize = 0;
  uint32_t keep = 0;  // rotated files kept beside the leading one
};

struct LaunchRequest : Isolation {
  std::string containerId;

  // The task. argv[0] is looked up on PATH when it holds no '/'.
  std::vector<std::string> argv;
  std::vector<std::string> environment;  // "NAME=value"
  std::string workingDirectory;          // the sandbox, as the task sees it
  std::string stdoutPath;                // opened O_APPEND|O_CREAT in the launcher
  std::string stderrPath;
  std::optional<LogRotation> stdoutRotation;  // none: the task writes the file itself
  std::optional<LogRotation> stderrRotation;
  std::optional<uint32_t> uid;  // switch to this user before exec
  std::optional<uint32_t> gid;
  std::vector<uint32_t> supplementaryGroups;

  // Bookkeeping for the agent: the task's pid (as the host sees it) and, when the
  // task has ended, its termination record; both written atomically.
  std::string pidPath;
  std::string terminationPath;

  // Set: run the command inside the running container whose task has this (host)
  // pid instead of making a new one, as `runc exec` does (the agent's COMMAND checks).
  // The command joins the task's namespaces (`namespaces` names which) and cgroups and
  // gets the same user, rlimits, capabilities, no_new_privs and seccomp filter; the
  // task's filesystem view is already in its mount namespace.
  int32_t joinPid = 0;

  std::string encode() const;
  static Result<LaunchRequest> decode(std::string_view data);
};

// What the launcher records when the task ends, in `terminationPath`, as
// "key=value" lines. The agent reads it, now or after a restart.
struct Termination {
  std::optional<int> waitStatus;  // as from waitpid(); none if the task never started
  uint64_t oomKills = 0;          // OOM kills in the container's cgroup during its life
  std::string message;            // e.g. "cannot exec 'foo': No such file or directory"
  double timestamp = 0;           // seconds since the epoch

  std::string encode() const;
  static Result<Termination> decode(std::string_view data);
};

}  // namespace mesolite::launcher
