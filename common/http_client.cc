#include "common/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>

namespace mesolite::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

Result<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view rest = text;
  bool https = false;
  if (rest.rfind("http://", 0) == 0) rest.remove_prefix(7);
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
    https = true;
  }
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Error("invalid address '" + std::string(text) + "': expected host:port");
  }
  std::string_view portText = rest.substr(colon + 1);
  uint32_t port = 0;
  auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc() || ptr != portText.data() + portText.size() || port == 0 || port > 65535) {
    return Error("invalid address '" + std::string(text) + "': bad port '" + std::string(portText) +
                 "'");
  }
  return Endpoint{std::string(rest.substr(0, colon)), uint16_t(port), https};
}

Result<Redirect> parseRedirect(std::string_view location, const Endpoint& from) {
  if (location.empty()) return Error("the 307 has no Location header");
  std::string_view rest = location;
  bool https = from.https;
  if (rest.rfind("http:", 0) == 0) {
    rest.remove_prefix(5);
    https = false;
  } else if (rest.rfind("https:", 0) == 0) {
    rest.remove_prefix(6);
    https = true;
  }
  if (rest.rfind("//", 0) != 0) {
    return Error("Location '" + std::string(location) +
                 "' names no host (expected //host:port/path)");
  }
  rest.remove_prefix(2);
  Redirect redirect;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    redirect.path = std::string(rest.substr(slash));
    if (const size_t query = redirect.path.find('?'); query != std::string::npos) {
      redirect.path.resize(query);
    }
    rest = rest.substr(0, slash);
  }
  auto endpoint = Endpoint::parse(rest);
  if (!endpoint) return endpoint.error().wrap("Location '" + std::string(location) + "'");
  redirect.endpoint = *endpoint;
  redirect.endpoint.https = https;
  return redirect;
}

namespace {

bhttp::request<bhttp::string_body> toBeast(const Endpoint& endpoint, Request& request) {
  std::string target = request.path.empty() ? "/" : request.path;
  char separator = target.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [key, value] : request.query) {
    target += separator + percentEncode(key) + "=" + percentEncode(value);
    separator = '&';
  }
  bhttp::request<bhttp::string_body> message;
  message.method_string(request.method.empty() ? "GET" : request.method);
  message.target(target);
  message.version(11);
  message.set(bhttp::field::host, endpoint.toString());
  for (const auto& [name, value] : request.headers)
    message.set(name, value);
  message.body() = std::move(request.body);
  message.prepare_payload();
  return message;
}

template <typename Message>
Response fromBeast(Message& message) {
  Response response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers[std::string(field.name_string())] = std::string(field.value());
  }
  return response;
}

