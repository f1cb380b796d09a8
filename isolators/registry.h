// Mesos's isolator names -> isolator objects. `--isolation` takes Mesos's names and
// aliases (process, cgroups, posix/disk); a name we don't know, or know but have not
// built, stops the agent at start with a message saying so, never silently.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "isolators/cgroups/cgroups.h"
#include "isolators/isolator.h"
#include "isolators/options.h"

namespace mesolite::isolation {

struct Isolators {
  std::vector<std::unique_ptr<Isolator>> isolators;
  std::vector<std::string> names;  // as resolved, for the log
};

Result<Isolators> createIsolators(std::string_view isolation, boost::asio::io_context& io,
                                  const cgroups::Hierarchy& hierarchy,
                                  const IsolatorOptions& options);

}  // namespace mesolite::isolation
