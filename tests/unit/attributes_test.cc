#include "common/attributes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/values.h"

namespace mesolite {
namespace {

using mesos::v1::Attribute;
using mesos::v1::Value;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Attributes parseOk(std::string_view text) {
  Result<Attributes> attributes = Attributes::parse(text);
  EXPECT_TRUE(attributes.ok()) << text << ": " << attributes.error().message;
  return attributes.ok() ? *attributes : Attributes();
}

std::string parseError(std::string_view text) {
  Result<Attributes> attributes = Attributes::parse(text);
  EXPECT_FALSE(attributes.ok()) << text << " parsed as "
                                << (attributes.ok() ? attributes->toString() : "");
  return attributes.ok() ? "" : attributes.error().message;
}

TEST(AttributesParse, AllValueKinds) {
  Attributes attributes = parseOk("rack:abc;zone:west;level:10;keys:[1000-1500];os:{a,b}");
  ASSERT_EQ(attributes.size(), 5u);

  const Attribute* rack = attributes.find("rack");
  ASSERT_NE(rack, nullptr);
  EXPECT_EQ(rack->type(), Value::TEXT);
  EXPECT_EQ(rack->text().value(), "abc");

  const Attribute* level = attributes.find("level");
  ASSERT_NE(level, nullptr);
  EXPECT_EQ(level->type(), Value::SCALAR);
  EXPECT_EQ(level->scalar().value(), 10);

  const Attribute* keys = attributes.find("keys");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->type(), Value::RANGES);
  EXPECT_EQ(values::toString(keys->ranges()), "[1000-1500]");

  const Attribute* os = attributes.find("os");
  ASSERT_NE(os, nullptr);
  EXPECT_EQ(os->type(), Value::SET);
  EXPECT_EQ(values::toString(os->set()), "{a,b}");

