// A real mesos-agent for the e2e tests (root): its own directories and cgroup root under
// /tmp, registered with a master given as operators give it; its cgroups are removed
// when it goes.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/support/cgroup_sweep.h"

namespace mesolite::e2e {

inline std::string agentEnv(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// A mesos-agent registered with `master`, in its own directories and cgroup root.
class Agent {
 public:
  Agent(Master& master, const std::string& dir, std::vector<std::string> extra = {})
      : Agent("127.0.0.1:" + std::to_string(master.endpoint().port), dir, std::move(extra)) {}
  // `master`: --master as operators give it (HOST:PORT, zk://...).
  Agent(const std::string& master, const std::string& dir, std::vector<std::string> extra = {})
      : port_(testing::freePort()), dir_(dir) {
    static int instance = 0;
    cgroupsRoot_ = "mesolite-e2e-" + std::to_string(getpid()) + "-" + std::to_string(instance++);
    argv_ = {agentEnv("MESOLITE_AGENT"),
             "--master=" + master,
             "--ip=127.0.0.1",
             "--port=" + std::to_string(port_),
             "--hostname=127.0.0.1",
             "--work_dir=" + dir + "/work",
             "--runtime_dir=" + dir + "/run",
             "--launcher_dir=" + agentEnv("MESOLITE_LAUNCHER_DIR"),
             "--cgroups_root=" + cgroupsRoot_,
             "--resources=cpus:4;mem:2048;disk:1024;ports:[31000-31100]"};
    argv_.insert(argv_.end(), extra.begin(), extra.end());
    start();
  }
  ~Agent() {
    if (process_) process_->stop(SIGTERM, 20s);
    testing::removeCgroupTree(cgroupsRoot_);
  }

  void start() {
    process_ = std::make_unique<Subprocess>(argv_);
    if (!process_->waitForLine("subscribed to the master", 15s)) {
      ADD_FAILURE() << "agent did not register: " << process_->err();
    }
  }
  void stop() { process_->stop(SIGTERM, 20s); }
  pid_t pid() const { return process_->pid(); }
  http::Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  const std::string& dir() const { return dir_; }
  const std::string& cgroupsRoot() const { return cgroupsRoot_; }

  nlohmann::json state() const {
    http::Request request;
    request.method = "GET";
    request.path = "/state";
    auto response = http::fetch(endpoint(), request);
    if (!response || response->status != 200) return nullptr;
    return nlohmann::json::parse(response->body, nullptr, false);
  }

 private:
  uint16_t port_;
  std::string dir_;
  std::string cgroupsRoot_;
  std::vector<std::string> argv_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace mesolite::e2e
