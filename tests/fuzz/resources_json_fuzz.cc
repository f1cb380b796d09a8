// Feeds arbitrary text to the JSON resources parser (which goes through the protobuf
// JSON mapping). Whatever parses must read back equal from its JSON form and from its
// toString() form (text when it can say it, JSON otherwise).
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

  mesolite::Result<Resources> parsed = Resources::parseJson(text);
  if (!parsed) {
    require(!parsed.error().message.empty());
    return 0;
  }
  const Resources& resources = *parsed;

  mesolite::Result<Resources> fromJson = Resources::fromJson(resources.toJson());
  require(fromJson.ok() && *fromJson == resources);
  mesolite::Result<Resources> fromJsonText = Resources::parseJson(resources.toJson().dump());
  require(fromJsonText.ok() && *fromJsonText == resources);

  const std::string written = resources.toString();
  mesolite::Result<Resources> reread = Resources::parse(written);
  require(reread.ok() && *reread == resources && reread->toString() == written);

  require((resources + resources).contains(resources));
  require((resources - resources).empty());
  return 0;
}
