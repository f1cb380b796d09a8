// Feeds arbitrary text to the --resources text parser. An error must say where the
// bad token is; whatever parses must read back equal from its text form and from its
// JSON form, and obey the arithmetic laws that hold for any resources.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/resources.h"

namespace {

void require(bool condition) {
  if (!condition) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mesolite::Resources;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  mesolite::Result<Resources> parsed = Resources::parseText(text);
  if (!parsed) {
    require(parsed.error().message.find(" at position ") != std::string::npos);
    return 0;
  }
  const Resources& resources = *parsed;

  const std::string written = resources.toString();
  mesolite::Result<Resources> reread = Resources::parse(written);
  require(reread.ok() && *reread == resources && reread->toString() == written);

  mesolite::Result<Resources> fromJson = Resources::fromJson(resources.toJson());
  require(fromJson.ok() && *fromJson == resources);
  mesolite::Result<Resources> fromJsonText = Resources::parseJson(resources.toJson().dump());
  require(fromJsonText.ok() && *fromJsonText == resources);

  require((resources + resources).contains(resources));
  require((resources - resources).empty());
  return 0;
}
