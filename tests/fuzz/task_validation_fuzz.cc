// Arbitrary TaskInfos (JSON or protobuf by the first byte's low bit) through the
// master's check of an ACCEPT's LAUNCH, against a fixed offer. It must not crash, and
// a task it accepts must use only what the offer holds, allocated to the offer's role.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/api_codec.h"
#include "common/resources.h"
#include "master-lite/task_validation.h"
#include "mesos/v1/mesos.pb.h"

namespace {

using mesolite::Resources;
using mesolite::api::ContentType;

void require(bool condition) {
  if (!condition) abort();
}

struct Offer {
  std::string role;
  Resources remaining;
};

// What the accepted offers hold, allocated to the framework's role as offers are.
const Offer& offer(bool reserved) {
  static const Offer unreserved{
      "*", Resources::parse("cpus:4;mem:4096;ports:[31000-32000]")->withAllocation("*")};
  static const Offer web{"web", Resources::parse("cpus:4;mem:4096;ports:[31000-32000];"
                                                 "cpus(web):2;disk(web):1024")
                                    ->withAllocation("web")};
  return reserved ? web : unreserved;
}

}  // namespace

// Protobuf logs every string that is not UTF-8; fuzzed input is full of them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ContentType type = data[0] & 1 ? ContentType::kJson : ContentType::kProtobuf;
  const Offer& chosen = offer(data[0] & 2);
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  mesos::v1::TaskInfo task;
  if (!mesolite::api::deserialize(body, type, &task)) return 0;

  auto validated =
      mesolite::master::validateTask(task, chosen.role, "agent-1", chosen.remaining,
                                     [](const std::string& id) { return id == "in-use"; });
  if (!validated) {
    require(!validated.error().message.empty());
    return 0;
  }
  const Resources& used = *validated;
  require(!used.empty());
  require(chosen.remaining.contains(used));
  for (const mesos::v1::Resource& resource : used)
    require(resource.allocation_info().role() == chosen.role);
  // Taking the task's resources out of the offer leaves the rest whole.
  require((chosen.remaining - used) + used == chosen.remaining);
  require(task.task_id().value() != "in-use" && task.agent_id().value() == "agent-1");
  return 0;
}
