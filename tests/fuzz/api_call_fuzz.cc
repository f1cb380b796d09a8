// Arbitrary bodies of v1 API calls, JSON and protobuf, through the decoder every
// endpoint uses. A call that decodes must survive JSON and protobuf round trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/api_codec.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mesolite::api::ContentType;
  if (size == 0) return 0;
  const ContentType type = data[0] % 2 ? ContentType::kJson : ContentType::kProtobuf;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  mesos::v1::scheduler::Call call;
  if (!mesolite::api::deserialize(body, type, &call)) return 0;

  mesos::v1::scheduler::Call fromJson;
  if (!mesolite::api::deserialize(mesolite::api::serialize(call, ContentType::kJson),
                                  ContentType::kJson, &fromJson)) {
    abort();
  }
  mesos::v1::scheduler::Call fromProtobuf;
  if (!mesolite::api::deserialize(call.SerializeAsString(), ContentType::kProtobuf,
                                  &fromProtobuf)) {
    abort();
  }
  // NaN never compares equal; compare the JSON text instead of the values.
  if (mesolite::api::serialize(fromJson, ContentType::kJson) !=
      mesolite::api::serialize(call, ContentType::kJson)) {
    abort();
  }
  return 0;
}
