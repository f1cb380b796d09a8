#include "agent/checkpoint.h"

#include <unistd.h>

#include <filesystem>

#include "common/fs.h"

namespace mesolite::agent::paths {

std::string metaDir(const std::string& workDir) {
  return workDir + "/meta";
}

std::string bootIdPath(const std::string& workDir) {
  return metaDir(workDir) + "/boot_id";
}

std::string latestAgentLink(const std::string& workDir) {
  return metaDir(workDir) + "/slaves/latest";
}

std::string agentMetaDir(const std::string& workDir, const std::string& agentId) {
  return metaDir(workDir) + "/slaves/" + agentId;
}

std::string agentInfoPath(const std::string& workDir, const std::string& agentId) {
  return agentMetaDir(workDir, agentId) + "/slave.info";
}

std::string frameworkMetaDir(const std::string& workDir, const std::string& agentId,
                             const std::string& frameworkId) {
  return agentMetaDir(workDir, agentId) + "/frameworks/" + frameworkId;
}

std::string frameworkInfoPath(const std::string& workDir, const std::string& agentId,
                              const std::string& frameworkId) {
  return frameworkMetaDir(workDir, agentId, frameworkId) + "/framework.info";
}

std::string executorMetaDir(const std::string& workDir, const std::string& agentId,
                            const std::string& frameworkId, const std::string& executorId) {
  return frameworkMetaDir(workDir, agentId, frameworkId) + "/executors/" + executorId;
}

std::string executorInfoPath(const std::string& workDir, const std::string& agentId,
                             const std::string& frameworkId, const std::string& executorId) {
  return executorMetaDir(workDir, agentId, frameworkId, executorId) + "/executor.info";
}

std::string runMetaDir(const std::string& workDir, const std::string& agentId,
                       const std::string& frameworkId, const std::string& executorId,
                       const std::string& containerId) {
  return executorMetaDir(workDir, agentId, frameworkId, executorId) + "/runs/" + containerId;
}

std::string forkedPidPath(const std::string& workDir, const std::string& agentId,
                          const std::string& frameworkId, const std::string& executorId,
                          const std::string& containerId) {
  return runMetaDir(workDir, agentId, frameworkId, executorId, containerId) + "/pids/forked.pid";
}

std::string taskMetaDir(const std::string& workDir, const std::string& agentId,
                        const std::string& frameworkId, const std::string& executorId,
                        const std::string& containerId, const std::string& taskId) {
  return runMetaDir(workDir, agentId, frameworkId, executorId, containerId) + "/tasks/" + taskId;
}

std::string taskInfoPath(const std::string& workDir, const std::string& agentId,
                         const std::string& frameworkId, const std::string& executorId,
                         const std::string& containerId, const std::string& taskId) {
  return taskMetaDir(workDir, agentId, frameworkId, executorId, containerId, taskId) + "/task.info";
}

std::string taskUpdatesPath(const std::string& workDir, const std::string& agentId,
                            const std::string& frameworkId, const std::string& executorId,
                            const std::string& containerId, const std::string& taskId) {
  return taskMetaDir(workDir, agentId, frameworkId, executorId, containerId, taskId) +
         "/task.updates";
}

std::string frameworkSandboxDir(const std::string& workDir, const std::string& agentId,
                                const std::string& frameworkId) {
  return workDir + "/slaves/" + agentId + "/frameworks/" + frameworkId;
}

std::string executorSandboxDir(const std::string& workDir, const std::string& agentId,
                               const std::string& frameworkId, const std::string& executorId) {
  return frameworkSandboxDir(workDir, agentId, frameworkId) + "/executors/" + executorId;
}

std::string sandboxDir(const std::string& workDir, const std::string& agentId,
                       const std::string& frameworkId, const std::string& executorId,
                       const std::string& containerId) {
  return executorSandboxDir(workDir, agentId, frameworkId, executorId) + "/runs/" + containerId;
}

Result<void> validatePathComponent(const std::string& what, const std::string& id) {
  if (id.empty()) return Error(what + " is empty");
  if (id == "." || id == "..") return Error(what + " '" + id + "' is not allowed");
  if (id.find('/') != std::string::npos || id.find('\0') != std::string::npos) {
    return Error(what + " '" + id + "' holds '/' or NUL");
  }
  if (id.size() > 255) return Error(what + " is longer than 255 characters");
  return success();
}

std::vector<std::string> listDirectories(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    // `latest` links are not entries of their own.
    if (entry.is_directory(error) && !entry.is_symlink(error)) {
      names.push_back(entry.path().filename());
    }
  }
  return names;
}

}  // namespace mesolite::agent::paths

namespace mesolite::agent::checkpoint {

Result<void> writeMessage(const std::string& path, const google::protobuf::Message& message) {
  const std::string dir = std::filesystem::path(path).parent_path();
  if (auto made = fs::makeDirectories(dir); !made) return made;
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return Error("cannot serialise " + message.GetTypeName() + " for " + path);
  }
  return fs::writeFileAtomically(path, bytes);
}

Result<void> readMessage(const std::string& path, google::protobuf::Message* message) {
  auto bytes = fs::readFile(path);
  if (!bytes) return bytes.error();
  if (!message->ParseFromString(*bytes)) {
    return Error(path + ": not a valid " + message->GetTypeName());
  }
  return success();
}

Result<void> writeLatestAgent(const std::string& workDir, const std::string& agentId) {
  const std::string link = paths::latestAgentLink(workDir);
  const std::string temp = link + ".tmp";
  if (auto made = fs::makeDirectories(paths::metaDir(workDir) + "/slaves"); !made) return made;
  unlink(temp.c_str());
  if (symlink(agentId.c_str(), temp.c_str()) != 0) return Error::fromErrno("symlink " + temp);
  if (rename(temp.c_str(), link.c_str()) != 0) return Error::fromErrno("rename to " + link);
  return success();
}

std::optional<std::string> readLatestAgent(const std::string& workDir) {
  std::error_code error;
  auto target = std::filesystem::read_symlink(paths::latestAgentLink(workDir), error);
  if (error) return std::nullopt;
  std::string id = target.filename();
  if (id.empty()) id = target.parent_path().filename();  // "<aid>/"
  if (!paths::validatePathComponent("agent id", id)) return std::nullopt;
  return id;
}

void forgetLatestAgent(const std::string& workDir) {
  unlink(paths::latestAgentLink(workDir).c_str());
}

Result<void> linkLatestRun(const std::string& sandbox) {
  const size_t slash = sandbox.rfind('/');
  const std::string link = sandbox.substr(0, slash) + "/latest";
  const std::string temp = link + ".tmp";
  unlink(temp.c_str());
  if (symlink(sandbox.substr(slash + 1).c_str(), temp.c_str()) != 0) {
    return Error::fromErrno("symlink " + temp);
  }
  if (rename(temp.c_str(), link.c_str()) != 0) return Error::fromErrno("rename to " + link);
  return success();
}

std::string currentBootId() {
  auto text = fs::readFile("/proc/sys/kernel/random/boot_id");
  if (!text) return "";
  std::string id = *text;
  while (!id.empty() && (id.back() == '\n' || id.back() == ' '))
    id.pop_back();
  return id;
}

}  // namespace mesolite::agent::checkpoint
