#include "common/api_codec.h"

#include <gtest/gtest.h>

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesolite::api {
namespace {

http::Request post(std::string contentType, std::string body, std::string accept = "") {
  http::Request request;
  request.method = "POST";
  request.path = "/api/v1/scheduler";
  if (!contentType.empty()) request.headers["Content-Type"] = contentType;
  if (!accept.empty()) request.headers["Accept"] = accept;
  request.body = std::move(body);
  return request;
}

mesos::v1::scheduler::Call subscribeCall() {
  mesos::v1::scheduler::Call call;
  call.set_type(mesos::v1::scheduler::Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("root");
  info->set_name("fw");
  return call;
}

TEST(ApiCodec, JsonAndProtobufCallsParseToTheSameMessage) {
  const auto expected = subscribeCall();
  http::Response failure;
  mesos::v1::scheduler::Call fromJson;
  auto json = parseCall(post("application/json", serialize(expected, ContentType::kJson)),
                        &fromJson, &failure);
  ASSERT_TRUE(json) << json.error().message;
  EXPECT_EQ(json->response, ContentType::kJson);

  mesos::v1::scheduler::Call fromProtobuf;
  auto protobuf =
      parseCall(post("application/x-protobuf", expected.SerializeAsString(), "application/json"),
                &fromProtobuf, &failure);
  ASSERT_TRUE(protobuf) << protobuf.error().message;
  EXPECT_EQ(protobuf->request, ContentType::kProtobuf);
  EXPECT_EQ(protobuf->response, ContentType::kJson);
  EXPECT_EQ(fromJson.SerializeAsString(), fromProtobuf.SerializeAsString());
  EXPECT_EQ(fromJson.SerializeAsString(), expected.SerializeAsString());
}

TEST(ApiCodec, RejectionsCarryTheRightStatusAndSayWhy) {
  mesos::v1::scheduler::Call call;
  http::Response failure;

  http::Request get = post("application/json", "{}");
  get.method = "GET";
  EXPECT_FALSE(parseCall(get, &call, &failure));
  EXPECT_EQ(failure.status, 405);

  EXPECT_FALSE(parseCall(post("text/plain", "{}"), &call, &failure));
  EXPECT_EQ(failure.status, 415);
  EXPECT_NE(failure.body.find("text/plain"), std::string::npos);

  EXPECT_FALSE(parseCall(post("application/json", "{}", "text/html"), &call, &failure));
  EXPECT_EQ(failure.status, 406);

  EXPECT_FALSE(parseCall(post("application/json", R"({"type":"SUBSCRIBE")"), &call, &failure));
  EXPECT_EQ(failure.status, 400);
  EXPECT_NE(failure.body.find("failed to parse"), std::string::npos);

  EXPECT_FALSE(parseCall(post("application/json", R"({"type":"NOT_A_CALL"})"), &call, &failure));
  EXPECT_EQ(failure.status, 400);
  EXPECT_NE(failure.body.find("NOT_A_CALL"), std::string::npos) << failure.body;

  EXPECT_FALSE(parseCall(post("application/x-protobuf", "\xff\xff\xff garbage"), &call, &failure));
  EXPECT_EQ(failure.status, 400);
  EXPECT_NE(failure.body.find("protobuf"), std::string::npos);
}

TEST(ApiCodec, MissingRequiredFieldsInProtobufAreNamed) {
  mesos::v1::scheduler::Call partial = subscribeCall();
  partial.mutable_subscribe()->mutable_framework_info()->clear_user();
  mesos::v1::scheduler::Call call;
  http::Response failure;
  EXPECT_FALSE(parseCall(post("application/x-protobuf", partial.SerializePartialAsString()), &call,
                         &failure));
  EXPECT_EQ(failure.status, 400);
  EXPECT_NE(failure.body.find("subscribe.framework_info.user"), std::string::npos) << failure.body;
}

TEST(ApiCodec, AcceptWildcardsAndParameters) {
  mesos::v1::scheduler::Call call;
  http::Response failure;
  auto types = parseCall(post("application/json; charset=utf-8",
                              serialize(subscribeCall(), ContentType::kJson), "*/*"),
                         &call, &failure);
  ASSERT_TRUE(types) << types.error().message;
  EXPECT_EQ(types->response, ContentType::kJson);
  types = parseCall(post("application/json", serialize(subscribeCall(), ContentType::kJson),
                         "text/html, application/x-protobuf;q=0.9"),
                    &call, &failure);
  ASSERT_TRUE(types);
  EXPECT_EQ(types->response, ContentType::kProtobuf);
}

}  // namespace
}  // namespace mesolite::api
