#include "common/resources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/host_resources.h"
#include "common/values.h"

namespace mesolite {
namespace {

using mesos::v1::Resource;
using mesos::v1::Value;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Resources parseOk(std::string_view text, std::string_view defaultRole = "*") {
  Result<Resources> resources = Resources::parse(text, defaultRole);
  EXPECT_TRUE(resources.ok()) << text << ": " << resources.error().message;
  return resources.ok() ? *resources : Resources();
}

std::string parseError(std::string_view text, std::string_view defaultRole = "*") {
  Result<Resources> resources = Resources::parse(text, defaultRole);
  EXPECT_FALSE(resources.ok()) << text << " parsed as "
                               << (resources.ok() ? resources->toString() : "");
  return resources.ok() ? "" : resources.error().message;
}

const Resource* findResource(const Resources& resources, std::string_view name) {
  for (const Resource& resource : resources) {
    if (resource.name() == name) return &resource;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Parsing the text form.

TEST(ResourcesParseText, AgentFlagExample) {
  Resources resources =
      parseOk("cpus:24;mem:24576;disk:409600;ports:[31000-32000];bugs(debug):{a,b}");
  EXPECT_EQ(resources.size(), 5u);
  EXPECT_EQ(resources.cpus(), 24.0);
  EXPECT_EQ(resources.mem(), 24576.0);
  EXPECT_EQ(resources.disk(), 409600.0);
  ASSERT_TRUE(resources.ports().has_value());
  EXPECT_EQ(values::toString(*resources.ports()), "[31000-32000]");

  const Resource* bugs = findResource(resources, "bugs");
  ASSERT_NE(bugs, nullptr);
  EXPECT_EQ(bugs->type(), Value::SET);
  EXPECT_FALSE(bugs->has_role());  // refined format only
  ASSERT_EQ(bugs->reservations_size(), 1);
  EXPECT_EQ(bugs->reservations(0).type(), Resource::ReservationInfo::STATIC);
  EXPECT_EQ(bugs->reservations(0).role(), "debug");
  EXPECT_EQ(reservationRole(*bugs), "debug");
  EXPECT_TRUE(isUnreserved(*findResource(resources, "cpus")));
}

TEST(ResourcesParseText, WhitespaceAndEmptyTokensAreFine) {
  EXPECT_EQ(parseOk("  cpus : 2 ; ; mem(a) : 10 ;ports: [ 1-2 , 4-5 ];"),
            parseOk("cpus:2;mem(a):10;ports:[1-2,4-5]"));
  EXPECT_TRUE(parseOk("").empty());
  EXPECT_TRUE(parseOk(" ; ").empty());
}

TEST(ResourcesParseText, EqualIdentitiesCombine) {
  Resources resources = parseOk("cpus:1;cpus:2;ports:[1-3];ports:[4-5];s:{a};s:{b,a}");
  EXPECT_EQ(resources.size(), 3u);
  EXPECT_EQ(resources, parseOk("cpus:3;ports:[1-5];s:{a,b}"));
}

TEST(ResourcesParseText, DifferentReservationsStayApart) {
  Resources resources = parseOk("cpus:1;cpus(a):2;cpus(a/b):4");
  EXPECT_EQ(resources.size(), 3u);
  EXPECT_EQ(resources.cpus(), 7.0);  // the sum over every role
}

TEST(ResourcesParseText, EmptyResourcesAreDropped) {
  EXPECT_TRUE(parseOk("cpus:0;ports:[];s:{}").empty());
}

TEST(ResourcesParseText, ScalarsAreRoundedToThreeDecimals) {
  Resources resources = parseOk("cpus:0.1;cpus:0.2;mem:1.0004");
  EXPECT_EQ(resources.cpus(), 0.3);
  EXPECT_EQ(resources.mem(), 1.0);
  EXPECT_EQ(resources.toString(), "cpus:0.3;mem:1");
}

TEST(ResourcesParseText, DefaultRole) {
  Resources resources = parseOk("cpus:1;mem(*):2;disk(other):3", "ops");
  EXPECT_EQ(resources.reserved("ops").cpus(), 1.0);
  EXPECT_EQ(resources.unreserved().mem(), 2.0);
  EXPECT_EQ(resources.reserved("other").disk(), 3.0);
  EXPECT_THAT(parseError("cpus:1", "a//b"), HasSubstr("invalid default role"));
}

TEST(ResourcesParseText, ErrorsNameTheTokenAndItsPosition) {
  EXPECT_EQ(parseError("cpus:abc"),
            "invalid resource 'cpus:abc' at position 0: 'abc' is not a number");
  EXPECT_THAT(parseError("cpus:1; mem:abc"),
              HasSubstr("invalid resource 'mem:abc' at position 8: 'abc' is not a number"));
  EXPECT_THAT(parseError("cpus"), HasSubstr("'cpus' at position 0: missing ':'"));
  EXPECT_THAT(parseError("cpus:1:2"), HasSubstr("'cpus:1:2' at position 0: unexpected ':' at "
                                                "position 6"));
  EXPECT_THAT(parseError(":1"), HasSubstr("':1' at position 0: empty resource name"));
  EXPECT_THAT(parseError("cp us:1"), HasSubstr("resource name 'cp us' is not a word"));
  EXPECT_THAT(parseError("cpus:"), HasSubstr("'cpus:' at position 0: empty value at position 5"));
  EXPECT_THAT(parseError("cpus:-1"), HasSubstr("'cpus:-1' at position 0: resource 'cpus': "
                                               "scalar '-1' is negative"));
  EXPECT_THAT(parseError("cpus:nan"), HasSubstr("'nan' is not a number"));
  EXPECT_THAT(parseError("cpus:inf"), HasSubstr("'inf' is not a number"));
  EXPECT_THAT(parseError("cpus:1e999"), HasSubstr("'1e999' at position 5 is out of range"));
  EXPECT_THAT(parseError("mem:1e13"), HasSubstr("scalar '10000000000000' is larger than"));
  EXPECT_THAT(parseError("cpus:0.0001"), HasSubstr("'0.0001' is below the smallest step, 0.001"));
  EXPECT_THAT(parseError("ports:[5-3]"),
              HasSubstr("'ports:[5-3]' at position 0: range '5-3' at position 7 has begin > end"));
  EXPECT_THAT(parseError("ports:[1-3"), HasSubstr("'[' at position 6 is not closed"));
  EXPECT_THAT(parseError("ports:[1-3]]"), HasSubstr("unexpected ']' after ']' at position 11"));
  EXPECT_THAT(parseError("ports:[a-3]"), HasSubstr("'a' at position 7 is not a non-negative"));
  EXPECT_THAT(parseError("bugs:{a,a}"), HasSubstr("duplicate set item 'a' at position 8"));
  EXPECT_THAT(parseError("cpus(a:1"), HasSubstr("'(' at position 4 is not closed"));
  EXPECT_THAT(parseError("cpus(a(b)):1"), HasSubstr("'(' at position 4 is not closed"));
  EXPECT_THAT(parseError("cpus)a:1"), HasSubstr("unexpected ')' at position 4"));
  EXPECT_THAT(parseError("cpus(a)x:1"), HasSubstr("unexpected 'x' after the role at position 7"));
  EXPECT_THAT(parseError("cpus():1"), HasSubstr("empty role"));
  EXPECT_THAT(parseError("cpus(.):1"), HasSubstr("role '.' has '.' as a component"));
  EXPECT_THAT(parseError("cpus(a/../b):1"), HasSubstr("has '..' as a component"));
  EXPECT_THAT(parseError("cpus(-a):1"), HasSubstr("starting with '-'"));
  EXPECT_THAT(parseError("cpus(a//b):1"), HasSubstr("role 'a//b' contains '//'"));
  EXPECT_THAT(parseError("cpus(/a):1"), HasSubstr("starts with '/'"));
  EXPECT_THAT(parseError("cpus(a/*):1"), HasSubstr("has '*' as a component"));
  EXPECT_THAT(parseError("cpus(a\tb):1"), HasSubstr("whitespace or a control character"));
  EXPECT_THAT(parseError("cpus:1;mem:2;cpus:{a}"),
              HasSubstr("invalid resource 'cpus:{a}' at position 13: 'cpus' is SET here but "
                        "SCALAR in 'cpus:1' at position 0"));
  EXPECT_THAT(parseError(std::string("cpus:1;\x01x:2")), HasSubstr("'\\x01x:2' at position 7"));
}

// ---------------------------------------------------------------------------
// Parsing the JSON form.

TEST(ResourcesParseJson, BriefExample) {
  Resources resources = parseOk(
      R"( [{"name":"cpus","type":"SCALAR","scalar":{"value":24}},)"
      R"({"name":"ports","type":"RANGES","ranges":{"range":[{"begin":21000,"end":24000}]}},)"
      R"({"name":"bugs","type":"SET","set":{"item":["a"]},"role":"debug"}])");
  EXPECT_EQ(resources, parseOk("cpus:24;ports:[21000-24000];bugs(debug):{a}"));
  const Resource* bugs = findResource(resources, "bugs");
  ASSERT_NE(bugs, nullptr);
  EXPECT_FALSE(bugs->has_role());
  ASSERT_EQ(bugs->reservations_size(), 1);
  EXPECT_EQ(bugs->reservations(0).type(), Resource::ReservationInfo::STATIC);
}

TEST(ResourcesParseJson, StringRangesAndDefaultRole) {
  // 64-bit numbers may come as strings (protobuf's canonical JSON).
  Resources resources = parseOk(
      R"([{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":"1","end":"5"}]}}])", "r");
  EXPECT_EQ(resources, parseOk("ports(r):[1-5]"));
}

