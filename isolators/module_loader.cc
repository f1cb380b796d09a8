#include "isolators/module_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/logging.h"
#include "isolators/registry.h"

namespace mesolite::isolation {

class ModuleRegistry::Library {
 public:
  static Result<std::shared_ptr<const Library>> open(const std::string& path) {
    // RTLD_NOW: a symbol the module needs but nothing provides fails here, at start,
    // not at its first call. RTLD_LOCAL: modules do not see one another's symbols.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      std::string reason = dlerror();
      // dlerror() starts with the path, which the caller's context names already.
      if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);
      return Error("cannot load it: " + reason);
    }
    return std::shared_ptr<const Library>(new Library(path, handle));
  }

  ~Library() { dlclose(handle_); }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  const std::string& path() const { return path_; }
  void* symbol(const char* name) const { return dlsym(handle_, name); }

 private:
  Library(std::string path, void* handle) : path_(std::move(path)), handle_(handle) {}

  std::string path_;
  void* handle_;
};

namespace {

using json = nlohmann::json;

// A module's isolator as the agent holds it: keeps the module's library loaded while the
// object (whose code lives there) exists, and turns a module's exceptions into errors
// rather than letting them unwind through the agent.
class ModuleIsolator final : public Isolator {
 public:
  ModuleIsolator(std::string name, std::shared_ptr<const void> library,
                 std::unique_ptr<Isolator> isolator)
      : name_(std::move(name)), library_(std::move(library)), isolator_(std::move(isolator)) {}

  std::string_view name() const override { return name_; }

  Result<void> recover(const std::vector<ContainerSpec>& containers) override {
    return guard("recover", [&] { return isolator_->recover(containers); });
  }
  Result<void> prepare(const ContainerSpec& spec, LaunchPlan* plan) override {
    return guard("prepare", [&] { return isolator_->prepare(spec, plan); });
  }
  Result<void> isolate(const std::string& containerId, pid_t pid) override {
    return guard("isolate", [&] { return isolator_->isolate(containerId, pid); });
  }
  void watch(const std::string& containerId,
             std::function<void(const Limitation&)> onLimitation) override {
    auto watched = guard("watch", [&] {
      isolator_->watch(containerId, std::move(onLimitation));
      return success();
    });
    if (!watched) log::warn("container {}: {}: {}", containerId, name_, watched.error().message);
  }
  Result<void> update(const std::string& containerId, const Resources& resources) override {
    return guard("update", [&] { return isolator_->update(containerId, resources); });
  }
  Result<void> usage(const std::string& containerId,
                     mesos::v1::ResourceStatistics* statistics) override {
    return guard("usage", [&] { return isolator_->usage(containerId, statistics); });
  }
  Result<bool> kill(const std::string& containerId) override {
    return guard("kill", [&] { return isolator_->kill(containerId); });
  }
  Result<void> cleanup(const std::string& containerId) override {
    return guard("cleanup", [&] { return isolator_->cleanup(containerId); });
  }

 private:
  template <typename F>
  static auto guard(const char* method, F&& call) -> decltype(call()) {
    try {
      return call();
    } catch (const std::exception& e) {
      return Error(std::string(method) + " threw: " + e.what());
    } catch (...) {
      return Error(std::string(method) + " threw a non-std::exception");
    }
  }

  std::string name_;
  std::shared_ptr<const void> library_;  // declared before isolator_: destroyed after it
  std::unique_ptr<Isolator> isolator_;
};

struct ModuleSpec {
  std::string name;
  std::map<std::string, std::string> parameters;
};

struct LibrarySpec {
  std::string path;  // as dlopen() takes it
  std::vector<ModuleSpec> modules;
};

// Characters that survive --isolation's comma list and a log line unquoted.
bool validName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A typo ("paramters") silently ignored would load a module without its parameters.
Result<void> onlyFields(const json& object, const std::string& where,
                        std::initializer_list<std::string_view> fields) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(fields.begin(), fields.end(), key) != fields.end()) continue;
    std::string expected;
    for (std::string_view field : fields)
      expected += (expected.empty() ? "" : ", ") + std::string(field);
    return Error(where + ": unknown field '" + key + "' (expected " + expected + ")");
  }
  return success();
}

Result<std::string> stringField(const json& object, const std::string& where, const char* field) {
  auto it = object.find(field);
  if (it == object.end()) return Error(where + "." + field + ": missing");
  if (!it->is_string()) return Error(where + "." + field + ": must be a string");
  return it->get<std::string>();
}

