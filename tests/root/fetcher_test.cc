// The fetcher end to end: a real mesos-agent (against the fake master) fetching
// CommandInfo.uris from a loopback HTTP server (tests/root/fetch_server.py) and from
// local files, into sandboxes owned by the task's user. Root only.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/http_client.h"
#include "tests/support/cgroup_sweep.h"
#include "tests/support/fake_master.h"
#include "tests/support/operator_credential.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using internal::AgentEvent;
using mesos::v1::TaskStatus;
using testing::FakeMaster;
using testing::framework;
using testing::kAgentId;
using testing::Subprocess;
using testing::task;

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class Fetcher : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates cgroups and switches users";
    char dir[] = "/tmp/mesolite-fetcher-XXXXXX";
    dir_ = mkdtemp(dir);
    // The task's user (nobody) reads local URIs and walks to its sandbox.
    ::chmod(dir_.c_str(), 0755);
    served_ = dir_ + "/served";
    std::filesystem::create_directories(served_);
    ::chmod(served_.c_str(), 0755);
    cgroupsRoot_ = "mesolite-test-fetcher-" + std::to_string(getpid());
    master_ = std::make_unique<FakeMaster>();
    server_ = std::make_unique<Subprocess>(std::vector<std::string>{
        "/usr/bin/python3", std::getenv("MESOLITE_FETCH_SERVER"), served_});
    auto line = server_->waitForLine("listening on", 20s);
    ASSERT_TRUE(line) << server_->err();
    base_ = "http://" + line->substr(line->find("127.0.0.1"));
    while (!base_.empty() && std::isspace(uint8_t(base_.back())))
      base_.pop_back();
  }

  void TearDown() override {
    agent_.reset();  // SIGKILL if still running
    server_.reset();
    master_.reset();
    testing::removeCgroupTree(cgroupsRoot_);
    testing::removeTestDirectory(dir_);
  }

  void startAgent(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        std::getenv("MESOLITE_AGENT"),
        "--master=127.0.0.1:" + std::to_string(master_->port()),
        "--work_dir=" + dir_ + "/work",
        "--runtime_dir=" + dir_ + "/run",
        "--launcher_dir=" + std::string(std::getenv("MESOLITE_LAUNCHER_DIR")),
        "--fetcher_cache_dir=" + dir_ + "/cache",
        "--ip=127.0.0.1",
        "--port=0",
        "--registration_backoff_factor=100ms",
        "--resources=cpus:2;mem:1024;disk:1024",
        "--cgroups_root=" + cgroupsRoot_};
    operator_ = testing::makeOperatorCredential(dir_);
    argv.push_back(operator_.flag);
    argv.insert(argv.end(), extra.begin(), extra.end());
    agent_ = std::make_unique<Subprocess>(argv);
    auto line = agent_->waitForLine("agent listening on", 20s);
    ASSERT_TRUE(line) << agent_->err();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))")));
    endpoint_ = {"127.0.0.1", uint16_t(std::stoi(match[1]))};
    ASSERT_TRUE(master_->waitForSubscription(++subscriptions_, 20s)) << agent_->err();
  }

  std::string sandboxOf(const internal::StatusUpdate& update) {
    const auto& status = update.status();
    return dir_ + "/work/slaves/" + kAgentId + "/frameworks/" + update.framework_id().value() +
           "/executors/" + status.task_id().value() + "/runs/" +
           status.container_status().container_id().value();
  }

  size_t requestsFor(const std::string& path) {
    std::istringstream log(read(served_ + "/requests.log"));
    size_t count = 0;
    for (std::string line; std::getline(log, line);)
      count += line == path;
    return count;
  }

  static mesos::v1::CommandInfo::URI uri(const std::string& value, bool cache = false) {
    mesos::v1::CommandInfo::URI made;
    made.set_value(value);
    made.set_cache(cache);
    return made;
  }

  std::string dir_, served_, base_, cgroupsRoot_;
  testing::OperatorCredential operator_;
  size_t subscriptions_ = 0;
  std::unique_ptr<FakeMaster> master_;
  std::unique_ptr<Subprocess> server_;
  std::unique_ptr<Subprocess> agent_;
  http::Endpoint endpoint_;
};

