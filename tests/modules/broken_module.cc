// Modules that are wrong on purpose, one way per build (-DBROKEN_<WAY>), so the loader's
// tests can check that each is refused with a message naming the problem. Without a
// BROKEN_ define it is a valid module whose code throws.
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "isolators/module_api.h"

#if defined(BROKEN_NO_ENTRY)

// A shared object, but not a module.
extern "C" MESOLITE_MODULE_EXPORT int mesolite_not_a_module() {
  return 0;
}

#else

namespace {

using mesolite::Result;
using mesolite::isolation::ContainerSpec;
using mesolite::isolation::Isolator;
using mesolite::isolation::LaunchPlan;

#if defined(BROKEN_UNDEFINED_SYMBOL)
// Provided by nothing: dlopen(RTLD_NOW) must fail, as for a module built against
// functions this agent does not have.
extern "C" int mesolite_test_nowhere_to_be_found();
#endif

class Throwing final : public Isolator {
 public:
  std::string_view name() const override { return "test_Broken"; }
  Result<void> prepare(const ContainerSpec&, LaunchPlan*) override {
    throw std::runtime_error("prepare exploded");
  }
};

std::unique_ptr<Isolator> create(const std::map<std::string, std::string>& parameters,
                                 std::string* error) {
#if defined(BROKEN_UNDEFINED_SYMBOL)
  if (mesolite_test_nowhere_to_be_found() != 0) return nullptr;
#endif
  if (parameters.count("throw_in_create")) throw std::runtime_error("create exploded");
  return std::make_unique<Throwing>();
}

}  // namespace

extern "C" MESOLITE_MODULE_EXPORT const mesolite_module* mesolite_module_entry() {
  static const mesolite_module_isolator isolators[] = {{"test_Broken", &create}};
  static const mesolite_module module = [] {
    mesolite_module described = mesolite_module_describe(isolators);
#if defined(BROKEN_WRONG_ABI)
    // A future layout: only abi_version may be read, the rest is not what it seems.
    described = {999, nullptr, 0, nullptr, 12345};
#elif defined(BROKEN_WRONG_TOOLCHAIN)
    described.toolchain = "libstdc++-4/cxx11-abi-0";
#endif
    return described;
  }();
  return &module;
}

#endif