TEST(ResourcesParseJson, DeprecatedRoleAndReservationBecomeDynamic) {
  Resources resources =
      parseOk(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":2},"role":"web",)"
              R"("reservation":{"principal":"ops"}}])");
  const Resource& cpus = *resources.begin();
  EXPECT_FALSE(cpus.has_role());
  EXPECT_FALSE(cpus.has_reservation());
  ASSERT_EQ(cpus.reservations_size(), 1);
  EXPECT_EQ(cpus.reservations(0).type(), Resource::ReservationInfo::DYNAMIC);
  EXPECT_EQ(cpus.reservations(0).role(), "web");
  EXPECT_EQ(cpus.reservations(0).principal(), "ops");
  EXPECT_THAT(validateCommandLineResources(resources).error().message,
              HasSubstr("dynamic reservations cannot be given on the command line"));
}

TEST(ResourcesParseJson, RefinedReservations) {
  Resources resources =
      parseOk(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":2},"reservations":[)"
              R"({"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"a/b","principal":"p"}]}])");
  EXPECT_EQ(reservationRole(*resources.begin()), "a/b");
  EXPECT_EQ(resources.reserved("a/b").cpus(), 2.0);
  EXPECT_TRUE(resources.reserved("a").empty());
}

TEST(ResourcesParseJson, Errors) {
  EXPECT_THAT(parseError("[1,"), StartsWith("invalid resources JSON at position 3:"));
  EXPECT_THAT(Resources::parseJson("{}").error().message,
              HasSubstr("must be an array of Resource objects, not object"));
  EXPECT_THAT(parseError("[3]"), HasSubstr("resources[0]: expected a Resource object, not number"));
  const std::string cpus = R"({"name":"cpus","type":"SCALAR","scalar":{"value":1}})";
  EXPECT_THAT(parseError("[" + cpus + R"(,{"name":"mem","type":"SCALAR","scalar":{"value":-1}}])"),
              HasSubstr("resources[1]: resource 'mem': scalar '-1' is negative"));
  EXPECT_THAT(parseError(R"([{"name":"","type":"SCALAR","scalar":{"value":1}}])"),
              HasSubstr("resources[0]: empty resource name"));
  EXPECT_THAT(parseError(R"([{"name":"cpus","type":"SCALAR","ranges":{"range":[]}}])"),
              HasSubstr("resources[0]: resource 'cpus': a SCALAR resource sets 'scalar'"));
  EXPECT_THAT(parseError(R"([{"name":"x","type":"TEXT","text":{"value":"a"}}])"),
              HasSubstr("resources[0]"));
  EXPECT_THAT(
      parseError(
          R"([{"name":"p","type":"RANGES","ranges":{"range":[{"begin":1,"end":5},{"begin":5,"end":7}]}}])"),
      HasSubstr("resources[0]: resource 'p': ranges 1-5 and 5-7 overlap"));
  EXPECT_THAT(
      parseError(R"([{"name":"p","type":"RANGES","ranges":{"range":[{"begin":9,"end":5}]}}])"),
      HasSubstr("range 9-5 has begin > end"));
  EXPECT_THAT(parseError(R"([{"name":"s","type":"SET","set":{"item":["a","a"]}}])"),
              HasSubstr("duplicate set item 'a'"));
  EXPECT_THAT(parseError("[" + cpus + R"(,{"name":"cpus","type":"SET","set":{"item":["a"]}}])"),
              HasSubstr("resources[1]: 'cpus' is SET here but SCALAR in resources[0]"));
  EXPECT_THAT(parseError(R"([{"name":"c","type":"SCALAR","scalar":{"value":1},"role":"a//b"}])"),
              HasSubstr("resources[0]: resource 'c': role 'a//b' contains '//'"));
  EXPECT_THAT(parseError(R"([{"name":"c","type":"SCALAR","scalar":{"value":1},)"
                         R"("reservations":[{"type":"STATIC","role":"*"}]}])"),
              HasSubstr("reservations[0]: role '*' cannot be reserved"));
  EXPECT_THAT(parseError(R"([{"name":"c","type":"SCALAR","scalar":{"value":1},)"
                         R"("reservations":[{"role":"a"}]}])"),
              HasSubstr("reservations[0]: 'type' must be STATIC or DYNAMIC"));
  EXPECT_THAT(parseError(R"([{"name":"c","type":"SCALAR","scalar":{"value":1},"reservations":[)"
                         R"({"type":"STATIC","role":"a"},{"type":"STATIC","role":"a/b"}]}])"),
              HasSubstr("reservations[1]: a refined reservation cannot be STATIC"));
  EXPECT_THAT(parseError(R"([{"name":"c","type":"SCALAR","scalar":{"value":1},"reservations":[)"
                         R"({"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"ab"}]}])"),
              HasSubstr("role 'ab' is not a refinement of 'a'"));
  EXPECT_THAT(parseError(R"([{"name":"c","type":"SCALAR","scalar":{"value":1},"role":"x",)"
                         R"("reservations":[{"type":"STATIC","role":"a"}]}])"),
              HasSubstr("deprecated 'role' 'x' does not match 'reservations'"));
  EXPECT_THAT(parseError(R"([{"name":"c","type":"SCALAR","scalar":{"value":1},)"
                         R"("reservation":{"principal":"p"}}])"),
              HasSubstr("role '*' cannot be dynamically reserved"));
  EXPECT_THAT(parseError(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1},)"
                         R"("disk":{}}])"),
              HasSubstr("only 'disk' resources may have 'disk' info"));
  EXPECT_THAT(parseError(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1},)"
                         R"("shared":{}}])"),
              HasSubstr("only persistent volumes can be shared"));
  // Errors from the protobuf mapping keep the element's index.
  EXPECT_THAT(parseError(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":"x"}}])"),
              StartsWith("resources[0]"));
  EXPECT_THAT(parseError(R"([{"name":"cpus","type":"NOPE"}])"), StartsWith("resources[0]"));
}

