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

}  // namespace mesolite::proc