Result<ModuleSpec> parseModule(const json& object, const std::string& where) {
  if (!object.is_object()) return Error(where + ": must be an object {\"name\": ...}");
  if (auto fields = onlyFields(object, where, {"name", "parameters"}); !fields) {
    return fields.error();
  }
  ModuleSpec module;
  auto name = stringField(object, where, "name");
  if (!name) return name.error();
  module.name = *name;
  if (!validName(module.name)) {
    return Error(where + ".name: '" + module.name + "' is not a module name ([A-Za-z0-9_./-]+)");
  }
  if (isBuiltinIsolator(module.name)) {
    return Error(where + ".name: '" + module.name +
                 "' is a built-in isolator's name (or in a built-in family); a module may "
                 "not take it");
  }
  auto parameters = object.find("parameters");
  if (parameters == object.end()) return module;
  if (!parameters->is_array()) return Error(where + ".parameters: must be an array");
  for (size_t i = 0; i < parameters->size(); ++i) {
    const json& parameter = (*parameters)[i];
    const std::string at = where + ".parameters[" + std::to_string(i) + "]";
    if (!parameter.is_object())
      return Error(at + ": must be an object {\"key\": ..., \"value\": ...}");
    if (auto fields = onlyFields(parameter, at, {"key", "value"}); !fields) return fields.error();
    auto key = stringField(parameter, at, "key");
    if (!key) return key.error();
    auto value = stringField(parameter, at, "value");
    if (!value) return value.error();
    if (!module.parameters.emplace(*key, *value).second) {
      return Error(at + ".key: '" + *key + "' is given twice");
    }
  }
  return module;
}

Result<LibrarySpec> parseLibrary(const json& object, const std::string& where) {
  if (!object.is_object()) return Error(where + ": must be an object {\"file\": ...}");
  if (auto fields = onlyFields(object, where, {"file", "name", "modules"}); !fields) {
    return fields.error();
  }
  LibrarySpec library;
  if (object.contains("file") == object.contains("name")) {
    return Error(where + ": needs exactly one of \"file\" (a path) and \"name\" (libNAME.so on " +
                 "the loader's path)");
  }
  if (object.contains("file")) {
    auto file = stringField(object, where, "file");
    if (!file) return file.error();
    // dlopen() searches the loader's path for a name without a slash: not what "file" means.
    if (file->empty() || file->front() != '/') {
      return Error(where + ".file: '" + *file + "' is not an absolute path");
    }
    library.path = *file;
  } else {
    auto name = stringField(object, where, "name");
    if (!name) return name.error();
    if (!validName(*name) || name->find('/') != std::string::npos) {
      return Error(where + ".name: '" + *name +
                   "' is not a library name (use \"file\" for a path)");
    }
    library.path = "lib" + *name + ".so";  // as Mesos expands it
  }
  auto modules = object.find("modules");
  if (modules == object.end()) return library;
  if (!modules->is_array()) return Error(where + ".modules: must be an array");
  for (size_t i = 0; i < modules->size(); ++i) {
    auto module = parseModule((*modules)[i], where + ".modules[" + std::to_string(i) + "]");
    if (!module) return module.error();
    library.modules.push_back(std::move(*module));
  }
  return library;
}

Result<std::vector<LibrarySpec>> parse(const std::string& text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    return Error(std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) return Error("must be a JSON object {\"libraries\": [...]}");
  if (auto fields = onlyFields(root, "the top-level object", {"libraries"}); !fields)
    return fields.error();
  std::vector<LibrarySpec> libraries;
  auto list = root.find("libraries");
  if (list == root.end()) return libraries;
  if (!list->is_array()) return Error("libraries: must be an array");
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string where = "libraries[" + std::to_string(i) + "]";
    auto library = parseLibrary((*list)[i], where);
    if (!library) return library.error();
    for (size_t j = 0; j < library->modules.size(); ++j) {
      if (!names.insert(library->modules[j].name).second) {
        return Error(where + ".modules[" + std::to_string(j) + "].name: module '" +
                     library->modules[j].name + "' is named twice");
      }
    }
    libraries.push_back(std::move(*library));
  }
  return libraries;
}

