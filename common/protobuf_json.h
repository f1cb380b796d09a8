// Protobuf <-> JSON the way Mesos clients expect it: protobuf's JSON mapping with the
// original snake_case field names, enums as strings and bytes as base64, except that
// 64-bit integers are written as JSON numbers (Mesos does; protobuf writes strings).
// Input accepts both forms.
#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mesolite {

// Message -> JSON value (object). Unset optional fields are omitted; repeated and
// map fields are written when non-empty.
nlohmann::json toJson(const google::protobuf::Message& message);
std::string toJsonString(const google::protobuf::Message& message);

// JSON text of any value. Strings that are not UTF-8 (binary protobuf and command
// lines may carry them) come out with U+FFFD in place of the bad bytes, rather than
// the exception nlohmann's dump() would throw.
std::string dumpJson(const nlohmann::json& value);

// JSON text -> message. Unknown fields are ignored (as Mesos does); a syntax error,
// a wrong type or a missing required field is an error naming the field's path,
// e.g. "task_infos[0].resources[1].scalar.value: expected a number".
// On error `message` is left cleared: nothing half-applied.
Result<void> parseJson(std::string_view json, google::protobuf::Message* message);
// The same from an already parsed JSON value (e.g. one element of an array).
Result<void> fromJson(const nlohmann::json& json, google::protobuf::Message* message);

// Fails, naming the missing required fields, unless `message` has them all; clears it
// then, so nothing half-parsed is used.
Result<void> requireInitialized(google::protobuf::Message* message);

template <typename T>
Result<T> parseJson(std::string_view json) {
  T message;
  if (auto r = parseJson(json, &message); !r) return r.error();
  return message;
}

}  // namespace mesolite
