// The agent's MasterConnection (agent/master_connection.h) running on a thread of its own
// with a given leader detector, subscribing as "agent-under-test": for tests of how it
// finds and follows the leading master.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include "agent/master_connection.h"

namespace mesolite::testing {

class RunningMasterConnection {
 public:
  // `makeDetector` is called with the connection's io_context.
  template <typename MakeDetector>
  RunningMasterConnection(MakeDetector makeDetector, std::chrono::milliseconds backoff) {
    connection_ = std::make_unique<agent::MasterConnection>(
        io_, makeDetector(io_), agent::MasterConnectionOptions{.backoffFactor = backoff},
        agent::MasterConnection::Callbacks{.subscribe = [] {
          internal::AgentCall::Subscribe subscribe;
          subscribe.set_protocol_version(1);
          subscribe.mutable_agent_info()->set_hostname("agent-under-test");
          return subscribe;
        }});
    boost::asio::post(io_, [this] { connection_->start(); });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RunningMasterConnection() {
    boost::asio::post(io_, [this] {
      connection_.reset();
      work_.reset();
      io_.stop();
    });
    thread_.join();
  }
  RunningMasterConnection(const RunningMasterConnection&) = delete;
  RunningMasterConnection& operator=(const RunningMasterConnection&) = delete;

  // Where the connection subscribes now, read on its thread.
  std::optional<http::Endpoint> master() {
    std::promise<std::optional<http::Endpoint>> master;
    boost::asio::post(io_, [&] { master.set_value(connection_->master()); });
    return master.get_future().get();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::unique_ptr<agent::MasterConnection> connection_;
  std::thread thread_;
};

}  // namespace mesolite::testing
