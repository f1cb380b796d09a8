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

class ModuleRegistry;  // isolators/module_loader.h

struct Isolators {
  std::vector<std::unique_ptr<Isolator>> isolators;
  std::vector<std::string> names;  // as resolved, for the log
};

// `modules` (may be null): isolators loaded by --modules, for the names that are not
// built in. Built-in isolators come first, then the modules' in --isolation's order.
Result<Isolators> createIsolators(std::string_view isolation, boost::asio::io_context& io,
                                  const cgroups::Hierarchy& hierarchy,
                                  const IsolatorOptions& options,
                                  const ModuleRegistry* modules = nullptr);

// A name --isolation resolves without modules (built, alias, or Mesos's but not built
// yet), or one in the family of such a name ("cgroups/x", "linux/x"): modules may not
// take it, so a module can never stand in for a built-in isolator.
bool isBuiltinIsolator(std::string_view name);

}  // namespace mesolite::isolation
