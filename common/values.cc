#include "common/values.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mesolite::values {

using mesos::v1::Value;

namespace {

constexpr std::string_view kWhitespace = " \t\n\v\f\r";
constexpr size_t kMaxQuotedLength = 200;

// Printable and not whitespace. Bytes >= 0x80 are allowed: UTF-8 names are fine.
bool isWordChar(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte != 0x7f;
}

std::string at(size_t position) {
  return " at position " + std::to_string(position);
}

struct Interval {
  uint64_t begin;
  uint64_t end;
};

std::vector<Interval> sortedMerged(const Value::Ranges& ranges) {
  std::vector<Interval> intervals;
  intervals.reserve(ranges.range_size());
  for (const Value::Range& range : ranges.range()) {
    if (range.begin() <= range.end()) intervals.push_back({range.begin(), range.end()});
  }
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.begin < b.begin; });

  std::vector<Interval> merged;
  for (const Interval& interval : intervals) {
    // Adjacent ranges merge too: [1-3,4-5] is [1-5]. `end + 1` would overflow at the
    // top of the number line, where nothing can follow anyway.
    if (!merged.empty() && (merged.back().end == std::numeric_limits<uint64_t>::max() ||
                            interval.begin <= merged.back().end + 1)) {
      merged.back().end = std::max(merged.back().end, interval.end);
    } else {
      merged.push_back(interval);
    }
  }
  return merged;
}

Value::Ranges toRanges(const std::vector<Interval>& intervals) {
  Value::Ranges ranges;
  for (const Interval& interval : intervals) {
    Value::Range* range = ranges.add_range();
    range->set_begin(interval.begin);
    range->set_end(interval.end);
  }
  return ranges;
}

// Finds the bracket closing the one at text[0]; another bracket before it is an error.
Result<size_t> findClosingBracket(std::string_view text, size_t position) {
  const char open = text[0];
  const char close = open == '[' ? ']' : '}';
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == close) {
      if (i + 1 != text.size()) {
        return Error("unexpected " + quote(text.substr(i + 1)) + " after '" +
                     std::string(1, close) + "'" + at(position + i + 1));
      }
      return i;
    }
    if (text[i] == '[' || text[i] == ']' || text[i] == '{' || text[i] == '}') {
      return Error("unexpected '" + std::string(1, text[i]) + "'" + at(position + i));
    }
  }
  return Error("'" + std::string(1, open) + "'" + at(position) + " is not closed");
}

// Calls `onItem(item, itemPosition)` for each comma-separated item of `body`, trimmed.
// An empty body has no items.
template <typename OnItem>
Result<void> forEachItem(std::string_view body, size_t position, const char* what,
                         OnItem&& onItem) {
  if (trim(body).empty()) return success();
  size_t start = 0;
  while (true) {
    size_t comma = body.find(',', start);
    std::string_view raw = body.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::string_view item = trim(raw);
    size_t itemPosition =
        position + start + (item.empty() ? 0 : raw.find_first_not_of(kWhitespace));
    if (item.empty()) return Error(std::string("empty ") + what + at(itemPosition));
    if (auto r = onItem(item, itemPosition); !r) return r;
    if (comma == std::string_view::npos) return success();
    start = comma + 1;
  }
}

Result<uint64_t> parseUnsigned(std::string_view text, size_t position) {
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number, 10);
  if (ec == std::errc::result_out_of_range) {
    return Error(quote(text) + at(position) + " is out of range");
  }
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Error(quote(text) + at(position) + " is not a non-negative integer");
  }
  return number;
}

Result<Value> parseRanges(std::string_view text, size_t position) {
  Result<size_t> close = findClosingBracket(text, position);
  if (!close) return close.error();

  Value value;
  value.set_type(Value::RANGES);
  Value::Ranges* ranges = value.mutable_ranges();
  auto parseRange = [&](std::string_view item, size_t itemPosition) -> Result<void> {
    size_t dash = item.find('-');
    std::string_view beginText = dash == std::string_view::npos ? "" : trim(item.substr(0, dash));
    std::string_view endText = dash == std::string_view::npos ? "" : trim(item.substr(dash + 1));
    if (beginText.empty() || endText.empty()) {
      return Error(quote(item) + at(itemPosition) + " is not a range (expected begin-end)");
    }
    Result<uint64_t> begin = parseUnsigned(beginText, itemPosition + item.find(beginText));
    if (!begin) return begin.error();
    Result<uint64_t> end =
        parseUnsigned(endText, itemPosition + dash + 1 + item.substr(dash + 1).find(endText));
    if (!end) return end.error();
    if (*begin > *end) {
      return Error("range " + quote(item) + at(itemPosition) + " has begin > end");
    }
    Value::Range* range = ranges->add_range();
    range->set_begin(*begin);
    range->set_end(*end);
    return success();
  };
  if (auto r = forEachItem(text.substr(1, *close - 1), position + 1, "range", parseRange); !r) {
    return r.error();
  }
  // Text may list overlapping ranges (Mesos coalesces them); JSON may not.
  normalize(ranges);
  return value;
}

