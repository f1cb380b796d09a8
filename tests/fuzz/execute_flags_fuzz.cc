// mesos-execute's input: arbitrary command lines through its flags and buildConfig(),
// and arbitrary --env and --task values through their parsers (the first byte picks
// which). Whatever is accepted must hold together: a built task reads back equal
// through --task, a parsed environment through --env.
// Nothing is read from the machine's files: inputs naming file:// or a --task path
// are skipped.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/execute.h"
#include "common/http_client.h"
#include "common/protobuf_json.h"
#include "common/resources.h"

namespace {

using mesolite::cli::ExecuteConfig;
using mesolite::cli::ExecuteFlags;

void require(bool condition) {
  if (!condition) abort();
}

// parseTaskFlag() reads a file when the value does not start with '{'.
bool isInlineTask(std::string_view value) {
  const size_t first = value.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && value[first] == '{';
}

// A task that parses goes back to the same task through its JSON form.
void checkTask(const mesos::v1::TaskInfo& task) {
  require(task.has_command() != task.has_executor());
  auto resources = mesolite::Resources::fromProtos(task.resources());
  require(resources.ok() && !resources->empty());
  const std::string json = mesolite::toJsonString(task);
  auto again = mesolite::cli::parseTaskFlag(json);
  require(again.ok() && mesolite::toJsonString(*again) == json);
}

void fuzzCommandLine(std::string_view input) {
  // Lines are arguments; a line "ENV NAME=VALUE" is an environment variable.
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string line(input.substr(start, end - start));
    if (line.rfind("ENV ", 0) == 0) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(4, eq - 4)] = line.substr(eq + 1);
    } else if (!line.empty()) {
      args.push_back(line);
    }
    start = end + 1;
  }

  ExecuteFlags flags;
  if (!flags.set.load(args, env)) return;
  if (flags.set.helpRequested() || flags.set.versionRequested()) return;
  if (flags.task && !isInlineTask(*flags.task)) return;

  auto config = mesolite::cli::buildConfig(flags, "fuzzer");
  if (!config) {
    require(!config.error().message.empty());
    return;
  }
  // HOST:PORT was parsed; a zk:// URL is left to the leader detector, past its scheme.
  require(config->master.rfind("zk://", 0) == 0
              ? config->master.size() > 5
              : mesolite::http::Endpoint::parse(config->master).ok());
  require(config->task.agent_id().value().empty());
  require(!config->framework.roles().empty());
  require(mesolite::validateRole(config->framework.roles(0)).ok());
  require(!config->killAfter || config->killAfter->value.count() >= 0);
  checkTask(config->task);
  if (!flags.task) {
    require(config->task.name() == *flags.name && config->task.task_id().value() == *flags.name);
    require(config->task.command().shell() == flags.shell);
  }
}

void fuzzEnvironment(std::string_view input) {
  auto environment = mesolite::cli::parseEnvironment(std::string(input));
  if (!environment) {
    require(!environment.error().message.empty());
    return;
  }
  nlohmann::json object = nlohmann::json::object();
  for (const auto& variable : environment->variables())
    object[variable.name()] = variable.value();
  require(size_t(environment->variables_size()) == object.size());  // no name twice
  auto again = mesolite::cli::parseEnvironment(object.dump());
  require(again.ok() && again->SerializeAsString() == environment->SerializeAsString());
}

void fuzzTask(std::string_view input) {
  if (!isInlineTask(input)) return;
  auto task = mesolite::cli::parseTaskFlag(std::string(input));
  if (!task) {
    require(!task.error().message.empty());
    return;
  }
  checkTask(*task);
}

}  // namespace

// Protobuf logs every string that is not UTF-8; fuzzed input is full of them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (input.find("file://") != std::string_view::npos) return 0;
  switch (data[0] % 4) {
    case 0:
    case 1:
      fuzzCommandLine(input);
      break;
    case 2:
      fuzzEnvironment(input);
      break;
    default:
      fuzzTask(input);
      break;
  }
  return 0;
}
