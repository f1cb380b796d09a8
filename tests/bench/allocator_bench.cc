// One allocation cycle of the DRF allocator, in-process, at Mesos's published scales.
// Anchor: Mesos 1.7's HierarchicalAllocator benchmark takes about 1.4 s per cycle at
// 10k agents x 1k frameworks and 4 s at 20k x 2k. Every framework always wants more: the
// offers of each cycle are recovered (untimed) so the next cycle hands out everything again.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "master-lite/allocator.h"

namespace mesolite::master {
namespace {

constexpr int kRoles = 10;

void BM_AllocationCycle(benchmark::State& state) {
  const auto agentCount = static_cast<int>(state.range(0));
  const auto frameworkCount = static_cast<int>(state.range(1));

  auto agentResources = Resources::parse("cpus:24;mem:131072;disk:1000000");
  if (!agentResources.ok()) {
    state.SkipWithError(agentResources.error().message.c_str());
    return;
  }

  Allocator allocator;
  for (int i = 0; i < agentCount; ++i) {
    if (!allocator.addAgent("agent-" + std::to_string(i), *agentResources).ok()) std::abort();
  }
  for (int i = 0; i < frameworkCount; ++i) {
    const std::string role = "role-" + std::to_string(i % kRoles);
    if (!allocator.addFramework("framework-" + std::to_string(i), {role}).ok()) std::abort();
  }

  TimePoint now{};
  size_t offered = 0;
  for (auto _ : state) {
    std::vector<Offer> offers = allocator.allocate(now);
    state.PauseTiming();
    offered = offers.size();
    if (offered != static_cast<size_t>(agentCount)) {
      state.SkipWithError("not every agent was offered");
      break;
    }
    for (const auto& offer : offers) {
      if (!allocator.recoverResources(offer.frameworkId, offer.role, offer.agentId, offer.resources)
               .ok()) {
        std::abort();
      }
    }
    now += std::chrono::seconds(1);
    state.ResumeTiming();
  }
  state.counters["offers"] = static_cast<double>(offered);
}

BENCHMARK(BM_AllocationCycle)
    ->Args({10'000, 1'000})
    ->Args({50'000, 5'000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

}  // namespace
}  // namespace mesolite::master

BENCHMARK_MAIN();
