// Base64 (RFC 4648, with padding), as HTTP Basic credentials carry them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mesolite {

std::optional<std::string> decodeBase64(std::string_view text);  // nullopt: not base64
std::string encodeBase64(std::string_view bytes);

}  // namespace mesolite