TEST(ResourcesParseJson, FromProtosValidatesAndNormalises) {
  google::protobuf::RepeatedPtrField<Resource> protos;
  Resource* cpus = protos.Add();
  cpus->set_name("cpus");
  cpus->set_type(Value::SCALAR);
  cpus->mutable_scalar()->set_value(0.30000000000000004);
  cpus->set_role("a");
  Result<Resources> resources = Resources::fromProtos(protos);
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(resources->toString(), "cpus(a):0.3");

  cpus->mutable_scalar()->set_value(-1);
  EXPECT_THAT(Resources::fromProtos(protos).error().message,
              HasSubstr("resources[0]: resource 'cpus': scalar '-1' is negative"));
  EXPECT_FALSE(Resources::validate(*cpus).ok());
}

TEST(ResourcesParseJson, FromProtosRefusesNamesThatAreNotUtf8) {
  google::protobuf::RepeatedPtrField<Resource> protos;
  Resource* odd = protos.Add();
  odd->set_name("cp\xffus");  // binary protobuf can carry it; no JSON answer could
  odd->set_type(Value::SCALAR);
  odd->mutable_scalar()->set_value(1);
  auto refused = Resources::fromProtos(protos);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("not valid UTF-8"));
}

// ---------------------------------------------------------------------------
// Output.

