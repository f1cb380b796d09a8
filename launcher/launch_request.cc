#include "launcher/launch_request.h"

#include <charconv>
#include <cstdio>

namespace mesolite::launcher {

namespace {

void put(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  out += '=';
  out.append(value);
  out += '\0';
}

template <typename T>
bool number(std::string_view text, T* value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

// Splits "key=value<sep>key=value..." and hands each pair to `take`, which says
// whether it understood it.
template <typename Take>
Result<void> eachRecord(std::string_view data, char separator, std::string_view what, Take take) {
  while (!data.empty()) {
    const size_t end = data.find(separator);
    if (end == std::string_view::npos) {
      return Error(std::string(what) + ": record without terminator at the end");
    }
    std::string_view record = data.substr(0, end);
    data.remove_prefix(end + 1);
    const size_t eq = record.find('=');
    if (eq == std::string_view::npos) {
      return Error(std::string(what) + ": record '" + std::string(record) + "' has no '='");
    }
    if (!take(record.substr(0, eq), record.substr(eq + 1))) {
      return Error(std::string(what) + ": bad record '" + std::string(record) + "'");
    }
  }
  return success();
}

// "a:b:c", each a number.
template <typename A, typename B, typename C>
bool threeNumbers(std::string_view text, A* a, B* b, C* c) {
  const size_t first = text.find(':');
  if (first == std::string_view::npos) return false;
  const size_t second = text.find(':', first + 1);
  if (second == std::string_view::npos) return false;
  return number(text.substr(0, first), a) &&
         number(text.substr(first + 1, second - first - 1), b) &&
         number(text.substr(second + 1), c);
}

bool rotation(std::string_view text, std::optional<LogRotation>* value) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  LogRotation parsed;
  if (!number(text.substr(0, colon), &parsed.maxSize) ||
      !number(text.substr(colon + 1), &parsed.keep)) {
    return false;
  }
  *value = parsed;
  return true;
}

std::string rotationText(const LogRotation& rotation) {
  return std::to_string(rotation.maxSize) + ":" + std::to_string(rotation.keep);
}

bool flag(std::string_view text, bool* value) {
  if (text != "0" && text != "1") return false;
  *value = text == "1";
  return true;
}

bool decodeFilesystem(std::string_view key, std::string_view value, LaunchRequest* request) {
  if (!request->filesystem) request->filesystem.emplace();
  FilesystemView& view = *request->filesystem;
  const std::string text(value);
  if (key == "fs_sandbox") {
    view.sandbox = text;
  } else if (key == "fs_sandbox_mount_point") {
    view.sandboxMountPoint = text;
  } else if (key == "fs_read_only_root") {
    return flag(value, &view.readOnlyRoot);
  } else if (key == "fs_private_tmp") {
    return flag(value, &view.privateTmp);
  } else if (key == "fs_hidden") {
    view.hidden.push_back(text);
  } else if (key == "fs_masked") {
    view.masked.push_back(text);
  } else if (key == "fs_read_only") {
    view.readOnly.push_back(text);
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string LaunchRequest::encode() const {
  std::string out;
  put(out, "container_id", containerId);
  for (const std::string& arg : argv)
    put(out, "arg", arg);
  for (const std::string& variable : environment)
    put(out, "env", variable);
  put(out, "working_directory", workingDirectory);
  put(out, "stdout", stdoutPath);
  put(out, "stderr", stderrPath);
  if (stdoutRotation) put(out, "stdout_rotation", rotationText(*stdoutRotation));
  if (stderrRotation) put(out, "stderr_rotation", rotationText(*stderrRotation));
  if (uid) put(out, "uid", std::to_string(*uid));
  if (gid) put(out, "gid", std::to_string(*gid));
  for (uint32_t group : supplementaryGroups)
    put(out, "group", std::to_string(group));
  put(out, "namespaces", std::to_string(namespaces));
  if (hostname) put(out, "hostname", *hostname);
  for (const RLimit& limit : rlimits) {
    put(out, "rlimit",
        std::to_string(limit.resource) + ":" + std::to_string(limit.soft) + ":" +
            std::to_string(limit.hard));
  }
  if (cgroupV2Path) put(out, "cgroup_v2", *cgroupV2Path);
  for (const std::string& file : cgroupV1ProcsFiles)
    put(out, "cgroup_v1_procs", file);
  if (oomCounterFile) put(out, "oom_counter", *oomCounterFile);
  if (userNamespace) {
    put(out, "userns",
        std::to_string(userNamespace->hostUid) + ":" + std::to_string(userNamespace->hostGid) +
            ":" + std::to_string(userNamespace->count));
  }
  if (filesystem) {
    put(out, "fs_sandbox", filesystem->sandbox);
    put(out, "fs_sandbox_mount_point", filesystem->sandboxMountPoint);
    put(out, "fs_read_only_root", filesystem->readOnlyRoot ? "1" : "0");
    put(out, "fs_private_tmp", filesystem->privateTmp ? "1" : "0");
    for (const std::string& path : filesystem->hidden)
      put(out, "fs_hidden", path);
    for (const std::string& path : filesystem->masked)
      put(out, "fs_masked", path);
    for (const std::string& path : filesystem->readOnly)
      put(out, "fs_read_only", path);
  }
  if (init) put(out, "init", "1");
  if (capabilities) {
    put(out, "capabilities",
        std::to_string(capabilities->bounding) + ":" + std::to_string(capabilities->effective));
  }
  if (noNewPrivileges) put(out, "no_new_privs", "1");
  if (seccompFilterPath) put(out, "seccomp_filter", *seccompFilterPath);
  put(out, "pid_path", pidPath);
  put(out, "termination_path", terminationPath);
  if (joinPid > 0) put(out, "join_pid", std::to_string(joinPid));
  return out;
}

Result<LaunchRequest> LaunchRequest::decode(std::string_view data) {
  LaunchRequest request;
  auto parsed =
      eachRecord(data, '\0', "launch request", [&](std::string_view key, std::string_view value) {
        const std::string text(value);
        if (key == "container_id") {
          request.containerId = text;
        } else if (key == "arg") {
          request.argv.push_back(text);
        } else if (key == "env") {
          request.environment.push_back(text);
        } else if (key == "working_directory") {
          request.workingDirectory = text;
        } else if (key == "stdout") {
          request.stdoutPath = text;
        } else if (key == "stderr") {
          request.stderrPath = text;
        } else if (key == "stdout_rotation") {
          return rotation(value, &request.stdoutRotation);
        } else if (key == "stderr_rotation") {
          return rotation(value, &request.stderrRotation);
        } else if (key == "uid" || key == "gid" || key == "group") {
          uint32_t id = 0;
          if (!number(value, &id)) return false;
          if (key == "uid") {
            request.uid = id;
          } else if (key == "gid") {
            request.gid = id;
          } else {
            request.supplementaryGroups.push_back(id);
          }
        } else if (key == "namespaces") {
          return number(value, &request.namespaces);
        } else if (key == "hostname") {
          request.hostname = text;
        } else if (key == "rlimit") {
          RLimit limit;
          if (!threeNumbers(value, &limit.resource, &limit.soft, &limit.hard)) return false;
          request.rlimits.push_back(limit);
        } else if (key == "cgroup_v2") {
          request.cgroupV2Path = text;
        } else if (key == "cgroup_v1_procs") {
          request.cgroupV1ProcsFiles.push_back(text);
        } else if (key == "oom_counter") {
          request.oomCounterFile = text;
        } else if (key == "userns") {
          UserNamespace ids;
          if (!threeNumbers(value, &ids.hostUid, &ids.hostGid, &ids.count) || ids.count == 0) {
            return false;
          }
          request.userNamespace = ids;
        } else if (key.substr(0, 3) == "fs_") {
          return decodeFilesystem(key, value, &request);
        } else if (key == "init") {
          return flag(value, &request.init);
        } else if (key == "capabilities") {
          Capabilities capabilities;
          const size_t colon = value.find(':');
          if (colon == std::string_view::npos ||
              !number(value.substr(0, colon), &capabilities.bounding) ||
              !number(value.substr(colon + 1), &capabilities.effective)) {
            return false;
          }
          request.capabilities = capabilities;
        } else if (key == "no_new_privs") {
          return flag(value, &request.noNewPrivileges);
        } else if (key == "seccomp_filter") {
          request.seccompFilterPath = text;
        } else if (key == "pid_path") {
          request.pidPath = text;
        } else if (key == "termination_path") {
          request.terminationPath = text;
        } else if (key == "join_pid") {
          return number(value, &request.joinPid) && request.joinPid > 0;
        } else {
          return false;
        }
        return true;
      });
  if (!parsed) return parsed.error();
  if (request.argv.empty()) return Error("launch request: no command (arg) given");
  if (request.terminationPath.empty()) return Error("launch request: no termination_path");
  return request;
}

std::string Termination::encode() const {
  std::string out;
  if (waitStatus) out += "wait_status=" + std::to_string(*waitStatus) + "\n";
  out += "oom_kills=" + std::to_string(oomKills) + "\n";
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "%.6f", timestamp);
  out += std::string("timestamp=") + stamp + "\n";
  // The message goes last and may hold anything but a newline.
  std::string oneLine = message;
  for (char& c : oneLine)
    c = c == '\n' ? ' ' : c;
  out += "message=" + oneLine + "\n";
  return out;
}

Result<Termination> Termination::decode(std::string_view data) {
  Termination termination;
  auto parsed =
      eachRecord(data, '\n', "termination", [&](std::string_view key, std::string_view value) {
        if (key == "wait_status") {
          int status = 0;
          if (!number(value, &status)) return false;
          termination.waitStatus = status;
        } else if (key == "oom_kills") {
          return number(value, &termination.oomKills);
        } else if (key == "timestamp") {
          // Seconds since the epoch: anything beyond year 30000 is garbage (and would
          // not fit the encoder's buffer).
          return number(value, &termination.timestamp) && termination.timestamp >= 0 &&
                 termination.timestamp < 1e12;
        } else if (key == "message") {
          termination.message = std::string(value);
        }
        return true;  // unknown keys: written by a newer launcher, ignored
      });
  if (!parsed) return parsed.error();
  return termination;
}

}  // namespace mesolite::launcher
