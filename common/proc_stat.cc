#include "common/proc_stat.h"

#include <cctype>
#include <sstream>
#include <string>

#include "common/fs.h"

namespace mesolite::proc {

Result<Stat> parseStat(std::string_view text) {
  const size_t paren = text.rfind(')');
  if (paren == std::string_view::npos || paren + 2 > text.size())
    return Error("no ')' closing the command name");
  std::istringstream fields{std::string(text.substr(paren + 2))};
  Stat stat;
  std::string skipped;
  fields >> stat.state >> stat.parent;
  for (int field = 5; field <= 13; ++field)
    fields >> skipped;
  fields >> stat.userTicks >> stat.systemTicks;
  for (int field = 16; field <= 21; ++field)
    fields >> skipped;
  fields >> stat.startTime;
  if (!fields) return Error("fewer than 22 fields");
  if (!std::isalpha(static_cast<unsigned char>(stat.state)))
    return Error(std::string("state '") + stat.state + "' is not a letter");
  return stat;
}

Result<Stat> readStat(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  auto text = fs::readFile(path);
  if (!text) return text.error();
  auto stat = parseStat(*text);
  if (!stat) return stat.error().wrap(path);
  return stat;
}

std::map<std::string, std::string> parseStatus(std::string_view text) {
  const auto trimmed = [](std::string_view value) {
    const size_t first = value.find_first_not_of(" \t");
    if (first == std::string_view::npos) return std::string_view();
    return value.substr(first, value.find_last_not_of(" \t") + 1 - first);
  };
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    fields[std::string(line.substr(0, colon))] = std::string(trimmed(line.substr(colon + 1)));
  }
  return fields;
}

}  // namespace mesolite::proc