// One exchange: resolve, connect, write the request, then read the response whole
// (callback) or as a stream (callbacks). Keeps itself alive through its handlers.
class Exchange : public StreamHandle, public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& io, ClientOptions options, Endpoint endpoint, Request request)
      : resolver_(io), stream_(io), options_(std::move(options)), endpoint_(std::move(endpoint)) {
    message_ = toBeast(endpoint_, request);
    setUpTls(io);
  }

  void runWhole(std::function<void(Result<Response>)> callback) {
    whole_ = std::move(callback);
    start();
  }

  void runStream(StreamCallbacks callbacks) {
    streamed_ = std::move(callbacks);
    start();
  }

  void cancel() override {
    cancelled_ = true;
    beast::error_code ignored;
    resolver_.cancel();
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
  }

 private:
  beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : stream_; }

  // Calls `f` with the stream requests go over: TLS or plain.
  template <typename F>
  void withStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(stream_);
    }
  }

  void setUpTls(asio::io_context& io) {
    if (!options_.tls) {
      const auto& process = tls::processSettings();
      if (!process) {
        setupError_ = process.error().message;
        return;
      }
      options_.tls = *process;
      if (options_.tls->enabled || endpoint_.https) {
        auto context = tls::processClientContext();
        if (!context) {
          setupError_ = context.error().message;
          return;
        }
        options_.tlsContext = *context;
      }
    }
    if (!options_.tls->enabled && !endpoint_.https) return;
    if (!options_.tlsContext) {
      auto context = tls::clientContext(*options_.tls);
      if (!context) {
        setupError_ = context.error().message;
        return;
      }
      options_.tlsContext = *context;
    }
    tls_ = std::make_unique<TlsStream>(io, *options_.tlsContext);
    if (auto prepared = tls::prepareClient(tls_->native_handle(), *options_.tls, endpoint_.host);
        !prepared) {
      setupError_ = prepared.error().message;
    }
  }

  void start() {
    if (!setupError_.empty()) {
      auto self = shared_from_this();
      return asio::post(stream_.get_executor(), [self] {
        self->fail("TLS to " + self->endpoint_.toString(),
                   beast::error_code(asio::error::invalid_argument));
      });
    }
    tcp().expires_after(options_.timeout);
    resolver_.async_resolve(
        endpoint_.host, std::to_string(endpoint_.port),
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return self->fail("cannot resolve " + self->endpoint_.host, ec);
          self->tcp().async_connect(results, [self](beast::error_code connectError, auto) {
            if (connectError) {
              return self->fail("cannot connect to " + self->endpoint_.toString(), connectError);
            }
            beast::error_code ignored;  // small calls go out at once (see the server)
            self->tcp().socket().set_option(tcp::no_delay(true), ignored);
            if (self->tls_) return self->handshake();
            self->write();
          });
        });
  }

  void handshake() {
    tls_->async_handshake(
        asio::ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
          if (ec && self->options_.tls->supportDowngrade && !self->endpoint_.https) {
            // LIBPROCESS_SSL_SUPPORT_DOWNGRADE on the connecting side: Mesos retries the
            // same request in plain HTTP when the handshake fails.
            beast::error_code ignored;
            self->tls_->next_layer().socket().close(ignored);
            self->tls_.reset();
            return self->start();
          }
          if (ec) return self->fail("TLS handshake with " + self->endpoint_.toString(), ec);
          const tls::Settings& settings = *self->options_.tls;
          if (!settings.verifyServerCert || settings.opensslHostnameScheme) return self->write();
          // The `legacy` scheme: the certificate must name the server's host as its address's
          // reverse lookup gives it (Mesos's check), looked up off the loop.
          beast::error_code error;
          auto peer = self->tcp().socket().remote_endpoint(error);
          if (error) return self->fail("TLS with " + self->endpoint_.toString(), error);
          self->resolver_.async_resolve(peer, [self, peer](beast::error_code lookupError,
                                                           tcp::resolver::results_type results) {
            std::string name;
            if (!lookupError && !results.empty()) name = results.begin()->host_name();
            if (name == peer.address().to_string()) name.clear();
            auto checked = tls::checkPeerName(self->tls_->native_handle(), *self->options_.tls,
                                              name, peer.address().to_string());
            if (!checked) {
              self->setupError_ = checked.error().message;
              return self->fail("TLS with " + self->endpoint_.toString(),
                                beast::error_code(asio::error::access_denied));
            }
            self->write();
          });
        });
  }

  void write() {
    withStream([&](auto& stream) {
      bhttp::async_write(stream, message_,
                         [self = shared_from_this()](beast::error_code ec, size_t) {
                           if (ec)
                             return self->fail("cannot send to " + self->endpoint_.toString(), ec);
                           if (self->whole_) return self->readWhole();
                           self->readHeader();
                         });
    });
  }

  // The header first, then the body: Boost 1.74's parser, reading eagerly, lets a body
  // larger than its limit through when the header and the body arrive together.
  void readWhole() {
    wholeParser_.body_limit(options_.maxBodyBytes);
    // The answer to a HEAD has a Content-Length but no body.
    const bool head = message_.method() == bhttp::verb::head;
    if (head) wholeParser_.skip(true);
    withStream([&](auto& stream) {
      bhttp::async_read_header(stream, buffer_, wholeParser_,
                               [self = shared_from_this(), head](beast::error_code ec, size_t) {
                                 if (ec) return self->failWhole(ec);
                                 const auto length = self->wholeParser_.content_length();
                                 if (!head && length && *length > self->options_.maxBodyBytes) {
                                   return self->failWhole(bhttp::error::body_limit);
                                 }
                                 self->readWholeBody();
                               });
    });
  }

  void readWholeBody() {
    withStream([&](auto& stream) {
      bhttp::async_read(stream, buffer_, wholeParser_,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          auto& message = self->wholeParser_.get();
                          if (!ec && message.body().size() > self->options_.maxBodyBytes) {
                            ec = bhttp::error::body_limit;
                          }
                          if (ec) return self->failWhole(ec);
                          Response response = fromBeast(message);
                          response.body = std::move(message.body());
                          self->closeSocket();
                          auto callback = std::move(self->whole_);
                          callback(std::move(response));
                        });
    });
  }

  void failWhole(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return fail("the response from " + endpoint_.toString() + " is larger than the limit of " +
                      std::to_string(options_.maxBodyBytes) + " bytes",
                  ec);
    }
    fail("bad response from " + endpoint_.toString(), ec);
  }

  void readHeader() {
    // A stream may run for days. (Boost 1.74 takes boost::none as a limit of 0 bytes.)
    streamParser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    withStream([&](auto& stream) {
      bhttp::async_read_header(stream, buffer_, streamParser_,
                               [self = shared_from_this()](beast::error_code ec, size_t) {
                                 if (ec)
                                   return self->fail(
                                       "bad response from " + self->endpoint_.toString(), ec);
                                 self->tcp().expires_never();
                                 Response head = fromBeast(self->streamParser_.get());
                                 if (self->streamed_.onHeaders) self->streamed_.onHeaders(head);
                                 self->readBody();
                               });
    });
  }

  void readBody() {
    if (streamParser_.is_done()) return finishStream(success());
    auto& body = streamParser_.get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    withStream([&](auto& stream) {
      bhttp::async_read_some(
          stream, buffer_, streamParser_,
          [self = shared_from_this()](beast::error_code ec, size_t) {
            const size_t got = self->chunk_.size() - self->streamParser_.get().body().size;
            if (got > 0 && self->streamed_.onData && !self->cancelled_) {
              self->streamed_.onData(std::string_view(self->chunk_.data(), got));
            }
            if (ec == bhttp::error::need_buffer) ec = {};
            if (ec) return self->fail("stream from " + self->endpoint_.toString() + " ended", ec);
            if (!self->parseBuffered()) return;
            self->readBody();
          });
    });
  }

  // Beast's read hands over one chunk per completion, and each completion is one turn of
  // the event loop. A burst of records (RUN_TASKs, and the acknowledgements queued behind
  // them) would then trickle in one per turn while the consumer works; so whatever is
  // already buffered is parsed now. False when the stream ended or failed here.
  bool parseBuffered() {
    while (!streamParser_.is_done() && buffer_.size() > 0 && !cancelled_) {
      auto& body = streamParser_.get().body();
      body.data = chunk_.data();
      body.size = chunk_.size();
      beast::error_code ec;
      const size_t used = streamParser_.put(buffer_.data(), ec);
      buffer_.consume(used);
      const size_t got = chunk_.size() - streamParser_.get().body().size;
      if (got > 0 && streamed_.onData) streamed_.onData(std::string_view(chunk_.data(), got));
      if (ec == bhttp::error::need_more) return true;  // the rest is still on the wire
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        fail("stream from " + endpoint_.toString() + " ended", ec);
        return false;
      }
      if (used == 0 && got == 0) return true;
    }
    return true;
  }

  void fail(const std::string& what, beast::error_code ec) {
    closeSocket();
    Error error(cancelled_             ? what + ": cancelled"
                : !setupError_.empty() ? what + ": " + setupError_
                                       : what + ": " + describe(ec));
    if (whole_) {
      auto callback = std::move(whole_);
      callback(std::move(error));
    } else {
      finishStream(std::move(error));
    }
  }

  void finishStream(Result<void> end) {
    closeSocket();
    if (ended_) return;
    ended_ = true;
    if (streamed_.onEnd) streamed_.onEnd(std::move(end));
  }

  // OpenSSL's reason for a failed handshake says more than the category's text.
  static std::string describe(beast::error_code ec) {
    if (ec.category() == asio::error::get_ssl_category()) {
      std::string reason = ec.message();
      return "TLS: " + reason;
    }
    return ec.message();
  }

  void closeSocket() {
    beast::error_code ignored;
    tcp().socket().close(ignored);
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  std::unique_ptr<TlsStream> tls_;  // set when the exchange speaks TLS
  std::string setupError_;
  ClientOptions options_;
  Endpoint endpoint_;
  bhttp::request<bhttp::string_body> message_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> wholeParser_;
  bhttp::response_parser<bhttp::buffer_body> streamParser_;
  std::array<char, 16 << 10> chunk_{};
  std::function<void(Result<Response>)> whole_;
  StreamCallbacks streamed_;
  bool cancelled_ = false;
  bool ended_ = false;
};

}  // namespace

Client::Client(asio::io_context& io, ClientOptions options) : io_(io), options_(options) {}

void Client::send(const Endpoint& endpoint, Request request,
                  std::function<void(Result<Response>)> callback) {
  std::make_shared<Exchange>(io_, options_, endpoint, std::move(request))
      ->runWhole(std::move(callback));
}

std::shared_ptr<StreamHandle> Client::openStream(const Endpoint& endpoint, Request request,
                                                 StreamCallbacks callbacks) {
  auto exchange = std::make_shared<Exchange>(io_, options_, endpoint, std::move(request));
  exchange->runStream(std::move(callbacks));
  return exchange;
}

Result<Response> fetch(const Endpoint& endpoint, Request request, ClientOptions options) {
  asio::io_context io;
  std::optional<Result<Response>> result;
  Client(io, options).send(endpoint, std::move(request), [&](Result<Response> response) {
    result = std::move(response);
  });
  io.run();
  if (!result) return Error("no response from " + endpoint.toString());
  return std::move(*result);
}

}  // namespace mesolite::http
