#include "common/ids.h"

#include <cstdint>
#include <random>

namespace mesolite {

namespace {

std::mt19937_64& engine() {
  // Seeded once from the kernel; ids need uniqueness, not secrecy.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

}  // namespace

std::string randomBytes(size_t count) {
  std::string bytes(count, '\0');
  for (auto& byte : bytes)
    byte = char(engine()() & 0xff);
  return bytes;
}

std::string randomUuidBytes() {
  std::string bytes = randomBytes(16);
  bytes[6] = char((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = char((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return bytes;
}

std::string randomUuid() {
  const std::string bytes = randomUuidBytes();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[uint8_t(bytes[i]) >> 4];
    text += kHex[uint8_t(bytes[i]) & 0xf];
  }
  return text;
}

}  // namespace mesolite
