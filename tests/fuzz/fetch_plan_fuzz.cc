// Feeds arbitrary text to the fetch plan parser (what mesos-fetcher reads on fd 3) and,
// through it, to the URI and output_file rules. Whatever parses must encode to a plan
// that parses to the same items.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fetcher/fetch_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plan = mesolite::fetch::FetchPlan::parse(text);
  if (!plan) return 0;
  auto again = mesolite::fetch::FetchPlan::parse(plan->encode());
  if (!again || again->sandbox != plan->sandbox || again->user != plan->user ||
      again->stallTimeoutMs != plan->stallTimeoutMs || again->maxBytes != plan->maxBytes ||
      again->items.size() != plan->items.size())
    abort();
  for (size_t i = 0; i < plan->items.size(); ++i) {
    const auto& a = plan->items[i];
    const auto& b = again->items[i];
    if (a.uri != b.uri || a.action != b.action || a.cacheFile != b.cacheFile ||
        a.extract != b.extract || a.executable != b.executable || a.outputFile != b.outputFile)
      abort();
  }
  return 0;
}
