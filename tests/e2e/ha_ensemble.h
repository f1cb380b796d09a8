// A real ZooKeeper server (tests/support/zookeeper_server.h) and real mesos-masters
// contending in it, each with its own port and work dir, for the HA tests.
#pragma once

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/support/api_client.h"
#include "tests/support/zookeeper_server.h"

namespace mesolite::e2e {

class Ensemble {
 public:
  // ZooKeeper plus `count` masters contending in it (each with its own work dir), each
  // given the flags `extra` besides the ensemble's.
  explicit Ensemble(size_t count = 3, std::vector<std::string> extra = {})
      : extra_(std::move(extra)) {
    if (auto why = testing::ZooKeeperServer::unavailable()) {
      skip_ = *why;
      return;
    }
    if (auto error = zookeeper_.start()) {
      ADD_FAILURE() << *error;
      return;
    }
    char path[] = "/tmp/mesolite-ha-XXXXXX";
    root_ = ::mkdtemp(path);
    for (size_t i = 0; i < count; ++i) {
      ports_.push_back(testing::freePort());
      masters_.push_back(start(i));
    }
  }
  ~Ensemble() {
    masters_.clear();
    if (!root_.empty()) std::filesystem::remove_all(root_);
  }

  const std::optional<std::string>& skip() const { return skip_; }
  testing::ZooKeeperServer& zookeeper() { return zookeeper_; }
  std::string url() const { return zookeeper_.url("/mesos"); }

  std::unique_ptr<Master> start(size_t i) {
    std::filesystem::create_directories(root_ + "/m" + std::to_string(i));
    std::vector<std::string> flags{"--zk=" + url(),
                                   "--quorum=2",
                                   "--zk_session_timeout=2secs",
                                   "--registry=replicated_log",
                                   "--hostname=127.0.0.1",
                                   "--work_dir=" + root_ + "/m" + std::to_string(i)};
    flags.insert(flags.end(), extra_.begin(), extra_.end());
    return std::make_unique<Master>(flags, ports_[i]);
  }
  Master& master(size_t i) { return *masters_[i]; }
  bool alive(size_t i) const { return masters_[i] != nullptr; }
  void kill(size_t i) {
    masters_[i]->process().stop(SIGKILL, 10s);
    masters_[i].reset();
  }

  // The master that says it leads, waiting up to `timeout` for one (none: -1).
  int leader(std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      for (size_t i = 0; i < masters_.size(); ++i) {
        if (!masters_[i]) continue;
        auto snapshot = masters_[i]->getJson("/metrics/snapshot");
        if (snapshot.is_object() && snapshot.value("master/elected", 0.0) == 1.0) return int(i);
      }
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return -1;
  }
  // The logs of the masters alive, for failure messages.
  std::string logs() {
    std::string all;
    for (size_t i = 0; i < masters_.size(); ++i)
      if (masters_[i])
        all += "--- master " + std::to_string(i) + "\n" + masters_[i]->process().err();
    return all;
  }
  // How many masters say they lead now.
  int leaders() {
    int count = 0;
    for (auto& master : masters_)
      if (master && master->getJson("/metrics/snapshot").value("master/elected", 0.0) == 1.0)
        ++count;
    return count;
  }

 private:
  std::optional<std::string> skip_;
  std::vector<std::string> extra_;
  testing::ZooKeeperServer zookeeper_{1};
  std::string root_;
  std::vector<uint16_t> ports_;
  std::vector<std::unique_ptr<Master>> masters_;
};

}  // namespace mesolite::e2e
