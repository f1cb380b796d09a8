// The parsers of who may do what: --credentials / --credential files (JSON and text),
// --acls, and the base64 of HTTP Basic headers. The first byte picks the parser. None may
// crash; what parses must behave: a parsed credential authenticates itself, base64
// round-trips, and an authorizer answers every action.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/authorizer.h"
#include "common/base64.h"
#include "common/credentials.h"

using namespace mesolite;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto credentials = parseCredentials(input);
      if (credentials && credentials->empty()) abort();  // "no principal" is an error
      break;
    }
    case 1: {
      auto credential = parseCredential(input);
      if (credential && credential->principal.empty()) abort();
      break;
    }
    case 2: {
      auto authorizer = Authorizer::parse(input);
      if (authorizer) {
        for (int action = 0; action <= static_cast<int>(Action::SetLogLevel); ++action) {
          (void)authorizer->allowed(static_cast<Action>(action), std::nullopt);
          (void)authorizer->allowed(static_cast<Action>(action), std::string("p"), "o");
        }
      }
      break;
    }
    default: {
      auto decoded = decodeBase64(input);
      if (decoded && encodeBase64(*decoded) != input) abort();
      const std::string encoded = encodeBase64(input);
      auto back = decodeBase64(encoded);
      if (!back || *back != input) abort();
    }
  }
  return 0;
}
