// Random identifiers: RFC 4122 version 4 UUIDs as text (container, master and stream
// ids) and as the 16 raw bytes status updates carry.
#pragma once

#include <cstddef>
#include <string>

namespace mesolite {

std::string randomBytes(size_t count);
std::string randomUuid();       // "0f8e…-…", 36 characters
std::string randomUuidBytes();  // the same, 16 bytes

}  // namespace mesolite