TEST(ResourcesOutput, TextFormRoundTrips) {
  const std::string text = "cpus:24;mem(a/b):0.5;ports:[1-3,5-9];bugs(debug):{a,b}";
  EXPECT_EQ(parseOk(text).toString(), text);
  EXPECT_EQ(parseOk("").toString(), "");
}

TEST(ResourcesOutput, JsonFormWhenTextCannotSayIt) {
  Resources resources =
      parseOk(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":2},"revocable":{}},)"
              R"({"name":"mem","type":"SCALAR","scalar":{"value":2}}])");
  const std::string text = resources.toString();
  EXPECT_THAT(text, StartsWith("["));
  EXPECT_EQ(parseOk(text), resources);
  EXPECT_NE(resources, parseOk("cpus:2;mem:2"));  // revocable cpus are other cpus
}

TEST(ResourcesOutput, JsonHasRefinedReservationsOnly) {
  nlohmann::json json = parseOk("cpus(a):1;mem:2").toJson();
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["name"], "cpus");
  EXPECT_EQ(json[0]["type"], "SCALAR");
  EXPECT_EQ(json[0]["scalar"]["value"], 1.0);
  EXPECT_FALSE(json[0].contains("role"));
  EXPECT_EQ(json[0]["reservations"][0]["role"], "a");
  EXPECT_EQ(json[0]["reservations"][0]["type"], "STATIC");
  EXPECT_FALSE(json[1].contains("reservations"));
}

