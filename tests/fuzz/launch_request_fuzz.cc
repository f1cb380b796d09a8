// Feeds arbitrary bytes to the launcher's request and termination decoders (what the
// agent writes to mesos-containerizer, and what it reads back after a restart).
// Whatever decodes must encode and decode back to the same thing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "launcher/launch_request.h"

using mesolite::launcher::LaunchRequest;
using mesolite::launcher::Termination;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto request = LaunchRequest::decode(input)) {
    const std::string encoded = request->encode();
    auto again = LaunchRequest::decode(encoded);
    if (!again || again->encode() != encoded) abort();
  }
  if (auto termination = Termination::decode(input)) {
    const std::string encoded = termination->encode();
    auto again = Termination::decode(encoded);
    if (!again || again->encode() != encoded) abort();
  }
  return 0;
}