  EXPECT_EQ(attributes.find("missing"), nullptr);
}

TEST(AttributesParse, KeepsOrderAndRepeatedNames) {
  Attributes attributes = parseOk(" b : 1 ; a:x;b:2; ");
  EXPECT_EQ(attributes.toString(), "b:1;a:x;b:2");
  EXPECT_EQ(attributes.find("b")->scalar().value(), 1);
  EXPECT_TRUE(parseOk("").empty());
}

TEST(AttributesParse, NegativeAndFractionalScalars) {
  EXPECT_EQ(parseOk("temp:-12.5").toString(), "temp:-12.5");
}

TEST(AttributesParse, ErrorsNameTheTokenAndItsPosition) {
  EXPECT_EQ(parseError("rack"),
            "invalid attribute 'rack' at position 0: missing ':' between "
            "name and value");
  EXPECT_THAT(
      parseError("a:1;rack:a:b"),
      HasSubstr("invalid attribute 'rack:a:b' at position 4: unexpected ':' at position 10"));
  EXPECT_THAT(parseError(":x"), HasSubstr("empty attribute name"));
  EXPECT_THAT(parseError("ra ck:x"), HasSubstr("attribute name 'ra ck' is not a word"));
  EXPECT_THAT(parseError("rack:"), HasSubstr("empty value at position 5"));
  EXPECT_THAT(parseError("rack:a b"), HasSubstr("'a b' at position 5 contains whitespace"));
  EXPECT_THAT(parseError("keys:[1-"), HasSubstr("'[' at position 5 is not closed"));
  EXPECT_THAT(parseError("keys:[9-1]"), HasSubstr("range '9-1' at position 6 has begin > end"));
  EXPECT_THAT(parseError("os:{a,a}"), HasSubstr("duplicate set item 'a' at position 6"));
  EXPECT_THAT(parseError("x:ab]"), HasSubstr("unexpected ']' at position 4"));
}

TEST(AttributesJson, ParsesAndValidates) {
  Attributes attributes = parseOk(R"([{"name":"rack","type":"TEXT","text":{"value":"r1"}},)"
                                  R"({"name":"level","type":"SCALAR","scalar":{"value":10}}])");
  EXPECT_EQ(attributes, parseOk("rack:r1;level:10"));

  EXPECT_THAT(parseError("[1"), StartsWith("invalid attributes JSON at position 2"));
  EXPECT_THAT(Attributes::parseJson("{}").error().message, HasSubstr("must be an array"));
  EXPECT_THAT(parseError("[true]"), HasSubstr("attributes[0]: expected an Attribute object"));
  EXPECT_THAT(parseError(R"([{"name":"a","type":"SCALAR","text":{"value":"x"}}])"),
              HasSubstr("attributes[0]: attribute 'a': a SCALAR attribute sets 'scalar'"));
  EXPECT_THAT(parseError(R"([{"name":"a","type":"TEXT","text":{"value":""}}])"),
              HasSubstr("attributes[0]: attribute 'a': empty text"));
  EXPECT_THAT(parseError(R"([{"name":"a","type":"SET","set":{"item":["x","x"]}}])"),
              HasSubstr("duplicate set item 'x'"));
  EXPECT_THAT(parseError(R"([{"name":"","type":"TEXT","text":{"value":"x"}}])"),
              HasSubstr("attributes[0]: empty attribute name"));
}

TEST(AttributesOutput, TextWhenPossibleJsonOtherwise) {
  const std::string text = "rack:abc;zone:west;level:10;keys:[1000-1500];os:{a,b}";
  EXPECT_EQ(parseOk(text).toString(), text);

  // A text value that reads as a number, or holds a space, cannot be written as text.
  Attributes tricky = parseOk(R"([{"name":"id","type":"TEXT","text":{"value":"007"}},)"
                              R"({"name":"desc","type":"TEXT","text":{"value":"two words"}}])");
  const std::string written = tricky.toString();
  EXPECT_THAT(written, StartsWith("["));
  Attributes reread = parseOk(written);
  EXPECT_EQ(reread, tricky);
  EXPECT_EQ(reread.find("id")->type(), Value::TEXT);

  nlohmann::json json = parseOk("rack:abc;level:10").toJson();
  EXPECT_EQ(json[0]["name"], "rack");
  EXPECT_EQ(json[0]["type"], "TEXT");
  EXPECT_EQ(json[0]["text"]["value"], "abc");
  EXPECT_EQ(json[1]["scalar"]["value"], 10.0);
}

TEST(AttributesOutput, EqualityIgnoresOrder) {
  EXPECT_EQ(parseOk("a:1;b:x"), parseOk("b:x;a:1"));
  EXPECT_NE(parseOk("a:1;a:1"), parseOk("a:1;a:2"));
  EXPECT_NE(parseOk("a:1"), parseOk("a:1;a:1"));
}

TEST(AttributesProperties, RandomRoundTrips) {
  std::mt19937 random(99);
  auto pick = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  static const char* const kWords[] = {"west", "r1", "abc", "x-y.z", "inf", "1e5x"};
  for (int round = 0; round < 1000; ++round) {
    std::string text;
    for (int i = 0, n = pick(0, 5); i < n; ++i) {
      if (!text.empty()) text += ';';
      text += "k" + std::to_string(pick(0, 3)) + ":";
      switch (pick(0, 3)) {
        case 0:
          text += values::toString(pick(-100000, 100000) / 64.0);
          break;
        case 1:
          text += "[" + std::to_string(pick(0, 10)) + "-" + std::to_string(pick(10, 20)) + "]";
          break;
        case 2:
          text += "{a,b" + std::to_string(pick(0, 9)) + "}";
          break;
        default:
          text += kWords[pick(0, 5)];
          break;
      }
    }
    SCOPED_TRACE(text);
    Attributes attributes = parseOk(text);
    ASSERT_EQ(attributes.toString(), text);
    Result<Attributes> fromJson = Attributes::fromJson(attributes.toJson());
    ASSERT_TRUE(fromJson.ok()) << fromJson.error().message;
    ASSERT_EQ(*fromJson, attributes);
    ASSERT_EQ(fromJson->toString(), text);
  }
}

}  // namespace
}  // namespace mesolite
