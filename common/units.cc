#include "common/units.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace mesolite {

namespace {

// Splits "1.5secs" into the number and the unit; the number may be fractional.
Result<std::pair<double, std::string_view>> splitNumber(std::string_view text,
                                                        std::string_view what) {
  size_t end = 0;
  while (end < text.size() && (std::isdigit(uint8_t(text[end])) || text[end] == '.'))
    ++end;
  if (end == 0) {
    return Error("invalid " + std::string(what) + " '" + std::string(text) +
                 "': expected a number followed by a unit");
  }
  double number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, number);
  if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(number)) {
    return Error("invalid " + std::string(what) + " '" + std::string(text) + "': bad number '" +
                 std::string(text.substr(0, end)) + "'");
  }
  return std::pair{number, text.substr(end)};
}

struct Unit {
  std::string_view name;
  double factor;
};

constexpr std::array<Unit, 8> kDurationUnits{{
    {"weeks", 7 * 86400e9},
    {"days", 86400e9},
    {"hrs", 3600e9},
    {"mins", 60e9},
    {"secs", 1e9},
    {"ms", 1e6},
    {"us", 1e3},
    {"ns", 1},
}};

constexpr std::array<Unit, 5> kByteUnits{{
    {"TB", double(1ULL << 40)},
    {"GB", double(1ULL << 30)},
    {"MB", double(1ULL << 20)},
    {"KB", double(1ULL << 10)},
    {"B", 1},
}};

template <size_t N>
std::string unitNames(const std::array<Unit, N>& units) {
  std::string names;
  for (const Unit& unit : units)
    names += (names.empty() ? "" : ", ") + std::string(unit.name);
  return names;
}

}  // namespace

Result<Duration> Duration::parse(std::string_view text) {
  auto split = splitNumber(text, "duration");
  if (!split) return split.error();
  auto [number, unit] = *split;
  for (const Unit& u : kDurationUnits) {
    if (unit == u.name) {
      double ns = std::round(number * u.factor);
      if (ns > 9.2e18) return Error("invalid duration '" + std::string(text) + "': too large");
      return Duration{std::chrono::nanoseconds(int64_t(ns))};
    }
  }
  return Error("invalid duration '" + std::string(text) + "': unknown unit '" + std::string(unit) +
               "' (use one of " + unitNames(kDurationUnits) + ")");
}

std::string Duration::toString() const {
  const int64_t ns = value.count();
  for (const Unit& u : kDurationUnits) {
    const auto factor = int64_t(u.factor);
    if (ns != 0 && ns % factor == 0) return std::to_string(ns / factor) + std::string(u.name);
  }
  return std::to_string(ns) + "ns";
}

Result<Bytes> Bytes::parse(std::string_view text) {
  auto split = splitNumber(text, "byte size");
  if (!split) return split.error();
  auto [number, unit] = *split;
  for (const Unit& u : kByteUnits) {
    if (unit == u.name) {
      double bytes = std::floor(number * u.factor);
      if (bytes > 1.8e19) return Error("invalid byte size '" + std::string(text) + "': too large");
      return Bytes{uint64_t(bytes)};
    }
  }
  return Error("invalid byte size '" + std::string(text) + "': unknown unit '" + std::string(unit) +
               "' (use one of " + unitNames(kByteUnits) + ")");
}

std::string Bytes::toString() const {
  for (const Unit& u : kByteUnits) {
    const auto factor = uint64_t(u.factor);
    if (value != 0 && value % factor == 0)
      return std::to_string(value / factor) + std::string(u.name);
  }
  return std::to_string(value) + "B";
}

}  // namespace mesolite
