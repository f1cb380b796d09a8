// Feeds arbitrary text to the /files path splitter. Whatever it accepts must hold no
// empty, ".", ".." or NUL-bearing component, and must split the same once rejoined.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/virtual_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto split = mesolite::files::splitVirtualPath(text);
  const auto* components = std::get_if<std::vector<std::string>>(&split);
  if (components == nullptr) return 0;
  std::string rejoined;
  for (const auto& component : *components) {
    if (component.empty() || component == "." || component == ".." ||
        component.find('/') != std::string::npos || component.find('\0') != std::string::npos)
      std::abort();
    rejoined += "/" + component;
  }
  auto again = mesolite::files::splitVirtualPath(rejoined.empty() ? "/" : rejoined);
  const auto* same = std::get_if<std::vector<std::string>>(&again);
  if (same == nullptr || *same != *components) std::abort();
  return 0;
}
