// The fields of /proc/<pid>/stat that the agent reads: one parser, past the command
// name, which may itself hold spaces and parentheses. And /proc/<pid>/status as its
// "Name:\tvalue" lines.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
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

// The lines of a /proc/<pid>/status text: name -> value without its surrounding blanks
// ("Seccomp" -> "2", "NSpid" -> "4242\t1"). Lines without a colon are skipped.
std::map<std::string, std::string> parseStatus(std::string_view text);

}  // namespace mesolite::proc
