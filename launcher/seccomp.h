// Installs a seccomp filter the agent compiled (isolators/seccomp): the launcher links
// no libseccomp, it only hands the kernel the BPF program.
#pragma once

#include <string>

#include "common/result.h"

namespace mesolite::launcher {

// Reads a compiled filter (struct sock_filter[]) and checks its shape.
Result<std::string> readSeccompFilter(const std::string& path);

// seccomp(SECCOMP_SET_MODE_FILTER): from here on the filter holds for the process and
// everything it execs. Without no_new_privs it needs CAP_SYS_ADMIN.
Result<void> installSeccompFilter(const std::string& program);

}  // namespace mesolite::launcher
