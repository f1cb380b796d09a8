// Mesos's spelling of durations ("15secs", "1mins", "100ms") and byte sizes ("512MB").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mesolite {

struct Duration {
  std::chrono::nanoseconds value{0};

  static Result<Duration> parse(std::string_view text);
  // The largest unit that divides the value exactly, as Mesos prints it: "15secs", "100ms".
  std::string toString() const;
  double seconds() const { return std::chrono::duration<double>(value).count(); }

  friend bool operator==(const Duration&, const Duration&) = default;
  friend auto operator<=>(const Duration&, const Duration&) = default;
};

struct Bytes {
  uint64_t value = 0;

  static Result<Bytes> parse(std::string_view text);
  std::string toString() const;  // "512MB", "1GB", "100B"
  uint64_t megabytes() const { return value >> 20; }

  friend bool operator==(const Bytes&, const Bytes&) = default;
  friend auto operator<=>(const Bytes&, const Bytes&) = default;
};

}  // namespace mesolite
