#include "common/zookeeper.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <mutex>

#include "common/logging.h"

namespace mesolite::zk {

// What completions and events need to find their session: it is gone once `session`'s
// owner (the shared_ptr in Session) is, and every post checks that on the io_context.
struct Session::Link {
  Session* session;
  void event(uint64_t generation, int type, int state, const std::string& path) {
    session->handleEvent(generation, type, state, path);
  }
};

namespace {

struct WatcherContext {
  boost::asio::io_context* io;
  std::weak_ptr<Session::Link> link;
  uint64_t generation;
};

}  // namespace

// The handle and what its watcher reads; closing it first joins the library's threads,
// so the context outlives every call into the watcher.
struct Session::Handle {
  zhandle_t* zh = nullptr;
  std::unique_ptr<WatcherContext> context;
  ~Handle() {
    if (zh) zookeeper_close(zh);
  }
};

namespace {

void logLine(const char* message) {
  std::string line(message ? message : "");
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
  log::debug("libzookeeper: {}", line);
}

// One pending operation: freed by its completion (on a library thread), which posts the
// reply to the io_context.
template <typename T>
struct Pending {
  virtual ~Pending() = default;
  boost::asio::io_context* io;
  std::weak_ptr<Session::Link> link;
  std::function<void(Reply<T>)> done;
  Reply<T> reply;
};

template <typename T>
void deliver(Pending<T>* raw) {
  std::shared_ptr<Pending<T>> pending(raw);
  boost::asio::post(*pending->io, [pending] {
    // The session (and so its owner) may be gone: then nobody is told.
    if (pending->link.lock()) pending->done(std::move(pending->reply));
  });
}

template <typename T>
Pending<T>* pendingOf(const void* data) {
  return static_cast<Pending<T>*>(const_cast<void*>(data));
}

void onString(int rc, const char* value, const void* data) {
  auto* pending = pendingOf<std::string>(data);
  pending->reply.code = rc;
  if (rc == ZOK && value) pending->reply.value = value;
  deliver(pending);
}

void onData(int rc, const char* value, int length, const struct Stat* stat, const void* data) {
  auto* pending = pendingOf<Node>(data);
  pending->reply.code = rc;
  if (rc == ZOK) {
    if (value && length > 0) pending->reply.value.data.assign(value, size_t(length));
    if (stat) pending->reply.value.stat = *stat;
  }
  deliver(pending);
}

void onStat(int rc, const struct Stat* stat, const void* data) {
  auto* pending = pendingOf<struct Stat>(data);
  pending->reply.code = rc;
  if (rc == ZOK && stat) pending->reply.value = *stat;
  deliver(pending);
}

void onStrings(int rc, const struct String_vector* strings, const void* data) {
  auto* pending = pendingOf<std::vector<std::string>>(data);
  pending->reply.code = rc;
  if (rc == ZOK && strings) {
    for (int32_t i = 0; i < strings->count; ++i)
      pending->reply.value.emplace_back(strings->data[i]);
  }
  deliver(pending);
}

void onVoid(int rc, const void* data) {
  auto* pending = pendingOf<Nothing>(data);
  pending->reply.code = rc;
  deliver(pending);
}

// A multi keeps its operations' buffers until the library is done with them.
struct MultiPending : Pending<MultiResult> {
  std::vector<Op> ops;
  std::vector<zoo_op_t> zooOps;
  std::vector<zoo_op_result_t> results;
  std::vector<std::string> createdPaths;  // buffers the created names are written to
  std::vector<struct Stat> stats;
};

void onMulti(int rc, const void* data) {
  auto* pending = static_cast<MultiPending*>(const_cast<void*>(data));
  auto& reply = pending->reply;
  reply.code = rc;
  for (size_t i = 0; i < pending->results.size(); ++i) {
    MultiResult::Entry entry;
    entry.code = pending->results[i].err;
    if (pending->ops[i].kind == Op::Kind::kCreate && entry.code == ZOK) {
      entry.path = pending->createdPaths[i].c_str();
    }
    entry.stat = pending->stats[i];
    // The first operation that failed; the others report ZRUNTIMEINCONSISTENCY.
    if (rc != ZOK && !reply.value.failed && entry.code != ZOK &&
        entry.code != ZRUNTIMEINCONSISTENCY) {
      reply.value.failed = i;
    }
    reply.value.entries.push_back(std::move(entry));
  }
  if (rc != ZOK && reply.value.failed) {
    const Op& op = pending->ops[*reply.value.failed];
    reply.what += " (failed at " + op.path + ")";
  }
  deliver<MultiResult>(pending);
}

void onAuth(int rc, const void*) {
  if (rc != ZOK) log::warn("ZooKeeper digest authentication: {}", describeCode(rc));
}

void watcher(zhandle_t*, int type, int state, const char* path, void* context) {
  auto* watch = static_cast<WatcherContext*>(context);
  if (!watch) return;
  std::string where(path ? path : "");
  boost::asio::post(*watch->io, [link = watch->link, generation = watch->generation, type, state,
                                 where = std::move(where)] {
    if (auto alive = link.lock()) alive->event(generation, type, state, where);
  });
}

const char* codeName(int code) {
  switch (code) {
    case ZOK:
      return "ZOK";
    case ZSYSTEMERROR:
      return "ZSYSTEMERROR";
    case ZRUNTIMEINCONSISTENCY:
      return "ZRUNTIMEINCONSISTENCY";
    case ZDATAINCONSISTENCY:
      return "ZDATAINCONSISTENCY";
    case ZCONNECTIONLOSS:
      return "ZCONNECTIONLOSS";
    case ZMARSHALLINGERROR:
      return "ZMARSHALLINGERROR";
    case ZUNIMPLEMENTED:
      return "ZUNIMPLEMENTED";
    case ZOPERATIONTIMEOUT:
      return "ZOPERATIONTIMEOUT";
    case ZBADARGUMENTS:
      return "ZBADARGUMENTS";
    case ZINVALIDSTATE:
      return "ZINVALIDSTATE";
    case ZAPIERROR:
      return "ZAPIERROR";
    case ZNONODE:
      return "ZNONODE";
    case ZNOAUTH:
      return "ZNOAUTH";
    case ZBADVERSION:
      return "ZBADVERSION";
    case ZNOCHILDRENFOREPHEMERALS:
      return "ZNOCHILDRENFOREPHEMERALS";
    case ZNODEEXISTS:
      return "ZNODEEXISTS";
    case ZNOTEMPTY:
      return "ZNOTEMPTY";
    case ZSESSIONEXPIRED:
      return "ZSESSIONEXPIRED";
    case ZINVALIDCALLBACK:
      return "ZINVALIDCALLBACK";
    case ZINVALIDACL:
      return "ZINVALIDACL";
    case ZAUTHFAILED:
      return "ZAUTHFAILED";
    case ZCLOSING:
      return "ZCLOSING";
    case ZNOTHING:
      return "ZNOTHING";
    case ZSESSIONMOVED:
      return "ZSESSIONMOVED";
    default:
      return "ZooKeeper error";
  }
}

}  // namespace

std::string describeCode(int code) {
  return std::string(zerror(code)) + " (" + codeName(code) + " " + std::to_string(code) + ")";
}

void quietLibraryLogging() {
  static std::once_flag once;
  std::call_once(once, [] {
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    // Lines logged before a handle exists have no callback: drop them.
    if (FILE* null = std::fopen("/dev/null", "w")) zoo_set_log_stream(null);
  });
}

Result<std::shared_ptr<Session>> Session::create(boost::asio::io_context& io, Url url,
                                                 std::chrono::milliseconds timeout,
                                                 Callbacks callbacks) {
  quietLibraryLogging();
  std::shared_ptr<Session> session(new Session(io, std::move(url), timeout, std::move(callbacks)));
  if (auto connected = session->connect(); !connected) return connected.error();
  return session;
}

Session::Session(boost::asio::io_context& io, Url url, std::chrono::milliseconds timeout,
                 Callbacks callbacks)
    : io_(io),
      url_(std::move(url)),
      timeout_(timeout),
      callbacks_(std::move(callbacks)),
      link_(std::make_shared<Link>(Link{this})),
      expiryTimer_(io) {}

Session::~Session() {
  link_.reset();  // nothing posted from now on reaches this session
  handle_.reset();
}

void Session::setCallbacks(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
}

bool Session::connected() const {
  return connected_;
}

int64_t Session::sessionId() const {
  if (!handle_ || !handle_->zh) return 0;
  const clientid_t* id = zoo_client_id(handle_->zh);
  return id ? id->client_id : 0;
}

Result<void> Session::connect() {
  auto handle = std::make_unique<Handle>();
  handle->context = std::make_unique<WatcherContext>(WatcherContext{&io_, link_, ++generation_});
  handle->zh = zookeeper_init2(url_.hosts().c_str(), &watcher, static_cast<int>(timeout_.count()),
                               nullptr, handle->context.get(), 0, &logLine);
  if (!handle->zh) return Error::fromErrno("zookeeper_init " + url_.toString());
  if (url_.digest) {
    // Kept by the library and sent again on every reconnection.
    int rc = zoo_add_auth(handle->zh, "digest", url_.digest->data(),
                          static_cast<int>(url_.digest->size()), &onAuth, nullptr);
    if (rc != ZOK) return Error("zoo_add_auth " + url_.toString() + ": " + describeCode(rc));
  }
  handle_ = std::move(handle);
  return success();
}

void Session::handleEvent(uint64_t generation, int type, int state, const std::string& path) {
  if (generation != generation_) return;  // from a handle closed since
  if (type != ZOO_SESSION_EVENT) {
    if (auto onWatch = callbacks_.onWatch) onWatch(type, path);
    return;
  }
  if (state == ZOO_CONNECTED_STATE) {
    expiryTimer_.cancel();
    connected_ = true;
    log::info("ZooKeeper {}: connected (session 0x{:x})", url_.toString(), sessionId());
    if (auto onConnected = callbacks_.onConnected) onConnected();
  } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
    if (!connected_) return;
    connected_ = false;
    log::warn("ZooKeeper {}: connection lost; session 0x{:x} given up unless back within {} ms",
              url_.toString(), sessionId(), timeout_.count());
    startExpiryTimer();
    if (auto onDisconnected = callbacks_.onDisconnected) onDisconnected();
  } else if (state == ZOO_EXPIRED_SESSION_STATE) {
    expire("ZooKeeper expired the session");
  } else if (state == ZOO_AUTH_FAILED_STATE) {
    expire("ZooKeeper refused the credentials");
  }
}

