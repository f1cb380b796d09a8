// An HTTP/1.1 server on the process's one io_context: exact-path routing, keep-alive,
// request size limits and timeouts, chunked streaming responses, HTTPS (LIBPROCESS_SSL_*),
// and bounds on what clients can make it hold (connections, bodies, stream backlogs).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/http.h"
#include "common/result.h"
#include "common/tls.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::http {

struct ServerOptions {
  uint64_t maxBodyBytes = 16 << 20;
  uint32_t maxHeaderBytes = 64 << 10;
  // Time to receive a whole request once the connection is open or idle.
  std::chrono::milliseconds requestTimeout{std::chrono::seconds(60)};
  std::chrono::milliseconds writeTimeout{std::chrono::seconds(60)};

  // Connections open at once; beyond it a client gets 503 and is closed unread.
  uint32_t maxConnections = 1024;
  // Request bodies being received, all connections together: a body is admitted only if
  // its Content-Length fits what is left (503 otherwise).
  uint64_t requestBodyBudget = 128 << 20;
  // What a chunked body without Content-Length may reach (413 beyond), taken from the budget.
  uint64_t chunkedBodyAllowance = 1 << 20;
  // Bytes of a streaming response queued beyond the socket; a client that lets more pile
  // up is dropped. One record larger than this still goes when nothing else waits.
  uint64_t maxStreamBacklog = 2 << 20;

  // HTTPS when set and enabled; the context is made from it at listen() unless given.
  std::optional<tls::Settings> tls;
  tls::Context tlsContext;
  std::chrono::milliseconds handshakeTimeout{std::chrono::seconds(10)};
};

// What the server refused or dropped since it started.
struct ServerCounters {
  uint64_t connections = 0;  // open now
  uint64_t refusedConnections = 0;
  uint64_t refusedBodies = 0;  // 503: over the body budget
  uint64_t failedHandshakes = 0;
  uint64_t droppedStreams = 0;  // clients that did not read their stream
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes an exact path (any method; handlers check it). Register before listen().
  void route(std::string path, Handler handler);
  // Routes every path under `prefix` (which ends in '/') that has no exact route; the
  // longest prefix wins. For endpoints that name something in their path
  // (/agent/<id>/...). Register before listen().
  void routePrefix(std::string prefix, Handler handler);
  // Serves `path` with the handler already routed at `existing` (Mesos's other names of
  // an endpoint: /slave(1)/state, /master/state.json, ...).
  Result<void> alias(std::string path, const std::string& existing);

  // Replaces every handler routed so far (aliases and prefixes included) by
  // wrap(path, handler), `path` being the prefix for a prefix route:
  // how a daemon puts authentication in front of its endpoints once they are all routed.
  void wrapRoutes(const std::function<Handler(const std::string& path, Handler)>& wrap);

  // Binds and starts accepting; port 0 picks a free port (see port()).
  Result<void> listen(const std::string& address, uint16_t port);
  uint16_t port() const;
  void stop();       // stops accepting; open connections finish on their own
  bool tls() const;  // whether it speaks HTTPS
  ServerCounters counters() const;

  struct Impl;  // the acceptor and routes, shared with open connections

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mesolite::http
