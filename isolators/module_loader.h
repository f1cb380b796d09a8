// Isolators from out-of-tree modules: `--modules` names shared objects (Mesos's JSON
//
//     {"libraries": [{"file": "/usr/lib/mesolite/libmarker.so",
//                     "modules": [{"name": "org_example_Marker",
//                                  "parameters": [{"key": "value", "value": "hi"}]}]}]}
//
// or the path of a file holding it); each library is dlopen()ed, its descriptor checked
// against isolators/module_api.h, and each module it names becomes an isolator that
// `--isolation` can use by that name. Nothing is half-loaded: any problem is an error
// naming the library or module and the reason.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "isolators/isolator.h"
#include "isolators/module_api.h"

namespace mesolite::isolation {

class ModuleRegistry {
 public:
  ModuleRegistry() = default;  // no modules

  // `modules`: the --modules value, JSON or the absolute path of a JSON file.
  static Result<ModuleRegistry> load(const std::string& modules);

  bool contains(std::string_view name) const { return modules_.find(name) != modules_.end(); }
  std::vector<std::string> names() const;

  // A new isolator from the module `name`, with the parameters --modules gave it. It
  // keeps its library loaded (the code of its methods lives there) however long it
  // lives; the registry keeps every library loaded until it is gone too.
  Result<std::unique_ptr<Isolator>> create(std::string_view name) const;

 private:
  class Library;  // one dlopen() handle, closed with its last user

  struct Module {
    std::shared_ptr<const Library> library;
    mesolite_isolator_factory factory = nullptr;
    std::map<std::string, std::string> parameters;
  };

  std::map<std::string, Module, std::less<>> modules_;
};

}  // namespace mesolite::isolation
