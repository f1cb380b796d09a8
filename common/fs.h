// Small file helpers for state on disk. Writes are atomic (temp file + fsync + rename
// + fsync of the directory), so a crash leaves the old or the new contents, never half.
#pragma once

#include <string>

#include "common/result.h"

namespace mesolite::fs {

Result<std::string> readFile(const std::string& path);
Result<void> writeFileAtomically(const std::string& path, const std::string& contents);
// mkdir -p with `mode` for the directories it creates.
Result<void> makeDirectories(const std::string& path, unsigned mode = 0755);

}  // namespace mesolite::fs
