// The fields of /proc/<pid>/stat that the agent reads: one parser, past the command
// name, which may itself hold spaces and parentheses.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace mesolite::proc {

struct Stat {
  char state = '?';          // field 3: R, S, D, Z, ...
  pid_t parent = 0;          // field 4
  uint64_t userTicks = 0;    // field 14, utime, in clock ticks
  uint64_t systemTicks = 0;  // field 15, stime
  uint64_t startTime = 0;    // field 22, in clock ticks after boot
};

// The text of a /proc/<pid>/stat file.
Result<Stat> parseStat(std::string_view text);
// Reads /proc/<pid>/stat; the error names the path and errno (ENOENT: the process is gone).
Result<Stat> readStat(pid_t pid);

}  // namespace mesolite::proc
