#include "cli/execute.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "common/credentials.h"
#include "common/fs.h"
#include "common/protobuf_json.h"
#include "common/resources.h"

namespace mesolite::cli {

using mesos::v1::FrameworkInfo;
using mesos::v1::Resource;
using mesos::v1::TaskInfo;
using mesos::v1::TaskState;

namespace {

constexpr std::string_view kNoImages =
    "container images (the Mesos containerizer's provisioner) are not built yet";
constexpr RefusedFlag kExecuteRefusedFlags[] = {
    {"docker_image", kNoImages, "remove it; the task runs on the agent's root filesystem"},
    {"appc_image", kNoImages, "remove it; the task runs on the agent's root filesystem"},
    {"volumes", "container volumes are not built yet",
     "remove it; the task sees the agent's filesystem and its own sandbox"},
    {"task_group", "task groups (LAUNCH_GROUP and the default executor) are not built yet",
     "launch the tasks one by one with --task"},
    {"tty", "a TTY for the task is not built yet",
     "remove it; stdout and stderr go to the sandbox"},
    {"hadoop", "uploading a package to HDFS is not supported",
     "remove it, and put the files where the agent can reach them"},
    {"hdfs", "uploading a package to HDFS is not supported",
     "remove it, and put the files where the agent can reach them"},
    {"package", "uploading a package to HDFS is not supported",
     "remove it, and put the files where the agent can reach them"},
    {"overwrite", "uploading a package to HDFS is not supported", "remove it"},
};

}  // namespace

ExecuteFlags::ExecuteFlags()
    : set("mesos-execute",
          "Runs one task on a Mesos cluster through the v1 Scheduler API: subscribes a "
          "framework, launches the task on the first offer that holds its resources, prints "
          "every status update and exits when the task ends (0 only if it finished).") {
  set.add(&master, "master",
          "The master to talk to: HOST:PORT, http://HOST:PORT, or "
          "zk://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/PATH to follow the leading master "
          "of a ZooKeeper group")
      .required();
  set.add(&name, "name", "Name of the task; also its task ID");
  set.add(&command, "command", "Command to launch");
  set.add(&env, "env",
          "Environment of the command: a JSON object of name to value, e.g. "
          "{\"name1\": \"value1\"}, or file:///path of a file holding it");
  set.add(&resources, "resources",
          "Resources of the task, as text (cpus:1;mem:128) or a JSON array of Resource "
          "objects",
          std::string("cpus:1;mem:128"));
  set.add(&shell, "shell",
          "Run --command through /bin/sh -c; without it, --command is split on whitespace into "
          "the program and its arguments",
          true);
  set.add(&checkpoint, "checkpoint", "Enable checkpointing for the framework", false);
  set.add(&task, "task",
          "The task as a JSON TaskInfo, or the path of a file holding it (/path or "
          "file:///path); agent_id need not be set. Exclusive with --name, --command and --env");
  set.add(&kill_after, "kill_after",
          "Kill the task this long after it starts running (e.g. 10secs, 2mins)");
  set.add(&role, "role", "Role to subscribe with", std::string("*"));
  set.add(&content_type, "content_type",
          "Encoding of the scheduler protocol messages: 'json' or 'protobuf'",
          std::string("protobuf"));
  set.add(&framework_name, "framework_name", "Name of the framework",
          std::string("mesos-execute instance"));
  set.add(&partition_aware, "partition_aware", "Enable partition awareness for the framework",
          true);
  set.add(&principal, "principal", "The principal of the framework");
  set.add(&secret, "secret",
          "The secret of --principal, sent with HTTP Basic so that a master run with "
          "--authenticate_frameworks can authenticate the framework");
  set.add(&framework_capabilities, "framework_capabilities",
          "Comma-separated optional framework capabilities to enable (only GPU_RESOURCES); "
          "RESERVATION_REFINEMENT, TASK_KILLING_STATE, REVOCABLE_RESOURCES and MULTI_ROLE are "
          "always on, PARTITION_AWARE unless --no-partition_aware");
  set.add(&containerizer, "containerizer",
          "Containerizer to run the task: only 'mesos' (the Docker containerizer is not built)",
          std::string("mesos"));
  set.add(&effective_capabilities, "effective_capabilities",
          "The command's effective capabilities, as a JSON CapabilityInfo, e.g. "
          "{\"capabilities\": [\"NET_RAW\", \"SYS_ADMIN\"]}");
  set.add(&bounding_capabilities, "bounding_capabilities",
          "The command's capability bounding set, as a JSON CapabilityInfo, e.g. "
          "{\"capabilities\": [\"NET_RAW\"]}");
  set.add(&rlimits, "rlimits",
          "The command's resource limits, as a JSON RLimitInfo, e.g. {\"rlimits\": "
          "[{\"type\": \"RLMT_CPU\", \"soft\": 1, \"hard\": 1}, {\"type\": \"RLMT_FSIZE\"}]} "
          "(no soft and hard: unlimited)");
  set.add(&networks, "networks",
          "Comma-separated networks for the container to join, e.g. net1,net2 (the agent "
          "refuses names it has no network for)");
  set.refuse(kExecuteRefusedFlags);
}

namespace {

template <typename Message>
Result<Message> parseJsonFlag(const std::string& flag, const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error("--" + flag + ": expected a JSON object (a " + Message::descriptor()->name() +
                 ")");
  }
  Message message;
  if (auto converted = fromJson(parsed, &message); !converted) {
    return converted.error().wrap("--" + flag);
  }
  return message;
}

}  // namespace