Result<Value> parseSet(std::string_view text, size_t position) {
  Result<size_t> close = findClosingBracket(text, position);
  if (!close) return close.error();

  Value value;
  value.set_type(Value::SET);
  Value::Set* set = value.mutable_set();
  std::unordered_set<std::string_view> seen;
  auto parseItem = [&](std::string_view item, size_t itemPosition) -> Result<void> {
    if (!std::all_of(item.begin(), item.end(), isWordChar)) {
      return Error("set item " + quote(item) + at(itemPosition) +
                   " contains whitespace or a control character");
    }
    if (!isValidUtf8(item)) {
      return Error("set item " + quote(item) + at(itemPosition) + " is not valid UTF-8");
    }
    if (!seen.insert(item).second) {
      return Error("duplicate set item " + quote(item) + at(itemPosition));
    }
    set->add_item(std::string(item));
    return success();
  };
  if (auto r = forEachItem(text.substr(1, *close - 1), position + 1, "set item", parseItem); !r) {
    return r.error();
  }
  return value;
}

Result<Value> parseScalarOrText(std::string_view text, size_t position) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[' || text[i] == ']' || text[i] == '{' || text[i] == '}') {
      return Error("unexpected '" + std::string(1, text[i]) + "'" + at(position + i) + " in " +
                   quote(text));
    }
  }
  if (!std::all_of(text.begin(), text.end(), isWordChar)) {
    return Error(quote(text) + at(position) + " contains whitespace or a control character");
  }
  if (!isValidUtf8(text)) return Error(quote(text) + at(position) + " is not valid UTF-8");

  Value value;
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  const bool wholeText = end == text.data() + text.size();
  if (ec == std::errc::result_out_of_range && wholeText) {
    return Error(quote(text) + at(position) + " is out of range");
  }
  if (ec == std::errc() && wholeText && std::isfinite(number)) {
    value.set_type(Value::SCALAR);
    value.mutable_scalar()->set_value(number);
  } else {
    // "inf" and "nan" are words here, not numbers: no resource or attribute wants them.
    value.set_type(Value::TEXT);
    value.mutable_text()->set_value(std::string(text));
  }
  return value;
}

}  // namespace

// ---------------------------------------------------------------------------
// Scalars.

int64_t toFixed(double value) {
  if (std::isnan(value)) return 0;
  const double scaled = value * static_cast<double>(kScalarScale);
  if (scaled >= static_cast<double>(kMaxFixed)) return kMaxFixed;
  if (scaled <= -static_cast<double>(kMaxFixed)) return -kMaxFixed;
  return std::llround(scaled);
}

double fromFixed(int64_t fixed) {
  // As Mesos: divide in integers first, so the only floating-point division is of a
  // number below 1000, which makes the result the double nearest the decimal value.
  const auto quotient = static_cast<double>(fixed / kScalarScale);
  const double remainder =
      static_cast<double>(fixed % kScalarScale) / static_cast<double>(kScalarScale);
  return quotient + remainder;
}

double roundScalar(double value) {
  return fromFixed(toFixed(value));
}

Value::Scalar makeScalar(double value) {
  Value::Scalar scalar;
  scalar.set_value(value);
  return scalar;
}

bool equals(const Value::Scalar& left, const Value::Scalar& right) {
  return toFixed(left.value()) == toFixed(right.value());
}

bool contains(const Value::Scalar& left, const Value::Scalar& right) {
  return toFixed(left.value()) >= toFixed(right.value());
}

Value::Scalar add(const Value::Scalar& left, const Value::Scalar& right) {
  // Both operands lie in [-kMaxFixed, kMaxFixed], so the sum cannot overflow int64.
  const int64_t sum =
      std::clamp(toFixed(left.value()) + toFixed(right.value()), -kMaxFixed, kMaxFixed);
  return makeScalar(fromFixed(sum));
}

Value::Scalar subtract(const Value::Scalar& left, const Value::Scalar& right) {
  const int64_t difference =
      std::clamp(toFixed(left.value()) - toFixed(right.value()), -kMaxFixed, kMaxFixed);
  return makeScalar(fromFixed(difference));
}

