#include "agent/check_probes.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "common/unique_fd.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr size_t kMaxStatusLine = 8192;

Result<ino_t> namespaceInode(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return Error::fromErrno("stat " + path);
  return info.st_ino;
}

// A socket belongs to the network namespace it was made in: made by a short-lived
// thread that entered the task's, it reaches the task's loopback from our loop. (setns
// into a network namespace changes only the calling thread, never the agent's loop.)
Result<UniqueFd> socketIn(pid_t pid, int family) {
  const auto plain = [&]() -> Result<UniqueFd> {
    UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) return Error::fromErrno("socket");
    return fd;
  };
  if (pid <= 0) return plain();
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  auto theirs = namespaceInode(path);
  if (!theirs) return theirs.error();
  auto ours = namespaceInode("/proc/self/ns/net");
  if (ours && *ours == *theirs) return plain();
  UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) return Error::fromErrno("open " + path);
  Result<UniqueFd> made = Error("no socket made");
  std::thread maker([&] {
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      made = Error::fromErrno("setns into the network namespace of pid " + std::to_string(pid));
      return;
    }
    made = plain();
  });
  maker.join();
  return made;
}

struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(asio::io_context& io) : socket(io), deadline(io) {}

  tcp::socket socket;
  asio::steady_timer deadline;
  bool cancelled = false;
  bool finished = false;
  std::string request;
  asio::streambuf response{kMaxStatusLine};

  // Opens the socket in the target's namespace and connects; `next` once connected.
  void connect(const ProbeTarget& target, std::function<void(Result<void>)> next) {
    auto fd = socketIn(target.networkOf, target.ipv6 ? AF_INET6 : AF_INET);
    if (!fd) return post(std::move(next), fd.error());
    boost::system::error_code ec;
    socket.assign(target.ipv6 ? tcp::v6() : tcp::v4(), fd->release(), ec);
    if (ec) return post(std::move(next), Error("assign the probe's socket: " + ec.message()));
    if (target.timeout.count() > 0) {
      deadline.expires_after(target.timeout);
      deadline.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
        auto self = weak.lock();
        if (error || !self) return;
        self->timedOut = true;
        boost::system::error_code ignored;
        self->socket.close(ignored);
      });
    }
    const tcp::endpoint endpoint(target.ipv6 ? asio::ip::address(asio::ip::address_v6::loopback())
                                             : asio::ip::address(asio::ip::address_v4::loopback()),
                                 target.port);
    description = endpoint.address().to_string() + ":" + std::to_string(target.port);
    timeoutText = std::to_string(double(target.timeout.count()) / 1000.0) + " s";
    socket.async_connect(endpoint, [self = shared_from_this(), next = std::move(next)](
                                       const boost::system::error_code& error) {
      if (self->cancelled) return;
      if (error) return next(self->failure("connect to " + self->description, error));
      next(success());
    });
  }

  Error failure(const std::string& what, const boost::system::error_code& error) const {
    if (timedOut) return Error(what + ": timed out after " + timeoutText);
    return Error(what + ": " + error.message());
  }

  template <typename Callback, typename Value>
  void post(Callback callback, Value value) {
    asio::post(socket.get_executor(), [self = shared_from_this(), callback = std::move(callback),
                                       value = std::move(value)]() mutable {
      if (!self->cancelled) callback(std::move(value));
    });
  }

  void finish() {
    deadline.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
  }

  bool timedOut = false;
  std::string description;
  std::string timeoutText;
};

class ConnectionProbe : public Probe {
 public:
  explicit ConnectionProbe(std::shared_ptr<Connection> connection)
      : connection_(std::move(connection)) {}
  ~ConnectionProbe() override {
    connection_->cancelled = true;
    connection_->finish();
  }

 private:
  std::shared_ptr<Connection> connection_;
};

// "HTTP/1.1 200 OK" -> 200.
Result<uint32_t> statusCode(const std::string& line) {
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12 || line[8] != ' ') {
    return Error("not an HTTP response: '" + line.substr(0, 64) + "'");
  }
  uint32_t code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return Error("bad status line '" + line + "'");
    code = code * 10 + uint32_t(line[i] - '0');
  }
  return code;
}

}  // namespace

std::unique_ptr<Probe> probeTcp(asio::io_context& io, const ProbeTarget& target,
                                std::function<void(Result<void>)> done) {
  auto connection = std::make_shared<Connection>(io);
  connection->connect(target, [connection, done = std::move(done)](Result<void> connected) {
    connection->finish();
    done(std::move(connected));
  });
  return std::make_unique<ConnectionProbe>(connection);
}

std::unique_ptr<Probe> probeHttp(asio::io_context& io, const ProbeTarget& target,
                                 const std::string& path,
                                 std::function<void(Result<uint32_t>)> done) {
  auto connection = std::make_shared<Connection>(io);
  const std::string host = (target.ipv6 ? "[::1]:" : "127.0.0.1:") + std::to_string(target.port);
  connection->request = "GET " + path + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUser-Agent: mesolite-check\r\nAccept: */*\r\n"
                        "Connection: close\r\n\r\n";
  auto finish = std::make_shared<std::function<void(Result<uint32_t>)>>(
      [connection, done = std::move(done)](Result<uint32_t> result) {
        connection->finish();
        done(std::move(result));
      });
  connection->connect(target, [connection, finish](Result<void> connected) {
    if (!connected) return (*finish)(connected.error());
    asio::async_write(
        connection->socket, asio::buffer(connection->request),
        [connection, finish](const boost::system::error_code& error, size_t) {
          if (connection->cancelled) return;
          if (error) return (*finish)(connection->failure("send the request", error));
          asio::async_read_until(
              connection->socket, connection->response, "\r\n",
              [connection, finish](const boost::system::error_code& readError, size_t length) {
                if (connection->cancelled) return;
                if (readError) {
                  return (*finish)(connection->failure("read the status line", readError));
                }
                std::string line(
                    asio::buffers_begin(connection->response.data()),
                    asio::buffers_begin(connection->response.data()) + std::ptrdiff_t(length - 2));
                (*finish)(statusCode(line));
              });
        });
  });
  return std::make_unique<ConnectionProbe>(connection);
}

}  // namespace mesolite::agent
