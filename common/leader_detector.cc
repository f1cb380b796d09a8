#include "common/leader_detector.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "common/logging.h"
#include "common/zookeeper.h"
#include "common/zookeeper_group.h"

namespace mesolite::detect {
namespace {

// HOST:PORT or http(s)://HOST:PORT: that master leads, always.
class FixedDetector : public LeaderDetector {
 public:
  explicit FixedDetector(http::Endpoint endpoint) {
    leader_.endpoint = std::move(endpoint);
    leader_.info.set_hostname(leader_.endpoint.host);
    leader_.info.set_port(leader_.endpoint.port);
    leader_.info.mutable_address()->set_hostname(leader_.endpoint.host);
    leader_.info.mutable_address()->set_port(leader_.endpoint.port);
  }
  std::optional<Leader> leader() const override { return leader_; }
  void onChange(std::function<void(const std::optional<Leader>&)>) override {}

 private:
  Leader leader_;
};

// zk://: follows the group's lowest member. The children of the group's path are
// watched; every change reads them again, and the leader's znode when it is a new one.
class ZooKeeperDetector : public LeaderDetector {
 public:
  ZooKeeperDetector(boost::asio::io_context& io, zk::Url url) : url_(std::move(url)), retry_(io) {}

  Result<void> start(boost::asio::io_context& io, std::chrono::milliseconds timeout) {
    auto session = zk::Session::create(io, url_, timeout, sessionCallbacks());
    if (!session) return session.error();
    session_ = std::move(*session);
    return success();
  }

  std::optional<Leader> leader() const override { return leader_; }
  void onChange(std::function<void(const std::optional<Leader>&)> callback) override {
    onChange_ = std::move(callback);
  }

  // Why no leader is known, for detectLeaderOnce's error.
  std::string problem() const {
    if (!session_ || !session_->connected()) return "not connected to ZooKeeper";
    return problem_.empty() ? "no master in the group" : problem_;
  }

 private:
  zk::Session::Callbacks sessionCallbacks() {
    zk::Session::Callbacks callbacks;
    callbacks.onConnected = [this] { refresh(); };
    // A leader seen during a short disconnection is still the leader (Mesos's detector
    // keeps it too); once the session is over nothing is known.
    callbacks.onExpired = [this](const std::string&) {
      ++round_;
      setLeader(std::nullopt, "");
    };
    callbacks.onWatch = [this](int /*type*/, const std::string& path) {
      if (path == url_.path || path == leaderPath_) refresh();
    };
    return callbacks;
  }

  void refresh() {
    const uint64_t round = ++round_;
    retry_.cancel();
    session_->children(url_.path, true, [this, round](zk::Reply<std::vector<std::string>> reply) {
      if (round != round_) return;  // a newer refresh is on its way
      if (!reply.ok()) {
        problem_ = reply.error().message;
        if (reply.code == ZNONODE) setLeader(std::nullopt, "");
        retryLater();
        return;
      }
      std::vector<zk::Member> members;
      for (const auto& child : reply.value) {
        if (auto member = zk::parseMember(child)) members.push_back(std::move(*member));
      }
      // Followed in this order: the JSON members by sequence, then the legacy ones.
      std::sort(members.begin(), members.end(), [](const zk::Member& a, const zk::Member& b) {
        return a.json != b.json ? a.json : a.sequence < b.sequence;
      });
      if (members.empty()) problem_.clear();
      readLeader(round, std::move(members), 0);
    });
  }

  // Reads members[index]; a znode that cannot be read or parsed is logged and the next
  // member tried.
  void readLeader(uint64_t round, std::vector<zk::Member> members, size_t index) {
    if (index == members.size()) {
      setLeader(std::nullopt, "");
      return;
    }
    const std::string path = url_.child(members[index].name);
    if (path == leaderPath_ && leader_) return;  // the same leader as before
    session_->get(path, true,
                  [this, round, members = std::move(members), index,
                   path](zk::Reply<zk::Node> reply) mutable {
                    if (round != round_) return;
                    if (reply.code == ZNONODE)
                      return refresh();  // it just left: read the group again
                    if (!reply.ok()) {
                      problem_ = reply.error().message;
                      retryLater();
                      return;
                    }
                    auto info = zk::parseMasterInfo(members[index], reply.value.data,
                                                    url_.toString() + ":" + path);
                    if (!info) {
                      log::warn("Leader detection: skipping a member: {}", info.error().message);
                      problem_ = info.error().message;
                      return readLeader(round, std::move(members), index + 1);
                    }
                    auto address = zk::addressOf(*info);  // parseMasterInfo checked it
                    Leader leader;
                    leader.info = std::move(*info);
                    leader.endpoint.host = address->host;
                    leader.endpoint.port = address->port;
                    setLeader(std::move(leader), path);
                  });
  }

