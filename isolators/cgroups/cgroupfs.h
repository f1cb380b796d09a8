// Small helpers for talking to cgroupfs directly: one open + read/write + close per
// control file. We decided against libcgroup for this: it re-parses mount tables and
// config on each call, and the launch path writes a handful of files per container
// where every syscall counts (DESIGN.md, "Launch path").
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace mesolite::cgroups::fs {

using UniqueFd = mesolite::UniqueFd;

// The whole file. Errors name the path and errno.
Result<std::string> readFile(const std::string& path);
// One write(2) of `value` (cgroupfs takes each write as one command).
Result<void> writeFile(const std::string& path, std::string_view value);

bool exists(const std::string& path);
bool isDirectory(const std::string& path);

// Names of the sub-directories of `path` (child cgroups); empty if there are none.
Result<std::vector<std::string>> subdirectories(const std::string& path);

// mkdir; `created` is false when it already existed.
Result<void> makeDirectory(const std::string& path, bool* created);

// The pids (or tids) listed one per line in cgroup.procs / tasks / cgroup.threads.
Result<std::vector<pid_t>> readIdList(const std::string& path);

std::string_view trim(std::string_view text);
// A non-negative decimal number, the whole of `text` (after trimming).
Result<uint64_t> parseUint(std::string_view text);
// "key value" lines (memory.stat, memory.events, cpu.stat, memory.oom_control): the keys
// whose value is a number; other lines ("max", blank) are skipped.
std::map<std::string, uint64_t> parseFlatKeyed(std::string_view text);

}  // namespace mesolite::cgroups::fs
