// A real server on 127.0.0.1 driven by the real client, both on one io_context.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/recordio.h"

namespace mesolite::http {
namespace {

namespace asio = boost::asio;

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("/echo", [](Request&& request, Responder responder) {
      Response response = Response::text(200, request.method + " " + request.body);
      for (const auto& [key, value] : request.query)
        response.headers["X-Q-" + key] = value;
      responder.respond(std::move(response));
    });
    server_.route("/later", [this](Request&&, Responder responder) {
      auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(20));
      timer->async_wait([timer, responder](auto) { responder.respond(Response::text(202, "")); });
    });
    server_.route("/silent", [](Request&&, Responder) {});
    server_.route("/throws", [](Request&&, Responder) { throw std::runtime_error("boom"); });
    server_.route("/burst", [](Request&&, Responder responder) {
      // More than the client reads at once (16 KiB), written before it reads any.
      auto stream = responder.stream(200, {{"Content-Type", "application/recordio"}});
      for (int i = 0; i < 2000; ++i)
        stream->write(recordio::encode("burst record " + std::to_string(i)));
      stream->close();
    });
    server_.route("/events", [this](Request&&, Responder responder) {
      stream_ = responder.stream(200, {{"Content-Type", "application/recordio"}});
      stream_->onClose([this] { streamClosedByPeer_ = true; });
      for (int i = 0; i < 3; ++i)
        stream_->write(recordio::encode("event " + std::to_string(i)));
    });
    server_.routePrefix("/under/", [](Request&& request, Responder responder) {
      responder.respond(Response::text(200, "under " + request.path + " ?" + request.rawQuery));
    });
    server_.routePrefix("/under/deeper/", [](Request&& request, Responder responder) {
      responder.respond(Response::text(200, "deeper " + request.path));
    });
    server_.route("/under/exact", [](Request&&, Responder responder) {
      responder.respond(Response::text(200, "exact"));
    });
    ASSERT_TRUE(server_.listen("127.0.0.1", 0));
    endpoint_ = {"127.0.0.1", server_.port()};
  }

  Result<Response> roundTrip(Request request) {
    std::optional<Result<Response>> result;
    client_.send(endpoint_, std::move(request), [&](Result<Response> r) { result = std::move(r); });
    while (!result && io_.run_one_for(std::chrono::seconds(10))) {
    }
    if (!result) return Error("no answer");
    return std::move(*result);
  }

  // Sends raw bytes on a fresh connection and returns what the server answers.
  std::string rawExchange(const std::string& bytes) {
    std::string answer;
    std::atomic<bool> finished{false};
    std::thread peer([&] {
      asio::io_context io;
      asio::ip::tcp::socket socket(io);
      socket.connect({asio::ip::make_address("127.0.0.1"), endpoint_.port});
      asio::write(socket, asio::buffer(bytes));
      boost::system::error_code ec;
      std::array<char, 4096> buffer;
      for (;;) {
        size_t n = socket.read_some(asio::buffer(buffer), ec);
        if (ec) break;
        answer.append(buffer.data(), n);
      }
      finished = true;
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!finished && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(5));
    }
    peer.join();
    return answer;
  }

  asio::io_context io_;
  Server server_{io_, ServerOptions{.maxBodyBytes = 1024,
                                    .maxHeaderBytes = 2048,
                                    .requestTimeout = std::chrono::milliseconds(500),
                                    .writeTimeout = std::chrono::seconds(5)}};
  Client client_{io_};
  Endpoint endpoint_;
  std::shared_ptr<ResponseStream> stream_;
  bool streamClosedByPeer_ = false;
};

TEST_F(HttpTest, RoutesRequestsAndDecodesQueries) {
  auto response =
      roundTrip({.method = "POST", .path = "/echo", .query = {{"a", "x y&z"}}, .body = "payload"});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST payload");
  EXPECT_EQ(response->headers["x-q-a"], "x y&z");  // header names are case-insensitive
}

TEST_F(HttpTest, UnknownPathIs404) {
  auto response = roundTrip({.method = "GET", .path = "/nowhere"});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_NE(response->body.find("/nowhere"), std::string::npos);
}

TEST_F(HttpTest, HandlersMayAnswerLaterOrForgetOrThrow) {
  auto later = roundTrip({.method = "GET", .path = "/later"});
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 202);
  auto silent = roundTrip({.method = "GET", .path = "/silent"});
  ASSERT_TRUE(silent);
  EXPECT_EQ(silent->status, 500);
  auto throws = roundTrip({.method = "GET", .path = "/throws"});
  ASSERT_TRUE(throws);
  EXPECT_EQ(throws->status, 500);
  EXPECT_NE(throws->body.find("boom"), std::string::npos);
}

