// Small fd helpers for the launcher: loops that survive EINTR and
// short reads/writes. Kept here (not in common/) because the launcher links nothing
// but the standard library and launch_request.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "common/unique_fd.h"

namespace mesolite::launcher {

using UniqueFd = mesolite::UniqueFd;

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// pipe2(O_CLOEXEC); `what` names the pipe in the error.
Result<Pipe> makePipe(const char* what);

// Writes all of `data`; `what` names the destination in the error.
Result<void> writeAll(int fd, std::string_view data, const std::string& what);

// Reads until EOF, at most `limit` bytes (more is an error).
Result<std::string> readAll(int fd, size_t limit, const std::string& what);

}  // namespace mesolite::launcher
