// Files the launcher writes for the agent (pid, termination) and the ones it reads.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace mesolite::launcher {

// Writes `content` to a temporary file beside `path` and renames it over `path`, so a
// reader sees either nothing or everything. With `durable`, the file and its directory
// are fsync'ed too: the termination record must survive a crash of the node.
Result<void> writeFileAtomically(const std::string& path, std::string_view content, bool durable);

// The whole of a small file (cgroup control files, ...).
Result<std::string> readSmallFile(const std::string& path);

}  // namespace mesolite::launcher