Result<std::optional<mesos::v1::ContainerInfo>> parseContainerFlags(const ExecuteFlags& flags) {
  if (flags.containerizer != "mesos") {
    return Error("--containerizer: '" + flags.containerizer +
                 "' is not built; only 'mesos' (the default) runs tasks");
  }
  if (!flags.effective_capabilities && !flags.bounding_capabilities && !flags.rlimits &&
      (!flags.networks || flags.networks->empty())) {
    return std::optional<mesos::v1::ContainerInfo>();
  }
  mesos::v1::ContainerInfo container;
  container.set_type(mesos::v1::ContainerInfo::MESOS);
  auto* linuxInfo = container.mutable_linux_info();
  if (flags.effective_capabilities) {
    auto parsed = parseJsonFlag<mesos::v1::CapabilityInfo>("effective_capabilities",
                                                           *flags.effective_capabilities);
    if (!parsed) return parsed.error();
    *linuxInfo->mutable_effective_capabilities() = std::move(*parsed);
  }
  if (flags.bounding_capabilities) {
    auto parsed = parseJsonFlag<mesos::v1::CapabilityInfo>("bounding_capabilities",
                                                           *flags.bounding_capabilities);
    if (!parsed) return parsed.error();
    *linuxInfo->mutable_bounding_capabilities() = std::move(*parsed);
  }
  if (!flags.effective_capabilities && !flags.bounding_capabilities) {
    container.clear_linux_info();
  }
  if (flags.rlimits) {
    auto parsed = parseJsonFlag<mesos::v1::RLimitInfo>("rlimits", *flags.rlimits);
    if (!parsed) return parsed.error();
    *container.mutable_rlimit_info() = std::move(*parsed);
  }
  if (flags.networks) {
    std::istringstream in(*flags.networks);
    for (std::string name; std::getline(in, name, ',');) {
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      if (name.empty()) return Error("--networks: empty network name in '" + *flags.networks + "'");
      container.add_network_infos()->set_name(name);
    }
  }
  return std::optional<mesos::v1::ContainerInfo>(std::move(container));
}

Result<api::ContentType> parseContentType(const std::string& text) {
  if (text == "json" || text == api::kJsonType) return api::ContentType::kJson;
  if (text == "protobuf" || text == api::kProtobufType) return api::ContentType::kProtobuf;
  return Error("--content_type: expected 'json' or 'protobuf', got '" + text + "'");
}

Result<mesos::v1::Environment> parseEnvironment(const std::string& json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Error(
        "--env: not valid JSON (expected an object of name to value, e.g. "
        "{\"PATH\": \"/bin\"})");
  }
  if (!parsed.is_object()) {
    return Error("--env: expected a JSON object of name to value, got " +
                 std::string(parsed.type_name()));
  }
  mesos::v1::Environment environment;
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_string()) {
      return Error("--env: the value of '" + key + "' is " + value.type_name() +
                   ", expected a string");
    }
    auto* variable = environment.add_variables();
    variable->set_name(key);
    variable->set_value(value.get<std::string>());
  }
  return environment;
}

Result<TaskInfo> parseTaskFlag(const std::string& value) {
  std::string text = value;
  const size_t first = value.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Error("--task: empty value");
  if (value[first] != '{') {
    // Not JSON: a path, as Mesos allows (file:// was resolved by the flag parser).
    auto contents = fs::readFile(value);
    if (!contents) return contents.error().wrap("--task");
    text = std::move(*contents);
  }
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error("--task: expected a JSON object (a TaskInfo)");
  }
  // The agent comes from the offer; Mesos lets the user leave it out.
  if (!parsed.contains("agent_id")) parsed["agent_id"] = {{"value", ""}};
  TaskInfo task;
  if (auto r = fromJson(parsed, &task); !r) return r.error().wrap("--task");
  if (task.has_command() == task.has_executor()) {
    return Error("--task: the TaskInfo needs exactly one of 'command' and 'executor'");
  }
  if (task.resources().empty()) return Error("--task: the TaskInfo has no resources");
  auto resources = Resources::fromProtos(task.resources());
  if (!resources) return resources.error().wrap("--task");
  // cpus:0 and the like are dropped: no offer would ever match such a task.
  if (resources->empty()) return Error("--task: the TaskInfo's resources are all empty");
  return task;
}

