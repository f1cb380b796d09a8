#include "tests/support/standalone_agent.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/cgroup_sweep.h"
#include "tests/support/operator_credential.h"

namespace mesolite::testing {

using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string readWhole(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

StandaloneAgent::StandaloneAgent(std::vector<std::string> flags) {
  char dir[] = "/tmp/mesolite-agent-XXXXXX";
  dir_ = ::mkdtemp(dir);
  // Searchable, as /var/lib/mesos is: a task in its own user namespace has none of
  // root's ids and must still reach its sandbox below.
  ::chmod(dir_.c_str(), 0711);
  cgroupsRoot_ = "mesolite-test-" + std::to_string(::getpid()) + "-" +
                 std::filesystem::path(dir_).filename().string();
  std::vector<std::string> argv = {
      std::getenv("MESOLITE_AGENT"),
      "--work_dir=" + workDir(),
      "--runtime_dir=" + runtimeDir(),
      "--launcher_dir=" + std::string(std::getenv("MESOLITE_LAUNCHER_DIR")),
      "--ip=127.0.0.1",
      "--port=0",
      "--cgroups_root=" + cgroupsRoot_};
  const bool ownCredentials = std::any_of(flags.begin(), flags.end(), [](const std::string& f) {
    return f.rfind("--http_credentials", 0) == 0;
  });
  if (!ownCredentials) {
    // Operator calls that change the agent need a principal (the agent's default).
    OperatorCredential made = makeOperatorCredential(dir_);
    credential_ = made.credential;
    argv.push_back(made.flag);
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv_ = std::move(argv);
  start();
}

void StandaloneAgent::start() {
  endpoint_ = {};
  process_ = std::make_unique<Subprocess>(argv_);
  auto line = process_->waitForLine("agent listening on", 20s);
  std::smatch match;
  if (line && std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))"))) {
    endpoint_ = {"127.0.0.1", uint16_t(std::stoi(match[1]))};
  }
}

bool StandaloneAgent::restart() {
  process_.reset();  // SIGKILL: the containers stay, as after a crash
  start();
  return ok();
}

StandaloneAgent::~StandaloneAgent() {
  process_.reset();  // SIGKILL if still running
  // Containers outlive the agent by design: end what this test left, by cgroup.
  removeCgroupTree(cgroupsRoot_);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

http::Response StandaloneAgent::call(const json& body, std::chrono::milliseconds timeout) {
  return callAs(credential_, body, timeout);
}

http::Response StandaloneAgent::callAs(const std::optional<Credential>& credential,
                                       const json& body, std::chrono::milliseconds timeout) {
  http::Request request{.method = "POST", .path = "/api/v1", .body = body.dump()};
  request.headers["Content-Type"] = "application/json";
  if (credential) request.headers["Authorization"] = basicAuthorization(*credential);
  auto response = http::fetch(endpoint_, request, {.timeout = timeout});
  if (!response) return http::Response{.status = 0, .body = response.error().message};
  return *response;
}

json launchContainerCall(const std::string& id, const std::string& command,
                         const std::string& resources, const json& container,
                         const std::string& user) {
  json launch = {{"container_id", {{"value", id}}},
                 {"command", {{"shell", true}, {"value", command}}},
                 {"resources", json::array()}};
  if (!user.empty()) launch["command"]["user"] = user;
  std::stringstream list(resources);
  for (std::string item; std::getline(list, item, ';');) {
    const size_t colon = item.find(':');
    launch["resources"].push_back({{"name", item.substr(0, colon)},
                                   {"type", "SCALAR"},
                                   {"scalar", {{"value", std::stod(item.substr(colon + 1))}}}});
  }
  if (!container.is_null()) launch["container"] = container;
  return {{"type", "LAUNCH_CONTAINER"}, {"launch_container", launch}};
}

http::Response StandaloneAgent::launch(const std::string& id, const std::string& command,
                                       const std::string& resources, const json& container,
                                       const std::string& user) {
  return call(launchContainerCall(id, command, resources, container, user));
}

json StandaloneAgent::wait(const std::string& id, std::chrono::milliseconds timeout) {
  auto response =
      call({{"type", "WAIT_CONTAINER"}, {"wait_container", {{"container_id", {{"value", id}}}}}},
           timeout);
  if (response.status != 200) return json{{"error", response.body}};
  return json::parse(response.body)["wait_container"];
}

http::Response StandaloneAgent::kill(const std::string& id, int signal) {
  return call({{"type", "KILL_CONTAINER"},
               {"kill_container", {{"container_id", {{"value", id}}}, {"signal", signal}}}});
}

std::string StandaloneAgent::out(const std::string& id) const {
  return readWhole(sandbox(id) + "/stdout");
}

std::string StandaloneAgent::err(const std::string& id) const {
  return readWhole(sandbox(id) + "/stderr");
}

pid_t StandaloneAgent::supervisorPid(const std::string& id) const {
  std::istringstream text(readWhole(runtimeDir() + "/containers/" + id + "/supervisor.pid"));
  pid_t pid = 0;
  text >> pid;
  return pid;
}

}  // namespace mesolite::testing