TEST_F(HttpTest, BodyOverTheLimitIs413) {
  auto response = roundTrip({.method = "POST", .path = "/echo", .body = std::string(2000, 'x')});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("1024"), std::string::npos);
}

TEST_F(HttpTest, MalformedRequestsGet400WithAMessage) {
  std::string answer = rawExchange("GARBAGE\r\n\r\n");
  EXPECT_NE(answer.find("HTTP/1.1 400"), std::string::npos) << answer;
  EXPECT_NE(answer.find("malformed HTTP request"), std::string::npos) << answer;

  answer = rawExchange("POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n");
  EXPECT_NE(answer.find("HTTP/1.1 400"), std::string::npos) << answer;

  answer = rawExchange("GET /echo HTTP/1.1\r\nX: " + std::string(4000, 'h') + "\r\n\r\n");
  EXPECT_NE(answer.find("HTTP/1.1 431"), std::string::npos) << answer;
}

TEST_F(HttpTest, ASlowRequestIsCutOffAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  std::string answer = rawExchange("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(answer, "");  // the connection is closed, nothing is handled
  EXPECT_GE(waited, std::chrono::milliseconds(400));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(HttpTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string answer = rawExchange(
      "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  EXPECT_NE(answer.find("GET "), std::string::npos) << answer;
  EXPECT_NE(answer.find("POST hi"), std::string::npos) << answer;
}

TEST_F(HttpTest, StreamsChunkedRecordIOToTheClient) {
  std::vector<std::string> records;
  recordio::Decoder decoder;
  std::optional<Result<void>> end;
  int status = 0;
  auto handle =
      client_.openStream(endpoint_, {.method = "POST", .path = "/events"},
                         {.onHeaders = [&](const Response& head) { status = head.status; },
                          .onData =
                              [&](std::string_view data) {
                                auto decoded = decoder.decode(data);
                                ASSERT_TRUE(decoded);
                                records.insert(records.end(), decoded->begin(), decoded->end());
                              },
                          .onEnd = [&](Result<void> r) { end = std::move(r); }});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (records.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2], "event 2");

  // More events later, then the server ends the stream cleanly.
  stream_->write(recordio::encode("late"));
  stream_->close();
  while (!end && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(end);
  EXPECT_TRUE(*end) << end->error().message;
  EXPECT_EQ(records.back(), "late");
}

TEST_F(HttpTest, ABurstOfRecordsArrivesWholeAndInOrder) {
  std::vector<std::string> records;
  recordio::Decoder decoder;
  std::optional<Result<void>> end;
  auto handle =
      client_.openStream(endpoint_, {.method = "POST", .path = "/burst"},
                         {.onData =
                              [&](std::string_view data) {
                                auto decoded = decoder.decode(data);
                                ASSERT_TRUE(decoded);
                                records.insert(records.end(), decoded->begin(), decoded->end());
                              },
                          .onEnd = [&](Result<void> r) { end = std::move(r); }});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!end && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(end);
  EXPECT_TRUE(*end) << end->error().message;
  EXPECT_TRUE(decoder.idle());
  ASSERT_EQ(records.size(), 2000u);
  for (size_t i = 0; i < records.size(); ++i)
    ASSERT_EQ(records[i], "burst record " + std::to_string(i));
}

TEST_F(HttpTest, TheServerLearnsWhenAStreamingClientLeaves) {
  auto handle = client_.openStream(endpoint_, {.method = "POST", .path = "/events"},
                                   {.onEnd = [](Result<void>) {}});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!stream_ && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(stream_);
  handle->cancel();
  while (!streamClosedByPeer_ && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(streamClosedByPeer_);
  EXPECT_TRUE(stream_->closed());
  stream_->write("ignored after close");  // must not crash
}

TEST_F(HttpTest, ConnectionRefusedIsAnError) {
  Server other(io_);
  ASSERT_TRUE(other.listen("127.0.0.1", 0));
  const uint16_t port = other.port();
  other.stop();
  std::optional<Result<Response>> result;
  client_.send({"127.0.0.1", port}, {.method = "GET", .path = "/"},
               [&](Result<Response> r) { result = std::move(r); });
  while (!result && io_.run_one_for(std::chrono::seconds(5))) {
  }
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_NE(result->error().message.find("127.0.0.1"), std::string::npos);
}

TEST_F(HttpTest, PrefixRoutesTakeWhatNoExactRouteTakesLongestFirst) {
  auto under = roundTrip({.method = "GET", .path = "/under/a/b?x=%20y&x=2"});
  ASSERT_TRUE(under);
  EXPECT_EQ(under->body, "under /under/a/b ?x=%20y&x=2");  // the query as sent
  auto deeper = roundTrip({.method = "GET", .path = "/under/deeper/c"});
  ASSERT_TRUE(deeper);
  EXPECT_EQ(deeper->body, "deeper /under/deeper/c");
  auto exact = roundTrip({.method = "GET", .path = "/under/exact"});
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->body, "exact");
  auto outside = roundTrip({.method = "GET", .path = "/under"});  // the prefix is "/under/"
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 404);
}

TEST_F(HttpTest, AHeadAnswerHasTheLengthButNoBodyAndTheConnectionGoesOn) {
  const std::string answer = rawExchange(
      "HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(answer.find("Content-Length: 5\r\n"), std::string::npos) << answer;  // "HEAD "
  EXPECT_EQ(answer.find("HEAD "), std::string::npos) << answer;
  const size_t second = answer.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << answer;
  EXPECT_EQ(answer.substr(answer.size() - 4), "GET ") << answer;
}

TEST_F(HttpTest, AnAnswerOverTheClientsLimitIsAnErrorNamingTheLimit) {
  Client small(io_, {.maxBodyBytes = 3});
  std::optional<Result<Response>> result;
  small.send(endpoint_, {.method = "POST", .path = "/echo", .body = "0123456789"},
             [&](Result<Response> r) { result = std::move(r); });
  while (!result && io_.run_one_for(std::chrono::seconds(5))) {
  }
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result) << (*result)->status << " " << (*result)->body << " "
                        << (*result)->headers["Content-Length"];
  EXPECT_NE(result->error().message.find("limit of 3 bytes"), std::string::npos)
      << result->error().message;
}

TEST(HttpEndpoint, Parse) {
  auto endpoint = Endpoint::parse("127.0.0.1:5050");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 5050);
  EXPECT_EQ(Endpoint::parse("http://localhost:5051/api/v1")->host, "localhost");
  EXPECT_FALSE(Endpoint::parse("localhost"));
  EXPECT_FALSE(Endpoint::parse("localhost:99999"));
  EXPECT_FALSE(Endpoint::parse("localhost:http"));
}

TEST(HttpRedirect, ParsesLocationsAsMastersWriteThem) {
  const Endpoint plain{.host = "10.0.0.1", .port = 5050};
  auto mesos = parseRedirect("//10.0.0.2:5050/api/v1/scheduler", plain);
  ASSERT_TRUE(mesos) << mesos.error().message;
  EXPECT_EQ(mesos->endpoint, (Endpoint{.host = "10.0.0.2", .port = 5050}));
  EXPECT_EQ(mesos->path, "/api/v1/scheduler");
  // Scheme-relative: the scheme of the request that was redirected.
  const Endpoint tls{.host = "10.0.0.1", .port = 5050, .https = true};
  EXPECT_TRUE(parseRedirect("//m2:5050/master/state", tls)->endpoint.https);
  auto absolute = parseRedirect("http://m2:5051/master/state?jsonp=x", tls);
  ASSERT_TRUE(absolute);
  EXPECT_FALSE(absolute->endpoint.https);
  EXPECT_EQ(absolute->path, "/master/state");
  EXPECT_TRUE(parseRedirect("https://m2:5051", plain)->endpoint.https);
  EXPECT_EQ(parseRedirect("//m2:5051", plain)->path, "");

  auto none = parseRedirect("", plain);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no Location"), std::string::npos);
  auto relative = parseRedirect("/master/state", plain);
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message.find("'/master/state'"), std::string::npos);
  auto port = parseRedirect("//m2:http/x", plain);
  ASSERT_FALSE(port);
  EXPECT_NE(port.error().message.find("//m2:http/x"), std::string::npos);
}

TEST(HttpQuery, ParsesAndDecodes) {
  auto query = parseQueryString("frameworkId=abc-123&x=a%20b+c&flag&=v");
  EXPECT_EQ(query["frameworkId"], "abc-123");
  EXPECT_EQ(query["x"], "a b c");
  EXPECT_EQ(query["flag"], "");
  EXPECT_EQ(percentDecode("100%"), "100%");
  EXPECT_EQ(percentDecode(percentEncode("a b/c?d=e&f")), "a b/c?d=e&f");
}

}  // namespace
}  // namespace mesolite::http
