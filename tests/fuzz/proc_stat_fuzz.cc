// Feeds arbitrary text to the /proc/<pid>/stat parser. Whatever parses must parse the
// same from the text the parsed fields make, with any command name in front. The same
// text goes to the /proc/<pid>/status parser.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/proc_stat.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // /proc/<pid>/status: every name and value comes from one line, without its blanks.
  for (const auto& [name, value] : mesolite::proc::parseStatus(text)) {
    if (name.find('\n') != std::string::npos || value.find('\n') != std::string::npos ||
        name.find(':') != std::string::npos)
      abort();
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    if (!value.empty() && (blank(value.front()) || blank(value.back()))) abort();
  }
  auto stat = mesolite::proc::parseStat(text);
  if (!stat) return 0;
  const std::string rebuilt =
      "1 (x) y) " + std::string(1, stat->state) + " " + std::to_string(stat->parent) +
      " 0 0 0 0 0 0 0 0 0 " + std::to_string(stat->userTicks) + " " +
      std::to_string(stat->systemTicks) + " 0 0 0 0 0 0 " + std::to_string(stat->startTime) + "\n";
  auto again = mesolite::proc::parseStat(rebuilt);
  if (!again || again->state != stat->state || again->parent != stat->parent ||
      again->userTicks != stat->userTicks || again->systemTicks != stat->systemTicks ||
      again->startTime != stat->startTime)
    abort();
  return 0;
}
