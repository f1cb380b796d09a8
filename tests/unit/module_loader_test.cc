// The --modules loader: the example module loads and works; every way a library or its
// JSON can be wrong is refused with a message naming the library or field and why.
#include "isolators/module_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "isolators/registry.h"

namespace mesolite::isolation {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

// Set by meson (tests/unit/meson.build); run by hand, export them the same way.
std::string fromEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    ADD_FAILURE() << name << " is not set (meson test sets it)";
    return "/nonexistent";
  }
  return value;
}

std::string exampleModule() {
  return fromEnv("MESOLITE_EXAMPLE_MODULE");
}
std::string brokenModule(const std::string& way) {
  return fromEnv("MESOLITE_TEST_MODULES_DIR") + "/libbroken_" + way + ".so";
}

json parameters(const std::map<std::string, std::string>& given) {
  json list = json::array();
  for (const auto& [key, value] : given)
    list.push_back({{"key", key}, {"value", value}});
  return list;
}

std::string modulesJson(const std::string& file, const std::string& name,
                        const std::map<std::string, std::string>& given = {}) {
  return json{
      {"libraries",
       {{{"file", file}, {"modules", {{{"name", name}, {"parameters", parameters(given)}}}}}}}}
      .dump();
}

std::string loadError(const std::string& modules) {
  auto loaded = ModuleRegistry::load(modules);
  EXPECT_FALSE(loaded) << "loaded: " << modules;
  return loaded ? "" : loaded.error().message;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ModuleLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mesolite-modules-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(ModuleLoader, ExampleLoadsAndItsIsolatorUsesItsParameter) {
  auto modules = ModuleRegistry::load(
      modulesJson(exampleModule(), "org_example_Marker", {{"value", "hello there"}}));
  ASSERT_TRUE(modules) << modules.error().message;
  EXPECT_TRUE(modules->contains("org_example_Marker"));
  EXPECT_EQ(modules->names(), std::vector<std::string>{"org_example_Marker"});

  auto isolator = modules->create("org_example_Marker");
  ASSERT_TRUE(isolator) << isolator.error().message;
  EXPECT_EQ((*isolator)->name(), "org_example_Marker");

  ContainerSpec spec;
  spec.id = "c1";
  spec.sandbox = dir_;
  LaunchPlan plan;
  ASSERT_TRUE((*isolator)->prepare(spec, &plan));
  EXPECT_EQ(plan.environment, std::vector<std::string>{"MARKER=hello there"});
  ASSERT_TRUE((*isolator)->cleanup("c1"));
  EXPECT_EQ(readFile(dir_ + "/marker.cleanup"), "hello there\n");
}

TEST_F(ModuleLoader, IsolatorKeepsItsLibraryLoadedAfterTheRegistryIsGone) {
  std::unique_ptr<Isolator> isolator;
  {
    auto modules = ModuleRegistry::load(modulesJson(exampleModule(), "org_example_Marker",
                                                    {{"value", "v"}, {"variable", "OTHER"}}));
    ASSERT_TRUE(modules) << modules.error().message;
    auto created = modules->create("org_example_Marker");
    ASSERT_TRUE(created) << created.error().message;
    isolator = std::move(*created);
  }
  LaunchPlan plan;
  ASSERT_TRUE(isolator->prepare(ContainerSpec{.id = "c", .sandbox = dir_}, &plan));
  EXPECT_EQ(plan.environment, std::vector<std::string>{"OTHER=v"});
}

TEST_F(ModuleLoader, JsonMayComeFromAFile) {
  const std::string path = dir_ + "/modules.json";
  std::ofstream(path) << modulesJson(exampleModule(), "org_example_Marker", {{"value", "x"}});
  auto modules = ModuleRegistry::load(path);
  ASSERT_TRUE(modules) << modules.error().message;
  EXPECT_TRUE(modules->contains("org_example_Marker"));

  EXPECT_THAT(loadError(dir_ + "/absent.json"), HasSubstr(dir_ + "/absent.json"));
}

TEST_F(ModuleLoader, IsolationUsesModulesAfterTheBuiltIns) {
  auto modules =
      ModuleRegistry::load(modulesJson(exampleModule(), "org_example_Marker", {{"value", "x"}}));
  ASSERT_TRUE(modules) << modules.error().message;
  boost::asio::io_context io;
  cgroups::Hierarchy hierarchy;
  auto isolators =
      createIsolators("namespaces/uts,org_example_Marker", io, hierarchy, {}, &*modules);
  ASSERT_TRUE(isolators) << isolators.error().message;
  // The container-info check, the namespaces isolator, the module.
  ASSERT_EQ(isolators->isolators.size(), 3u);
  EXPECT_EQ(isolators->isolators.back()->name(), "org_example_Marker");

  auto unknown = createIsolators("org_example_Other", io, hierarchy, {}, &*modules);
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message, HasSubstr("unknown isolator 'org_example_Other'"));
  auto without = createIsolators("org_example_Marker", io, hierarchy, {}, nullptr);
  ASSERT_FALSE(without);
  EXPECT_THAT(without.error().message, HasSubstr("unknown isolator 'org_example_Marker'"));
}

