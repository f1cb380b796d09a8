#include "tests/support/api_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <stdexcept>

#include "common/recordio.h"

namespace mesolite::testing {

uint16_t freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a port on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

namespace {

http::Request callRequest(const std::string& path, const google::protobuf::Message& call,
                          api::ContentType type, const http::Headers& headers) {
  http::Request request;
  request.method = "POST";
  request.path = path;
  request.headers = headers;
  request.headers["Content-Type"] = std::string(api::mediaType(type));
  request.headers["Accept"] = std::string(api::mediaType(type));
  request.body = api::serialize(call, type);
  return request;
}

}  // namespace

http::Response postCall(const http::Endpoint& endpoint, const std::string& path,
                        const google::protobuf::Message& call, api::ContentType type,
                        const http::Headers& headers) {
  auto response = http::fetch(endpoint, callRequest(path, call, type, headers));
  if (!response) return http::Response::text(0, response.error().message);
  return std::move(*response);
}

EventStream::EventStream(const http::Endpoint& endpoint, const std::string& path,
                         const google::protobuf::Message& call, api::ContentType type,
                         const http::Headers& headers)
    : type_(type), io_(std::make_unique<boost::asio::io_context>()) {
  http::ClientOptions options;
  options.timeout = std::chrono::hours(1);  // a stream lives as long as the test
  http::Client client(*io_, options);
  auto decoder = std::make_shared<recordio::Decoder>();
  handle_ = client.openStream(endpoint, callRequest(path, call, type, headers),
                              {.onHeaders =
                                   [this](const http::Response& head) {
                                     std::lock_guard lock(mutex_);
                                     head_ = head;
                                     changed_.notify_all();
                                   },
                               .onData =
                                   [this, decoder](std::string_view data) {
                                     std::lock_guard lock(mutex_);
                                     if (head_ && head_->status != 200) {
                                       raw_.append(data);
                                       return;
                                     }
                                     auto records = decoder->decode(data);
                                     if (!records) {
                                       ended_ = true;
                                     } else {
                                       for (auto& record : *records)
                                         records_.push_back(std::move(record));
                                     }
                                     changed_.notify_all();
                                   },
                               .onEnd =
                                   [this](Result<void> end) {
                                     std::lock_guard lock(mutex_);
                                     if (!end) endError_ = end.error().message;
                                     ended_ = true;
                                     changed_.notify_all();
                                   }});
  thread_ = std::thread([this] { io_->run(); });
}

EventStream::~EventStream() {
  close();
  if (thread_.joinable()) thread_.join();
}

void EventStream::close() {
  boost::asio::post(*io_, [handle = handle_] { handle->cancel(); });
}

int EventStream::status(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return head_.has_value() || ended_; });
  return head_ ? head_->status : 0;
}

std::string EventStream::header(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (!head_) return "";
  auto found = head_->headers.find(name);
  return found == head_->headers.end() ? "" : found->second;
}

std::string EventStream::body(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return ended_; });
  return raw_;
}

bool EventStream::next(google::protobuf::Message* event, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return !records_.empty() || ended_; });
  if (records_.empty()) return false;
  std::string record = std::move(records_.front());
  records_.pop_front();
  lock.unlock();
  return api::deserialize(record, type_, event).ok();
}

std::string EventStream::endError() {
  std::lock_guard lock(mutex_);
  return endError_;
}

bool EventStream::ended() {
  std::lock_guard lock(mutex_);
  return ended_ && records_.empty();
}

}  // namespace mesolite::testing
