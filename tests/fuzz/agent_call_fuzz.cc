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
#include <vector>

#include "common/api_codec.h"
#include "common/protobuf_json.h"
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

bool hasUnknownFields(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i)
        if (hasUnknownFields(reflection->GetRepeatedMessage(message, field, i))) return true;
    } else if (hasUnknownFields(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
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
  // Its text or JSON form reads back as its JSON mapping, which is the resources
  // themselves unless the JSON mapping loses something: protobuf lets strings that are
  // not UTF-8 through (they come out with U+FFFD) and keeps unknown fields (dropped).
  mesolite::Result<Resources> normalised =
      Resources::parseJson(mesolite::dumpJson(resources->toJson()));
  require(normalised.ok());
  mesolite::Result<Resources> reread = Resources::parse(resources->toString());
  require(reread.ok() && *reread == *normalised);
  bool lossless = isUtf8(resources->toJson());
  for (const mesos::v1::Resource& resource : *resources)
    lossless &= !hasUnknownFields(resource);
  if (lossless) require(*normalised == *resources);
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
