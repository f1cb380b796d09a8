// The agent's GET /containers (and /slave(1)/containers), as Mesos serves it: one entry
// per container with its ids, its ResourceStatistics (as /monitor/statistics) and its
// ContainerStatus; plus Mesolite's `isolation`, what really confines the task, read
// from the kernel at each request (agent/container_isolation.h).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/containerizer.h"
#include "common/http_server.h"
#include "isolators/cgroups/cgroups.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

// A container's entry of /monitor/statistics: its ids, `source` and `statistics`.
nlohmann::json statisticsEntry(const Containerizer::View& view);

// Routes /containers. The statistics are read on the loop, as /monitor/statistics reads
// them; the isolation on a worker thread of its own (a few dozen /proc and cgroupfs reads
// per container), the answer then given on `io`. `hierarchy` is the one the agent
// detected at start (null: none, and each entry says so).
void addContainersEndpoint(http::Server& server, boost::asio::io_context& io,
                           Containerizer& containerizer,
                           std::optional<cgroups::Hierarchy> hierarchy);

}  // namespace mesolite::agent
