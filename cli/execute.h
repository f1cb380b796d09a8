// mesos-execute's pure logic: its flags (Mesos's names and defaults), the checks that
// turn them into a framework and a task, offer matching and the status lines it
// prints. The scheduler that drives the v1 Scheduler API lives in execute_scheduler.h.
#pragma once

#include <optional>
#include <string>

#include "common/api_codec.h"
#include "common/flags.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/task_state.h"
#include "common/units.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::cli {

struct ExecuteFlags {
  ExecuteFlags();

  FlagSet set;

  std::optional<std::string> master;
  std::optional<std::string> name;
  std::optional<std::string> command;
  std::optional<std::string> env;
  std::string resources;
  bool shell = true;
  bool checkpoint = false;
  std::optional<std::string> task;
  std::optional<Duration> kill_after;
  std::string role;
  std::string content_type;
  std::string framework_name;
  bool partition_aware = true;
  std::optional<std::string> principal;
  std::optional<std::string> secret;
  std::optional<std::string> framework_capabilities;
  std::string containerizer;
  std::optional<std::string> effective_capabilities;  // JSON CapabilityInfo
  std::optional<std::string> bounding_capabilities;   // JSON CapabilityInfo
  std::optional<std::string> rlimits;                 // JSON RLimitInfo
  std::optional<std::string> networks;                // comma-separated names
};

// Everything the scheduler needs, checked.
struct ExecuteConfig {
  std::string master;  // --master: HOST:PORT, http(s)://HOST:PORT or zk://...
  api::ContentType contentType = api::ContentType::kProtobuf;
  mesos::v1::FrameworkInfo framework;
  // agent_id is left empty; it comes from the offer that is taken.
  mesos::v1::TaskInfo task;
  std::optional<Duration> killAfter;
  // "Basic ..." for --principal with --secret: the master may authenticate frameworks.
  std::optional<std::string> authorization;
};

// Checks the flags together and builds the framework and the task. `user` is the
// framework's user (the caller's login name). Errors name the flag at fault.
Result<ExecuteConfig> buildConfig(const ExecuteFlags& flags, const std::string& user);

// The pieces, for tests and for reuse.
Result<api::ContentType> parseContentType(const std::string& text);
Result<mesos::v1::Environment> parseEnvironment(const std::string& json);
// The ContainerInfo (type MESOS) that --effective_capabilities, --bounding_capabilities,
// --rlimits and --networks describe; nullopt when none is given.
Result<std::optional<mesos::v1::ContainerInfo>> parseContainerFlags(const ExecuteFlags& flags);
// A TaskInfo as JSON text, or the path of a file holding it (agent_id may be absent).
Result<mesos::v1::TaskInfo> parseTaskFlag(const std::string& value);

// The task to launch on `offer` when the offer holds its resources (reserved ones
// count as unreserved, as in Mesos), else nullopt. The task gets the offer's agent and
// the offered resources it uses: those reserved to the role first, then unreserved,
// each allocated to the offer's role (or `role` when the offer names none).
std::optional<mesos::v1::TaskInfo> matchOffer(const mesos::v1::TaskInfo& task,
                                              const mesos::v1::Offer& offer,
                                              const std::string& role);

// "Received status update TASK_RUNNING for task 't'" and the message / source /
// reason / healthy lines that apply, each ending in a newline.
std::string formatStatus(const mesos::v1::TaskStatus& status);

// The login name of the effective user; $USER when the passwd database has none.
Result<std::string> currentUser();

}  // namespace mesolite::cli
