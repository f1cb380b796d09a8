#include "common/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <deque>
#include <vector>

#include "common/logging.h"

namespace mesolite::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions options) : io(io), acceptor(io), options(options) {}

  void accept();

  asio::io_context& io;
  tcp::acceptor acceptor;
  ServerOptions options;
  std::map<std::string, Handler> routes;
};

namespace {

// A JSONP callback is written into the response as code: only a dotted identifier.
bool validJsonpCallback(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$' && c != '.')
      return false;
  }
  return true;
}

// Mesos's ?jsonp=NAME on GET endpoints: a 200 JSON answer comes back as NAME(...); for
// browsers that load it with a <script> tag. Everything else passes through.
class JsonpConnection : public Responder::Connection {
 public:
  JsonpConnection(std::shared_ptr<Responder::Connection> inner, std::string callback)
      : inner_(std::move(inner)), callback_(std::move(callback)) {}

  void send(Response response) override {
    auto type = response.headers.find("Content-Type");
    if (response.status == 200 && type != response.headers.end() &&
        type->second.rfind("application/json", 0) == 0) {
      response.body = callback_ + "(" + response.body + ");";
      type->second = "text/javascript";
    }
    inner_->send(std::move(response));
  }
  std::shared_ptr<ResponseStream> startStream(int status, Headers headers) override {
    return inner_->startStream(status, std::move(headers));
  }

 private:
  std::shared_ptr<Responder::Connection> inner_;
  std::string callback_;
};

