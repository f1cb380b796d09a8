// The agent's checkpoints under <work_dir>/meta, laid out as Mesos does so operators
// recognise them:
//   meta/boot_id
//   meta/slaves/latest -> <agent_id>
//   meta/slaves/<aid>/slave.info
//     frameworks/<fid>/framework.info
//       executors/<eid>/executor.info
//         runs/<cid>/pids/forked.pid
//           tasks/<tid>/{task.info,task.updates}
// Sandboxes live apart, under <work_dir>/slaves/<aid>/... (never under meta/).
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace mesolite::agent::paths {

std::string metaDir(const std::string& workDir);
std::string bootIdPath(const std::string& workDir);
std::string latestAgentLink(const std::string& workDir);
std::string agentMetaDir(const std::string& workDir, const std::string& agentId);
std::string agentInfoPath(const std::string& workDir, const std::string& agentId);
std::string frameworkMetaDir(const std::string& workDir, const std::string& agentId,
                             const std::string& frameworkId);
std::string frameworkInfoPath(const std::string& workDir, const std::string& agentId,
                              const std::string& frameworkId);
std::string executorMetaDir(const std::string& workDir, const std::string& agentId,
                            const std::string& frameworkId, const std::string& executorId);
std::string executorInfoPath(const std::string& workDir, const std::string& agentId,
                             const std::string& frameworkId, const std::string& executorId);
std::string runMetaDir(const std::string& workDir, const std::string& agentId,
                       const std::string& frameworkId, const std::string& executorId,
                       const std::string& containerId);
std::string forkedPidPath(const std::string& workDir, const std::string& agentId,
                          const std::string& frameworkId, const std::string& executorId,
                          const std::string& containerId);
std::string taskMetaDir(const std::string& workDir, const std::string& agentId,
                        const std::string& frameworkId, const std::string& executorId,
                        const std::string& containerId, const std::string& taskId);
std::string taskInfoPath(const std::string& workDir, const std::string& agentId,
                         const std::string& frameworkId, const std::string& executorId,
                         const std::string& containerId, const std::string& taskId);
std::string taskUpdatesPath(const std::string& workDir, const std::string& agentId,
                            const std::string& frameworkId, const std::string& executorId,
                            const std::string& containerId, const std::string& taskId);
std::string frameworkSandboxDir(const std::string& workDir, const std::string& agentId,
                                const std::string& frameworkId);
std::string executorSandboxDir(const std::string& workDir, const std::string& agentId,
                               const std::string& frameworkId, const std::string& executorId);
std::string sandboxDir(const std::string& workDir, const std::string& agentId,
                       const std::string& frameworkId, const std::string& executorId,
                       const std::string& containerId);

// Ids become path components: refuse empty, ".", "..", and anything with '/' or NUL.
Result<void> validatePathComponent(const std::string& what, const std::string& id);

// Names of the subdirectories of `dir` (none when it does not exist).
std::vector<std::string> listDirectories(const std::string& dir);

}  // namespace mesolite::agent::paths

namespace mesolite::agent::checkpoint {

// Serialises `message` and writes it atomically, creating the parent directories.
Result<void> writeMessage(const std::string& path, const google::protobuf::Message& message);
Result<void> readMessage(const std::string& path, google::protobuf::Message* message);

// Points meta/slaves/latest at `agentId` (a new symlink renamed over the old one).
Result<void> writeLatestAgent(const std::string& workDir, const std::string& agentId);
// The id meta/slaves/latest points at; nullopt when there is none.
std::optional<std::string> readLatestAgent(const std::string& workDir);
// Removes meta/slaves/latest so the next start registers as a new agent.
void forgetLatestAgent(const std::string& workDir);
// Points runs/latest beside `sandbox` (…/runs/<container>) at it, as Mesos does, for the
// /files path …/runs/latest.
Result<void> linkLatestRun(const std::string& sandbox);

// This boot's id (/proc/sys/kernel/random/boot_id), empty when unreadable.
std::string currentBootId();

}  // namespace mesolite::agent::checkpoint
