#include "common/api_codec.h"

#include <sstream>

#include "common/protobuf_json.h"

namespace mesolite::api {

namespace {

// "application/json; charset=utf-8" -> "application/json"
std::string_view bareType(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  return value;
}

std::optional<ContentType> typeOf(std::string_view media) {
  if (media == kJsonType) return ContentType::kJson;
  if (media == kProtobufType) return ContentType::kProtobuf;
  return std::nullopt;
}

}  // namespace

std::string_view mediaType(ContentType type) {
  return type == ContentType::kJson ? kJsonType : kProtobufType;
}

std::string serialize(const google::protobuf::Message& message, ContentType type) {
  if (type == ContentType::kJson) return toJsonString(message);
  return message.SerializeAsString();
}

Result<void> deserialize(std::string_view body, ContentType type,
                         google::protobuf::Message* message) {
  if (type == ContentType::kJson) return parseJson(body, message);
  message->Clear();
  if (!message->ParsePartialFromArray(body.data(), int(body.size()))) {
    message->Clear();
    return Error("invalid protobuf for " + message->GetDescriptor()->name() +
                 ": the body is not a valid serialized message (" + std::to_string(body.size()) +
                 " bytes)");
  }
  return requireInitialized(message);
}

http::Response respond(int status, const google::protobuf::Message& message, ContentType type) {
  http::Response response;
  response.status = status;
  response.headers["Content-Type"] = std::string(mediaType(type));
  response.body = serialize(message, type);
  return response;
}

Result<CallTypes> parseCall(const http::Request& request, google::protobuf::Message* call,
                            http::Response* failure) {
  auto reject = [&](int status, std::string message) -> Error {
    *failure = http::Response::text(status, message);
    return Error(std::move(message));
  };
  if (request.method != "POST") {
    failure->headers["Allow"] = "POST";
    return reject(405, "expecting a 'POST' request, received '" + request.method + "'");
  }
  const std::string contentType = request.header("Content-Type").value_or("");
  auto type = typeOf(bareType(contentType));
  if (!type) {
    return reject(415, contentType.empty()
                           ? "expecting a 'Content-Type' of application/json or "
                             "application/x-protobuf"
                           : "unsupported 'Content-Type' '" + contentType +
                                 "': use application/json or application/x-protobuf");
  }
  CallTypes types{*type, *type};
  if (auto accept = request.header("Accept")) {
    // Accept lists media types, maybe with parameters; take the first we speak.
    std::optional<ContentType> chosen;
    std::istringstream entries(*accept);
    std::string entry;
    while (!chosen && std::getline(entries, entry, ',')) {
      std::string_view media = bareType(entry);
      if (media == "*/*" || media == "application/*") {
        chosen = *type;
      } else {
        chosen = typeOf(media);
      }
    }
    if (!chosen) {
      return reject(406, "cannot answer in any type of 'Accept: " + *accept +
                             "': use application/json or application/x-protobuf");
    }
    types.response = *chosen;
  }
  if (auto parsed = deserialize(request.body, *type, call); !parsed) {
    return reject(400, "failed to parse the body: " + parsed.error().message);
  }
  return types;
}

}  // namespace mesolite::api
