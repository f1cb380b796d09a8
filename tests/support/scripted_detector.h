// A LeaderDetector the test scripts: it names the leader it is told, and tells the
// watcher on the io_context, as a detector watching ZooKeeper would on a change.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <optional>

#include "common/http_client.h"
#include "common/leader_detector.h"

namespace mesolite::testing {

class ScriptedDetector : public detect::LeaderDetector {
 public:
  ScriptedDetector(boost::asio::io_context& io, std::optional<http::Endpoint> leader)
      : io_(io), leader_(toLeader(leader)) {}

  std::optional<detect::Leader> leader() const override { return leader_; }
  void onChange(std::function<void(const std::optional<detect::Leader>&)> callback) override {
    callback_ = std::move(callback);
  }

  // From any thread: `endpoint` leads from now on (nullopt: nobody does).
  void setLeader(std::optional<http::Endpoint> endpoint) {
    boost::asio::post(io_, [this, endpoint] {
      leader_ = toLeader(endpoint);
      if (callback_) callback_(leader_);
    });
  }

 private:
  static std::optional<detect::Leader> toLeader(const std::optional<http::Endpoint>& endpoint) {
    if (!endpoint) return std::nullopt;
    detect::Leader leader;
    leader.endpoint = *endpoint;
    leader.info.set_hostname(endpoint->host);
    leader.info.set_port(endpoint->port);
    return leader;
  }

  boost::asio::io_context& io_;
  std::optional<detect::Leader> leader_;  // io thread only once running
  std::function<void(const std::optional<detect::Leader>&)> callback_;
};

}  // namespace mesolite::testing
