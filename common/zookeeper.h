// A ZooKeeper session on the process's io_context, over libzookeeper-mt.
//
// The C library runs its own I/O and completion threads; every completion and every
// watch event is posted onto the io_context, so the owner's code runs on its one event
// loop, and nothing reaches an owner that is gone (a shared alive flag guards each post).
//
// Session expiry is decided as Mesos's group does (src/zookeeper/group.cpp): when the
// connection drops, a timer of the session timeout starts; if the client has not
// reconnected by then, the session is treated as expired (the server will have expired
// it, and its ephemeral znodes with it): the owner is told, the handle closed and a new
// session made. ZooKeeper's own EXPIRED_SESSION state is handled the same way.
#pragma once

#include <zookeeper/zookeeper.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/zookeeper_url.h"

namespace mesolite::zk {

// "no node (ZNONODE)".
std::string describeCode(int code);

// The outcome of one operation: the ZooKeeper code, and for messages what was asked.
template <typename T>
struct Reply {
  int code = ZOK;
  std::string what;  // "zk://h:2181/mesos: create /mesos/json.info_"
  T value{};

  bool ok() const { return code == ZOK; }
  // "zk://h:2181/mesos: create /mesos/json.info_: node exists (ZNODEEXISTS)".
  Error error() const { return Error(what + ": " + describeCode(code)); }
};

struct Nothing {};

struct Node {
  std::string data;
  struct Stat stat {};
};

// One operation of an atomic multi (zoo_amulti).
struct Op {
  enum class Kind { kCreate, kSet, kDelete, kCheck };
  Kind kind;
  std::string path;
  std::string data;  // create, set
  int version = -1;  // set, delete, check: the expected version (-1: any)
  int flags = 0;     // create: ZOO_PERSISTENT, ZOO_EPHEMERAL_SEQUENTIAL...

  static Op create(std::string path, std::string data, int flags = 0) {
    return {Kind::kCreate, std::move(path), std::move(data), -1, flags};
  }
  static Op set(std::string path, std::string data, int version) {
    return {Kind::kSet, std::move(path), std::move(data), version, 0};
  }
  static Op remove(std::string path, int version) {
    return {Kind::kDelete, std::move(path), {}, version, 0};
  }
  static Op check(std::string path, int version) {
    return {Kind::kCheck, std::move(path), {}, version, 0};
  }
};

// A multi's answer: per operation, its code and (set/check) the znode's new stat or
// (create) the created path. On failure, `failed` is the first operation that failed.
struct MultiResult {
  struct Entry {
    int code = ZOK;
    std::string path;     // create: the name given (with its sequence number)
    struct Stat stat {};  // set
  };
  std::vector<Entry> entries;
  std::optional<size_t> failed;
};

class Session {
 public:
  struct Callbacks {
    // Connected: a new session, or the same one again after a short loss.
    std::function<void()> onConnected;
    // The connection dropped; the session may still come back within its timeout.
    std::function<void()> onDisconnected;
    // The session is over (expired, or disconnected for longer than its timeout): its
    // ephemeral znodes and watches are gone. A new session is already being made.
    std::function<void(const std::string& why)> onExpired;
    // A watch set by get/children(watch = true) fired: ZOO_CHILD_EVENT,
    // ZOO_CHANGED_EVENT, ZOO_DELETED_EVENT or ZOO_CREATED_EVENT on `path`.
    std::function<void(int type, const std::string& path)> onWatch;
  };

  // Connecting starts at once; an error only when the handle cannot be made at all.
  static Result<std::shared_ptr<Session>> create(boost::asio::io_context& io, Url url,
                                                 std::chrono::milliseconds timeout,
                                                 Callbacks callbacks);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Replaces the callbacks (they run on the io_context).
  void setCallbacks(Callbacks callbacks);

  const Url& url() const { return url_; }
  bool connected() const;
  // The server's id of the current session (0 before the first connection): the
  // ephemeralOwner of the znodes it creates.
  int64_t sessionId() const;

  // New znodes get this ACL: with credentials in the URL, all rights to their creator
  // and read to anyone (so Mesos's tools can still find the leader); else open.
  void create(const std::string& path, const std::string& data, int flags,
              std::function<void(Reply<std::string>)> done);
  // Creates `path` and any missing parent, persistent and empty; an existing one is fine.
  void createPath(const std::string& path, std::function<void(Reply<Nothing>)> done);
  void get(const std::string& path, bool watch, std::function<void(Reply<Node>)> done);
  void set(const std::string& path, const std::string& data, int version,
           std::function<void(Reply<struct Stat>)> done);
  void children(const std::string& path, bool watch,
                std::function<void(Reply<std::vector<std::string>>)> done);
  void remove(const std::string& path, int version, std::function<void(Reply<Nothing>)> done);
  // All of `ops` or none.
  void multi(std::vector<Op> ops, std::function<void(Reply<MultiResult>)> done);

  // Internal: what the library's threads hold to reach this session while it lives.
  struct Link;

 private:
  struct Handle;

  Session(boost::asio::io_context& io, Url url, std::chrono::milliseconds timeout,
          Callbacks callbacks);
  Result<void> connect();
  void handleEvent(uint64_t generation, int type, int state, const std::string& path);
  void startExpiryTimer();
  void expire(const std::string& why);
  std::string what(const std::string& operation, const std::string& path) const;
  const struct ACL_vector* acl() const;
  template <typename T, typename Start>
  void submit(std::string what, std::function<void(Reply<T>)> done, Start start);

  boost::asio::io_context& io_;
  const Url url_;
  const std::chrono::milliseconds timeout_;
  Callbacks callbacks_;
  std::shared_ptr<Link> link_;  // completions and events reach this session while it lives
  std::unique_ptr<Handle> handle_;
  uint64_t generation_ = 0;  // which handle the events come from
  bool connected_ = false;
  boost::asio::steady_timer expiryTimer_;
};

// The C library's own log lines go to the project's logger at debug level (its
// reconnection warnings would otherwise fill stderr while a server is down).
void quietLibraryLogging();

}  // namespace mesolite::zk
