// A task's stdout and stderr cannot fill the disk: the built-in logrotate container
// logger (Mesos's org_apache_mesos_LogrotateContainerLogger) through a real agent, and
// the launcher's rotation on its own. Root only (cgroups, namespaces).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "launcher/launch_request.h"
#include "tests/support/standalone_agent.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every file of `dir` named `stream` or `stream.N`, with its size.
std::map<std::string, uintmax_t> logFiles(const std::string& dir, const std::string& stream) {
  std::map<std::string, uintmax_t> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename();
    if (name == stream || name.rfind(stream + ".", 0) == 0) {
      std::error_code sizeError;
      const auto size = fs::file_size(entry.path(), sizeError);
      if (!sizeError) files[name] = size;
    }
  }
  return files;
}

uintmax_t total(const std::map<std::string, uintmax_t>& files) {
  uintmax_t sum = 0;
  for (const auto& [name, size] : files)
    sum += size;
  return sum;
}

bool skipUnlessRoot() {
  return geteuid() != 0;
}

TEST(ContainerLogs, AFloodOfStdoutStaysWithinTheCapAndTheNewestOutputIsInStdout) {
  if (skipUnlessRoot()) GTEST_SKIP() << "needs root: creates cgroups and namespaces";
  testing::StandaloneAgent agent(
      {"--max_stdout_size=1MB", "--logrotate_stdout_options=rotate 2", "--max_stderr_size=64KB"});
  ASSERT_TRUE(agent.ok()) << agent.startError();
  // `yes` for 10 s as fast as it can (bounded by timeout), then a last line each.
  ASSERT_EQ(agent
                .launch("flood",
                        "timeout 10 yes mesolite-flood-line; echo the-end; "
                        "timeout 2 yes to-stderr >&2; echo err-end >&2",
                        "cpus:0.5;mem:64")
                .status,
            200);
  const std::string sandbox = agent.sandbox("flood");
  constexpr uintmax_t kCap = 1 << 20;
  uintmax_t largest = 0;
  size_t samples = 0;
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  // Sample the sandbox all along the flood: never more than the cap times (rotate + 1).
  while (std::chrono::steady_clock::now() < deadline) {
    auto files = logFiles(sandbox, "stdout");
    largest = std::max(largest, total(files));
    ++samples;
    for (const auto& [name, size] : files)
      EXPECT_LE(size, kCap) << name;
    if (readFile(fs::path(sandbox) / "stderr").find("err-end") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  }
  json ended = agent.wait("flood", 30s);
  EXPECT_EQ(ended.value("exit_status", -1), 0) << ended.dump();
  const auto out = logFiles(sandbox, "stdout");
  EXPECT_EQ(out.size(), 3u) << "stdout, stdout.1, stdout.2";
  EXPECT_TRUE(out.count("stdout.1") && out.count("stdout.2"));
  EXPECT_FALSE(out.count("stdout.3"));
  EXPECT_LE(total(out), 3 * kCap);
  EXPECT_LE(largest, 3 * kCap);
  EXPECT_EQ(out.at("stdout.1"), kCap);  // a rotated file is full to the byte
  const std::string leading = readFile(fs::path(sandbox) / "stdout");
  ASSERT_GE(leading.size(), 8u);
  EXPECT_EQ(leading.substr(leading.size() - 8), "the-end\n");
  const auto err = logFiles(sandbox, "stderr");
  EXPECT_LE(total(err), 4u * (64 << 10)) << "stderr: 64KB, rotate 3 (the default)";
  const std::string lastErr = readFile(fs::path(sandbox) / "stderr");
  EXPECT_EQ(lastErr.substr(lastErr.size() - 8), "err-end\n");
  std::cout << "[ measured ] largest stdout set " << largest << " bytes over " << samples
            << " samples (cap " << kCap << " x 3)\n";
}

TEST(ContainerLogs, ACommandMayOverrideItsCapsAsMesosAllows) {
  if (skipUnlessRoot()) GTEST_SKIP() << "needs root: creates cgroups and namespaces";
  testing::StandaloneAgent agent;
  ASSERT_TRUE(agent.ok()) << agent.startError();
  json call = testing::launchContainerCall(
      "small", "head -c 300000 /dev/zero | tr '\\0' x; echo; echo last", "cpus:0.1;mem:32");
  call["launch_container"]["command"]["environment"] = {
      {"variables",
       {{{"name", "CONTAINER_LOGGER_MAX_STDOUT_SIZE"}, {"value", "64KB"}},
        {{"name", "CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS"}, {"value", "rotate 1"}}}}};
  ASSERT_EQ(agent.call(call).status, 200);
  json ended = agent.wait("small", 30s);
  EXPECT_EQ(ended.value("exit_status", -1), 0) << ended.dump();
  const auto out = logFiles(agent.sandbox("small"), "stdout");
  EXPECT_EQ(out.size(), 2u);
  for (const auto& [name, size] : out)
    EXPECT_LE(size, 64u << 10) << name;
  EXPECT_EQ(agent.out("small").substr(agent.out("small").size() - 5), "last\n");

  // An unknown CONTAINER_LOGGER_ variable fails the launch, as in Mesos.
  json unknown = testing::launchContainerCall("bad", "true", "cpus:0.1;mem:32");
  unknown["launch_container"]["command"]["environment"] = {
      {"variables", {{{"name", "CONTAINER_LOGGER_MAX_SIZE"}, {"value", "1MB"}}}}};
  auto refused = agent.call(unknown);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("CONTAINER_LOGGER_MAX_SIZE"), std::string::npos) << refused.body;
}

