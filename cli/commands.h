// How `mesos <cmd>` finds `mesos-<cmd>`: first beside the `mesos` binary, then on PATH.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mesolite::cli {

// The directories to search, in order: `selfDir` (may be empty), then each PATH entry
// (an empty entry means the current directory, as for execvp). Duplicates are dropped.
std::vector<std::string> commandDirectories(const std::string& selfDir, const std::string& path);

// The first executable regular file `<dir>/mesos-<name>`.
std::optional<std::string> findCommand(const std::string& name,
                                       const std::vector<std::string>& directories);

// The names `<cmd>` of every executable `mesos-<cmd>` in those directories, sorted.
std::vector<std::string> listCommands(const std::vector<std::string>& directories);

}  // namespace mesolite::cli
