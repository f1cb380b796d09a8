// An HTTP/1.1 server on the process's one io_context: exact-path routing, keep-alive,
// request size limits and timeouts, chunked streaming responses.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/http.h"
#include "common/result.h"

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
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes an exact path (any method; handlers check it). Register before listen().
  void route(std::string path, Handler handler);
  // Serves `path` with the handler already routed at `existing` (Mesos's other names of
  // an endpoint: /slave(1)/state, /master/state.json, ...).
  Result<void> alias(std::string path, const std::string& existing);

  // Replaces every handler routed so far (aliases included) by wrap(path, handler):
  // how a daemon puts authentication in front of its endpoints once they are all routed.
  void wrapRoutes(const std::function<Handler(const std::string& path, Handler)>& wrap);

  // Binds and starts accepting; port 0 picks a free port (see port()).
  Result<void> listen(const std::string& address, uint16_t port);
  uint16_t port() const;
  void stop();  // stops accepting; open connections finish on their own

  struct Impl;  // the acceptor and routes, shared with open connections

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mesolite::http
