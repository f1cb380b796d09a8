#include "common/base64.h"

#include <array>
#include <cstdint>

namespace mesolite {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::optional<std::string> decodeBase64(std::string_view text) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    value[static_cast<unsigned char>(kAlphabet[i])] = int(i);
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int quad[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=') {
        // Padding only at the very end, and only in the last two places.
        if (i + 4 != text.size() || j < 2) return std::nullopt;
        ++padding;
        quad[j] = 0;
        continue;
      }
      if (padding > 0) return std::nullopt;
      quad[j] = value[static_cast<unsigned char>(c)];
      if (quad[j] < 0) return std::nullopt;
    }
    const uint32_t bits = uint32_t(quad[0]) << 18 | uint32_t(quad[1]) << 12 |
                          uint32_t(quad[2]) << 6 | uint32_t(quad[3]);
    // Bits the padding leaves over must be zero: one encoding per byte string.
    if ((padding == 2 && (bits & 0xffff) != 0) || (padding == 1 && (bits & 0xff) != 0)) {
      return std::nullopt;
    }
    out.push_back(char(bits >> 16));
    if (padding < 2) out.push_back(char(bits >> 8 & 0xff));
    if (padding < 1) out.push_back(char(bits & 0xff));
  }
  return out;
}

std::string encodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t bits = uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
    if (n > 1) bits |= uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (n > 2) bits |= uint32_t(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kAlphabet[bits >> 18 & 63]);
    out.push_back(kAlphabet[bits >> 12 & 63]);
    out.push_back(n > 1 ? kAlphabet[bits >> 6 & 63] : '=');
    out.push_back(n > 2 ? kAlphabet[bits & 63] : '=');
  }
  return out;
}

}  // namespace mesolite