TEST_F(Fetcher, TaskSeesItsFilesOwnedByItsUser) {
  startAgent();
  auto info = task("t-all", "./script.sh > ran.txt && cat hello.txt sub/renamed.txt > seen.txt");
  info.mutable_command()->set_user("nobody");
  auto* uris = info.mutable_command()->mutable_uris();
  *uris->Add() = uri(base_ + "/files/hello.txt", /*cache=*/true);
  *uris->Add() = uri(base_ + "/files/app.tar.gz");
  uris->rbegin()->set_extract(true);
  *uris->Add() = uri(base_ + "/files/app.zip");
  uris->rbegin()->set_extract(true);
  *uris->Add() = uri("file://" + served_ + "/local.txt");
  uris->rbegin()->set_output_file("sub/renamed.txt");
  *uris->Add() = uri(served_ + "/script.sh");
  uris->rbegin()->set_executable(true);
  master_->runTask(framework("F1", false), info);
  auto finished = master_->waitForUpdate("t-all", mesos::v1::TASK_FINISHED, 30s);
  ASSERT_TRUE(finished) << agent_->err();
  const std::string sandbox = sandboxOf(*finished);
  EXPECT_EQ(read(sandbox + "/ran.txt"), "script ran\n");
  EXPECT_EQ(read(sandbox + "/seen.txt"), "hello from http\nfrom a local file\n");
  EXPECT_EQ(read(sandbox + "/tar-dir/inner.txt"), "from the tarball\n");
  EXPECT_EQ(read(sandbox + "/zip-dir/inner.txt"), "from the zip\n");
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  for (const std::string& name : std::vector<std::string>{
           "", "/hello.txt", "/app.tar.gz", "/tar-dir", "/tar-dir/inner.txt", "/zip-dir/inner.txt",
           "/sub", "/sub/renamed.txt", "/script.sh", "/stdout", "/stderr"}) {
    struct stat owned;
    ASSERT_EQ(::stat((sandbox + name).c_str(), &owned), 0) << name;
    EXPECT_EQ(owned.st_uid, nobody->pw_uid) << sandbox + name;
  }
  struct stat script;
  ASSERT_EQ(::stat((sandbox + "/script.sh").c_str(), &script), 0);
  EXPECT_EQ(script.st_mode & 07777, 0755u);
  // The fetcher's progress is in the sandbox's stderr, as Mesos writes it.
  const std::string log = read(sandbox + "/stderr");
  EXPECT_NE(log.find("Fetching URI '" + base_ + "/files/hello.txt'"), std::string::npos) << log;
  EXPECT_NE(log.find("Extracted '" + sandbox + "/app.tar.gz' into '" + sandbox + "'"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("Successfully fetched all URIs into '" + sandbox + "'"), std::string::npos)
      << log;
  // The cache is root's.
  struct stat cache;
  ASSERT_EQ(::stat((dir_ + "/cache").c_str(), &cache), 0);
  EXPECT_EQ(cache.st_uid, 0u);
  EXPECT_EQ(cache.st_mode & 0777, 0700u);
}

TEST_F(Fetcher, MissingFileFailsTheTaskNamingTheUri) {
  startAgent();
  auto info = task("t-404", "true");
  *info.mutable_command()->add_uris() = uri(base_ + "/files/missing.txt");
  master_->runTask(framework("F1", false), info);
  auto failed = master_->waitForUpdate("t-404", mesos::v1::TASK_FAILED, 30s);
  ASSERT_TRUE(failed) << agent_->err();
  const auto& status = failed->status();
  EXPECT_EQ(status.reason(), TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_EQ(status.message(), "Failed to fetch '" + base_ +
                                  "/files/missing.txt': Error downloading resource, received "
                                  "HTTP return code 404");
  EXPECT_FALSE(master_->waitForUpdate("t-404", mesos::v1::TASK_RUNNING, 0ms));
  const std::string log = read(sandboxOf(*failed) + "/stderr");
  EXPECT_NE(log.find("Failed to fetch '" + base_ + "/files/missing.txt'"), std::string::npos)
      << log;
}

TEST_F(Fetcher, StalledServerFailsWithinTheStallTimeout) {
  startAgent({"--fetcher_stall_timeout=1secs"});
  auto info = task("t-stall", "true");
  *info.mutable_command()->add_uris() = uri(base_ + "/stall/x.bin");
  master_->runTask(framework("F1", false), info);
  ASSERT_TRUE(master_->waitForUpdate("t-stall", mesos::v1::TASK_STARTING, 20s)) << agent_->err();
  const auto start = std::chrono::steady_clock::now();
  auto failed = master_->waitForUpdate("t-stall", mesos::v1::TASK_FAILED, 20s);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_NE(failed->status().message().find(base_ + "/stall/x.bin"), std::string::npos);
  EXPECT_NE(failed->status().message().find("--fetcher_stall_timeout"), std::string::npos)
      << failed->status().message();
  EXPECT_LT(took, 6s);
  EXPECT_GE(took, 900ms);
}

TEST_F(Fetcher, TwoTasksFetchingOneCachedUriMakeOneRequest) {
  startAgent();
  for (const std::string& id : std::vector<std::string>{"t-c1", "t-c2"}) {
    auto info = task(id, "cat hello.txt > seen.txt");
    *info.mutable_command()->add_uris() = uri(base_ + "/slow/hello.txt", /*cache=*/true);
    master_->runTask(framework("F1", false), info);
  }
  auto one = master_->waitForUpdate("t-c1", mesos::v1::TASK_FINISHED, 30s);
  auto two = master_->waitForUpdate("t-c2", mesos::v1::TASK_FINISHED, 30s);
  ASSERT_TRUE(one && two) << agent_->err();
  EXPECT_EQ(read(sandboxOf(*one) + "/seen.txt"), "hello from http\n");
  EXPECT_EQ(read(sandboxOf(*two) + "/seen.txt"), "hello from http\n");
  EXPECT_EQ(requestsFor("/slow/hello.txt"), 1u);
  // A later task finds it in the cache.
  auto info = task("t-c3", "cat hello.txt > seen.txt");
  *info.mutable_command()->add_uris() = uri(base_ + "/slow/hello.txt", /*cache=*/true);
  master_->runTask(framework("F1", false), info);
  auto three = master_->waitForUpdate("t-c3", mesos::v1::TASK_FINISHED, 30s);
  ASSERT_TRUE(three) << agent_->err();
  EXPECT_EQ(requestsFor("/slow/hello.txt"), 1u);
  EXPECT_NE(read(sandboxOf(*three) + "/stderr").find("from cache"), std::string::npos);

  // Mesos's fetcher metrics count them; a failed fetch counts apart.
  auto missing = task("t-c4", "true");
  *missing.mutable_command()->add_uris() = uri(base_ + "/files/missing.txt");
  master_->runTask(framework("F1", false), missing);
  ASSERT_TRUE(master_->waitForUpdate("t-c4", mesos::v1::TASK_FAILED, 30s)) << agent_->err();
  auto response =
      http::fetch(endpoint_, {.method = "GET", .path = "/metrics/snapshot"}, {.timeout = 10s});
  ASSERT_TRUE(response && response->status == 200);
  auto metrics = nlohmann::json::parse(response->body);
  EXPECT_EQ(metrics["containerizer/fetcher/task_fetches_succeeded"], 3) << response->body;
  EXPECT_EQ(metrics["containerizer/fetcher/task_fetches_failed"], 1) << response->body;
  EXPECT_EQ(metrics["containerizer/fetcher/cache_size_used_bytes"], 16) << response->body;
  EXPECT_GT(metrics["containerizer/fetcher/cache_size_total_bytes"].get<double>(), 0);
}

TEST_F(Fetcher, TraversalArchivesFailTheTaskAndWriteNothingOutside) {
  startAgent();
  for (const std::string& name : std::vector<std::string>{"evil.tar.gz", "evil-link.tar.gz"}) {
    auto info = task("t-" + name.substr(0, name.find('.')), "true");
    *info.mutable_command()->add_uris() = uri(base_ + "/files/" + name);
    info.mutable_command()->mutable_uris(0)->set_extract(true);
    master_->runTask(framework("F1", false), info);
    auto failed = master_->waitForUpdate(info.task_id().value(), mesos::v1::TASK_FAILED, 30s);
    ASSERT_TRUE(failed) << agent_->err();
    EXPECT_EQ(failed->status().reason(), TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
    EXPECT_NE(failed->status().message().find("Failed to fetch '" + base_ + "/files/" + name),
              std::string::npos)
        << failed->status().message();
    EXPECT_NE(
        failed->status().message().find(name == "evil.tar.gz" ? "climbs out" : "points outside"),
        std::string::npos)
        << failed->status().message();
  }
  EXPECT_FALSE(std::filesystem::exists(served_ + "/escaped-dotdot"));
  EXPECT_FALSE(std::filesystem::exists(served_ + "/escaped-link"));
}

TEST_F(Fetcher, KillDuringASlowFetchIsTaskKilled) {
  startAgent();
  auto info = task("t-kill", "true");
  *info.mutable_command()->add_uris() = uri(base_ + "/stall/big.bin");
  master_->runTask(framework("F1", false), info);
  ASSERT_TRUE(master_->waitForUpdate("t-kill", mesos::v1::TASK_STARTING, 20s)) << agent_->err();
  // The request reached the server: the helper is downloading.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (requestsFor("/stall/big.bin") == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(requestsFor("/stall/big.bin"), 1u);
  AgentEvent kill;
  kill.set_type(AgentEvent::KILL_TASK);
  kill.mutable_kill_task()->mutable_framework_id()->set_value("F1");
  kill.mutable_kill_task()->mutable_task_id()->set_value("t-kill");
  master_->send(kill);
  auto killed = master_->waitForUpdate("t-kill", mesos::v1::TASK_KILLED, 10s);
  ASSERT_TRUE(killed) << agent_->err();
  EXPECT_FALSE(master_->waitForUpdate("t-kill", mesos::v1::TASK_RUNNING, 0ms));
  // No mesos-fetcher is left among the agent's children.
  const auto gone = std::chrono::steady_clock::now() + 5s;
  bool left = true;
  while (left && std::chrono::steady_clock::now() < gone) {
    left = false;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      if (!std::isdigit(uint8_t(entry.path().filename().string()[0]))) continue;
      const std::string stat = read(entry.path().string() + "/stat");
      if (stat.find("(mesos-fetcher)") == std::string::npos) continue;
      std::istringstream fields(stat.substr(stat.rfind(')') + 2));
      std::string state;
      pid_t parent = 0;
      fields >> state >> parent;
      if (parent == agent_->pid()) left = true;
    }
    if (left) std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(left);
}

TEST_F(Fetcher, AgentRestartDuringAFetchEndsTheTask) {
  startAgent();
  auto info = task("t-restart", "true");
  *info.mutable_command()->add_uris() = uri(base_ + "/stall/big.bin");
  master_->runTask(framework("F-ckpt", true), info);
  ASSERT_TRUE(master_->waitForUpdate("t-restart", mesos::v1::TASK_STARTING, 20s)) << agent_->err();
  ASSERT_TRUE(agent_->stop(SIGTERM, 10s));
  agent_.reset();
  startAgent();
  auto failed = master_->waitForUpdate("t-restart", mesos::v1::TASK_FAILED, 20s);
  ASSERT_TRUE(failed) << agent_->err();
  EXPECT_EQ(failed->status().reason(), TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_NE(failed->status().message().find("restarted while the task's URIs were being fetched"),
            std::string::npos)
      << failed->status().message();
}

TEST_F(Fetcher, StandaloneContainerWithUrisIsRefusedByName) {
  startAgent();
  const std::string body =
      R"({"type":"LAUNCH_CONTAINER","launch_container":{"container_id":{"value":"sa-uris"},)"
      R"("command":{"value":"true","uris":[{"value":")" +
      base_ + R"(/files/hello.txt"}]},"resources":[]}})";
  http::Request request{.method = "POST", .path = "/api/v1", .body = body};
  testing::authorize(request, operator_.credential);
  request.headers["Content-Type"] = "application/json";
  auto response = http::fetch(endpoint_, request, {.timeout = 10s});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 501) << response->body;
  EXPECT_NE(response->body.find("command.uris"), std::string::npos) << response->body;
  EXPECT_EQ(requestsFor("/files/hello.txt"), 0u);
}

}  // namespace
}  // namespace mesolite
