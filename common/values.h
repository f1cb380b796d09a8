// Arithmetic and text form of mesos::v1::Value parts (Scalar, Ranges, Set, Text),
// with Mesos's semantics:
//  - scalars are compared and added in fixed point with three decimal digits, so
//    0.1 + 0.2 - 0.2 == 0.1 exactly, however the doubles were produced;
//  - ranges are kept normalised: sorted, with overlapping and adjacent ranges merged
//    ([1-3,4-5] -> [1-5]); subtracting splits ranges;
//  - sets are sets of strings: order does not matter, duplicates are not allowed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::values {

// ---------------------------------------------------------------------------
// Scalars.

// Three decimal digits, as Mesos: 0.001 is the smallest step of any scalar.
inline constexpr int64_t kScalarScale = 1000;

// The largest scalar a resource may hold. Beyond about 2^42 a double no longer
// converts to fixed point and back exactly; 1e12 (an exabyte in MB) keeps every
// value exact and every sum of two values free of overflow. Sums saturate here.
inline constexpr double kMaxScalar = 1e12;
inline constexpr int64_t kMaxFixed = 1'000'000'000'000'000;  // kMaxScalar * kScalarScale

// Rounds to the nearest 0.001 and clamps to [-kMaxFixed, kMaxFixed]; NaN is 0.
int64_t toFixed(double value);
double fromFixed(int64_t fixed);
// The double a scalar holds once rounded to three decimal digits.
double roundScalar(double value);

mesos::v1::Value::Scalar makeScalar(double value);

bool equals(const mesos::v1::Value::Scalar& left, const mesos::v1::Value::Scalar& right);
// left >= right, in fixed point.
bool contains(const mesos::v1::Value::Scalar& left, const mesos::v1::Value::Scalar& right);
// Fixed-point sum and difference, saturating at +-kMaxScalar. The difference may be
// negative: callers that hold quantities clamp (see Resources).
mesos::v1::Value::Scalar add(const mesos::v1::Value::Scalar& left,
                             const mesos::v1::Value::Scalar& right);
mesos::v1::Value::Scalar subtract(const mesos::v1::Value::Scalar& left,
                                  const mesos::v1::Value::Scalar& right);

// ---------------------------------------------------------------------------
// Ranges. Every function accepts ranges in any order and returns normalised ones;
// a range with begin > end counts as empty (validate() rejects it on input).

void normalize(mesos::v1::Value::Ranges* ranges);
mesos::v1::Value::Ranges normalized(mesos::v1::Value::Ranges ranges);
mesos::v1::Value::Ranges makeRanges(
    std::initializer_list<std::pair<uint64_t, uint64_t>> beginEndPairs);

bool equals(const mesos::v1::Value::Ranges& left, const mesos::v1::Value::Ranges& right);
// Every number in `right` is in `left`.
bool contains(const mesos::v1::Value::Ranges& left, const mesos::v1::Value::Ranges& right);
bool contains(const mesos::v1::Value::Ranges& ranges, uint64_t number);
mesos::v1::Value::Ranges add(const mesos::v1::Value::Ranges& left,
                             const mesos::v1::Value::Ranges& right);
mesos::v1::Value::Ranges subtract(const mesos::v1::Value::Ranges& left,
                                  const mesos::v1::Value::Ranges& right);
// How many numbers the ranges hold (saturating at UINT64_MAX).
uint64_t count(const mesos::v1::Value::Ranges& ranges);

// Every range has begin <= end; with `allowOverlap` false (Mesos's rule for ranges
// that arrive as protobuf or JSON), no two ranges share a number either.
Result<void> validate(const mesos::v1::Value::Ranges& ranges, bool allowOverlap);

// ---------------------------------------------------------------------------
// Sets of strings.

bool equals(const mesos::v1::Value::Set& left, const mesos::v1::Value::Set& right);
bool contains(const mesos::v1::Value::Set& left, const mesos::v1::Value::Set& right);
// Union keeps the order of `left`, then the new items of `right`.
mesos::v1::Value::Set add(const mesos::v1::Value::Set& left, const mesos::v1::Value::Set& right);
mesos::v1::Value::Set subtract(const mesos::v1::Value::Set& left,
                               const mesos::v1::Value::Set& right);

// No empty and no duplicate items.
Result<void> validate(const mesos::v1::Value::Set& set);

// ---------------------------------------------------------------------------
// Text form: "24", "0.5", "[21000-24000,30000-34000]", "{a,b,c}", "rack1".

std::string toString(double scalar);  // shortest text that parses back to the same double
std::string toString(const mesos::v1::Value::Scalar& scalar);
std::string toString(const mesos::v1::Value::Ranges& ranges);
std::string toString(const mesos::v1::Value::Set& set);
std::string toString(const mesos::v1::Value& value);

// Parses one value. Whitespace around the value and around its items is ignored.
// A number is a SCALAR; "[b-e,...]" RANGES (normalised); "{a,...}" a SET; any other
// word (UTF-8, no whitespace, no brackets) TEXT, "inf" and "nan" included. Errors name the
// bad token and its position; `position` is where `text` starts in the caller's
// input, so positions in messages are the caller's.
Result<mesos::v1::Value> parse(std::string_view text, size_t position = 0);

// ---------------------------------------------------------------------------
// Helpers shared by the parsers built on values (resources, attributes).

// A word of the text grammars: non-empty, printable UTF-8, without whitespace and
// without any of the grammar's delimiters ; : ( ) [ ] { } ,
bool isPlainWord(std::string_view word);

// Well-formed UTF-8 (no overlong forms, no surrogates): JSON output needs it.
bool isValidUtf8(std::string_view text);

// 'token' for error messages: bytes outside printable ASCII are written as \xNN
// (the message may end up in an HTTP answer or a terminal); very long tokens are cut.
std::string quote(std::string_view token);

std::string_view trim(std::string_view text);

// The name of a resource or attribute ("resource", "attribute") must be a plain word.
Result<void> checkName(std::string_view name, std::string_view what);

// Copies a parsed value into a Resource or Attribute (same field names in both).
// A TEXT value goes only where the message has a text field.
template <typename Message>
void assignValue(const mesos::v1::Value& value, Message* message) {
  message->set_type(value.type());
  switch (value.type()) {
    case mesos::v1::Value::SCALAR:
      *message->mutable_scalar() = value.scalar();
      break;
    case mesos::v1::Value::RANGES:
      *message->mutable_ranges() = value.ranges();
      break;
    case mesos::v1::Value::SET:
      *message->mutable_set() = value.set();
      break;
    case mesos::v1::Value::TEXT:
      if constexpr (requires { message->mutable_text(); }) *message->mutable_text() = value.text();
      break;
  }
}

}  // namespace mesolite::values