void Session::startExpiryTimer() {
  // The server may have negotiated a shorter timeout than asked: the shorter one rules.
  auto timeout = timeout_;
  if (handle_ && handle_->zh) {
    if (int negotiated = zoo_recv_timeout(handle_->zh); negotiated > 0) {
      timeout = std::min(timeout, std::chrono::milliseconds(negotiated));
    }
  }
  expiryTimer_.expires_after(timeout);
  expiryTimer_.async_wait([link = std::weak_ptr<Link>(link_),
                           generation = generation_](const boost::system::error_code& error) {
    auto alive = link.lock();
    if (error || !alive || alive->session->generation_ != generation) return;
    if (!alive->session->connected_) {
      alive->session->expire("disconnected for longer than the session timeout");
    }
  });
}

void Session::expire(const std::string& why) {
  log::warn("ZooKeeper {}: session 0x{:x} is over ({}); starting a new one", url_.toString(),
            sessionId(), why);
  expiryTimer_.cancel();
  connected_ = false;
  handle_.reset();  // its pending operations complete with ZCLOSING or a connection loss
  if (auto connected = connect(); !connected) {
    // Only when the library cannot make a handle at all (out of memory, bad hosts).
    log::error("ZooKeeper {}: {}", url_.toString(), connected.error().message);
  }
  // Last: the owner may destroy this session from its callback.
  if (auto onExpired = callbacks_.onExpired) onExpired(why);
}

