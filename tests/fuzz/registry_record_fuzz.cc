// The master's registry record (master-lite/registry_file.cc) and the removal limits of a
// new leader (master-lite/agent_removal.cc): a torn, altered or hostile record is an
// error naming its path, never a crash; what decodes encodes back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "master-lite/agent_removal.h"
#include "master-lite/registry_file.h"

namespace {

void require(bool condition) {
  if (!condition) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto decoded = mesolite::master::decodeRegistryRecord(text, "/fuzz/registry.pb");
  if (!decoded) {
    require(decoded.error().message.find("/fuzz/registry.pb") != std::string::npos);
  } else {
    const std::string again = mesolite::master::encodeRegistryRecord(*decoded);
    auto twice = mesolite::master::decodeRegistryRecord(again, "/fuzz/registry.pb");
    require(twice.ok());
    require(twice->SerializeAsString() == decoded->SerializeAsString());
  }
  if (auto rate = mesolite::master::parseRemovalRateLimit(text)) {
    require(rate->agents > 0 && rate->per.count() > 0);
  }
  if (auto percentage = mesolite::master::parsePercentage(text)) {
    require(*percentage >= 0 && *percentage <= 1);
  }
  return 0;
}
