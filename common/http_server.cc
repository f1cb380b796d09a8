#include "common/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <deque>
#include <vector>

#include "common/logging.h"

namespace mesolite::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions options) : io(io), acceptor(io), options(options) {}

  void accept();
  void refuse(tcp::socket& socket);

  // The shared body budget: false when `bytes` do not fit what is left.
  bool reserveBody(uint64_t bytes) {
    if (bytes > options.requestBodyBudget - std::min(bodyBytes, options.requestBodyBudget)) {
      ++counters.refusedBodies;
      return false;
    }
    bodyBytes += bytes;
    return true;
  }
  void releaseBody(uint64_t bytes) { bodyBytes -= std::min(bytes, bodyBytes); }

  // The handler of `path`: its exact route, else the longest prefix route it is under.
  const std::pair<const std::string, Handler>* find(const std::string& path) const {
    if (auto exact = routes.find(path); exact != routes.end()) return &*exact;
    const std::pair<const std::string, Handler>* found = nullptr;
    for (const auto& route : prefixRoutes) {  // a handful: a scan is enough
      if (path.compare(0, route.first.size(), route.first) == 0 &&
          (found == nullptr || route.first.size() > found->first.size())) {
        found = &route;
      }
    }
    return found;
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  ServerOptions options;
  std::map<std::string, Handler> routes;
  std::map<std::string, Handler> prefixRoutes;
  uint64_t bodyBytes = 0;
  ServerCounters counters;
};

namespace {

// Held by a connection from its accept to its close: counts it against maxConnections.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::shared_ptr<Server::Impl> server) : server_(std::move(server)) {
    ++server_->counters.connections;
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept : server_(std::move(other.server_)) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (server_) --server_->counters.connections;
  }

 private:
  std::shared_ptr<Server::Impl> server_;
};

