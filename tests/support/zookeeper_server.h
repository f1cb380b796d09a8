// A real ZooKeeper server (Debian's `zookeeper` package) for tests: one server or a
// three-server ensemble on free loopback ports, with a private data directory removed at
// the end. Stopped and restarted on the same ports and data, to test what survives.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace mesolite::testing {

class ZooKeeperServer {
 public:
  // Why no server can run on this host (java or the jar missing), for GTEST_SKIP.
  static std::optional<std::string> unavailable();

  // Configures `servers` (1 or 3) servers; nothing runs before start().
  explicit ZooKeeperServer(size_t servers = 1);
  ~ZooKeeperServer();
  ZooKeeperServer(const ZooKeeperServer&) = delete;
  ZooKeeperServer& operator=(const ZooKeeperServer&) = delete;

  // Starts every server and waits until each answers `srvr` as serving (an error message
  // with the server's output otherwise).
  std::optional<std::string> start();
  // SIGTERM, then SIGKILL after 5 s, by pid.
  void stop();
  std::optional<std::string> restart() {
    stop();
    return start();
  }
  // One member of an ensemble.
  void stopServer(size_t index);
  std::optional<std::string> startServer(size_t index);

  // "127.0.0.1:p1,127.0.0.1:p2,..."
  std::string hosts() const;
  // "zk://[credentials@]127.0.0.1:p1,.../path".
  std::string url(const std::string& path, const std::string& credentials = "") const;

 private:
  struct Member {
    uint16_t clientPort = 0;
    uint16_t peerPort = 0;
    uint16_t electionPort = 0;
    std::string dir;
    std::unique_ptr<Subprocess> process;
  };
  void writeConfig(size_t index);
  bool serving(uint16_t port) const;

  std::string root_;
  std::vector<Member> members_;
};

}  // namespace mesolite::testing
