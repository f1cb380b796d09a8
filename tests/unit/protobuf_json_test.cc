#include "common/protobuf_json.h"

#include <gtest/gtest.h>

#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesolite {
namespace {

TEST(ProtobufJson, WritesOriginalNamesEnumsAndInt64AsNumbers) {
  mesos::v1::Resource resource;
  resource.set_name("ports");
  resource.set_type(mesos::v1::Value::RANGES);
  auto* range = resource.mutable_ranges()->add_range();
  range->set_begin(31000);
  range->set_end(32000);

  nlohmann::json json = toJson(resource);
  EXPECT_EQ(json["name"], "ports");
  EXPECT_EQ(json["type"], "RANGES");
  // Mesos writes uint64 as numbers; protobuf's own printer would write "31000".
  ASSERT_TRUE(json["ranges"]["range"][0]["begin"].is_number());
  EXPECT_EQ(json["ranges"]["range"][0]["begin"], 31000);
  EXPECT_EQ(json["ranges"]["range"][0]["end"], 32000);
}

TEST(ProtobufJson, SnakeCaseFieldNamesAndBytesAsBase64) {
  mesos::v1::scheduler::Call call;
  call.set_type(mesos::v1::scheduler::Call::ACKNOWLEDGE);
  call.mutable_framework_id()->set_value("F1");
  auto* ack = call.mutable_acknowledge();
  ack->mutable_agent_id()->set_value("S1");
  ack->mutable_task_id()->set_value("t1");
  ack->set_uuid(std::string("\x00\x01\xfe\xff", 4));

  nlohmann::json json = toJson(call);
  EXPECT_EQ(json["framework_id"]["value"], "F1");
  EXPECT_EQ(json["acknowledge"]["uuid"], "AAH+/w==");
  EXPECT_EQ(json["type"], "ACKNOWLEDGE");
}

TEST(ProtobufJson, RoundTripsAndAcceptsInt64AsStringOrNumber) {
  for (const char* text :
       {R"({"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":2}]}})",
        R"({"name":"ports","type":"RANGES","ranges":{"range":[{"begin":"1","end":"2"}]}})"}) {
    auto resource = parseJson<mesos::v1::Resource>(text);
    ASSERT_TRUE(resource) << resource.error().message;
    EXPECT_EQ(resource->ranges().range(0).end(), 2u);
    auto again = parseJson<mesos::v1::Resource>(toJsonString(*resource));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->SerializeAsString(), resource->SerializeAsString());
  }
}

// Found by the api_call fuzz target: binary protobuf may carry strings that are not
// UTF-8; their JSON replaces the bad bytes instead of throwing.
TEST(ProtobufJson, InvalidUtf8FromProtobufStillPrints) {
  mesos::v1::TaskID id;
  id.set_value(std::string("ok\xe8h", 4));
  const std::string text = toJsonString(id);
  EXPECT_EQ(text, "{\"value\":\"ok\xef\xbf\xbdh\"}");
}

TEST(ProtobufJson, UnknownFieldsAreIgnored) {
  auto id = parseJson<mesos::v1::TaskID>(R"({"value":"t","future_field":{"x":1}})");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->value(), "t");
}

TEST(ProtobufJson, MissingRequiredFieldIsNamed) {
  auto resource = parseJson<mesos::v1::Resource>(R"({"type":"SCALAR","scalar":{"value":1}})");
  ASSERT_FALSE(resource);
  EXPECT_NE(resource.error().message.find("name"), std::string::npos) << resource.error().message;
}

TEST(ProtobufJson, WrongTypeAndSyntaxErrorsAreClearAndLeaveNothingBehind) {
  mesos::v1::Resource resource;
  resource.set_name("left over");
  auto wrong = parseJson(R"({"name":"cpus","type":"SCALAR","scalar":{"value":"abc"}})", &resource);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("value"), std::string::npos) << wrong.error().message;
  EXPECT_FALSE(resource.has_name());

  auto broken = parseJson(R"({"name": )", &resource);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("Resource"), std::string::npos);

  // Found by the api_call fuzz target: a number JSON cannot hold is an error, not a crash.
  auto huge = parseJson(R"({"name":"cpus","type":"SCALAR","scalar":{"value":2e444}})", &resource);
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("2e444"), std::string::npos) << huge.error().message;

  auto badEnum = parseJson(R"({"name":"cpus","type":"BOGUS"})", &resource);
  ASSERT_FALSE(badEnum);
  EXPECT_NE(badEnum.error().message.find("BOGUS"), std::string::npos) << badEnum.error().message;
}

}  // namespace
}  // namespace mesolite
