#include "isolators/cgroups/proc_cgroup.h"

namespace mesolite::cgroups {

std::vector<Membership> parseProcCgroup(std::string_view text) {
  std::vector<Membership> memberships;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos || first == 0) continue;
    Membership membership;
    membership.hierarchyId = std::string(line.substr(0, first));
    std::string_view list = line.substr(first + 1, second - first - 1);
    while (!list.empty()) {
      const size_t comma = list.find(',');
      if (comma != 0) membership.controllers.emplace_back(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    membership.path = std::string(line.substr(second + 1));
    memberships.push_back(std::move(membership));
  }
  return memberships;
}

}  // namespace mesolite::cgroups