// ---------------------------------------------------------------------------
// Ranges.

void normalize(Value::Ranges* ranges) {
  *ranges = toRanges(sortedMerged(*ranges));
}

Value::Ranges normalized(Value::Ranges ranges) {
  normalize(&ranges);
  return ranges;
}

Value::Ranges makeRanges(std::initializer_list<std::pair<uint64_t, uint64_t>> beginEndPairs) {
  Value::Ranges ranges;
  for (const auto& [begin, end] : beginEndPairs) {
    Value::Range* range = ranges.add_range();
    range->set_begin(begin);
    range->set_end(end);
  }
  return normalized(std::move(ranges));
}

bool equals(const Value::Ranges& left, const Value::Ranges& right) {
  std::vector<Interval> a = sortedMerged(left);
  std::vector<Interval> b = sortedMerged(right);
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(),
      [](const Interval& x, const Interval& y) { return x.begin == y.begin && x.end == y.end; });
}

bool contains(const Value::Ranges& left, const Value::Ranges& right) {
  std::vector<Interval> outer = sortedMerged(left);
  size_t i = 0;
  // Merged and sorted, so each inner range must lie within a single outer range.
  for (const Interval& inner : sortedMerged(right)) {
    while (i < outer.size() && outer[i].end < inner.begin)
      ++i;
    if (i == outer.size() || outer[i].begin > inner.begin || outer[i].end < inner.end) {
      return false;
    }
  }
  return true;
}

bool contains(const Value::Ranges& ranges, uint64_t number) {
  return std::any_of(ranges.range().begin(), ranges.range().end(), [&](const Value::Range& r) {
    return r.begin() <= number && number <= r.end();
  });
}

Value::Ranges add(const Value::Ranges& left, const Value::Ranges& right) {
  Value::Ranges sum = left;
  sum.mutable_range()->MergeFrom(right.range());
  return normalized(std::move(sum));
}

Value::Ranges subtract(const Value::Ranges& left, const Value::Ranges& right) {
  std::vector<Interval> minuend = sortedMerged(left);
  std::vector<Interval> subtrahend = sortedMerged(right);
  std::vector<Interval> difference;
  size_t j = 0;
  for (const Interval& interval : minuend) {
    while (j < subtrahend.size() && subtrahend[j].end < interval.begin)
      ++j;
    uint64_t next = interval.begin;  // the first number not yet kept or removed
    bool consumed = false;
    for (size_t k = j; k < subtrahend.size() && subtrahend[k].begin <= interval.end; ++k) {
      if (subtrahend[k].begin > next) difference.push_back({next, subtrahend[k].begin - 1});
      if (subtrahend[k].end >= interval.end) {
        consumed = true;
        break;
      }
      next = subtrahend[k].end + 1;  // no overflow: end < interval.end
    }
    if (!consumed) difference.push_back({next, interval.end});
  }
  return toRanges(difference);
}

uint64_t count(const Value::Ranges& ranges) {
  uint64_t total = 0;
  for (const Interval& interval : sortedMerged(ranges)) {
    const uint64_t size = interval.end - interval.begin;  // one less than the count
    if (size == std::numeric_limits<uint64_t>::max() ||
        total > std::numeric_limits<uint64_t>::max() - size - 1) {
      return std::numeric_limits<uint64_t>::max();
    }
    total += size + 1;
  }
  return total;
}

Result<void> validate(const Value::Ranges& ranges, bool allowOverlap) {
  for (const Value::Range& range : ranges.range()) {
    if (range.begin() > range.end()) {
      return Error("range " + std::to_string(range.begin()) + "-" + std::to_string(range.end()) +
                   " has begin > end");
    }
  }
  if (allowOverlap) return success();

  std::vector<Interval> intervals;
  for (const Value::Range& range : ranges.range())
    intervals.push_back({range.begin(), range.end()});
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < intervals.size(); ++i) {
    if (intervals[i].begin <= intervals[i - 1].end) {
      return Error("ranges " + std::to_string(intervals[i - 1].begin) + "-" +
                   std::to_string(intervals[i - 1].end) + " and " +
                   std::to_string(intervals[i].begin) + "-" + std::to_string(intervals[i].end) +
                   " overlap");
    }
  }
  return success();
}

// ---------------------------------------------------------------------------
// Sets.

bool equals(const Value::Set& left, const Value::Set& right) {
  return contains(left, right) && contains(right, left);
}