std::string Session::what(const std::string& operation, const std::string& path) const {
  return url_.toString() + ": " + operation + " " + path;
}

const struct ACL_vector* Session::acl() const {
  if (!url_.digest) return &ZOO_OPEN_ACL_UNSAFE;
  // Mesos's EVERYONE_READ_CREATOR_ALL.
  static struct ACL entries[] = {
      {ZOO_PERM_ALL, {const_cast<char*>("auth"), const_cast<char*>("")}},
      {ZOO_PERM_READ, {const_cast<char*>("world"), const_cast<char*>("anyone")}},
  };
  static struct ACL_vector creatorAllWorldRead = {2, entries};
  return &creatorAllWorldRead;
}

template <typename T, typename Start>
void Session::submit(std::string what, std::function<void(Reply<T>)> done, Start start) {
  auto pending = std::make_unique<Pending<T>>();
  pending->io = &io_;
  pending->link = link_;
  pending->done = std::move(done);
  pending->reply.what = std::move(what);
  int rc = handle_ && handle_->zh ? start(handle_->zh, pending.get()) : ZINVALIDSTATE;
  if (rc == ZOK) {
    pending.release();  // the completion owns it now
  } else {
    pending->reply.code = rc;  // the library will not call the completion
    deliver(pending.release());
  }
}

void Session::create(const std::string& path, const std::string& data, int flags,
                     std::function<void(Reply<std::string>)> done) {
  submit<std::string>(
      what("create", path), std::move(done), [&](zhandle_t* zh, Pending<std::string>* pending) {
        return zoo_acreate(zh, path.c_str(), data.data(), static_cast<int>(data.size()), acl(),
                           flags, &onString, pending);
      });
}

