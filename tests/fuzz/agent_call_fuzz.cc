// Arbitrary bodies of the master's /api/v1/agent calls (mesolite.internal.AgentCall),
// JSON or protobuf by the first byte, through the decoder the endpoint uses, then what
// the master checks before trusting a SUBSCRIBE or UPDATE_RESOURCES: the agent's total
// and each re-registered task's resources as Resources. A call that decodes must survive
// JSON and protobuf round trips; resources that are accepted must read back equal.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "common/api_codec.h"
#include "common/resources.h"
#include "mesolite/internal.pb.h"

namespace {

using mesolite::Resources;
using mesolite::api::ContentType;
using mesolite::internal::AgentCall;

void require(bool condition) {
  if (!condition) abort();
}

bool isUtf8(const nlohmann::json& json) {
  try {
    (void)json.dump();  // the strict error handler throws on bytes that are not UTF-8
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// As the master does: validated and normalised, then the same once more from its
// own protobuf and text forms.
void checkResources(const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& protos,
                    const std::string& role = "*") {
  mesolite::Result<Resources> resources = Resources::fromProtos(protos);
  if (!resources) {
    require(!resources.error().message.empty());
    return;
  }
  mesolite::Result<Resources> again = Resources::fromProtos(resources->toProtos());
  require(again.ok() && *again == *resources);
  mesolite::Result<Resources> reread = Resources::parse(resources->toString());
  require(reread.ok());
  if (isUtf8(resources->toJson())) {
    require(*reread == *resources);
  } else {
    // Strings that are not UTF-8 (protobuf lets them through, like Mesos) come out of
    // the JSON form with U+FFFD in place of the bad bytes: lossy once, then stable.
    mesolite::Result<Resources> twice = Resources::parse(reread->toString());
    require(twice.ok() && *twice == *reread);
  }
  require((*resources + *resources).contains(*resources));
  require((*resources - *resources).empty());
  // What the master accounts for a re-registered task: allocated to its role, the same
  // resources once the allocation is taken off again.
  const Resources allocated = resources->withAllocation(role);
  require(allocated.size() <= resources->size());
  require(allocated.withAllocation("") == resources->withAllocation(""));
}

}  // namespace

// Protobuf logs every string that is not UTF-8; fuzzed input is full of them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ContentType type = data[0] % 2 ? ContentType::kJson : ContentType::kProtobuf;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  AgentCall call;
  if (!mesolite::api::deserialize(body, type, &call)) return 0;

  AgentCall fromJson;
  require(mesolite::api::deserialize(mesolite::api::serialize(call, ContentType::kJson),
                                     ContentType::kJson, &fromJson)
              .ok());
  AgentCall fromProtobuf;
  require(
      mesolite::api::deserialize(call.SerializeAsString(), ContentType::kProtobuf, &fromProtobuf)
          .ok());
  // NaN never compares equal; compare the JSON text instead of the values.
  require(mesolite::api::serialize(fromJson, ContentType::kJson) ==
          mesolite::api::serialize(call, ContentType::kJson));
  require(mesolite::api::serialize(fromProtobuf, ContentType::kJson) ==
          mesolite::api::serialize(call, ContentType::kJson));

  if (call.has_subscribe()) {
    const AgentCall::Subscribe& subscribe = call.subscribe();
    checkResources(subscribe.resources_size() > 0 ? subscribe.resources()
                                                  : subscribe.agent_info().resources());
    for (const mesos::v1::Task& task : subscribe.tasks()) {
      // The master's taskRole(): the first allocation a resource names, else "*" (or the
      // framework's role, which is not validated either).
      std::string role = "*";
      for (const auto& resource : task.resources()) {
        if (resource.has_allocation_info()) {
          role = resource.allocation_info().role();
          break;
        }
      }
      checkResources(task.resources(), role);
    }
    for (const mesos::v1::ExecutorInfo& executor : subscribe.executors())
      checkResources(executor.resources());
  }
  if (call.has_update_resources()) checkResources(call.update_resources().resources());
  return 0;
}
