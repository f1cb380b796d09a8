// What every Mesolite daemon answers the way Mesos does: `/health`, `/flags`,
// `/version`, and the GET_HEALTH / GET_FLAGS / GET_VERSION operator calls, which the
// master's and the agent's v1 operator APIs share.
#pragma once

#include <optional>

#include "common/api_codec.h"
#include "common/flags.h"
#include "common/http_server.h"
#include "common/http_server_flags.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite {

mesos::v1::VersionInfo versionInfo();

// What a daemon serves with: the bounds of its --http_* flags, and HTTPS when
// LIBPROCESS_SSL_ENABLED (its certificate and key loaded now, so a bad path stops the
// daemon at start). Logs the notes the TLS settings raise (deprecated names, settings
// without effect).
Result<http::ServerOptions> daemonServerOptions(const HttpServerFlags& flags);

void addDaemonEndpoints(http::Server& server, const FlagSet& flags);

// For a daemon's main(): listens on ip:port, logs "<role> listening on ip:port", and
// runs the io_context until SIGINT or SIGTERM. Returns main's exit code.
int serveUntilSignalled(boost::asio::io_context& io, http::Server& server, const std::string& role,
                        const std::string& ip, uint32_t port);

// For a daemon's main(): loads the flags from argv and the environment, prints --help,
// --version or the error (naming the bad flag). Returns the exit code when main should
// stop, nullopt to go on.
std::optional<int> loadDaemonFlags(FlagSet& flags, int argc, const char* const* argv);

// Answers the calls common to both operator APIs; nullopt for any other call.
template <typename Call, typename Response>
std::optional<Response> answerDaemonCall(const Call& call, const FlagSet& flags) {
  Response response;
  switch (call.type()) {
    case Call::GET_HEALTH:
      response.set_type(Response::GET_HEALTH);
      response.mutable_get_health()->set_healthy(true);
      return response;
    case Call::GET_FLAGS:
      response.set_type(Response::GET_FLAGS);
      for (const auto& [name, value] : flags.values()) {
        mesos::v1::Flag* flag = response.mutable_get_flags()->add_flags();
        flag->set_name(name);
        flag->set_value(value);
      }
      return response;
    case Call::GET_VERSION:
      response.set_type(Response::GET_VERSION);
      *response.mutable_get_version()->mutable_version_info() = versionInfo();
      return response;
    default:
      return std::nullopt;
  }
}

// `POST /api/v1` of a daemon: parses the call (JSON or protobuf), answers it with
// `answer` or, failing that, the daemon calls above; 501 names a call not served.
template <typename Call, typename Response>
http::Handler operatorApi(const FlagSet& flags,
                          std::function<std::optional<Response>(const Call&)> answer = {}) {
  return [&flags, answer](http::Request&& request, http::Responder responder) {
    Call call;
    http::Response failure;
    auto types = api::parseCall(request, &call, &failure);
    if (!types) return responder.respond(std::move(failure));
    std::optional<Response> response;
    if (answer) response = answer(call);
    if (!response) response = answerDaemonCall<Call, Response>(call, flags);
    if (!response) {
      return responder.respond(http::Response::text(
          501, "operator call " + Call::Type_Name(call.type()) + " is not served here"));
    }
    responder.respond(api::respond(200, *response, types->response));
  };
}

}  // namespace mesolite
