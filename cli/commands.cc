#include "cli/commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace mesolite::cli {

namespace {

constexpr std::string_view kPrefix = "mesos-";

bool isExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::vector<std::string> commandDirectories(const std::string& selfDir, const std::string& path) {
  std::vector<std::string> directories;
  auto add = [&](std::string directory) {
    if (directory.empty()) directory = ".";
    if (std::find(directories.begin(), directories.end(), directory) == directories.end()) {
      directories.push_back(std::move(directory));
    }
  };
  if (!selfDir.empty()) add(selfDir);
  size_t start = 0;
  while (start <= path.size() && !path.empty()) {
    const size_t colon = path.find(':', start);
    add(path.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return directories;
}

std::optional<std::string> findCommand(const std::string& name,
                                       const std::vector<std::string>& directories) {
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  for (const std::string& directory : directories) {
    std::string candidate = directory + "/" + std::string(kPrefix) + name;
    if (isExecutableFile(candidate)) return candidate;
  }
  return std::nullopt;
}

std::vector<std::string> listCommands(const std::vector<std::string>& directories) {
  std::set<std::string> names;
  for (const std::string& directory : directories) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
      const std::string file = entry.path().filename().string();
      if (file.size() <= kPrefix.size() || file.rfind(kPrefix, 0) != 0) continue;
      if (isExecutableFile(entry.path().string())) names.insert(file.substr(kPrefix.size()));
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace mesolite::cli