  void retryLater() {
    retry_.expires_after(std::chrono::seconds(1));
    retry_.async_wait([this](const boost::system::error_code& error) {
      if (!error && session_->connected()) refresh();
    });
  }

  void setLeader(std::optional<Leader> leader, const std::string& path) {
    const bool changed =
        leader.has_value() != leader_.has_value() || path != leaderPath_ ||
        (leader && leader->info.SerializeAsString() != leader_->info.SerializeAsString());
    leader_ = std::move(leader);
    leaderPath_ = path;
    if (!changed) return;
    if (leader_) {
      log::info("Leading master in {}: {} ({})", url_.toString(), leader_->endpoint.toString(),
                leaderPath_);
    } else {
      log::info("No leading master in {}", url_.toString());
    }
    if (auto callback = onChange_) callback(leader_);
  }

  const zk::Url url_;
  std::shared_ptr<zk::Session> session_;
  boost::asio::steady_timer retry_;
  std::optional<Leader> leader_;
  std::string leaderPath_;  // the leader's znode, watched for its deletion
  std::string problem_;
  uint64_t round_ = 0;  // replies of an older refresh are dropped
  std::function<void(const std::optional<Leader>&)> onChange_;
};

// Mesos's --master also takes file:///path (the URL is read from the file, as
// /etc/mesos/zk holds it) and master@host:port.
Result<std::string> resolveMasterFlag(const std::string& master) {
  constexpr std::string_view kFile = "file://";
  if (master.rfind(kFile, 0) == 0) {
    const std::string path = master.substr(kFile.size());
    std::ifstream file(path);
    if (!file) return Error::fromErrno("--master=" + master + ": reading " + path);
    std::stringstream text;
    text << file.rdbuf();
    std::string content = text.str();
    while (!content.empty() && std::isspace(static_cast<unsigned char>(content.back()))) {
      content.pop_back();
    }
    if (content.rfind(kFile, 0) == 0)
      return Error("--master=" + master + ": " + path + " names another file");
    return content;
  }
  if (master.rfind("master@", 0) == 0) return master.substr(7);
  return master;
}

}  // namespace

Result<std::unique_ptr<LeaderDetector>> LeaderDetector::create(boost::asio::io_context& io,
                                                               const std::string& master,
                                                               DetectorOptions options) {
  auto resolved = resolveMasterFlag(master);
  if (!resolved) return resolved.error();
  if (resolved->rfind("zk://", 0) == 0) {
    auto url = zk::parseUrl(*resolved);
    if (!url) return url.error();
    auto detector = std::make_unique<ZooKeeperDetector>(io, std::move(*url));
    if (auto started = detector->start(io, options.sessionTimeout); !started) {
      return started.error();
    }
    return std::unique_ptr<LeaderDetector>(std::move(detector));
  }
  auto endpoint = http::Endpoint::parse(*resolved);
  if (!endpoint) {
    return endpoint.error().wrap("--master='" + master +
                                 "' (expected HOST:PORT, http(s)://HOST:PORT or zk://...)");
  }
  return std::unique_ptr<LeaderDetector>(std::make_unique<FixedDetector>(std::move(*endpoint)));
}

Result<Leader> detectLeaderOnce(const std::string& master, std::chrono::milliseconds timeout,
                                DetectorOptions options) {
  boost::asio::io_context io;
  auto created = LeaderDetector::create(io, master, options);
  if (!created) return created.error();
  std::unique_ptr<LeaderDetector> detector = std::move(*created);
  if (auto leader = detector->leader()) return *leader;
  std::optional<Leader> found;
  detector->onChange([&](const std::optional<Leader>& leader) {
    if (!leader) return;
    found = leader;
    io.stop();
  });
  boost::asio::steady_timer deadline(io, timeout);
  deadline.async_wait([&](const boost::system::error_code& error) {
    if (!error) io.stop();
  });
  io.run();
  if (found) return *found;
  std::string why;
  if (auto* zookeeper = dynamic_cast<ZooKeeperDetector*>(detector.get())) {
    why = " (" + zookeeper->problem() + ")";
  }
  // The URL as shown in messages: never with its password.
  auto url = zk::parseUrl(master);
  const std::string where = url ? url->toString() : master;
  return Error("no leading master found in " + where + " within " +
               std::to_string(timeout.count()) + " ms" + why);
}

}  // namespace mesolite::detect
