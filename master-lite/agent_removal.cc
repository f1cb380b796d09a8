#include "master-lite/agent_removal.h"

#include <charconv>
#include <cmath>

#include "common/units.h"

namespace mesolite::master {

Result<RemovalRate> parseRemovalRateLimit(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    return Error("'" + text + "' is not <agents>/<duration>, e.g. 1/10mins");
  }
  RemovalRate rate;
  const std::string count = text.substr(0, slash);
  auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), rate.agents);
  if (error != std::errc() || end != count.data() + count.size() || rate.agents == 0) {
    return Error("'" + text + "': '" + count + "' is not a positive number of agents");
  }
  auto per = Duration::parse(text.substr(slash + 1));
  if (!per) return per.error().wrap("'" + text + "'");
  if (per->value.count() <= 0) return Error("'" + text + "': the duration must be positive");
  rate.per = per->value;
  return rate;
}

Result<double> parsePercentage(const std::string& text) {
  if (text.empty() || text.back() != '%')
    return Error("'" + text + "' is not a percentage, e.g. 100%");
  const std::string number = text.substr(0, text.size() - 1);
  double value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size() || !std::isfinite(value) ||
      value < 0 || value > 100) {
    return Error("'" + text + "' is not a percentage between 0% and 100%");
  }
  return value / 100;
}

}  // namespace mesolite::master
