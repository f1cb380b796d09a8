// A real mesos-agent without a master, in a temporary directory, driven through its v1
// operator API as an operator would: for root tests of containers. Everything it made
// (cgroups, directories) goes when the object does, even when a test fails.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/credentials.h"
#include "common/http.h"
#include "common/http_client.h"
#include "tests/support/subprocess.h"

namespace mesolite::testing {

// A LAUNCH_CONTAINER call of a shell command with "cpus:0.1;mem:32"-style scalar
// resources; `container` (a ContainerInfo) and `user` when given.
nlohmann::json launchContainerCall(const std::string& id, const std::string& command,
                                   const std::string& resources,
                                   const nlohmann::json& container = nullptr,
                                   const std::string& user = "");

class StandaloneAgent {
 public:
  // Starts the agent (MESOLITE_AGENT, MESOLITE_LAUNCHER_DIR from the environment) with
  // `flags` added to the test's own; `ok()` says whether it is up.
  explicit StandaloneAgent(std::vector<std::string> flags = {});
  ~StandaloneAgent();

  bool ok() const { return endpoint_.port != 0; }
  // Kills the agent (SIGKILL, as a crash would) and starts it again over the same
  // directories and flags; it recovers its containers. Whether it is up again.
  bool restart();
  std::string startError() const { return log(); }
  std::string log() const { return process_ ? process_->err() : "not started"; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  const http::Endpoint& endpoint() const { return endpoint_; }
  const std::string& directory() const { return dir_; }
  // --cgroups_root: containers' cgroups are <hierarchy>/<this>/<container id>.
  const std::string& cgroupsRoot() const { return cgroupsRoot_; }
  std::string workDir() const { return dir_ + "/work"; }
  std::string runtimeDir() const { return dir_ + "/run"; }
  std::string sandbox(const std::string& id) const { return workDir() + "/containers/" + id; }

  // An operator call, with the test operator's credential (see credential()).
  http::Response call(const nlohmann::json& body,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The same with the credential given, or none: what an unauthorized client sees.
  http::Response callAs(const std::optional<Credential>& credential, const nlohmann::json& body,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The operator credential the agent accepts (--http_credentials names a file of it,
  // in the agent's directory), unless the test's flags give their own.
  const std::optional<Credential>& credential() const { return credential_; }
  // LAUNCH_CONTAINER (see launchContainerCall).
  http::Response launch(const std::string& id, const std::string& command,
                        const std::string& resources = "cpus:0.1;mem:32",
                        const nlohmann::json& container = nullptr, const std::string& user = "");
  // WAIT_CONTAINER's answer (its "wait_container" object).
  nlohmann::json wait(const std::string& id,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));
  http::Response kill(const std::string& id, int signal);
  std::string out(const std::string& id) const;  // the sandbox's stdout
  std::string err(const std::string& id) const;
  // The container's supervisor (mesos-containerizer), from the runtime directory.
  pid_t supervisorPid(const std::string& id) const;

 private:
  void start();

  std::vector<std::string> argv_;
  std::string dir_;
  std::string cgroupsRoot_;
  std::optional<Credential> credential_;
  std::unique_ptr<Subprocess> process_;
  http::Endpoint endpoint_;
};

}  // namespace mesolite::testing
