// HTTP messages as handlers see them. Beast stays inside http_server.cc and
// http_client.cc so that the rest of the code base compiles fast.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mesolite::http {

// Header names compare case-insensitively, as HTTP says.
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded path, without the query: "/api/v1"
  std::map<std::string, std::string> query;
  std::string rawQuery;  // the query string as sent, without the '?' ("a=1&b=x%20y")
  Headers headers;
  std::string body;
  std::string remote;  // "127.0.0.1:41234"
  // Who sent it, once HTTP authentication (common/http_auth.h) has checked the
  // credentials; nullopt for a request without them.
  std::optional<std::string> principal;

  std::optional<std::string> header(const std::string& name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response text(int status, std::string body);
  static Response json(int status, std::string body);
  static Response badRequest(std::string message) { return text(400, std::move(message)); }
  static Response notFound(std::string message = "not found") {
    return text(404, std::move(message));
  }
};

std::string_view reason(int status);

// `a=1&b=x%20y` -> {a:1, b:"x y"}; used for query strings and form bodies.
std::map<std::string, std::string> parseQueryString(std::string_view text);
std::string percentDecode(std::string_view text);
std::string percentEncode(std::string_view text);

// The body of a response sent piece by piece (HTTP/1.1 chunked transfer), such as a
// RecordIO event stream. Use it on the io_context's thread only.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void write(std::string data) = 0;  // no-op once closed
  virtual void close() = 0;                  // ends the body
  virtual bool closed() const = 0;
  // Called once, when the stream ends: close() or the peer went away.
  virtual void onClose(std::function<void()> callback) = 0;
  // Calls `callback` (later, never from inside this call) once everything written so
  // far has reached the socket: a producer of a large body writes the next piece then,
  // so that it never holds more than one piece. Dropped if the stream ends first.
  virtual void whenDrained(std::function<void()> callback) = 0;
};

// How a handler answers: exactly once, now or later, with a whole response or a stream.
// If every copy is dropped without answering, the client gets a 500.
class Responder {
 public:
  class Connection;
  explicit Responder(std::shared_ptr<Connection> connection);

  void respond(Response response) const;
  std::shared_ptr<ResponseStream> stream(int status, Headers headers) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// What a server connection offers a Responder; implemented by the HTTP server.
class Responder::Connection {
 public:
  virtual ~Connection() = default;
  virtual void send(Response response) = 0;
  virtual std::shared_ptr<ResponseStream> startStream(int status, Headers headers) = 0;
};

using Handler = std::function<void(Request&&, Responder)>;

}  // namespace mesolite::http
