#include "common/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bitset>
#include <cstdint>
#include <limits>
#include <random>

namespace mesolite::values {
namespace {

using mesos::v1::Value;
using ::testing::HasSubstr;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

Value::Set makeSet(std::initializer_list<std::string> items) {
  Value::Set set;
  for (const std::string& item : items)
    set.add_item(item);
  return set;
}

Value parseOk(std::string_view text) {
  Result<Value> value = parse(text);
  EXPECT_TRUE(value.ok()) << text << ": " << value.error().message;
  return value.ok() ? *value : Value();
}

std::string parseError(std::string_view text, size_t position = 0) {
  Result<Value> value = parse(text, position);
  EXPECT_FALSE(value.ok()) << text << " parsed as " << (value.ok() ? toString(*value) : "");
  return value.ok() ? "" : value.error().message;
}

// ---------------------------------------------------------------------------
// Scalars.

TEST(ScalarTest, FixedPointMakesDecimalArithmeticExact) {
  Value::Scalar sum = add(makeScalar(0.1), makeScalar(0.2));
  EXPECT_TRUE(equals(sum, makeScalar(0.3)));
  EXPECT_EQ(sum.value(), 0.3);  // the very double 0.3, not 0.30000000000000004
  EXPECT_EQ(subtract(sum, makeScalar(0.2)).value(), 0.1);
}

TEST(ScalarTest, RoundsToThreeDecimals) {
  EXPECT_EQ(toFixed(1.0004), 1000);
  EXPECT_EQ(toFixed(1.0005), 1001);
  EXPECT_EQ(toFixed(-0.0016), -2);
  EXPECT_EQ(roundScalar(0.12345), 0.123);
  EXPECT_TRUE(equals(makeScalar(1.0001), makeScalar(1.0)));
  EXPECT_FALSE(equals(makeScalar(1.001), makeScalar(1.0)));
}

TEST(ScalarTest, ClampsAndSaturates) {
  EXPECT_EQ(toFixed(1e300), kMaxFixed);
  EXPECT_EQ(toFixed(-1e300), -kMaxFixed);
  EXPECT_EQ(toFixed(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(add(makeScalar(kMaxScalar), makeScalar(kMaxScalar)).value(), kMaxScalar);
  EXPECT_EQ(subtract(makeScalar(0), makeScalar(kMaxScalar)).value(), -kMaxScalar);
}

TEST(ScalarTest, FixedPointRoundTripsExactlyUpToTheMaximum) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> anyFixed(-kMaxFixed, kMaxFixed);
  for (int i = 0; i < 100000; ++i) {
    const int64_t fixed = i < 1000 ? kMaxFixed - i : anyFixed(random);
    ASSERT_EQ(toFixed(fromFixed(fixed)), fixed) << fixed;
  }
}

TEST(ScalarTest, Contains) {
  EXPECT_TRUE(contains(makeScalar(2), makeScalar(1.999)));
  EXPECT_TRUE(contains(makeScalar(2), makeScalar(2.0004)));  // equal in fixed point
  EXPECT_FALSE(contains(makeScalar(2), makeScalar(2.001)));
}

TEST(ScalarTest, PrintsShortestFixedNotation) {
  EXPECT_EQ(toString(24.0), "24");
  EXPECT_EQ(toString(0.5), "0.5");
  EXPECT_EQ(toString(1e12), "1000000000000");
  EXPECT_EQ(toString(roundScalar(0.1 + 0.2)), "0.3");
  EXPECT_EQ(toString(-2.25), "-2.25");
}

// ---------------------------------------------------------------------------
// Ranges.

TEST(RangesTest, NormalizeSortsAndMergesOverlappingAndAdjacent) {
  EXPECT_EQ(toString(makeRanges({{4, 5}, {1, 3}})), "[1-5]");
  EXPECT_EQ(toString(makeRanges({{10, 20}, {1, 3}, {15, 30}, {2, 2}})), "[1-3,10-30]");
  EXPECT_EQ(toString(makeRanges({{1, 3}, {5, 6}})), "[1-3,5-6]");
  EXPECT_EQ(toString(makeRanges({{0, kMax}, {5, 6}})), "[0-18446744073709551615]");
  EXPECT_EQ(toString(makeRanges({{kMax, kMax}, {kMax - 1, kMax - 1}})),
            "[18446744073709551614-18446744073709551615]");
}

TEST(RangesTest, AddMerges) {
  EXPECT_TRUE(equals(add(makeRanges({{1, 3}}), makeRanges({{4, 10}})), makeRanges({{1, 10}})));
  EXPECT_TRUE(
      equals(add(makeRanges({{1, 3}}), makeRanges({{5, 10}})), makeRanges({{1, 3}, {5, 10}})));
}

TEST(RangesTest, SubtractSplits) {
  EXPECT_EQ(toString(subtract(makeRanges({{1, 10}}), makeRanges({{4, 6}}))), "[1-3,7-10]");
  EXPECT_EQ(toString(subtract(makeRanges({{1, 10}}), makeRanges({{1, 10}}))), "[]");
  EXPECT_EQ(toString(subtract(makeRanges({{1, 10}}), makeRanges({{0, 3}, {9, 20}}))), "[4-8]");
  EXPECT_EQ(toString(subtract(makeRanges({{1, 10}, {20, 30}}), makeRanges({{5, 25}}))),
            "[1-4,26-30]");
  EXPECT_EQ(toString(subtract(makeRanges({{1, 10}}), makeRanges({{2, 2}, {4, 4}, {6, 6}}))),
            "[1-1,3-3,5-5,7-10]");
  // Taking away what is not there changes nothing.
  EXPECT_EQ(toString(subtract(makeRanges({{1, 10}}), makeRanges({{11, 20}}))), "[1-10]");
  EXPECT_EQ(toString(subtract(makeRanges({{0, kMax}}), makeRanges({{0, 0}, {kMax, kMax}}))),
            "[1-18446744073709551614]");
}

TEST(RangesTest, Contains) {
  const Value::Ranges ports = makeRanges({{31000, 32000}, {40000, 40010}});
  EXPECT_TRUE(contains(ports, makeRanges({{31000, 31000}, {40005, 40010}})));
  EXPECT_TRUE(contains(ports, Value::Ranges()));
  EXPECT_FALSE(contains(ports, makeRanges({{31999, 32001}})));
  EXPECT_FALSE(contains(ports, makeRanges({{32500, 32600}})));
  EXPECT_TRUE(contains(ports, 40010));
  EXPECT_FALSE(contains(ports, 40011));
  // Adjacent ranges on the left merge, so the union contains the spanning range.
  EXPECT_TRUE(contains(makeRanges({{1, 3}, {4, 6}}), makeRanges({{2, 5}})));
}

TEST(RangesTest, Count) {
  EXPECT_EQ(count(makeRanges({{31000, 32000}})), 1001u);
  EXPECT_EQ(count(makeRanges({{1, 1}, {3, 4}})), 3u);
  EXPECT_EQ(count(makeRanges({{0, kMax}})), kMax);
}

TEST(RangesTest, Validate) {
  Value::Ranges inverted;
  inverted.add_range()->set_begin(5);
  inverted.mutable_range(0)->set_end(3);
  EXPECT_THAT(validate(inverted, true).error().message, HasSubstr("5-3 has begin > end"));

  Value::Ranges overlapping;
  overlapping.add_range()->set_begin(1);
  overlapping.mutable_range(0)->set_end(5);
  overlapping.add_range()->set_begin(5);
  overlapping.mutable_range(1)->set_end(7);
  EXPECT_TRUE(validate(overlapping, /*allowOverlap=*/true).ok());
  EXPECT_THAT(validate(overlapping, /*allowOverlap=*/false).error().message,
              HasSubstr("1-5 and 5-7 overlap"));
}

TEST(RangesTest, RandomAddSubtractAgreeWithBitmap) {
  std::mt19937 random(7);
  std::uniform_int_distribution<uint64_t> number(0, 63);
  auto randomRanges = [&](std::bitset<64>* bits) {
    Value::Ranges ranges;
    for (int i = 0, n = static_cast<int>(number(random) % 5); i < n; ++i) {
      uint64_t a = number(random), b = number(random);
      if (a > b) std::swap(a, b);
      Value::Range* range = ranges.add_range();
      range->set_begin(a);
      range->set_end(b);
      for (uint64_t k = a; k <= b; ++k)
        bits->set(k);
    }
    return ranges;
  };
  auto toBits = [](const Value::Ranges& ranges) {
    std::bitset<64> bits;
    for (const Value::Range& range : ranges.range()) {
      for (uint64_t k = range.begin(); k <= range.end(); ++k)
        bits.set(k);
    }
    return bits;
  };
  for (int i = 0; i < 2000; ++i) {
    std::bitset<64> a, b;
    Value::Ranges left = randomRanges(&a), right = randomRanges(&b);
    ASSERT_EQ(toBits(add(left, right)), a | b);
    ASSERT_EQ(toBits(subtract(left, right)), a & ~b);
    ASSERT_EQ(contains(left, right), (a & b) == b);
    // Results are normalised: sorted, and neither overlapping nor adjacent.
    Value::Ranges sum = add(left, right);
    for (int k = 1; k < sum.range_size(); ++k) {
      ASSERT_GT(sum.range(k).begin(), sum.range(k - 1).end() + 1);
    }
  }
}

// ---------------------------------------------------------------------------
// Sets.

TEST(SetTest, Arithmetic) {
  const Value::Set abc = makeSet({"a", "b", "c"});
  EXPECT_EQ(toString(add(makeSet({"a", "b"}), makeSet({"b", "c"}))), "{a,b,c}");
  EXPECT_EQ(toString(subtract(abc, makeSet({"b", "x"}))), "{a,c}");
  EXPECT_TRUE(contains(abc, makeSet({"c", "a"})));
  EXPECT_FALSE(contains(abc, makeSet({"a", "d"})));
  EXPECT_TRUE(equals(abc, makeSet({"c", "b", "a"})));
  EXPECT_FALSE(equals(abc, makeSet({"a", "b"})));
}

TEST(SetTest, Validate) {
  EXPECT_TRUE(validate(makeSet({"a", "b"})).ok());
  EXPECT_THAT(validate(makeSet({"a", "a"})).error().message, HasSubstr("duplicate set item 'a'"));
  EXPECT_THAT(validate(makeSet({""})).error().message, HasSubstr("empty set item"));
}

// ---------------------------------------------------------------------------
// Parsing.

TEST(ParseTest, Scalars) {
  Value value = parseOk("24");
  EXPECT_EQ(value.type(), Value::SCALAR);
  EXPECT_EQ(value.scalar().value(), 24);
  EXPECT_EQ(parseOk(" 0.5 ").scalar().value(), 0.5);
  EXPECT_EQ(parseOk("-3").scalar().value(), -3);
  EXPECT_EQ(parseOk("1e3").scalar().value(), 1000);
}

TEST(ParseTest, Ranges) {
  Value value = parseOk("[21000-24000,30000-34000]");
  EXPECT_EQ(value.type(), Value::RANGES);
  EXPECT_EQ(toString(value), "[21000-24000,30000-34000]");
  EXPECT_EQ(toString(parseOk("[ 4-5 , 1 - 3 ]")), "[1-5]");
  EXPECT_EQ(toString(parseOk("[]")), "[]");
  EXPECT_EQ(toString(parseOk("[0-18446744073709551615]")), "[0-18446744073709551615]");
}

TEST(ParseTest, Sets) {
  Value value = parseOk("{a,b,c}");
  EXPECT_EQ(value.type(), Value::SET);
  EXPECT_EQ(toString(value), "{a,b,c}");
  EXPECT_EQ(toString(parseOk("{ x , y }")), "{x,y}");
  EXPECT_EQ(toString(parseOk("{}")), "{}");
}

TEST(ParseTest, Text) {
  Value value = parseOk("rack-1.west");
  EXPECT_EQ(value.type(), Value::TEXT);
  EXPECT_EQ(value.text().value(), "rack-1.west");
  // Not numbers: no resource wants them, and they should not become one by accident.
  EXPECT_EQ(parseOk("inf").type(), Value::TEXT);
  EXPECT_EQ(parseOk("nan").type(), Value::TEXT);
  EXPECT_EQ(parseOk("0x10").type(), Value::TEXT);
  EXPECT_EQ(parseOk("12abc").type(), Value::TEXT);
  EXPECT_EQ(parseOk("héllo").type(), Value::TEXT);
}

TEST(ParseTest, ErrorsNameTokenAndPosition) {
  EXPECT_THAT(parseError(""), HasSubstr("empty value at position 0"));
  EXPECT_THAT(parseError("   ", 10), HasSubstr("empty value at position 10"));
  EXPECT_THAT(parseError("[1-3"), HasSubstr("'[' at position 0 is not closed"));
  EXPECT_THAT(parseError("{a,b"), HasSubstr("'{' at position 0 is not closed"));
  EXPECT_THAT(parseError("[1-3]]"), HasSubstr("unexpected ']' after ']' at position 5"));
  EXPECT_THAT(parseError("[1-3]x", 6), HasSubstr("unexpected 'x' after ']' at position 11"));
  EXPECT_THAT(parseError("[1-[3]]"), HasSubstr("unexpected '[' at position 3"));
  EXPECT_THAT(parseError("a]"), HasSubstr("unexpected ']' at position 1"));
  EXPECT_THAT(parseError("[1-x]"), HasSubstr("'x' at position 3 is not a non-negative integer"));
  EXPECT_THAT(parseError("[1--2]"), HasSubstr("'-2' at position 3 is not a non-negative integer"));
  EXPECT_THAT(parseError("[5-3]"), HasSubstr("range '5-3' at position 1 has begin > end"));
  EXPECT_THAT(parseError("[7]"),
              HasSubstr("'7' at position 1 is not a range (expected begin-end)"));
  EXPECT_THAT(parseError("[1-2,,3-4]"), HasSubstr("empty range at position 5"));
  EXPECT_THAT(parseError("[1-99999999999999999999]"),
              HasSubstr("'99999999999999999999' at position 3 is out of range"));
  EXPECT_THAT(parseError("{a,b,a}"), HasSubstr("duplicate set item 'a' at position 5"));
  EXPECT_THAT(parseError("{a,,b}"), HasSubstr("empty set item at position 3"));
  EXPECT_THAT(parseError("{a b}"), HasSubstr("set item 'a b' at position 1 contains whitespace"));
  EXPECT_THAT(parseError("a b"), HasSubstr("'a b' at position 0 contains whitespace"));
  EXPECT_THAT(parseError("1e999"), HasSubstr("'1e999' at position 0 is out of range"));
  EXPECT_THAT(parseError("a\x01z"), HasSubstr("'a\\x01z' at position 0 contains whitespace"));
  EXPECT_THAT(parseError("\xff\xfe"), HasSubstr("'\\xff\\xfe' at position 0 is not valid UTF-8"));
}

TEST(HelpersTest, PlainWordsAndUtf8) {
  EXPECT_TRUE(isPlainWord("cpus"));
  EXPECT_TRUE(isPlainWord("gpu.nvidia-1/x"));
  EXPECT_TRUE(isPlainWord("höst"));
  EXPECT_FALSE(isPlainWord(""));
  EXPECT_FALSE(isPlainWord("a b"));
  EXPECT_FALSE(isPlainWord("a:b"));
  EXPECT_FALSE(isPlainWord("a,b"));
  EXPECT_FALSE(isPlainWord("(a)"));
  EXPECT_TRUE(isValidUtf8("\xe2\x82\xac"));              // the euro sign
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));                 // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));             // a surrogate
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));                 // cut short
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));         // above U+10FFFF
  EXPECT_EQ(quote(std::string(300, 'x')).size(), 205u);  // 200 characters, quotes, "..."
}

}  // namespace
}  // namespace mesolite::values
