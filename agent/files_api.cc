#include "agent/files_api.h"

#include <filesystem>

#include "agent/task_manager.h"

namespace mesolite::agent {
namespace {

using Components = std::vector<std::string>;

// "frameworks", F, "executors", E, "runs", R, rest... starting at `at`, below `agentDir`.
std::optional<files::Location> sandbox(const std::string& agentDir, const Components& parts,
                                       size_t at) {
  if (parts.size() < at + 6 || parts[at] != "frameworks" || parts[at + 2] != "executors" ||
      parts[at + 4] != "runs") {
    return std::nullopt;
  }
  files::Location location;
  location.root = agentDir + "/frameworks/" + parts[at + 1] + "/executors/" + parts[at + 3] +
                  "/runs/" + parts[at + 5];
  // runs/latest is the agent's own symlink to the newest run; anything else a run dir.
  location.followRootSymlink = parts[at + 5] == "latest";
  for (size_t i = at + 6; i < parts.size(); ++i) {
    if (!location.rest.empty()) location.rest += '/';
    location.rest += parts[i];
  }
  return location;
}

}  // namespace

std::shared_ptr<files::VirtualFiles> agentFiles(const AgentFlags& flags, const TaskManager* tasks) {
  auto files = std::make_shared<files::VirtualFiles>();
  if (flags.log_dir) files->attach("/slave/log", *flags.log_dir + "/mesos-agent.log");

  std::error_code ignored;
  const std::string workDir = std::filesystem::weakly_canonical(flags.work_dir, ignored).string();
  if (tasks != nullptr) {
    files->addResolver(
        "/frameworks/<framework>/executors/<executor>/runs/<container|latest>",
        workDir + "/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>",
        [workDir, tasks](const Components& parts) -> std::optional<files::Location> {
          if (tasks->agentId().empty()) return std::nullopt;
          return sandbox(workDir + "/slaves/" + tasks->agentId(), parts, 0);
        });
  }
  // The real path, as /state's `directory` and Mesos's CLI name a sandbox.
  Components workParts;
  for (const auto& part : std::filesystem::path(workDir))
    if (part != "/" && !part.empty()) workParts.push_back(part.string());
  files->addResolver(
      workDir + "/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>",
      workDir + "/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>",
      [workDir, workParts](const Components& parts) -> std::optional<files::Location> {
        const size_t n = workParts.size();
        if (parts.size() < n + 2 ||
            !std::equal(workParts.begin(), workParts.end(), parts.begin()) ||
            parts[n] != "slaves") {
          return std::nullopt;
        }
        return sandbox(workDir + "/slaves/" + parts[n + 1], parts, n + 2);
      });
  return files;
}

}  // namespace mesolite::agent