TEST(ContainerLogs, WithoutTheLoggerTheTaskWritesItsFilesItself) {
  if (skipUnlessRoot()) GTEST_SKIP() << "needs root: creates cgroups and namespaces";
  testing::StandaloneAgent agent({"--container_logger=", "--max_stdout_size=4KB"});
  ASSERT_TRUE(agent.ok()) << agent.startError();
  ASSERT_EQ(agent.launch("plain", "head -c 20000 /dev/zero").status, 200);
  agent.wait("plain", 30s);
  EXPECT_EQ(agent.out("plain").size(), 20000u);
  EXPECT_EQ(logFiles(agent.sandbox("plain"), "stdout").size(), 1u);
}

TEST(ContainerLogs, BadSettingsAreRefusedAtStartNamingTheFlag) {
  for (const auto& [flag, name] : std::vector<std::pair<std::string, std::string>>{
           {"--max_stdout_size=1KB", "max_stdout_size"},
           {"--logrotate_stderr_options=compress", "logrotate_stderr_options"},
           {"--container_logger=org_apache_mesos_Other", "container_logger"},
           {"--gc_disk_headroom=1.5", "gc_disk_headroom"},
           {"--disk_watch_interval=0secs", "disk_watch_interval"}}) {
    auto done = testing::run({std::getenv("MESOLITE_AGENT"), "--work_dir=/nonexistent", flag});
    EXPECT_NE(done.exitCode(), 0) << flag;
    EXPECT_NE(done.err.find(name), std::string::npos) << flag << ": " << done.err;
  }
}

// The launcher alone: a task that writes 3 MB into a 256 KB cap with 2 rotations, and
// symlinks planted under the rotated names are replaced, never written through.
TEST(ContainerLogs, LauncherRotatesWithoutFollowingPlantedSymlinks) {
  if (skipUnlessRoot()) GTEST_SKIP() << "needs root: the launcher runs tasks as root";
  char pattern[] = "/tmp/mesolite-logs-XXXXXX";
  const fs::path dir = mkdtemp(pattern);
  const fs::path victim = dir / "victim";
  std::ofstream(victim) << "untouched";
  launcher::LaunchRequest request;
  request.containerId = "logs";
  request.environment = {"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"};
  request.workingDirectory = dir;
  request.stdoutPath = dir / "stdout";
  request.stderrPath = dir / "stderr";
  request.stdoutRotation = launcher::LogRotation{256 << 10, 2};
  request.pidPath = dir / "pid";
  request.terminationPath = dir / "termination";
  // The task plants links where the supervisor will create and rename files, then floods.
  request.argv = {"sh", "-c",
                  "ln -s " + victim.string() + " stdout.1; ln -s " + victim.string() +
                      " stdout.2; head -c 3000000 /dev/zero | tr '\\0' y; echo done; "
                      "echo to-stderr >&2"};
  const fs::path encoded = dir / "request";
  std::ofstream(encoded) << request.encode();
  const std::string command = "exec 3<" + encoded.string() + "; exec " +
                              std::getenv("MESOLITE_CONTAINERIZER") + " launch 2>" +
                              (dir / "launcher.log").string();
  auto done = testing::run({"/bin/sh", "-c", command}, {}, 60s);
  EXPECT_EQ(done.exitCode(), 0) << readFile(dir / "launcher.log");
  EXPECT_NE(readFile(dir / "termination").find("wait_status=0"), std::string::npos)
      << readFile(dir / "termination");
  EXPECT_EQ(readFile(victim), "untouched");
  const auto out = logFiles(dir, "stdout");
  EXPECT_EQ(out.size(), 3u);
  for (const auto& [name, size] : out) {
    EXPECT_LE(size, 256u << 10) << name;
    EXPECT_FALSE(fs::is_symlink(dir / name)) << name;
  }
  const std::string leading = readFile(dir / "stdout");
  EXPECT_EQ(leading.substr(leading.size() - 5), "done\n");
  EXPECT_EQ(readFile(dir / "stderr"), "to-stderr\n");  // not rotated: written directly
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace mesolite
