#include "agent/operator_api.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "agent/containers_endpoint.h"
#include "agent/fetcher.h"
#include "agent/files_api.h"
#include "agent/sandbox_gc.h"
#include "agent/security.h"
#include "common/api_codec.h"
#include "common/attributes.h"
#include "common/daemon_endpoints.h"
#include "common/files_endpoints.h"
#include "common/http_client.h"
#include "common/metrics.h"
#include "common/protobuf_json.h"
#include "common/state_filter.h"
#include "common/state_model.h"
#include "common/version.h"

namespace mesolite::agent {

namespace {

using Call = mesos::v1::agent::Call;
using Response = mesos::v1::agent::Response;

nlohmann::json capabilityNames() {
  nlohmann::json names = nlohmann::json::array();
  for (auto type : kAgentCapabilities)
    names.push_back(mesos::v1::AgentInfo::Capability::Type_Name(type));
  return names;
}

http::Response failed(const ContainerError& error) {
  return http::Response::text(error.status, error.message);
}

// Mesos's resource fields of the agent's /state: totals as objects, reserved ones by role
// (and in full, as protobuf JSON), and what tasks use of each.
void addResourceFields(nlohmann::json& state, const Resources& total, const Resources& used) {
  state["resources"] = model::resources(total);
  state["unreserved_resources"] = model::resources(total.unreserved());
  state["unreserved_resources_allocated"] = model::resources(used.unreserved());
  state["unreserved_resources_full"] = model::full(total.unreserved());
  const auto byRole = [](const Resources& resources) {
    std::map<std::string, Resources> split;
    for (const auto& resource : resources.reserved())
      split[std::string(reservationRole(resource))];
    for (auto& [role, part] : split) {
      part = resources.filter([&role](const mesos::v1::Resource& resource) {
        return !isUnreserved(resource) && reservationRole(resource) == role;
      });
    }
    return split;
  };
  nlohmann::json reserved = nlohmann::json::object(), reservedFull = nlohmann::json::object(),
                 reservedUsed = nlohmann::json::object();
  for (const auto& [role, resources] : byRole(total)) {
    reserved[role] = model::resources(resources);
    reservedFull[role] = model::full(resources);
  }
  for (const auto& [role, resources] : byRole(used))
    reservedUsed[role] = model::resources(resources);
  state["reserved_resources"] = reserved;
  state["reserved_resources_full"] = reservedFull;
  state["reserved_resources_allocated"] = reservedUsed;
}

Response getContainers(Containerizer& containerizer, bool showStandalone) {
  Response response;
  response.set_type(Response::GET_CONTAINERS);
  auto* list = response.mutable_get_containers();
  // Mesos lists standalone containers only when asked to; task containers always.
  for (const auto& view : containerizer.containers()) {
    const bool standalone = view.frameworkId.empty();
    if (standalone && !showStandalone) continue;
    auto* entry = list->add_containers();
    entry->mutable_container_id()->set_value(view.id);
    if (!standalone) {
      entry->mutable_framework_id()->set_value(view.frameworkId);
      entry->mutable_executor_id()->set_value(view.executorId);
    }
    entry->mutable_container_status()->mutable_container_id()->set_value(view.id);
    if (view.pid > 0) entry->mutable_container_status()->set_executor_pid(uint32_t(view.pid));
    if (view.statistics) *entry->mutable_resource_statistics() = *view.statistics;
  }
  return response;
}

}  // namespace

void addAgentEndpoints(http::Server& server, const AgentFlags& flags, const Resources& total,
                       Containerizer& containerizer, std::shared_ptr<const Authorizer> authorizer,
                       const TaskManager* tasks, const SandboxGc* gc, const Fetcher* fetcher) {
  addDaemonEndpoints(server, flags.set);
  const auto started = std::chrono::steady_clock::now();
  auto collect = [total, tasks, gc, fetcher, started] {
    metrics::Snapshot snapshot;
    snapshot["slave/uptime_secs"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (tasks != nullptr) {
      tasks->addMetrics(snapshot);
    } else {
      for (const char* name : {"cpus", "mem", "disk", "gpus"})
        snapshot[std::string("slave/") + name + "_total"] = total.scalar(name).value_or(0);
    }
    if (gc != nullptr) {
      snapshot["gc/path_removals_pending"] = double(gc->scheduledCount());
      snapshot["gc/path_removals_succeeded"] = double(gc->removalsSucceeded());
      snapshot["gc/path_removals_failed"] = double(gc->removalsFailed());
    }
    if (fetcher != nullptr) fetcher->addMetrics(snapshot);
    metrics::addSystemMetrics(snapshot);
    return snapshot;
  };
  metrics::addMetricsEndpoints(server, collect);
  std::shared_ptr<const files::VirtualFiles> files = agentFiles(flags, tasks);
  files::addFilesEndpoints(server, files);

  server.route("/api/v1", [&flags, &containerizer, authorizer, tasks, files, collect](
                              http::Request&& request, http::Responder responder) {
    Call call;
    http::Response failure;
    auto types = api::parseCall(request, &call, &failure);
    if (!types) return responder.respond(std::move(failure));
    if (auto refused = checkOperatorCall(flags, *authorizer, containerizer, call, request)) {
      return responder.respond(std::move(*refused));
    }
    const api::ContentType answerType = types->response;

    switch (call.type()) {
      case Call::LAUNCH_CONTAINER: {
        if (!call.has_launch_container()) {
          return responder.respond(http::Response::badRequest("expecting 'launch_container'"));
        }
        auto outcome = containerizer.launch(call.launch_container());
        if (auto* error = std::get_if<ContainerError>(&outcome)) {
          return responder.respond(failed(*error));
        }
        const bool fresh =
            std::get<Containerizer::Launched>(outcome) == Containerizer::Launched::kNew;
        return responder.respond(http::Response::text(fresh ? 200 : 202, ""));
      }
      case Call::WAIT_CONTAINER: {
        if (!call.has_wait_container()) {
          return responder.respond(http::Response::badRequest("expecting 'wait_container'"));
        }
        auto error = containerizer.wait(
            call.wait_container().container_id().value(),
            [responder, answerType](const Containerizer::Termination& termination) {
              Response response;
              response.set_type(Response::WAIT_CONTAINER);
              *response.mutable_wait_container() = termination;
              responder.respond(api::respond(200, response, answerType));
            });
        if (error) responder.respond(failed(*error));
        return;
      }
      case Call::KILL_CONTAINER: {
        if (!call.has_kill_container()) {
          return responder.respond(http::Response::badRequest("expecting 'kill_container'"));
        }
        const auto& kill = call.kill_container();
        auto error = containerizer.kill(kill.container_id().value(),
                                        kill.has_signal() ? kill.signal() : SIGKILL);
        return responder.respond(error ? failed(*error) : http::Response::text(200, ""));
      }
      case Call::REMOVE_CONTAINER: {
        if (!call.has_remove_container()) {
          return responder.respond(http::Response::badRequest("expecting 'remove_container'"));
        }
        auto error = containerizer.remove(call.remove_container().container_id().value());
        return responder.respond(error ? failed(*error) : http::Response::text(200, ""));
      }
      case Call::GET_METRICS: {
        if (!call.has_get_metrics()) {
          return responder.respond(http::Response::badRequest("expecting 'get_metrics'"));
        }
        Response response;
        response.set_type(Response::GET_METRICS);
        for (const auto& [name, value] : collect()) {
          auto* metric = response.mutable_get_metrics()->add_metrics();
          metric->set_name(name);
          metric->set_value(value);
        }
        return responder.respond(api::respond(200, response, answerType));
      }
      case Call::GET_CONTAINERS: {
        const bool standalone =
            call.get_containers().has_show_standalone() && call.get_containers().show_standalone();
        return responder.respond(
            api::respond(200, getContainers(containerizer, standalone), answerType));
      }
      case Call::GET_TASKS:
      case Call::GET_FRAMEWORKS:
      case Call::GET_EXECUTORS:
      case Call::GET_STATE: {
        if (tasks == nullptr) break;
        Response response;
        if (call.type() == Call::GET_TASKS) {
          response.set_type(Response::GET_TASKS);
          *response.mutable_get_tasks() = tasks->getTasks();
        } else if (call.type() == Call::GET_FRAMEWORKS) {
          response.set_type(Response::GET_FRAMEWORKS);
          *response.mutable_get_frameworks() = tasks->getFrameworks();
        } else if (call.type() == Call::GET_EXECUTORS) {
          response.set_type(Response::GET_EXECUTORS);
          *response.mutable_get_executors() = tasks->getExecutors();
        } else {
          response.set_type(Response::GET_STATE);
          auto* state = response.mutable_get_state();
          *state->mutable_get_tasks() = tasks->getTasks();
          *state->mutable_get_executors() = tasks->getExecutors();
          *state->mutable_get_frameworks() = tasks->getFrameworks();
        }
        filterOperatorAnswer(&response, *authorizer, request.principal);
        return responder.respond(api::respond(200, response, answerType));
      }
      default:
        break;
    }
    if (auto answer = files::answerFilesCall<Call, Response>(call, *files)) {
      if (auto* bad = std::get_if<files::Failure>(&*answer)) {
        return responder.respond(files::failureResponse(*bad));
      }
      return responder.respond(api::respond(200, std::get<Response>(*answer), answerType));
    }
    if (auto answer = answerDaemonCall<Call, Response>(call, flags.set)) {
      return responder.respond(api::respond(200, *answer, answerType));
    }
    responder.respond(http::Response::text(
        501, "operator call " + Call::Type_Name(call.type()) + " is not served here"));
  });

  server.route("/monitor/statistics", [&containerizer](http::Request&&, http::Responder responder) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& view : containerizer.containers()) {
      if (!view.statistics) continue;
      nlohmann::json entry = statisticsEntry(view);
      entry["metrics"] = view.metrics;
      entries.push_back(std::move(entry));
    }
    responder.respond(http::Response::json(200, dumpJson(entries)));
  });