TEST_F(ModuleLoader, FactoryErrorNamesTheModule) {
  auto modules = ModuleRegistry::load(modulesJson(exampleModule(), "org_example_Marker"));
  ASSERT_TRUE(modules) << modules.error().message;
  auto isolator = modules->create("org_example_Marker");
  ASSERT_FALSE(isolator);
  EXPECT_THAT(isolator.error().message, HasSubstr("org_example_Marker"));
  EXPECT_THAT(isolator.error().message, HasSubstr("parameter 'value' is required"));

  boost::asio::io_context io;
  auto isolators = createIsolators("org_example_Marker", io, {}, {}, &*modules);
  ASSERT_FALSE(isolators);
  EXPECT_THAT(isolators.error().message, HasSubstr("parameter 'value' is required"));
}

TEST_F(ModuleLoader, MissingLibraryGivesTheLoadersReason) {
  const std::string missing = dir_ + "/libabsent.so";
  std::string error = loadError(modulesJson(missing, "org_example_Marker"));
  EXPECT_THAT(error, HasSubstr("library " + missing));
  EXPECT_THAT(error, HasSubstr("No such file or directory"));

  error = loadError(R"({"libraries":[{"name":"mesolite_absent","modules":[]}]})");
  EXPECT_THAT(error, HasSubstr("libmesolite_absent.so"));
  EXPECT_THAT(error, HasSubstr("cannot load it"));
}

TEST_F(ModuleLoader, SharedObjectWithoutTheEntryPointIsNotAModule) {
  std::string error = loadError(modulesJson(brokenModule("no_entry"), "test_Broken"));
  EXPECT_THAT(error, HasSubstr(brokenModule("no_entry")));
  EXPECT_THAT(error, HasSubstr("not a Mesolite isolator module"));
  EXPECT_THAT(error, HasSubstr("mesolite_module_entry"));
}

TEST_F(ModuleLoader, OtherAbiVersionIsRefused) {
  std::string error = loadError(modulesJson(brokenModule("wrong_abi"), "test_Broken"));
  EXPECT_THAT(error, HasSubstr(brokenModule("wrong_abi")));
  EXPECT_THAT(error, HasSubstr("module built for ABI 999, agent speaks 3"));
}

TEST_F(ModuleLoader, OtherStandardLibraryIsRefused) {
  std::string error = loadError(modulesJson(brokenModule("wrong_toolchain"), "test_Broken"));
  EXPECT_THAT(error, HasSubstr("libstdc++-4/cxx11-abi-0"));
  EXPECT_THAT(error, HasSubstr(MESOLITE_MODULE_TOOLCHAIN));
}

TEST_F(ModuleLoader, UnresolvedSymbolFailsAtLoad) {
  std::string error = loadError(modulesJson(brokenModule("undefined_symbol"), "test_Broken"));
  EXPECT_THAT(error, HasSubstr(brokenModule("undefined_symbol")));
  EXPECT_THAT(error, HasSubstr("mesolite_test_nowhere_to_be_found"));
}

TEST_F(ModuleLoader, UnknownModuleNameListsWhatTheLibraryOffers) {
  std::string error = loadError(modulesJson(exampleModule(), "org_example_Nope"));
  EXPECT_THAT(error, HasSubstr(exampleModule()));
  EXPECT_THAT(error, HasSubstr("has no module 'org_example_Nope' (it offers: org_example_Marker)"));
}

