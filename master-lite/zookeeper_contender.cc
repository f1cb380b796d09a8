// Contender over ZooKeeper (contender.h): one ephemeral sequential json.info_ znode per
// candidacy, created through a session that this contender owns; the registry store it
// hands out writes through the same session.
#include <boost/asio/steady_timer.hpp>

#include "common/logging.h"
#include "common/protobuf_json.h"
#include "common/zookeeper.h"
#include "common/zookeeper_group.h"
#include "master-lite/contender.h"
#include "master-lite/registry_zookeeper.h"

namespace mesolite::master {
namespace {

constexpr auto kRetryDelay = std::chrono::seconds(1);

class ZooKeeperContender : public Contender {
 public:
  ZooKeeperContender(boost::asio::io_context& io, zk::Url url, mesos::v1::MasterInfo info,
                     Callbacks callbacks)
      : url_(std::move(url)),
        info_(std::move(info)),
        callbacks_(std::move(callbacks)),
        retry_(io) {}

  ~ZooKeeperContender() override {
    *alive_ = false;
    // Closing the session removes the candidacy's ephemeral znode at once.
    session_.reset();
  }

  Result<void> start(boost::asio::io_context& io, std::chrono::milliseconds timeout) {
    auto session = zk::Session::create(io, url_, timeout, sessionCallbacks());
    if (!session) return session.error();
    session_ = std::move(*session);
    return success();
  }

  void contend(const mesos::v1::MasterInfo& info) override {
    info_ = info;
    ++candidacy_;  // a creation in flight is of the old candidacy: it will be withdrawn
    elected_ = false;
    if (!node_.empty()) {
      session_->remove(node_, -1, [](zk::Reply<zk::Nothing> reply) {
        if (!reply.ok() && reply.code != ZNONODE) log::warn("{}", reply.error().message);
      });
      node_.clear();
    }
    if (session_->connected()) createNode();
  }

  std::unique_ptr<RegistryStore> registryStore() override {
    return makeZooKeeperRegistryStore(
        session_, [alive = std::weak_ptr<bool>(alive_), this]() -> std::optional<std::string> {
          auto flag = alive.lock();
          if (!flag || !*flag || node_.empty()) return std::nullopt;
          return node_;
        });
  }

 private:
  zk::Session::Callbacks sessionCallbacks() {
    zk::Session::Callbacks callbacks;
    callbacks.onConnected = [this] {
      if (node_.empty()) return createNode();
      refresh();
    };
    callbacks.onExpired = [this](const std::string& why) {
      // The ephemeral znode went with the session; a new candidacy follows on connection.
      node_.clear();
      ++candidacy_;
      lose("ZooKeeper session over: " + why);
      setLeader(std::nullopt, "");
    };
    callbacks.onWatch = [this](int /*type*/, const std::string& path) {
      if (path == url_.path) refresh();
    };
    return callbacks;
  }

  // Runs `fn` on a reply only while this contender lives.
  template <typename Fn>
  auto guarded(Fn fn) {
    return [alive = std::weak_ptr<bool>(alive_), fn = std::move(fn)](auto reply) mutable {
      if (auto flag = alive.lock(); flag && *flag) fn(std::move(reply));
    };
  }

  // A candidacy in three steps: the group's path, then no other znode of this session in
  // the group, then the member znode.
  void createNode() {
    if (creating_) return;
    creating_ = true;
    const uint64_t candidacy = candidacy_;
    session_->createPath(url_.path, guarded([this, candidacy](zk::Reply<zk::Nothing> parents) {
                           if (!parents.ok()) return failedToCreate(parents.error().message);
                           withdrawOwnMembers([this, candidacy] { createMember(candidacy); });
                         }));
  }

  // A creation whose answer was lost with the connection may still have made its znode;
  // with a second one this session would hold two members, the lower of them unknown to
  // it. So a new candidacy first deletes whatever member this session owns (ZooKeeper
  // runs a session's requests in order: those deletions precede the creation).
  void withdrawOwnMembers(std::function<void()> then) {
    const int64_t owner = session_->sessionId();
    session_->children(
        url_.path, false, guarded([this, owner, then](zk::Reply<std::vector<std::string>> reply) {
          if (!reply.ok()) return failedToCreate(reply.error().message);
          auto left = std::make_shared<size_t>(0);
          std::vector<std::string> members;
          for (const auto& child : reply.value) {
            if (zk::parseMember(child)) members.push_back(url_.child(child));
          }
          if (members.empty()) return then();
          *left = members.size();
          for (const auto& path : members) {
            session_->get(
                path, false, guarded([this, owner, then, left, path](zk::Reply<zk::Node> node) {
                  if (node.ok() && owner != 0 && node.value.stat.ephemeralOwner == owner) {
                    log::info("Withdrawing {}, a member of this session left from before", path);
                    session_->remove(path, -1, [](zk::Reply<zk::Nothing>) {});
                  }
                  if (--*left == 0) then();
                }));
          }
        }));
  }

