// HTTP/1.1 client on the process's io_context: whole responses, or response bodies
// consumed as they arrive (event streams). One connection per request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/http.h"
#include "common/result.h"
#include "common/tls.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::http {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  bool https = false;  // TLS whatever the process's settings say

  // "127.0.0.1:5050", "localhost:5051", "http://host:port", "https://host:port" (a path
  // is ignored).
  static Result<Endpoint> parse(std::string_view text);
  std::string toString() const { return host + ":" + std::to_string(port); }
  bool operator==(const Endpoint&) const = default;
};

// Where a 307 from a master that is not leading sends the request.
struct Redirect {
  Endpoint endpoint;
  std::string path;  // empty when the Location names none
};

// A Location header: "//host:port/path" (as Mesos writes it, the scheme of `from`),
// "http://host:port/path" or "https://...". Errors quote the Location.
Result<Redirect> parseRedirect(std::string_view location, const Endpoint& from);

struct ClientOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // connect + whole response
  uint64_t maxBodyBytes = 256 << 20;
  // TLS settings; unset: the process's LIBPROCESS_SSL_* (tls::processSettings()). With
  // `enabled` every request speaks TLS, as Mesos's clients do; https:// endpoints always.
  std::optional<tls::Settings> tls;
  tls::Context tlsContext;  // made from `tls` when not given
};

struct StreamCallbacks {
  std::function<void(const Response& head)> onHeaders;  // status + headers, empty body
  std::function<void(std::string_view data)> onData;    // body bytes, any boundaries
  std::function<void(Result<void> end)> onEnd;          // exactly once, last
};

class StreamHandle {
 public:
  virtual ~StreamHandle() = default;
  virtual void cancel() = 0;  // closes the connection; onEnd reports the cancellation
};

class Client {
 public:
  explicit Client(boost::asio::io_context& io, ClientOptions options = {});

  // `request.path` may carry a query string already; `request.query` is appended.
  void send(const Endpoint& endpoint, Request request,
            std::function<void(Result<Response>)> callback);

  std::shared_ptr<StreamHandle> openStream(const Endpoint& endpoint, Request request,
                                           StreamCallbacks callbacks);

 private:
  boost::asio::io_context& io_;
  ClientOptions options_;
};

// Blocking convenience for command-line tools and tests: runs a private io_context.
Result<Response> fetch(const Endpoint& endpoint, Request request, ClientOptions options = {});

}  // namespace mesolite::http