// One client connection: reads requests one after another (keep-alive) and answers
// each through a Responder; a streaming answer keeps the connection for itself.
class Session : public Responder::Connection,
                public ResponseStream,
                public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  void start() { readRequest(); }

  // Responder::Connection
  void send(Response response) override {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers)
      message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keepAlive_);
    message->prepare_payload();
    stream_.expires_after(server_->options.writeTimeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code ec, size_t) {
                         if (ec || !message->keep_alive()) return self->shutdown();
                         self->readRequest();
                       });
  }

  std::shared_ptr<ResponseStream> startStream(int status, Headers headers) override {
    auto header = std::make_shared<bhttp::response<bhttp::empty_body>>();
    header->version(11);
    header->result(static_cast<unsigned>(status));
    for (auto& [name, value] : headers)
      header->set(name, value);
    header->chunked(true);
    streaming_ = true;
    writing_ = true;
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*header);
    // A stream lives as long as its client wants it: no timeout on it.
    stream_.expires_never();
    bhttp::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), header, serializer](beast::error_code ec, size_t) {
          self->writing_ = false;
          if (ec) return self->end();
          if (self->pending_.empty()) return self->notifyDrained();
          self->flush();
        });
    watchForDisconnect();
    return shared_from_this();
  }

  // ResponseStream
  void write(std::string data) override {
    if (closed_ || data.empty()) return;
    char size[20];
    const int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    pending_.push_back(std::string(size, n) + std::move(data) + "\r\n");
    flush();
  }

  void close() override {
    if (closed_ || closing_) return;
    closing_ = true;
    pending_.push_back("0\r\n\r\n");
    flush();
  }

  bool closed() const override { return closed_ || closing_; }

  void onClose(std::function<void()> callback) override {
    if (closed_) {
      callback();
      return;
    }
    closeCallbacks_.push_back(std::move(callback));
  }

  void whenDrained(std::function<void()> callback) override {
    if (closed_) return;
    drained_ = std::move(callback);
    if (!writing_ && pending_.empty()) notifyDrained();
  }

 private:
  void notifyDrained() {
    if (!drained_) return;
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), callback = std::exchange(drained_, nullptr)] {
                 if (!self->closed_) callback();
               });
  }

  void readRequest() {
    parser_.emplace();
    parser_->body_limit(server_->options.maxBodyBytes);
    parser_->header_limit(server_->options.maxHeaderBytes);
    stream_.expires_after(server_->options.requestTimeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onRequest(ec); });
  }

  void onRequest(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return shutdown();
    }
    keepAlive_ = false;  // after an error the stream's framing can no longer be trusted
    // A request not received in time: tcp_stream has closed the socket already.
    if (ec == beast::error::timeout) return shutdown();
    if (ec == bhttp::error::body_limit) {
      return send(Response::text(
          413,
          "request body larger than " + std::to_string(server_->options.maxBodyBytes) + " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return send(Response::text(431, "request header larger than " +
                                          std::to_string(server_->options.maxHeaderBytes) +
                                          " bytes"));
    }
    if (ec) return send(Response::badRequest("malformed HTTP request: " + ec.message()));

    bhttp::request<bhttp::string_body> message = parser_->release();
    keepAlive_ = message.keep_alive();
    Request request;
    request.method = std::string(message.method_string());
    std::string_view target(message.target().data(), message.target().size());
    const size_t question = target.find('?');
    request.path = percentDecode(target.substr(0, question));
    if (question != std::string_view::npos) {
      request.query = parseQueryString(target.substr(question + 1));
    }
    for (const auto& field : message) {
      request.headers[std::string(field.name_string())] = std::string(field.value());
    }
    request.body = std::move(message.body());
    request.remote = remote_;

    auto route = server_->routes.find(request.path);
    if (route == server_->routes.end()) {
      return send(Response::notFound("no endpoint at " + request.path));
    }
    std::shared_ptr<Responder::Connection> connection = shared_from_this();
    if (auto jsonp = request.query.find("jsonp");
        jsonp != request.query.end() && request.method == "GET") {
      if (!validJsonpCallback(jsonp->second)) {
        return send(Response::badRequest("invalid jsonp callback '" + jsonp->second +
                                         "': letters, digits, '_', '$' and '.' only"));
      }
      connection = std::make_shared<JsonpConnection>(std::move(connection), jsonp->second);
    }
    Responder responder(std::move(connection));
    try {
      route->second(std::move(request), responder);
    } catch (const std::exception& e) {
      // A handler bug must not take the process down; the client learns what happened.
      log::error("HTTP handler for {} threw: {}", route->first, e.what());
      responder.respond(Response::text(500, std::string("internal error: ") + e.what()));
    }
  }

  // While streaming, the client sends nothing more: a completed read means it left.
  void watchForDisconnect() {
    auto scratch = std::make_shared<std::array<char, 512>>();
    stream_.socket().async_read_some(
        asio::buffer(*scratch), [self = shared_from_this(), scratch](beast::error_code ec, size_t) {
          if (ec) return self->end();
          self->watchForDisconnect();  // ignore stray bytes
        });
  }

  void flush() {
    if (writing_ || pending_.empty() || closed_) return;
    writing_ = true;
    auto data = std::make_shared<std::string>(std::move(pending_.front()));
    pending_.pop_front();
    asio::async_write(stream_, asio::buffer(*data),
                      [self = shared_from_this(), data](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec) return self->end();
                        if (self->closing_ && self->pending_.empty()) return self->end();
                        if (self->pending_.empty()) return self->notifyDrained();
                        self->flush();
                      });
  }

  void end() {
    if (closed_) return;
    closed_ = true;
    pending_.clear();
    drained_ = nullptr;
    shutdown();
    auto callbacks = std::move(closeCallbacks_);
    for (auto& callback : callbacks)
      callback();
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Server::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  bool keepAlive_ = true;

  bool streaming_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::deque<std::string> pending_;
  std::vector<std::function<void()>> closeCallbacks_;
  std::function<void()> drained_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) {
      // Event streams write many small records: Nagle would hold each one back until
      // the peer acknowledged the last (seen as RUN_TASKs trickling to an agent).
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket), self)->start();
    }
    self->accept();
  });
}

Server::Server(asio::io_context& io, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

Server::~Server() {
  stop();
}

void Server::route(std::string path, Handler handler) {
  impl_->routes[std::move(path)] = std::move(handler);
}

Result<void> Server::alias(std::string path, const std::string& existing) {
  auto found = impl_->routes.find(existing);
  if (found == impl_->routes.end()) return Error("no endpoint at " + existing + " to alias");
  Handler handler = found->second;
  impl_->routes[std::move(path)] = std::move(handler);
  return success();
}

void Server::wrapRoutes(const std::function<Handler(const std::string& path, Handler)>& wrap) {
  for (auto& [path, handler] : impl_->routes)
    handler = wrap(path, std::move(handler));
}

Result<void> Server::listen(const std::string& address, uint16_t port) {
  beast::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return Error("invalid listen address '" + address + "': " + ec.message());
  tcp::endpoint endpoint(ip, port);
  const std::string where = address + ":" + std::to_string(port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    return Error("cannot listen on " + where + ": " + ec.message());
  }
  impl_->accept();
  return success();
}

uint16_t Server::port() const {
  beast::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void Server::stop() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace mesolite::http