// ---------------------------------------------------------------------------
// Arithmetic.

TEST(ResourcesArithmetic, AddAndSubtract) {
  Resources total = parseOk("cpus:4;mem:1024;ports:[31000-32000];gpus:{g0,g1}");
  Resources task = parseOk("cpus:1.5;mem:256;ports:[31500-31500];gpus:{g1}");
  ASSERT_TRUE(total.contains(task));
  Resources left = total - task;
  EXPECT_EQ(left, parseOk("cpus:2.5;mem:768;ports:[31000-31499,31501-32000];gpus:{g0}"));
  EXPECT_EQ(left + task, total);
  EXPECT_FALSE(left.contains(task));
}

TEST(ResourcesArithmetic, FixedPointIsExact) {
  Resources resources = parseOk("cpus:0.1") + parseOk("cpus:0.2");
  EXPECT_EQ(resources, parseOk("cpus:0.3"));
  EXPECT_EQ(resources - parseOk("cpus:0.2"), parseOk("cpus:0.1"));
  EXPECT_EQ((resources - parseOk("cpus:0.2")).cpus(), 0.1);
}

TEST(ResourcesArithmetic, SubtractingMoreThanThereClampsAtZero) {
  EXPECT_TRUE((parseOk("cpus:1") - parseOk("cpus:2")).empty());
  EXPECT_EQ(parseOk("cpus:1;mem:5") - parseOk("cpus:2;disk:3"), parseOk("mem:5"));
  EXPECT_EQ(parseOk("ports:[1-5]") - parseOk("ports:[4-9]"), parseOk("ports:[1-3]"));
}

TEST(ResourcesArithmetic, ReservationsDoNotMix) {
  Resources resources = parseOk("cpus(a):2");
  EXPECT_FALSE(resources.contains(parseOk("cpus:1")));
  EXPECT_EQ(resources - parseOk("cpus:1"), resources);
  EXPECT_EQ((resources + parseOk("cpus:1")).size(), 2u);
}

TEST(ResourcesArithmetic, SelfOperations) {
  Resources resources = parseOk("cpus:2;ports:[1-2]");
  resources += resources;
  EXPECT_EQ(resources, parseOk("cpus:4;ports:[1-2]"));
  resources -= resources;
  EXPECT_TRUE(resources.empty());
}