beast::tcp_stream& lowest(beast::tcp_stream& stream) {
  return stream;
}
beast::tcp_stream& lowest(TlsStream& stream) {
  return stream.next_layer();
}

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
// each through a Responder; a streaming answer keeps the connection for itself. The
// same logic over a plain TCP stream or a TLS one.
template <typename Stream>
class Session : public Responder::Connection,
                public ResponseStream,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, beast::flat_buffer buffer, std::shared_ptr<Server::Impl> server,
          ConnectionSlot slot)
      : stream_(std::move(stream)),
        server_(std::move(server)),
        slot_(std::move(slot)),
        buffer_(std::move(buffer)) {
    beast::error_code ec;
    auto endpoint = socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~Session() override { releaseBody(); }

  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

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
    if (std::exchange(head_, false)) {  // the length of what a GET would get; no body
      message->body().clear();
    }
    lowest(stream_).expires_after(server_->options.writeTimeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code ec, size_t) {
                         if (!ec && self->linger_) return self->lingeringClose();
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
    // A stream lives as long as its client wants it: no timeout on it (but a bounded
    // backlog, see write()).
    lowest(stream_).expires_never();
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
    // A client that does not read must not make us hold its events without end.
    if (!pending_.empty() && pendingBytes_ + data.size() > server_->options.maxStreamBacklog) {
      ++server_->counters.droppedStreams;
      log::warn(
          "dropping the event stream to {}: it does not read ({} bytes queued, "
          "--http_max_stream_backlog={})",
          remote_, pendingBytes_ + data.size(), server_->options.maxStreamBacklog);
      return end();
    }
    char size[20];
    const int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    // Sized once: appending to the data would double its capacity, and the backlog counts
    // what is allocated.
    std::string record;
    record.reserve(size_t(n) + data.size() + 2);
    record.append(size, size_t(n)).append(data).append("\r\n");
    pendingBytes_ += record.capacity();
    pending_.push_back(std::move(record));
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
  tcp::socket& socket() { return lowest(stream_).socket(); }

  void releaseBody() { server_->releaseBody(std::exchange(reservedBody_, 0)); }

  void notifyDrained() {
    if (!drained_) return;
    asio::post(lowest(stream_).get_executor(),
               [self = shared_from_this(), callback = std::exchange(drained_, nullptr)] {
                 if (!self->closed_) callback();
               });
  }

  void readRequest() {
    releaseBody();
    // An idle connection keeps no read buffer (a read grows it to 64 KiB): 1024 of them
    // would otherwise hold 64 MiB.
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    chunkedLimit_ = 0;
    parser_.emplace();
    parser_->body_limit(server_->options.maxBodyBytes);
    parser_->header_limit(server_->options.maxHeaderBytes);
    lowest(stream_).expires_after(server_->options.requestTimeout);
    // The header first: the body is admitted only once the budget can hold it.
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (ec) return onRequest(ec);
    const auto& options = server_->options;
    uint64_t reserve = 0;
    if (auto length = parser_->content_length()) {
      reserve = *length;
    } else if (parser_->chunked()) {
      reserve = std::min(options.chunkedBodyAllowance, options.maxBodyBytes);
      parser_->body_limit(reserve);
      chunkedLimit_ = reserve;
    }
    if (reserve > 0) {
      if (!server_->reserveBody(reserve)) {
        keepAlive_ = false;
        linger_ = true;
        log::debug("refusing a {} byte request body from {}: over the body budget", reserve,
                   remote_);
        return send(
            Response::text(503, "request bodies being received exceed this server's budget of " +
                                    std::to_string(options.requestBodyBudget) +
                                    " bytes (--http_request_body_budget): retry later"));
      }
      reservedBody_ = reserve;
    }
    if (parser_->is_done()) return onRequest({});
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->onRequest(error); });
  }

  void onRequest(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return shutdown();
    }
    keepAlive_ = false;  // after an error the stream's framing can no longer be trusted
    // A request not received in time: tcp_stream has closed the socket already.
    if (ec == beast::error::timeout) return shutdown();
    // A body refused unread: let the client read why before the connection goes.
    linger_ = ec == bhttp::error::body_limit;
    if (ec == bhttp::error::body_limit && chunkedLimit_ > 0) {
      return send(Response::text(413, "chunked request body larger than the " +
                                          std::to_string(chunkedLimit_) +
                                          " bytes allowed without Content-Length"));
    }
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
      request.rawQuery = std::string(target.substr(question + 1));
      request.query = parseQueryString(request.rawQuery);
    }
    for (const auto& field : message) {
      request.headers[std::string(field.name_string())] = std::string(field.value());
    }
    request.body = std::move(message.body());
    request.remote = remote_;

    head_ = request.method == "HEAD";
    const auto* route = server_->find(request.path);
    if (route == nullptr) {
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
    releaseBody();  // handed over: the handler's copies are its own
  }

  // While streaming, the client sends nothing more: a completed read means it left.
  void watchForDisconnect() {
    auto scratch = std::make_shared<std::array<char, 512>>();
    stream_.async_read_some(asio::buffer(*scratch),
                            [self = shared_from_this(), scratch](beast::error_code ec, size_t) {
                              if (ec) return self->end();
                              self->watchForDisconnect();  // ignore stray bytes
                            });
  }

  void flush() {
    if (writing_ || pending_.empty() || closed_) return;
    writing_ = true;
    auto data = std::make_shared<std::string>(std::move(pending_.front()));
    pending_.pop_front();
    pendingBytes_ -= std::min<uint64_t>(data->capacity(), pendingBytes_);
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
    pendingBytes_ = 0;
    drained_ = nullptr;
    shutdown();
    auto callbacks = std::move(closeCallbacks_);
    for (auto& callback : callbacks)
      callback();
  }

  // After refusing a body the client is still sending: closing now would reset the
  // connection and lose the answer. Stop writing, discard what still comes (nothing is
  // kept) for a moment, then close.
  void lingeringClose() {
    buffer_.clear();  // what it sent of the body is not wanted
    buffer_.shrink_to_fit();
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest(stream_).expires_after(std::chrono::seconds(2));  // once: a sender cannot extend it
    discard(std::make_shared<std::array<char, 4096>>());
  }

  void discard(std::shared_ptr<std::array<char, 4096>> scratch) {
    lowest(stream_).async_read_some(
        asio::buffer(*scratch), [self = shared_from_this(), scratch](beast::error_code ec, size_t) {
          if (ec) return self->shutdown();
          self->discard(scratch);
        });
  }

  void shutdown() {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  Stream stream_;
  std::shared_ptr<Server::Impl> server_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  bool keepAlive_ = true;
  bool head_ = false;  // the request being answered is a HEAD: the answer has no body
  uint64_t reservedBody_ = 0;
  bool linger_ = false;
  uint64_t chunkedLimit_ = 0;  // the allowance of a chunked body being read
  uint64_t pendingBytes_ = 0;

  bool streaming_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::deque<std::string> pending_;
  std::vector<std::function<void()>> closeCallbacks_;
  std::function<void()> drained_;
};