namespace {

std::vector<std::string> splitWords(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;)
    words.push_back(word);
  return words;
}

Result<std::vector<FrameworkInfo::Capability::Type>> parseCapabilities(const std::string& text) {
  std::vector<FrameworkInfo::Capability::Type> types;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    FrameworkInfo::Capability::Type type;
    if (!FrameworkInfo::Capability::Type_Parse(item, &type)) {
      return Error("--framework_capabilities: unknown capability '" + item + "'");
    }
    // The others are either always on or meaningless for a one-task framework.
    if (type != FrameworkInfo::Capability::GPU_RESOURCES) {
      return Error("--framework_capabilities: unsupported capability '" + item +
                   "' (only GPU_RESOURCES may be given)");
    }
    types.push_back(type);
  }
  return types;
}

}  // namespace

Result<ExecuteConfig> buildConfig(const ExecuteFlags& flags, const std::string& user) {
  ExecuteConfig config;
  if (!flags.master) return Error("missing required flag --master");
  // A zk:// URL is checked whole by the leader detector made from it (its hosts and
  // path); a master's address is checked here.
  if (flags.master->rfind("zk://", 0) != 0) {
    auto endpoint = http::Endpoint::parse(*flags.master);
    if (!endpoint) return endpoint.error().wrap("--master");
  } else if (flags.master->size() == 5) {
    return Error("--master: 'zk://' names no ZooKeeper host");
  }
  config.master = *flags.master;

  auto contentType = parseContentType(flags.content_type);
  if (!contentType) return contentType.error();
  config.contentType = *contentType;

  if (auto valid = validateRole(flags.role); !valid) return valid.error().wrap("--role");

  if (flags.task) {
    std::vector<std::string> clashing;
    if (flags.name) clashing.push_back("--name");
    if (flags.command) clashing.push_back("--command");
    if (flags.env) clashing.push_back("--env");
    if (flags.effective_capabilities) clashing.push_back("--effective_capabilities");
    if (flags.bounding_capabilities) clashing.push_back("--bounding_capabilities");
    if (flags.rlimits) clashing.push_back("--rlimits");
    if (flags.networks) clashing.push_back("--networks");
    if (!clashing.empty()) {
      std::string list;
      for (const auto& flag : clashing)
        list += (list.empty() ? "" : ", ") + flag;
      return Error("--task cannot be combined with " + list +
                   " (the TaskInfo carries the name, command, environment and container)");
    }
    auto task = parseTaskFlag(*flags.task);
    if (!task) return task.error();
    config.task = std::move(*task);
  } else {
    if (!flags.name) return Error("missing flag --name (or give the whole task with --task)");
    if (flags.name->empty()) return Error("--name: must not be empty");
    if (!flags.command) return Error("missing flag --command (or give the whole task with --task)");

    auto resources = Resources::parse(flags.resources);
    if (!resources) return resources.error().wrap("--resources");
    if (resources->empty()) return Error("--resources: no resources given");

    TaskInfo& task = config.task;
    task.set_name(*flags.name);
    task.mutable_task_id()->set_value(*flags.name);
    task.mutable_agent_id()->set_value("");
    *task.mutable_resources() = resources->toProtos();
    auto* command = task.mutable_command();
    command->set_shell(flags.shell);
    if (flags.shell) {
      command->set_value(*flags.command);
    } else {
      std::vector<std::string> words = splitWords(*flags.command);
      if (words.empty()) return Error("--command: empty command (with --no-shell)");
      command->set_value(words.front());
      for (const auto& word : words)
        command->add_arguments(word);  // argv[0] included, as Mesos expects
    }
    if (flags.env) {
      auto environment = parseEnvironment(*flags.env);
      if (!environment) return environment.error();
      *command->mutable_environment() = std::move(*environment);
    }
  }

  auto container = parseContainerFlags(flags);
  if (!container) return container.error();
  if (*container) *config.task.mutable_container() = std::move(**container);

  if (flags.kill_after && flags.kill_after->value.count() < 0) {
    return Error("--kill_after: must not be negative");
  }
  config.killAfter = flags.kill_after;

  FrameworkInfo& framework = config.framework;
  framework.set_user(user);
  framework.set_name(flags.framework_name);
  // `roles` with MULTI_ROLE rather than the deprecated single `role`: offers then say
  // which role they are for, and the task's resources carry that allocation.
  framework.add_roles(flags.role);
  framework.set_checkpoint(flags.checkpoint);
  if (flags.principal) framework.set_principal(*flags.principal);
  if (flags.secret && !flags.principal) return Error("--secret needs --principal");
  if (flags.secret) {
    config.authorization = basicAuthorization({*flags.principal, *flags.secret});
  }
  std::vector<FrameworkInfo::Capability::Type> capabilities = {
      FrameworkInfo::Capability::MULTI_ROLE,
      FrameworkInfo::Capability::RESERVATION_REFINEMENT,
      FrameworkInfo::Capability::TASK_KILLING_STATE,
      FrameworkInfo::Capability::REVOCABLE_RESOURCES,
  };
  if (flags.partition_aware) capabilities.push_back(FrameworkInfo::Capability::PARTITION_AWARE);
  if (flags.framework_capabilities) {
    auto extra = parseCapabilities(*flags.framework_capabilities);
    if (!extra) return extra.error();
    capabilities.insert(capabilities.end(), extra->begin(), extra->end());
  }
  for (auto type : capabilities)
    framework.add_capabilities()->set_type(type);
  return config;
}