void Session::createPath(const std::string& path, std::function<void(Reply<Nothing>)> done) {
  // One znode at a time, from the root down.
  std::vector<std::string> prefixes;
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    prefixes.push_back(path.substr(0, slash));
  }
  if (path != "/") prefixes.push_back(path);
  auto next = std::make_shared<std::function<void(size_t)>>();
  *next = [this, prefixes, done, next](size_t index) {
    if (index == prefixes.size()) {
      done(Reply<Nothing>{ZOK, what("create", prefixes.empty() ? "/" : prefixes.back()), {}});
      *next = nullptr;  // breaks the cycle
      return;
    }
    create(prefixes[index], "", 0, [next, index, done](Reply<std::string> reply) {
      if (!reply.ok() && reply.code != ZNODEEXISTS) {
        done(Reply<Nothing>{reply.code, reply.what, {}});
        *next = nullptr;
        return;
      }
      (*next)(index + 1);
    });
  };
  (*next)(0);
}

void Session::get(const std::string& path, bool watch, std::function<void(Reply<Node>)> done) {
  submit<Node>(what("get", path), std::move(done), [&](zhandle_t* zh, Pending<Node>* pending) {
    return zoo_aget(zh, path.c_str(), watch ? 1 : 0, &onData, pending);
  });
}

void Session::set(const std::string& path, const std::string& data, int version,
                  std::function<void(Reply<struct Stat>)> done) {
  submit<struct Stat>(what("set", path), std::move(done),
                      [&](zhandle_t* zh, Pending<struct Stat>* pending) {
                        return zoo_aset(zh, path.c_str(), data.data(),
                                        static_cast<int>(data.size()), version, &onStat, pending);
                      });
}

void Session::children(const std::string& path, bool watch,
                       std::function<void(Reply<std::vector<std::string>>)> done) {
  submit<std::vector<std::string>>(what("list children of", path), std::move(done),
                                   [&](zhandle_t* zh, Pending<std::vector<std::string>>* pending) {
                                     return zoo_aget_children(zh, path.c_str(), watch ? 1 : 0,
                                                              &onStrings, pending);
                                   });
}

void Session::remove(const std::string& path, int version,
                     std::function<void(Reply<Nothing>)> done) {
  submit<Nothing>(what("delete", path), std::move(done),
                  [&](zhandle_t* zh, Pending<Nothing>* pending) {
                    return zoo_adelete(zh, path.c_str(), version, &onVoid, pending);
                  });
}

void Session::multi(std::vector<Op> ops, std::function<void(Reply<MultiResult>)> done) {
  auto pending = std::make_unique<MultiPending>();
  pending->io = &io_;
  pending->link = link_;
  pending->done = std::move(done);
  pending->reply.what = what("multi of " + std::to_string(ops.size()) + " operations under",
                             ops.empty() ? url_.path : ops.front().path);
  pending->ops = std::move(ops);
  const size_t count = pending->ops.size();
  pending->zooOps.resize(count);
  pending->results.resize(count);
  pending->createdPaths.assign(count, std::string());
  pending->stats.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const Op& op = pending->ops[i];
    zoo_op_t* zooOp = &pending->zooOps[i];
    switch (op.kind) {
      case Op::Kind::kCreate:
        pending->createdPaths[i].assign(op.path.size() + 16, '\0');  // room for the sequence
        zoo_create_op_init(zooOp, op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                           acl(), op.flags, pending->createdPaths[i].data(),
                           static_cast<int>(pending->createdPaths[i].size()));
        break;
      case Op::Kind::kSet:
        zoo_set_op_init(zooOp, op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                        op.version, &pending->stats[i]);
        break;
      case Op::Kind::kDelete:
        zoo_delete_op_init(zooOp, op.path.c_str(), op.version);
        break;
      case Op::Kind::kCheck:
        zoo_check_op_init(zooOp, op.path.c_str(), op.version);
        break;
    }
  }
  int rc = ZINVALIDSTATE;
  if (handle_ && handle_->zh) {
    rc = zoo_amulti(handle_->zh, static_cast<int>(count), pending->zooOps.data(),
                    pending->results.data(), &onMulti, pending.get());
  }
  if (rc == ZOK) {
    pending.release();
  } else {
    pending->reply.code = rc;
    deliver<MultiResult>(pending.release());
  }
}

}  // namespace mesolite::zk