bool contains(const Value::Set& left, const Value::Set& right) {
  std::unordered_set<std::string_view> items(left.item().begin(), left.item().end());
  return std::all_of(right.item().begin(), right.item().end(),
                     [&](const std::string& item) { return items.count(item) > 0; });
}

Value::Set add(const Value::Set& left, const Value::Set& right) {
  Value::Set sum = left;
  std::unordered_set<std::string> items(left.item().begin(), left.item().end());
  for (const std::string& item : right.item()) {
    if (items.insert(item).second) sum.add_item(item);
  }
  return sum;
}

Value::Set subtract(const Value::Set& left, const Value::Set& right) {
  std::unordered_set<std::string_view> removed(right.item().begin(), right.item().end());
  Value::Set difference;
  for (const std::string& item : left.item()) {
    if (removed.count(item) == 0) difference.add_item(item);
  }
  return difference;
}

Result<void> validate(const Value::Set& set) {
  std::unordered_set<std::string_view> seen;
  for (const std::string& item : set.item()) {
    if (item.empty()) return Error("empty set item");
    if (!seen.insert(item).second) return Error("duplicate set item " + quote(item));
  }
  return success();
}

// ---------------------------------------------------------------------------
// Text form.

std::string toString(double scalar) {
  // Shortest digits that read back as the same double, never in exponent form
  // ("1000000" rather than "1e+06"), as operators write resources.
  char buffer[512];
  std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), scalar, std::chars_format::fixed);
  if (result.ec != std::errc()) result = std::to_chars(buffer, buffer + sizeof(buffer), scalar);
  return std::string(buffer, result.ptr);
}

std::string toString(const Value::Scalar& scalar) {
  return toString(scalar.value());
}

std::string toString(const Value::Ranges& ranges) {
  std::string text = "[";
  for (int i = 0; i < ranges.range_size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(ranges.range(i).begin()) + "-" + std::to_string(ranges.range(i).end());
  }
  return text + "]";
}

std::string toString(const Value::Set& set) {
  std::string text = "{";
  for (int i = 0; i < set.item_size(); ++i) {
    if (i > 0) text += ',';
    text += set.item(i);
  }
  return text + "}";
}

std::string toString(const Value& value) {
  switch (value.type()) {
    case Value::SCALAR:
      return toString(value.scalar());
    case Value::RANGES:
      return toString(value.ranges());
    case Value::SET:
      return toString(value.set());
    case Value::TEXT:
      return value.text().value();
  }
  return "";
}

Result<Value> parse(std::string_view text, size_t position) {
  std::string_view trimmed = trim(text);
  if (trimmed.empty()) return Error("empty value" + at(position));
  position += trimmed.data() - text.data();

  switch (trimmed.front()) {
    case '[':
      return parseRanges(trimmed, position);
    case '{':
      return parseSet(trimmed, position);
    default:
      return parseScalarOrText(trimmed, position);
  }
}

// ---------------------------------------------------------------------------
// Helpers.

bool isPlainWord(std::string_view word) {
  constexpr std::string_view kDelimiters = ";:()[]{},";
  return !word.empty() && std::all_of(word.begin(), word.end(), [&](char c) {
    return isWordChar(c) && kDelimiters.find(c) == std::string_view::npos;
  }) && isValidUtf8(word);
}

bool isValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t codePoint = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      codePoint = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      codePoint = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      codePoint = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<unsigned char>(text[i + k]);
      if ((continuation & 0xc0) != 0x80) return false;
      codePoint = (codePoint << 6) | (continuation & 0x3f);
    }
    constexpr uint32_t kSmallestOfLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (codePoint < kSmallestOfLength[length] || codePoint > 0x10ffff ||
        (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string quote(std::string_view token) {
  const bool cut = token.size() > kMaxQuotedLength;
  if (cut) token = token.substr(0, kMaxQuotedLength);
  std::string quoted = "'";
  for (char c : token) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      constexpr char kHex[] = "0123456789abcdef";
      quoted += "\\x";
      quoted += kHex[byte >> 4];
      quoted += kHex[byte & 0xf];
    } else {
      quoted += c;
    }
  }
  return quoted + (cut ? "'..." : "'");
}

std::string_view trim(std::string_view text) {
  const size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return text.substr(text.size());
  const size_t last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

Result<void> checkName(std::string_view name, std::string_view what) {
  if (name.empty()) return Error("empty " + std::string(what) + " name");
  if (!isPlainWord(name)) {
    return Error(std::string(what) + " name " + quote(name) +
                 " is not a word (no whitespace, control characters or any of ;:()[]{},)");
  }
  return success();
}

}  // namespace mesolite::values
