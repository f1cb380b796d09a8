#include "agent/containers_endpoint.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <vector>

#include "agent/container_isolation.h"
#include "common/protobuf_json.h"
#include "isolators/cgroups/cgroups.h"

namespace mesolite::agent {

namespace asio = boost::asio;

nlohmann::json statisticsEntry(const Containerizer::View& view) {
  const bool standalone = view.frameworkId.empty();
  nlohmann::json entry = {{"executor_id", standalone ? view.id : view.executorId},
                          {"executor_name", standalone ? view.id : view.executorId},
                          {"framework_id", view.frameworkId},
                          {"source", standalone ? std::string("standalone") : view.executorId},
                          {"container_id", view.id}};
  if (view.statistics) entry["statistics"] = toJson(*view.statistics);
  return entry;
}

namespace {

// Mesos's ContainerStatus, as protobuf JSON: the id, the executor's pid, and the
// cgroup_info it has (none here: Mesolite's cgroups are in `isolation`).
nlohmann::json statusOf(const Containerizer::View& view) {
  nlohmann::json status = {{"container_id", {{"value", view.id}}}};
  if (view.pid > 0) status["executor_pid"] = view.pid;
  return status;
}

struct Pending {
  nlohmann::json entry;
  IsolationProbe probe;
};

}  // namespace

void addContainersEndpoint(http::Server& server, asio::io_context& io, Containerizer& containerizer,
                           std::optional<cgroups::Hierarchy> hierarchy) {
  // One worker: requests for /containers take turns, the loop never waits on /proc.
  auto worker = std::make_shared<asio::thread_pool>(1);
  server.route("/containers", [&io, &containerizer, hierarchy, worker](http::Request&&,
                                                                       http::Responder responder) {
    std::vector<Pending> pending;
    for (const auto& view : containerizer.containers()) {
      if (!view.running) continue;
      Pending item{statisticsEntry(view), {view.pid, containerizer.supervisorPid(view.id)}};
      item.entry["status"] = statusOf(view);
      pending.push_back(std::move(item));
    }
    asio::post(*worker, [&io, hierarchy, pending = std::move(pending),
                         responder = std::move(responder)]() mutable {
      nlohmann::json entries = nlohmann::json::array();
      for (auto& item : pending) {
        nlohmann::json isolation =
            readContainerIsolation(item.probe, hierarchy ? &*hierarchy : nullptr);
        if (!hierarchy) isolation["errors"].push_back("the agent found no cgroup hierarchy");
        item.entry["isolation"] = std::move(isolation);
        entries.push_back(std::move(item.entry));
      }
      asio::post(io, [responder = std::move(responder), body = dumpJson(entries)]() mutable {
        responder.respond(http::Response::json(200, std::move(body)));
      });
    });
  });
  (void)server.alias("/slave(1)/containers", "/containers");
}

}  // namespace mesolite::agent