TEST(ResourcesArithmetic, PersistentVolumesAreAtomic) {
  const std::string volume =
      R"({"name":"disk","type":"SCALAR","scalar":{"value":100},"role":"db",)"
      R"("reservation":{"principal":"p"},"disk":{"persistence":{"id":"v1"}}})";
  Resources two = parseOk("[" + volume + "," + volume + "]");
  EXPECT_EQ(two.size(), 2u);  // not combined into one 200 MB volume
  Resources one = parseOk("[" + volume + "]");
  EXPECT_EQ(two - one, one);
  EXPECT_TRUE(two.contains(one + one));
  EXPECT_FALSE(one.contains(two));
  // Part of a volume is not the volume.
  std::string halfVolume = volume;
  halfVolume.replace(halfVolume.find("100"), 3, "50");
  EXPECT_FALSE(two.contains(parseOk("[" + halfVolume + "]")));
  EXPECT_EQ(two - parseOk("[" + halfVolume + "]"), two);
  EXPECT_THAT(validateCommandLineResources(one).error().message,
              HasSubstr("persistent volumes cannot be given on the command line"));
}

TEST(ResourcesArithmetic, SharedVolumesCountCopies) {
  const std::string shared = R"({"name":"disk","type":"SCALAR","scalar":{"value":10},"shared":{},)"
                             R"("disk":{"persistence":{"id":"s"}}})";
  Resources one = parseOk("[" + shared + "]");
  Resources two = one + one;
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(two.disk(), 20.0);
  EXPECT_EQ(two - one, one);
  EXPECT_TRUE((two - one - one).empty());
}

// ---------------------------------------------------------------------------
// Views.

TEST(ResourcesViews, RolesAndHierarchy) {
  Resources resources =
      parseOk("cpus:1;cpus(a):2;cpus(a/b):4;cpus(a/b/c):8;cpus(a/b/c/d):16;cpus(ab):32;cpus(x):64");
  EXPECT_EQ(resources.unreserved().cpus(), 1.0);
  EXPECT_EQ(resources.reserved().cpus(), 126.0);
  EXPECT_EQ(resources.reserved("a/b").cpus(), 4.0);
  EXPECT_FALSE(resources.reserved("nobody").cpus().has_value());
  // Unreserved, plus reservations to a/b/c itself or its ancestors a and a/b.
  EXPECT_EQ(resources.allocatableTo("a/b/c").cpus(), 1.0 + 2 + 4 + 8);
  EXPECT_EQ(resources.allocatableTo("x").cpus(), 1.0 + 64);
  EXPECT_EQ(resources.allocatableTo("*").cpus(), 1.0);
  EXPECT_EQ(resources.filter([](const Resource& r) { return reservationRole(r) == "ab"; }).cpus(),
            32.0);
}

TEST(ResourcesViews, Subroles) {
  EXPECT_TRUE(isStrictSubrole("a/b", "a"));
  EXPECT_TRUE(isStrictSubrole("a/b/c", "a"));
  EXPECT_FALSE(isStrictSubrole("a", "a"));
  EXPECT_FALSE(isStrictSubrole("ab", "a"));
  EXPECT_FALSE(isStrictSubrole("a", "a/b"));
}

TEST(ResourcesViews, Accessors) {
  Resources resources = parseOk("ports:[1-2];ports(a):[5-6];cpus:{x}");
  EXPECT_FALSE(resources.cpus().has_value());  // a set named cpus is no scalar
  EXPECT_FALSE(resources.mem().has_value());
  EXPECT_EQ(values::toString(*resources.ports()), "[1-2,5-6]");
  EXPECT_FALSE(parseOk("cpus:1").ports().has_value());
}

// ---------------------------------------------------------------------------
// Properties over many random resources.

class RandomResources {
 public:
  explicit RandomResources(uint32_t seed) : random_(seed) {}

  // With `extras`, also what only JSON can say: dynamic and refined reservations,
  // revocable, allocation info, persistent (and shared) volumes.
  Resources next(bool extras) {
    google::protobuf::RepeatedPtrField<Resource> protos;
    for (int i = 0, n = pick(0, 6); i < n; ++i)
      *protos.Add() = resource(extras);
    Result<Resources> resources = Resources::fromProtos(protos);
    EXPECT_TRUE(resources.ok()) << resources.error().message;
    return resources.ok() ? *resources : Resources();
  }

