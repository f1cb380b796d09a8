// An example out-of-tree isolator, built as a module (isolators/MODULES.md): it gives
// every task an environment variable (MARKER=<the "value" parameter>) and, once the
// container has ended, leaves marker.cleanup in its sandbox; both can be seen from
// outside the agent, which is what the tests look at.
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "isolators/module_api.h"

namespace {

using mesolite::Error;
using mesolite::Result;
using mesolite::success;
using mesolite::isolation::ContainerSpec;
using mesolite::isolation::Isolator;
using mesolite::isolation::LaunchPlan;

class SandboxMarker final : public Isolator {
 public:
  SandboxMarker(std::string variable, std::string value)
      : variable_(std::move(variable)), value_(std::move(value)) {}

  std::string_view name() const override { return "org_example_Marker"; }

  // The agent restarted: cleanup() still needs to know where these sandboxes are.
  Result<void> recover(const std::vector<ContainerSpec>& containers) override {
    for (const ContainerSpec& container : containers)
      sandboxes_[container.id] = container.sandbox;
    return success();
  }

  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override {
    plan->environment.push_back(variable_ + "=" + value_);
    sandboxes_[spec.id] = spec.sandbox;
    return success();
  }

  Result<void> cleanup(const std::string& containerId) override {
    auto it = sandboxes_.find(containerId);
    if (it == sandboxes_.end()) return success();  // never prepared here
    const std::string path = it->second + "/marker.cleanup";
    sandboxes_.erase(it);
    std::ofstream out(path);
    out << value_ << "\n";
    out.close();
    if (!out) return Error("cannot write " + path);
    return success();
  }

 private:
  const std::string variable_;
  const std::string value_;
  // Container id -> sandbox. The agent calls isolators from its one event loop thread.
  std::map<std::string, std::string> sandboxes_;
};

bool validVariable(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

// Parameters: "value" (required), "variable" (the variable's name, MARKER by default).
std::unique_ptr<Isolator> create(const std::map<std::string, std::string>& parameters,
                                 std::string* error) {
  std::string variable = "MARKER";
  const std::string* value = nullptr;
  for (const auto& [key, given] : parameters) {
    if (key == "value") {
      value = &given;
    } else if (key == "variable") {
      variable = given;
    } else {
      *error = "unknown parameter '" + key + "' (it takes value, variable)";
      return nullptr;
    }
  }
  if (value == nullptr) {
    *error = "parameter 'value' is required";
    return nullptr;
  }
  if (!validVariable(variable)) {
    *error = "parameter 'variable': '" + variable + "' is not an environment variable name";
    return nullptr;
  }
  return std::make_unique<SandboxMarker>(variable, *value);
}

}  // namespace

extern "C" MESOLITE_MODULE_EXPORT const mesolite_module* mesolite_module_entry() {
  static const mesolite_module_isolator isolators[] = {{"org_example_Marker", &create}};
  static const mesolite_module module = mesolite_module_describe(isolators);
  return &module;
}