  void createMember(uint64_t candidacy) {
    session_->create(url_.child(zk::kJsonMemberPrefix), toJsonString(info_),
                     ZOO_EPHEMERAL_SEQUENTIAL,
                     guarded([this, candidacy](zk::Reply<std::string> reply) {
                       if (!reply.ok()) return failedToCreate(reply.error().message);
                       creating_ = false;
                       if (candidacy != candidacy_) {
                         // contend() or an expiry came in between: withdraw it.
                         session_->remove(reply.value, -1, [](zk::Reply<zk::Nothing>) {});
                         if (session_->connected() && node_.empty()) createNode();
                         return;
                       }
                       node_ = reply.value;
                       log::info("Contending for leadership in {} as {}", url_.toString(), node_);
                       refresh();
                     }));
  }

  void failedToCreate(const std::string& why) {
    creating_ = false;
    log::warn("Cannot contend for leadership: {}; trying again", why);
    retry_.expires_after(kRetryDelay);
    retry_.async_wait(
        [alive = std::weak_ptr<bool>(alive_), this](const boost::system::error_code& error) {
          auto flag = alive.lock();
          if (error || !flag || !*flag) return;
          if (session_->connected() && node_.empty()) createNode();
        });
  }

  void refresh() {
    const uint64_t round = ++round_;
    session_->children(url_.path, true,
                       guarded([this, round](zk::Reply<std::vector<std::string>> reply) {
                         if (round != round_) return;
                         if (!reply.ok()) {
                           log::warn("Leader election: {}", reply.error().message);
                           return;  // a watch or a reconnection refreshes again
                         }
                         decide(reply.value, round);
                       }));
  }

  void decide(const std::vector<std::string>& children, uint64_t round) {
    const std::string ours = node_.empty() ? "" : node_.substr(node_.rfind('/') + 1);
    if (!ours.empty() && std::find(children.begin(), children.end(), ours) == children.end()) {
      // Deleted by someone (an operator, a tool): this candidacy is over.
      node_.clear();
      ++candidacy_;
      lose("its znode " + url_.child(ours) + " was deleted");
      createNode();
    }
    auto leader = zk::leaderOf(children);
    if (!leader) return setLeader(std::nullopt, "");
    if (!ours.empty() && leader->name == ours) {
      if (!elected_) {
        elected_ = true;
        log::info("Elected leader in {} ({})", url_.toString(), node_);
        setLeader(info_, node_);
        if (auto onElected = callbacks_.onElected) onElected();
      }
      return;
    }
    if (elected_) lose("a lower member " + url_.child(leader->name) + " appeared");
    const std::string path = url_.child(leader->name);
    if (path == leaderPath_) return;
    session_->get(path, false,
                  guarded([this, round, member = *leader, path](zk::Reply<zk::Node> reply) {
                    if (round != round_) return;
                    if (!reply.ok()) {
                      if (reply.code != ZNONODE)
                        log::warn("Leader election: {}", reply.error().message);
                      return;  // gone: the children's watch tells
                    }
                    auto info = zk::parseMasterInfo(member, reply.value.data, path);
                    if (!info) {
                      log::warn("Leader election: {}", info.error().wrap(url_.toString()).message);
                      return setLeader(std::nullopt, path);
                    }
                    setLeader(std::move(*info), path);
                  }));
  }

  void lose(const std::string& why) {
    if (!elected_) return;
    elected_ = false;
    log::warn("Lost leadership in {}: {}", url_.toString(), why);
    if (auto onLost = callbacks_.onLost) onLost(why);
  }

  void setLeader(std::optional<mesos::v1::MasterInfo> leader, const std::string& path) {
    const bool changed = path != leaderPath_ || leader.has_value() != leader_.has_value();
    leaderPath_ = path;
    leader_ = std::move(leader);
    if (!changed) return;
    if (auto onLeader = callbacks_.onLeader) onLeader(leader_);
  }

  const zk::Url url_;
  mesos::v1::MasterInfo info_;
  Callbacks callbacks_;
  boost::asio::steady_timer retry_;
  std::shared_ptr<zk::Session> session_;
  std::string node_;  // this candidacy's znode, empty while there is none
  bool creating_ = false;
  bool elected_ = false;
  uint64_t candidacy_ = 0;  // bumped when a candidacy ends
  uint64_t round_ = 0;      // replies of an older read of the group are dropped
  std::optional<mesos::v1::MasterInfo> leader_;
  std::string leaderPath_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

Result<std::unique_ptr<Contender>> Contender::create(boost::asio::io_context& io,
                                                     const std::string& zk,
                                                     std::chrono::milliseconds sessionTimeout,
                                                     const mesos::v1::MasterInfo& info,
                                                     Callbacks callbacks) {
  auto url = zk::parseUrl(zk);
  if (!url) return url.error().wrap("--zk");
  auto contender =
      std::make_unique<ZooKeeperContender>(io, std::move(*url), info, std::move(callbacks));
  if (auto started = contender->start(io, sessionTimeout); !started) return started.error();
  return std::unique_ptr<Contender>(std::move(contender));
}

}  // namespace mesolite::master