TEST_F(ModuleLoader, ModuleMayNotTakeABuiltInName) {
  for (const std::string name : {"cgroups/cpu", "cgroups/mine", "posix/rlimits", "process",
                                 "linux/mine", "namespaces/net"}) {
    std::string error = loadError(modulesJson(exampleModule(), name));
    EXPECT_THAT(error, HasSubstr("'" + name + "' is a built-in isolator's name")) << name;
  }
  EXPECT_FALSE(isBuiltinIsolator("org_example/sandbox_marker"));
  EXPECT_FALSE(isBuiltinIsolator("org_example_Marker"));
}

TEST_F(ModuleLoader, ExceptionsFromAModuleBecomeErrors) {
  auto modules = ModuleRegistry::load(modulesJson(brokenModule("throwing"), "test_Broken"));
  ASSERT_TRUE(modules) << modules.error().message;
  auto isolator = modules->create("test_Broken");
  ASSERT_TRUE(isolator) << isolator.error().message;
  LaunchPlan plan;
  auto prepared = (*isolator)->prepare(ContainerSpec{}, &plan);
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message, "prepare threw: prepare exploded");

  auto throwing = ModuleRegistry::load(
      modulesJson(brokenModule("throwing"), "test_Broken", {{"throw_in_create", "yes"}}));
  ASSERT_TRUE(throwing) << throwing.error().message;
  auto created = throwing->create("test_Broken");
  ASSERT_FALSE(created);
  EXPECT_THAT(created.error().message, HasSubstr("test_Broken"));
  EXPECT_THAT(created.error().message, HasSubstr("threw: create exploded"));
}

TEST_F(ModuleLoader, MalformedJsonNamesTheField) {
  const std::string file = exampleModule();
  struct Case {
    std::string modules;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"{\"libraries\": [", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"libraries": {}})", "libraries: must be an array"},
      {R"({"libaries": []})", "unknown field 'libaries'"},
      {R"({"libraries": [{"modules": []}]})", "libraries[0]: needs exactly one of \"file\""},
      {json{{"libraries", {{{"file", file}, {"name", "x"}}}}}.dump(),
       "libraries[0]: needs exactly one of"},
      {R"({"libraries": [{"file": "libx.so"}]})",
       "libraries[0].file: 'libx.so' is not an absolute path"},
      {R"({"libraries": [{"file": 7}]})", "libraries[0].file: must be a string"},
      {R"({"libraries": [{"name": "../x"}]})", "libraries[0].name: '../x' is not a library name"},
      {json{{"libraries", {{{"file", file}, {"modules", {{{"parameters", json::array()}}}}}}}}
           .dump(),
       "libraries[0].modules[0].name: missing"},
      {json{{"libraries", {{{"file", file}, {"modules", {{{"name", "a,b"}}}}}}}}.dump(),
       "libraries[0].modules[0].name: 'a,b' is not a module name"},
      {json{{"libraries",
             {{{"file", file},
               {"modules", {{{"name", "org_example_Marker"}, {"paramters", json::array()}}}}}}}}
           .dump(),
       "libraries[0].modules[0]: unknown field 'paramters'"},
      {json{{"libraries",
             {{{"file", file},
               {"modules",
                {{{"name", "org_example_Marker"},
                  {"parameters", {{{"key", "value"}, {"value", 3}}}}}}}}}}}
           .dump(),
       "libraries[0].modules[0].parameters[0].value: must be a string"},
      {json{{"libraries",
             {{{"file", file},
               {"modules",
                {{{"name", "org_example_Marker"},
                  {"parameters",
                   {{{"key", "value"}, {"value", "a"}}, {{"key", "value"}, {"value", "b"}}}}}}}}}}}
           .dump(),
       "libraries[0].modules[0].parameters[1].key: 'value' is given twice"},
      {json{{"libraries",
             {{{"file", file}, {"modules", {{{"name", "org_example_Marker"}}}}},
              {{"file", file}, {"modules", {{{"name", "org_example_Marker"}}}}}}}}
           .dump(),
       "libraries[1].modules[0].name: module 'org_example_Marker' is named twice"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(loadError(c.modules), HasSubstr(c.expected)) << c.modules;
  }
}

TEST_F(ModuleLoader, NoLibrariesIsNoModules) {
  auto modules = ModuleRegistry::load(R"({"libraries": []})");
  ASSERT_TRUE(modules) << modules.error().message;
  EXPECT_TRUE(modules->names().empty());
  auto empty = ModuleRegistry::load("{}");
  ASSERT_TRUE(empty) << empty.error().message;
}

}  // namespace
}  // namespace mesolite::isolation