namespace {

// The resource without where it is reserved or allocated: what it is worth to a task.
Resource flatten(Resource resource) {
  resource.clear_allocation_info();
  resource.clear_reservations();
  resource.clear_reservation();
  resource.clear_role();
  return resource;
}

std::optional<Resources> flattened(const google::protobuf::RepeatedPtrField<Resource>& protos) {
  google::protobuf::RepeatedPtrField<Resource> flat;
  for (const Resource& resource : protos)
    *flat.Add() = flatten(resource);
  auto resources = Resources::fromProtos(flat);
  if (!resources) return std::nullopt;
  return std::move(*resources);
}

}  // namespace

std::optional<TaskInfo> matchOffer(const TaskInfo& task, const mesos::v1::Offer& offer,
                                   const std::string& role) {
  auto required = flattened(task.resources());
  if (!required || required->empty()) return std::nullopt;

  // Reserved resources first, so the role's reservations are used before the shared pool.
  std::vector<const Resource*> offered;
  for (const Resource& resource : offer.resources())
    offered.push_back(&resource);
  std::stable_partition(offered.begin(), offered.end(),
                        [](const Resource* r) { return !isUnreserved(*r); });

  const std::string allocationRole =
      offer.has_allocation_info() && offer.allocation_info().has_role()
          ? offer.allocation_info().role()
          : role;

  Resources remaining = *required;
  google::protobuf::RepeatedPtrField<Resource> taken;
  for (const Resource* resource : offered) {
    if (remaining.empty()) break;
    google::protobuf::RepeatedPtrField<Resource> one;
    *one.Add() = flatten(*resource);
    auto available = Resources::fromProtos(one);
    if (!available) continue;  // a resource we cannot read is one we do not use
    // What this resource can give: available ∩ remaining, written with subtraction.
    Resources take = *available - (*available - remaining);
    if (take.empty()) continue;
    for (const Resource& piece : take) {
      Resource used = *resource;
      used.clear_scalar();
      used.clear_ranges();
      used.clear_set();
      if (piece.has_scalar()) *used.mutable_scalar() = piece.scalar();
      if (piece.has_ranges()) *used.mutable_ranges() = piece.ranges();
      if (piece.has_set()) *used.mutable_set() = piece.set();
      if (!used.has_allocation_info()) used.mutable_allocation_info()->set_role(allocationRole);
      *taken.Add() = std::move(used);
    }
    remaining -= take;
  }
  if (!remaining.empty()) return std::nullopt;

  TaskInfo launched = task;
  *launched.mutable_agent_id() = offer.agent_id();
  *launched.mutable_resources() = std::move(taken);
  return launched;
}

std::string formatStatus(const mesos::v1::TaskStatus& status) {
  std::string out = "Received status update " + mesos::v1::TaskState_Name(status.state()) +
                    " for task '" + status.task_id().value() + "'\n";
  if (status.has_message()) out += "  message: '" + status.message() + "'\n";
  if (status.has_source()) {
    out += "  source: " + mesos::v1::TaskStatus::Source_Name(status.source()) + "\n";
  }
  if (status.has_reason()) {
    out += "  reason: " + mesos::v1::TaskStatus::Reason_Name(status.reason()) + "\n";
  }
  if (status.has_healthy())
    out += std::string("  healthy?: ") + (status.healthy() ? "1" : "0") + "\n";
  return out;
}

Result<std::string> currentUser() {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr) {
    return std::string(found->pw_name);
  }
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0')
    return std::string(user);
  return Error("no user name for uid " + std::to_string(geteuid()));
}

}  // namespace mesolite::cli
