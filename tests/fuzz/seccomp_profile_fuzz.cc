// Arbitrary text as a Docker-format seccomp profile (isolators/seccomp/profile.cc). It
// must not crash; a refusal names the origin; what parses parses again equal, and
// compiles (or is refused by name) for a task with no capabilities and with all of them,
// with the same program whether or not the capabilities the profile never mentions are
// held (the agent caches programs on that promise).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "isolators/seccomp/profile.h"

namespace {

namespace seccomp = mesolite::isolation::seccomp;

constexpr std::string_view kOrigin = "fuzz.json";

void require(bool condition) {
  if (!condition) abort();
}

bool namesOrigin(const mesolite::Error& error) {
  return error.message.rfind(std::string(kOrigin) + ": ", 0) == 0;
}

void checkCompiled(const seccomp::Profile& profile, uint64_t capabilities) {
  mesolite::Result<std::string> program = seccomp::compile(profile, capabilities);
  if (!program) {
    require(namesOrigin(program.error()));
    return;
  }
  require(!program->empty() && program->size() % 8 == 0);  // whole struct sock_filter
  const uint64_t relevant = capabilities & seccomp::mentionedCapabilities(profile);
  mesolite::Result<std::string> cached = seccomp::compile(profile, relevant);
  require(cached.ok() && *cached == *program);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mesolite::Result<seccomp::Profile> profile = seccomp::parseProfile(text, std::string(kOrigin));
  if (!profile) {
    require(namesOrigin(profile.error()));
    return 0;
  }
  mesolite::Result<seccomp::Profile> again = seccomp::parseProfile(text, std::string(kOrigin));
  require(again.ok() && *again == *profile);
  checkCompiled(*profile, 0);
  checkCompiled(*profile, ~uint64_t(0));
  return 0;
}
