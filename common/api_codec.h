// Content types of the v1 HTTP APIs: each call and answer is JSON or protobuf, chosen
// by Content-Type and Accept exactly as Mesos does; event streams are RecordIO of either.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "common/http.h"
#include "common/result.h"

namespace mesolite::api {

enum class ContentType { kJson, kProtobuf };

inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kProtobufType = "application/x-protobuf";
inline constexpr std::string_view kRecordIoType = "application/recordio";

std::string_view mediaType(ContentType type);

std::string serialize(const google::protobuf::Message& message, ContentType type);
// Parses a body; errors name what was wrong and the message is left cleared.
Result<void> deserialize(std::string_view body, ContentType type,
                         google::protobuf::Message* message);

// A whole answer carrying `message` in `type`.
http::Response respond(int status, const google::protobuf::Message& message, ContentType type);

struct CallTypes {
  ContentType request;   // how the call was written
  ContentType response;  // how to answer (Accept; else as the call was written)
};

// Everything a handler of a v1 API endpoint checks before acting on a call: the method
// (POST), Content-Type (JSON or protobuf), Accept, and the body parsed into `call`.
// On failure, the answer to send: 405, 415, 406, or 400 naming what was wrong.
Result<CallTypes> parseCall(const http::Request& request, google::protobuf::Message* call,
                            http::Response* failure);

}  // namespace mesolite::api
