// The master's v1 operator API (POST /api/v1), its SUBSCRIBE event stream, and the
// legacy /master/teardown endpoint.
#include <cmath>

#include "common/daemon_endpoints.h"
#include "common/endpoint_authorization.h"
#include "common/files_endpoints.h"
#include "common/logging.h"
#include "common/recordio.h"
#include "master-lite/master.h"
#include "master-lite/state_views.h"

namespace mesolite::master {

using mesos::v1::master::Call;
using mesos::v1::master::Response;

void Master::serveOperator(http::Request&& request, http::Responder responder) {
  Call call;
  http::Response failure;
  auto types = api::parseCall(request, &call, &failure);
  if (!types) return responder.respond(std::move(failure));

  const StateView view(*options_.authorizer, request.principal);
  Response response;
  switch (call.type()) {
    case Call::GET_METRICS:
      if (!call.has_get_metrics()) {
        return responder.respond(http::Response::badRequest("expecting 'get_metrics'"));
      }
      response.set_type(Response::GET_METRICS);
      for (const auto& [name, value] : metrics()) {
        auto* metric = response.mutable_get_metrics()->add_metrics();
        metric->set_name(name);
        metric->set_value(value);
      }
      break;
    case Call::GET_STATE:
      response.set_type(Response::GET_STATE);
      *response.mutable_get_state() = getState();
      view.filter(response.mutable_get_state());
      break;
    case Call::GET_AGENTS:
      response.set_type(Response::GET_AGENTS);
      *response.mutable_get_agents() = getAgents();
      break;
    case Call::GET_FRAMEWORKS:
      response.set_type(Response::GET_FRAMEWORKS);
      *response.mutable_get_frameworks() = getFrameworks();
      view.filter(response.mutable_get_frameworks());
      break;
    case Call::GET_TASKS:
      response.set_type(Response::GET_TASKS);
      *response.mutable_get_tasks() = getTasks();
      view.filter(response.mutable_get_tasks());
      break;
    case Call::GET_ROLES:
      response.set_type(Response::GET_ROLES);
      *response.mutable_get_roles() = getRoles();
      break;
    case Call::GET_EXECUTORS:
      response.set_type(Response::GET_EXECUTORS);
      response.mutable_get_executors();
      break;
    case Call::GET_MASTER:
      response.set_type(Response::GET_MASTER);
      *response.mutable_get_master()->mutable_master_info() = info_;
      response.mutable_get_master()->set_start_time(startTime_);
      response.mutable_get_master()->set_elected_time(electedTime_);
      break;
    case Call::GET_WEIGHTS:
      response.set_type(Response::GET_WEIGHTS);
      for (const auto& [role, weight] : weights_) {
        if (!view.seesRole(role)) continue;
        auto* info = response.mutable_get_weights()->add_weight_infos();
        info->set_role(role);
        info->set_weight(weight);
      }
      break;
    case Call::UPDATE_WEIGHTS: {
      if (auto refused = updateWeights(call, request.principal)) {
        return responder.respond(std::move(*refused));
      }
      return responder.respond(http::Response::text(200, ""));
    }
    case Call::TEARDOWN: {
      if (!call.has_teardown()) {
        return responder.respond(http::Response::badRequest("Expecting 'teardown' to be present"));
      }
      const std::string& id = call.teardown().framework_id().value();
      if (auto refused = checkTeardown(request.principal, id)) {
        return responder.respond(std::move(*refused));
      }
      if (!teardownFramework(id, "an operator asked for it (TEARDOWN)")) {
        return responder.respond(
            http::Response::badRequest("No framework found with ID '" + id + "'"));
      }
      return responder.respond(http::Response::text(200, ""));
    }
    case Call::SUBSCRIBE: {
      // Mesos's cap: a closed subscriber's slot is free again.
      std::erase_if(subscribers_, [](const Subscriber& s) { return s.stream->closed(); });
      if (subscribers_.size() >= flags_.max_operator_event_stream_subscribers) {
        return responder.respond(http::Response::text(
            503, "Maximum number of operator event stream subscribers (" +
                     std::to_string(flags_.max_operator_event_stream_subscribers) +
                     ", --max_operator_event_stream_subscribers) reached"));
      }
      http::Headers headers;
      headers["Content-Type"] = std::string(api::mediaType(types->response));
      auto stream = responder.stream(200, std::move(headers));
      mesos::v1::master::Event subscribed;
      subscribed.set_type(mesos::v1::master::Event::SUBSCRIBED);
      *subscribed.mutable_subscribed()->mutable_get_state() = getState();
      view.filter(subscribed.mutable_subscribed()->mutable_get_state());
      subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
      stream->write(recordio::encode(api::serialize(subscribed, types->response)));
      subscribers_.push_back({stream, types->response, request.principal});
      return;
    }
    case Call::LIST_FILES:
    case Call::READ_FILE: {
      auto answer = files::answerFilesCall<Call, Response>(call, *files_);
      if (auto* bad = std::get_if<files::Failure>(&*answer)) {
        return responder.respond(files::failureResponse(*bad));
      }
      response = std::move(std::get<Response>(*answer));
      break;
    }
    default: {
      if (call.type() == Call::GET_FLAGS &&
          !options_.authorizer->allowed(Action::ViewFlags, request.principal)) {
        return responder.respond(http::forbidden(request.principal, "view the flags (view_flags)"));
      }
      auto common = answerDaemonCall<Call, Response>(call, flags_.set);
      if (!common) {
        return responder.respond(http::Response::text(
            501, "operator call " + Call::Type_Name(call.type()) + " is not served here"));
      }
      response = std::move(*common);
    }
  }
  respondOffLoop(std::move(response), types->response,
                 std::move(responder));  // serialized off the loop
}

// UPDATE_WEIGHTS: every entry valid and authorized (update_weights), or nothing changes.
// Weights live in memory, as the --weights they start from.
std::optional<http::Response> Master::updateWeights(const Call& call,
                                                    const std::optional<std::string>& principal) {
  if (!call.has_update_weights()) return http::Response::badRequest("Expecting 'update_weights'");
  std::map<std::string, double> updated = weights_;
  for (const auto& info : call.update_weights().weight_infos()) {
    if (auto valid = validateRole(info.role()); !valid) {
      return http::Response::badRequest("weight_infos: " + valid.error().message);
    }
    if (!(info.weight() > 0) || !std::isfinite(info.weight())) {
      return http::Response::badRequest("weight_infos: the weight of role '" + info.role() +
                                        "' must be a positive number");
    }
    if (!options_.authorizer->allowed(Action::UpdateWeight, principal, info.role())) {
      return http::forbidden(principal,
                             "update the weight of role '" + info.role() + "' (update_weights)");
    }
    updated[info.role()] = info.weight();
  }
  weights_ = std::move(updated);
  allocator_.setWeights(weights_);
  registrar_->setWeights(weights_);
  allocateSoon();
  return std::nullopt;
}

std::optional<http::Response> Master::checkTeardown(const std::optional<std::string>& principal,
                                                    const std::string& frameworkId) const {
  auto framework = frameworks_.find(frameworkId);
  if (framework == frameworks_.end()) return std::nullopt;  // answered as unknown
  const auto& info = framework->second.info;
  const std::optional<std::string> owner =
      info.has_principal() ? std::optional<std::string>(info.principal()) : std::nullopt;
  if (options_.authorizer->allowed(Action::TeardownFramework, principal, owner)) {
    return std::nullopt;
  }
  return http::forbidden(principal,
                         "tear down framework " + frameworkId + " (teardown_frameworks)");
}

// POST /master/teardown with `frameworkId=<id>` in the form body (or the query).
void Master::serveTeardown(http::Request&& request, http::Responder responder) {
  if (request.method != "POST") {
    return responder.respond(http::Response::text(405, "Expecting a 'POST' request"));
  }
  auto form = http::parseQueryString(request.body);
  auto id = form.find("frameworkId");
  if (id == form.end()) {
    id = request.query.find("frameworkId");
    if (id == request.query.end()) {
      return responder.respond(
          http::Response::badRequest("Missing 'frameworkId' query parameter in the request body"));
    }
    form = request.query;
    id = form.find("frameworkId");
  }
  if (auto refused = checkTeardown(request.principal, id->second)) {
    return responder.respond(std::move(*refused));
  }
  if (!teardownFramework(id->second, "an operator asked for it (/master/teardown)")) {
    return responder.respond(http::Response::badRequest("No framework found with specified ID"));
  }
  responder.respond(http::Response::text(200, ""));
}

}  // namespace mesolite::master