// Checks what a library's entry point describes before anything else of it is used.
Result<const mesolite_module*> descriptor(void* symbol) {
  if (symbol == nullptr) {
    return Error("not a Mesolite isolator module: it has no " MESOLITE_MODULE_ENTRY
                 "() (see isolators/module_api.h)");
  }
  const mesolite_module* module = nullptr;
  try {
    module = reinterpret_cast<const mesolite_module* (*)()>(symbol)();
  } catch (...) {
    return Error(MESOLITE_MODULE_ENTRY "() threw");
  }
  if (module == nullptr) return Error(MESOLITE_MODULE_ENTRY "() returned no descriptor");
  // The one field every version has; the rest may be laid out otherwise.
  if (module->abi_version != MESOLITE_MODULE_ABI_VERSION) {
    return Error("module built for ABI " + std::to_string(module->abi_version) + ", agent speaks " +
                 std::to_string(MESOLITE_MODULE_ABI_VERSION) +
                 "; rebuild it against this agent's isolators/module_api.h");
  }
  const char* toolchain = module->toolchain != nullptr ? module->toolchain : "(none)";
  if (std::strcmp(toolchain, MESOLITE_MODULE_TOOLCHAIN) != 0) {
    return Error(std::string("module built against ") + toolchain + ", agent against " +
                 MESOLITE_MODULE_TOOLCHAIN + "; the C++ standard library must match");
  }
  if (module->layout != mesolite_module_layout()) {
    return Error(
        "module's isolator.h types are laid out unlike the agent's, though both speak ABI " +
        std::to_string(MESOLITE_MODULE_ABI_VERSION) +
        " (isolator.h changed without a bump?); rebuild it against this agent's headers");
  }
  if (module->isolator_count > 0 && module->isolators == nullptr) {
    return Error("descriptor lists " + std::to_string(module->isolator_count) +
                 " isolators but no array of them");
  }
  for (size_t i = 0; i < module->isolator_count; ++i) {
    const mesolite_module_isolator& isolator = module->isolators[i];
    if (isolator.name == nullptr || isolator.create == nullptr) {
      return Error("descriptor's isolator " + std::to_string(i) + " has no name or no factory");
    }
  }
  return module;
}

}  // namespace

Result<ModuleRegistry> ModuleRegistry::load(const std::string& modules) {
  std::string text = modules;
  // Mesos also takes a bare absolute path to the JSON (file:// is resolved by the flags).
  if (const size_t start = text.find_first_not_of(" \t\r\n");
      start != std::string::npos && text[start] == '/') {
    const std::string path = text.substr(start);
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::fromErrno("cannot read " + path);
    std::ostringstream contents;
    contents << in.rdbuf();
    text = contents.str();
  }
  auto libraries = parse(text);
  if (!libraries) return libraries.error();

  ModuleRegistry registry;
  for (const LibrarySpec& spec : *libraries) {
    const std::string where = "library " + spec.path;
    auto library = Library::open(spec.path);
    if (!library) return library.error().wrap(where);
    auto module = descriptor((*library)->symbol(MESOLITE_MODULE_ENTRY));
    if (!module) return module.error().wrap(where);

    for (const ModuleSpec& wanted : spec.modules) {
      const mesolite_module_isolator* found = nullptr;
      std::string offered;
      for (size_t i = 0; i < (*module)->isolator_count; ++i) {
        const mesolite_module_isolator& isolator = (*module)->isolators[i];
        if (wanted.name == isolator.name) found = &isolator;
        offered += (offered.empty() ? "" : ", ") + std::string(isolator.name);
      }
      if (found == nullptr) {
        return Error(where + ": has no module '" + wanted.name +
                     "' (it offers: " + (offered.empty() ? "none" : offered) + ")");
      }
      registry.modules_[wanted.name] = {*library, found->create, wanted.parameters};
      log::info("module {} loaded from {}", wanted.name, spec.path);
    }
  }
  return registry;
}

std::vector<std::string> ModuleRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& [name, module] : modules_)
    names.push_back(name);
  return names;
}

Result<std::unique_ptr<Isolator>> ModuleRegistry::create(std::string_view name) const {
  auto it = modules_.find(name);
  if (it == modules_.end()) {
    return Error("no module '" + std::string(name) + "' was loaded by --modules");
  }
  const Module& module = it->second;
  const std::string where = "module " + it->first + " (" + module.library->path() + ")";
  std::string error;
  std::unique_ptr<Isolator> isolator;
  try {
    isolator = module.factory(module.parameters, &error);
  } catch (const std::exception& e) {
    return Error(where + ": its factory threw: " + e.what());
  } catch (...) {
    return Error(where + ": its factory threw a non-std::exception");
  }
  if (isolator == nullptr) {
    return Error(where + ": " + (error.empty() ? "its factory returned no isolator" : error));
  }
  return std::unique_ptr<Isolator>(
      std::make_unique<ModuleIsolator>(it->first, module.library, std::move(isolator)));
}

}  // namespace mesolite::isolation
