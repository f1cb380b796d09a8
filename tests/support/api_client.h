// Clients of the v1 APIs for end-to-end tests: one-shot calls and event streams read on
// a private thread, so a test can wait for the next event with a timeout.
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/api_codec.h"
#include "common/http.h"
#include "common/http_client.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t freePort();

// POSTs `call` in `type` (Accept the same) and returns the response.
http::Response postCall(const http::Endpoint& endpoint, const std::string& path,
                        const google::protobuf::Message& call, api::ContentType type,
                        const http::Headers& headers = {});

// A subscription: the POST of a SUBSCRIBE call whose answer is a RecordIO event stream.
class EventStream {
 public:
  EventStream(const http::Endpoint& endpoint, const std::string& path,
              const google::protobuf::Message& call, api::ContentType type,
              const http::Headers& headers = {});
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Waits for the response's head; the status (0 if none came in time).
  int status(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string header(const std::string& name);
  // The body of a response that is not a stream (e.g. the message of a 400).
  std::string body(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // The next record parsed into `event`; false if none came in time or the stream ended.
  bool next(google::protobuf::Message* event,
            std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool ended();
  // Why the stream ended, when it did not end cleanly.
  std::string endError();
  void close();

 private:
  api::ContentType type_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::shared_ptr<http::StreamHandle> handle_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<http::Response> head_;
  std::string raw_;  // body bytes when the answer is not 200
  std::deque<std::string> records_;
  bool ended_ = false;
  std::string endError_;
};

}  // namespace mesolite::testing