  const double startTime =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  server.route("/state", [&flags, &containerizer, authorizer, tasks, total, startTime](
                             http::Request&& request, http::Responder responder) {
    char hostname[256] = {};
    gethostname(hostname, sizeof(hostname) - 1);
    nlohmann::json containers = nlohmann::json::array();
    for (const auto& view : containerizer.containers()) {
      if (!view.frameworkId.empty()) continue;  // a task's: listed under its framework
      containers.push_back({{"container_id", view.id},
                            {"running", view.running},
                            {"pid", view.pid},
                            {"resources", view.resources.toJson()}});
    }
    const Resources used = tasks != nullptr ? tasks->usedResources() : Resources();
    nlohmann::json state{
        {"version", kMesosApiVersion},
        {"git_tag", std::string("mesolite-") + kVersion},
        {"start_time", startTime},
        {"hostname", flags.hostname.value_or(hostname)},
        {"capabilities", capabilityNames()},
        {"flags", flags.set.values()},
        {"frameworks", nlohmann::json::array()},
        {"completed_frameworks", nlohmann::json::array()},
        {"standalone_containers", containers},
        {"resource_providers", nlohmann::json::array()},
    };
    addResourceFields(state, total, used);
    if (flags.master) {
      if (auto master = http::Endpoint::parse(*flags.master))
        state["master_hostname"] = master->host;
    }
    if (flags.log_dir) state["log_dir"] = *flags.log_dir;
    auto attributes = Attributes::parse(flags.attributes.value_or(""));
    state["attributes"] =
        model::attributes(attributes ? attributes->toProtos() : Attributes().toProtos());
    if (tasks != nullptr) {
      state["pid"] = tasks->agentPid();
      tasks->addState(state);
    }
    filterStateJson(state, *authorizer, request.principal);
    responder.respond(http::Response::json(200, dumpJson(state)));
  });

  // Mesos's agent is the libprocess process slave(1): its endpoints are also served under
  // /slave(1)/, and the JSON ones with .json too.
  for (const std::string path : {"/state", "/flags", "/health", "/monitor/statistics", "/api/v1"})
    (void)server.alias("/slave(1)" + path, path);
  for (const std::string path : {"/state", "/monitor/statistics"}) {
    (void)server.alias(path + ".json", path);
    (void)server.alias("/slave(1)" + path + ".json", path);
  }
}

}  // namespace mesolite::agent