 private:
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  Resource resource(bool extras) {
    static const char* const kScalars[] = {"cpus", "mem", "disk", "gpus"};
    static const char* const kRanges[] = {"ports", "ephemeral_ports"};
    static const char* const kSets[] = {"bugs", "devices"};
    static const char* const kRoles[] = {"a", "a/b", "b"};

    Resource resource;
    switch (pick(0, 2)) {
      case 0: {
        resource.set_name(kScalars[pick(0, 3)]);
        resource.set_type(Value::SCALAR);
        const int64_t fixed = std::uniform_int_distribution<int64_t>(1, 1'000'000'000)(random_);
        resource.mutable_scalar()->set_value(values::fromFixed(fixed));
        break;
      }
      case 1: {
        resource.set_name(kRanges[pick(0, 1)]);
        resource.set_type(Value::RANGES);
        uint64_t begin = static_cast<uint64_t>(pick(0, 100));
        for (int i = 0, n = pick(1, 3); i < n; ++i) {
          Value::Range* range = resource.mutable_ranges()->add_range();
          range->set_begin(begin);
          range->set_end(begin + static_cast<uint64_t>(pick(0, 50)));
          begin = range->end() + static_cast<uint64_t>(pick(1, 100));
        }
        break;
      }
      default: {
        resource.set_name(kSets[pick(0, 1)]);
        resource.set_type(Value::SET);
        for (char item = 'a'; item <= 'h'; ++item) {
          if (pick(0, 2) == 0) resource.mutable_set()->add_item(std::string(1, item));
        }
        if (resource.set().item_size() == 0) resource.mutable_set()->add_item("z");
        break;
      }
    }
    if (pick(0, 1) == 0) {
      auto* reservation = resource.add_reservations();
      reservation->set_type(Resource::ReservationInfo::STATIC);
      reservation->set_role(kRoles[pick(0, 2)]);
    }
    if (!extras) return resource;

    switch (pick(0, 5)) {
      case 0: {  // dynamic, possibly refined
        resource.clear_reservations();
        auto* first = resource.add_reservations();
        first->set_type(pick(0, 1) ? Resource::ReservationInfo::STATIC
                                   : Resource::ReservationInfo::DYNAMIC);
        first->set_role("a");
        auto* second = resource.add_reservations();
        second->set_type(Resource::ReservationInfo::DYNAMIC);
        second->set_role("a/b");
        second->set_principal("p" + std::to_string(pick(0, 1)));
        break;
      }
      case 1:
        resource.mutable_revocable();
        break;
      case 2:
        resource.mutable_allocation_info()->set_role(kRoles[pick(0, 2)]);
        break;
      case 3:  // a persistent volume, sometimes shared
        resource.set_name("disk");
        resource.set_type(Value::SCALAR);
        resource.clear_ranges();
        resource.clear_set();
        resource.mutable_scalar()->set_value(pick(1, 3));
        resource.mutable_disk()->mutable_persistence()->set_id("v" + std::to_string(pick(0, 2)));
        if (pick(0, 1)) resource.mutable_shared();
        break;
      default:
        break;
    }
    return resource;
  }

  std::mt19937 random_;
};

constexpr int kRounds = 2000;

void checkProperties(bool extras) {
  RandomResources generator(extras ? 20240 : 1234);
  for (int round = 0; round < kRounds; ++round) {
    const Resources b = generator.next(extras);
    // Subtracting b first makes a's ranges and sets disjoint from b's, the case in
    // which (a + b) - b == a must hold (for overlapping sets it cannot).
    const Resources a = generator.next(extras) - b;
    SCOPED_TRACE("a = " + a.toString() + "\nb = " + b.toString());

    ASSERT_EQ((a + b) - b, a);
    ASSERT_EQ(a + b, b + a);
    ASSERT_TRUE((a + b).contains(a));
    ASSERT_TRUE((a + b).contains(b));
    ASSERT_TRUE(a.contains(a - b));
    ASSERT_TRUE(((a + b) - (a + b)).empty());

    // text -> parse -> text is identical; so is JSON -> parse -> text.
    const std::string text = a.toString();
    Result<Resources> reparsed = Resources::parse(text);
    ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
    ASSERT_EQ(*reparsed, a);
    ASSERT_EQ(reparsed->toString(), text);
    if (!extras) {
      ASSERT_TRUE(text.empty() || text.front() != '[') << text;
    }

    Result<Resources> fromJson = Resources::fromJson(a.toJson());
    ASSERT_TRUE(fromJson.ok()) << fromJson.error().message;
    ASSERT_EQ(*fromJson, a);
    ASSERT_EQ(fromJson->toString(), text);
    Result<Resources> fromJsonText = Resources::parse(a.toJson().dump());
    ASSERT_TRUE(fromJsonText.ok()) << fromJsonText.error().message;
    ASSERT_EQ(*fromJsonText, a);
  }
}

TEST(ResourcesProperties, TextExpressibleResources) {
  checkProperties(/*extras=*/false);
}

TEST(ResourcesProperties, ResourcesOnlyJsonCanExpress) {
  checkProperties(/*extras=*/true);
}

// ---------------------------------------------------------------------------
// Auto-detection of the host's resources.

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(HostResources, FillsWhatIsMissingByMesosRules) {
  Result<Resources> resources = applyHostDefaults(Resources(), HostFacts{8, 24 * kGiB, 100 * kGiB});
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(*resources, parseOk("cpus:8;mem:23552;disk:97280;ports:[31000-32000]"));
}

TEST(HostResources, SmallHostsKeepHalf) {
  Result<Resources> resources =
      applyHostDefaults(Resources(), HostFacts{1, 1536ull << 20, 8 * kGiB});
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(resources->mem(), 768.0);
  EXPECT_EQ(resources->disk(), 4096.0);
}

TEST(HostResources, Thresholds) {
  auto detected = [](uint64_t memory, uint64_t disk) {
    Result<Resources> resources = applyHostDefaults(Resources(), HostFacts{1, memory, disk});
    EXPECT_TRUE(resources.ok());
    return std::make_pair(*resources->mem(), *resources->disk());
  };
  EXPECT_EQ(detected(2 * kGiB, 10 * kGiB), std::make_pair(1024.0, 5120.0));
  EXPECT_EQ(detected(2 * kGiB - 1, 10 * kGiB - 1), std::make_pair(1023.0, 5119.0));
  // Whole megabytes, rounded down.
  EXPECT_EQ(detected(3 * kGiB + 123456, 20 * kGiB + 999), std::make_pair(2048.0, 15360.0));
}

TEST(HostResources, KeepsWhatIsGivenInAnyRole) {
  Resources given = parseOk("cpus(a):2;ports:[5000-6000]");
  Result<Resources> resources = applyHostDefaults(given, HostFacts{16, 4 * kGiB, 20 * kGiB});
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(*resources, parseOk("cpus(a):2;ports:[5000-6000];mem:3072;disk:15360"));
}

TEST(HostResources, DetectedResourcesTakeTheDefaultRole) {
  Result<Resources> resources =
      applyHostDefaults(parseOk("mem:1"), HostFacts{2, 4 * kGiB, 20 * kGiB}, "agent");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(*resources,
            parseOk("mem:1;cpus(agent):2;disk(agent):15360;ports(agent):[31000-32000]"));
}

TEST(HostResources, ProbesThisHost) {
  // The work dir need not exist yet: its nearest existing ancestor is measured.
  Result<HostFacts> facts = probeHostFacts("/nonexistent-mesolite-test/work");
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_GE(facts->cpus, 1u);
  EXPECT_GT(facts->memoryBytes, 0u);
  EXPECT_GT(facts->diskBytes, 0u);

  Result<Resources> resources = detectHostResources(parseOk("cpus:1"), "/tmp");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(resources->cpus(), 1.0);
  EXPECT_TRUE(resources->mem().has_value());
  EXPECT_TRUE(resources->disk().has_value());
  EXPECT_EQ(values::toString(*resources->ports()), "[31000-32000]");
}

}  // namespace
}  // namespace mesolite
