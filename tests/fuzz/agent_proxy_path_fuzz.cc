// The master's agent proxy paths (master-lite/agent_proxy_path.cc): whatever is accepted
// names a valid agent id and one of the forwarded endpoints, and parses the same again
// from the canonical path the two make.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/id_validation.h"
#include "master-lite/agent_proxy_path.h"

namespace {

void require(bool condition) {
  if (!condition) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mesolite::master;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto target = parseAgentProxyPath(text);
  if (!target) {
    require(!target.error().message.empty());
    return 0;
  }
  require(mesolite::validateId("agent id", target->agentId).ok());
  require(std::find(std::begin(kAgentProxyEndpoints), std::end(kAgentProxyEndpoints),
                    target->endpoint) != std::end(kAgentProxyEndpoints));
  auto again =
      parseAgentProxyPath(std::string(kAgentProxyPrefix) + target->agentId + target->endpoint);
  require(again && again->agentId == target->agentId && again->endpoint == target->endpoint);
  return 0;
}
