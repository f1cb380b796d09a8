// The large answers of the master, computed off its event loop (off_loop.h): the legacy
// state endpoints from a snapshot (state_snapshot.h), and the operator API's answers
// serialized on a worker.
#include "common/api_codec.h"
#include "master-lite/master.h"
#include "master-lite/off_loop.h"
#include "master-lite/state_snapshot.h"
#include "master-lite/state_views.h"

namespace mesolite::master {

namespace {

// One worker: the loop keeps the other core of a small box.
constexpr unsigned kWorkers = 1;

}  // namespace

OffLoop& Master::offLoop() {
  if (!offLoop_) offLoop_ = std::make_shared<OffLoop>(io_, kWorkers);
  return *offLoop_;
}

void Master::serveSnapshot(const std::string& which, http::Request&& request,
                           http::Responder responder) {
  std::string key = which + "?";
  for (const auto& [name, value] : request.query)
    key += http::percentEncode(name) + "=" + http::percentEncode(value) + "&";
  // With --acls each principal sees its own view: answers are shared per principal.
  std::function<void(nlohmann::json&)> filter;
  if (options_.authorizer->configured()) {
    key += "#principal=" + http::percentEncode(request.principal.value_or(""));
    filter = [authorizer = options_.authorizer, principal = request.principal](
                 nlohmann::json& body) { StateView(*authorizer, principal).filterJson(body); };
  }
  // /master/roles needs the roles computed; the other endpoints share one snapshot.
  const std::string group = which == "roles" ? "roles" : "state";
  offLoop().respondBatched(
      group, key, std::move(responder),
      [this, which] { return OffLoop::Snapshot(StateSnapshot::take(*this, which)); },
      [which, query = std::move(request.query), filter](const OffLoop::Snapshot& snapshot) {
        auto body = static_cast<const StateSnapshot*>(snapshot.get())->render(which, query, filter);
        if (!body) return http::Response::badRequest(body.error().message);
        return http::Response::json(200, std::move(*body));
      });
}

void Master::respondOffLoop(mesos::v1::master::Response response, api::ContentType type,
                            http::Responder responder) {
  auto answer = std::make_shared<const mesos::v1::master::Response>(std::move(response));
  offLoop().respond([answer, type] { return api::respond(200, *answer, type); },
                    std::move(responder));
}

}  // namespace mesolite::master