// A connection before its session: TLS detected (with downgrade) and handshaken, with
// a deadline; a failure closes only this connection.
class Handshake : public std::enable_shared_from_this<Handshake> {
 public:
  Handshake(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)), slot_(server_) {}

  void start() {
    if (!server_->options.tlsContext) return plain();
    stream_.expires_after(server_->options.handshakeTimeout);
    if (!server_->options.tls->supportDowngrade) return handshake();
    // LIBPROCESS_SSL_SUPPORT_DOWNGRADE: a TLS ClientHello starts with 0x16; anything else
    // is served as plain HTTP on the same port.
    beast::async_detect_ssl(stream_, buffer_,
                            [self = shared_from_this()](beast::error_code ec, bool isTls) {
                              if (ec) return self->failed("reading the first bytes", ec);
                              if (!isTls) return self->plain();
                              self->handshake();
                            });
  }

 private:
  void plain() {
    stream_.expires_never();
    std::make_shared<Session<beast::tcp_stream>>(std::move(stream_), std::move(buffer_), server_,
                                                 std::move(slot_))
        ->start();
  }

  void handshake() {
    tls_ = std::make_unique<TlsStream>(std::move(stream_), *server_->options.tlsContext);
    tls_->async_handshake(asio::ssl::stream_base::server, buffer_.data(),
                          [self = shared_from_this()](beast::error_code ec, size_t used) {
                            if (ec) return self->failed("TLS handshake", ec);
                            self->buffer_.consume(used);
                            self->checkClient();
                          });
  }

  // Client certificates under the `legacy` scheme: the certificate must name the client's
  // host as its reverse lookup gives it (Mesos's check). The lookup runs off the loop.
  void checkClient() {
    const tls::Settings& settings = *server_->options.tls;
    if (!settings.requireClientCert || settings.opensslHostnameScheme) return serve();
    beast::error_code ec;
    auto peer = tls_->next_layer().socket().remote_endpoint(ec);
    if (ec) return failed("TLS client check", ec);
    resolver_ = std::make_unique<tcp::resolver>(server_->io);
    resolver_->async_resolve(peer, [self = shared_from_this(), peer](
                                       beast::error_code error,
                                       tcp::resolver::results_type results) {
      std::string name;
      if (!error && !results.empty()) name = results.begin()->host_name();
      if (name == peer.address().to_string()) name.clear();  // no name: getnameinfo's IP
      auto checked = tls::checkPeerName(self->tls_->native_handle(), *self->server_->options.tls,
                                        name, peer.address().to_string());
      if (!checked) {
        ++self->server_->counters.failedHandshakes;
        log::debug("TLS client {} refused: {}", peer.address().to_string(),
                   checked.error().message);
        beast::error_code ignored;
        self->tls_->next_layer().socket().close(ignored);
        return;
      }
      self->serve();
    });
  }

  void serve() {
    tls_->next_layer().expires_never();
    std::make_shared<Session<TlsStream>>(std::move(*tls_), std::move(buffer_), server_,
                                         std::move(slot_))
        ->start();
  }

  void failed(const char* what, beast::error_code ec) {
    ++server_->counters.failedHandshakes;
    beast::error_code ignored;
    auto& socket = tls_ ? tls_->next_layer().socket() : stream_.socket();
    auto peer = socket.remote_endpoint(ignored);
    log::debug("{} with {} failed: {}", what, peer.address().to_string(), ec.message());
    socket.close(ignored);
  }

  beast::tcp_stream stream_;
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<tcp::resolver> resolver_;
  beast::flat_buffer buffer_;
  std::shared_ptr<Server::Impl> server_;
  ConnectionSlot slot_;
};

}  // namespace

// Over maxConnections: a plain-HTTP client learns why in one small non-blocking write (it
// fits any fresh socket's buffer), without its request being read. A TLS-only server can
// say nothing without a handshake, which would cost what the limit saves: it closes.
void Server::Impl::refuse(tcp::socket& socket) {
  ++counters.refusedConnections;
  beast::error_code ignored;
  if (!options.tlsContext || options.tls->supportDowngrade) {
    const std::string body = "too many connections (" + std::to_string(options.maxConnections) +
                             "): retry later (--http_max_connections)\n";
    const std::string response =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(response), ignored);
    // A request already received and left unread would turn the close into a reset that
    // can discard the answer on the client's side: read what is there (without waiting).
    char scratch[4096];
    for (int i = 0; i < 16 && socket.read_some(asio::buffer(scratch), ignored) > 0; ++i) {
    }
  }
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec && self->counters.connections >= self->options.maxConnections) {
      self->refuse(socket);
    } else if (!ec) {
      // Event streams write many small records: Nagle would hold each one back until
      // the peer acknowledged the last (seen as RUN_TASKs trickling to an agent).
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Handshake>(std::move(socket), self)->start();
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

void Server::routePrefix(std::string prefix, Handler handler) {
  impl_->prefixRoutes[std::move(prefix)] = std::move(handler);
}

Result<void> Server::alias(std::string path, const std::string& existing) {
  auto found = impl_->routes.find(existing);
  if (found == impl_->routes.end()) return Error("no endpoint at " + existing + " to alias");
  Handler handler = found->second;
  impl_->routes[std::move(path)] = std::move(handler);
  return success();
}

void Server::wrapRoutes(const std::function<Handler(const std::string& path, Handler)>& wrap) {
  for (auto* routes : {&impl_->routes, &impl_->prefixRoutes}) {
    for (auto& [path, handler] : *routes)
      handler = wrap(path, std::move(handler));
  }
}

Result<void> Server::listen(const std::string& address, uint16_t port) {
  if (impl_->options.tls && !impl_->options.tls->enabled) impl_->options.tls.reset();
  if (impl_->options.tls && !impl_->options.tlsContext) {
    auto context = tls::serverContext(*impl_->options.tls);
    if (!context) return context.error();
    impl_->options.tlsContext = *context;
  }
  if (!impl_->options.tls) impl_->options.tlsContext.reset();
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

bool Server::tls() const {
  return impl_->options.tlsContext != nullptr;
}

ServerCounters Server::counters() const {
  return impl_->counters;
}

void Server::stop() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace mesolite::http
