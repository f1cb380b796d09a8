// The pure parts of sandbox garbage collection and of the built-in logrotate container
// logger: Mesos's age formula, removal that never follows a symlink, and the logger's
// settings with their per-container overrides.
#include "agent/sandbox_gc.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "agent/container_logger.h"
#include "tests/support/temp_dir.h"

namespace mesolite::agent {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using testing::TempDir;

void touch(const fs::path& path, const std::string& content = "x") {
  std::ofstream(path) << content;
}

TEST(MaxSandboxAge, IsMesosFormula) {
  const std::chrono::nanoseconds week = 168h;
  // An empty disk: gc_delay shortened by the headroom only.
  EXPECT_EQ(maxSandboxAge(week, 0.1, 0.0), std::chrono::nanoseconds(int64_t(week.count() * 0.9)));
  EXPECT_EQ(maxSandboxAge(100s, 0.1, 0.4), 50s);
  EXPECT_EQ(maxSandboxAge(100s, 0.0, 0.0), 100s);
  // Used beyond 1 - headroom: everything finished goes at once.
  EXPECT_EQ(maxSandboxAge(100s, 0.1, 0.9), 0s);
  EXPECT_EQ(maxSandboxAge(100s, 0.1, 0.95), 0s);
  EXPECT_EQ(maxSandboxAge(100s, 1.0, 0.0), 0s);
  EXPECT_EQ(maxSandboxAge(0s, 0.1, 0.2), 0s);
}

TEST(RemoveSandboxTree, RemovesTheTreeButNothingALinkPointsTo) {
  TempDir dir("mesolite-gc-unit");
  const fs::path outside = fs::path(dir.path()) / "outside";
  fs::create_directories(outside);
  touch(outside / "precious");
  const fs::path sandbox = fs::path(dir.path()) / "sandbox";
  fs::create_directories(sandbox / "deep" / "er");
  touch(sandbox / "deep" / "er" / "file");
  fs::create_directory_symlink(outside, sandbox / "escape");
  fs::create_symlink(outside / "precious", sandbox / "deep" / "link");

  ASSERT_TRUE(removeSandboxTree(sandbox.string()));
  EXPECT_FALSE(fs::exists(fs::symlink_status(sandbox)));
  EXPECT_TRUE(fs::exists(outside / "precious"));
  // Gone already: nothing to do.
  EXPECT_TRUE(removeSandboxTree(sandbox.string()));
}

TEST(RemoveSandboxTree, ALinkAtTheTopIsRemovedAsALink) {
  TempDir dir("mesolite-gc-unit");
  const fs::path outside = fs::path(dir.path()) / "outside";
  fs::create_directories(outside);
  touch(outside / "precious");
  const fs::path top = fs::path(dir.path()) / "run";
  fs::create_directory_symlink(outside, top);
  ASSERT_TRUE(removeSandboxTree(top.string()));
  EXPECT_FALSE(fs::exists(fs::symlink_status(top)));
  EXPECT_TRUE(fs::exists(outside / "precious"));
}

TEST(SandboxGc, RemovesAScheduledRunAfterItsDelayOnly) {
  TempDir dir("mesolite-gc-unit");
  const std::string executor = dir.path() + "/slaves/A/frameworks/F/executors/E";
  const std::string run = executor + "/runs/C";
  const std::string other = executor + "/runs/D";
  fs::create_directories(run);
  fs::create_directories(other);
  touch(run + "/stdout");
  boost::asio::io_context io;
  // A day's delay and a disk that is never full: what was scheduled long ago goes, the
  // rest stays; the run in use keeps its executor's directory.
  SandboxGc gc(
      io, {.workDir = dir.path(), .delay = 24h, .diskHeadroom = 0.0, .diskWatchInterval = 1h},
      [&](const std::string& path) { return fs::path(other).string().rfind(path, 0) == 0; });
  gc.schedule(run, SandboxGc::Clock::now() - 25h);
  gc.schedule(executor, SandboxGc::Clock::now() - 25h);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (fs::exists(run) && std::chrono::steady_clock::now() < deadline)
    io.run_for(50ms);
  EXPECT_FALSE(fs::exists(run));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(executor));
  EXPECT_EQ(gc.scheduledCount(), 1u);  // the executor's directory, waiting for its run
}

TEST(LogrotateOptions, HonoursRotateAndRefusesTheRest) {
  EXPECT_EQ(*parseLogrotateOptions(""), 0u);  // logrotate's default: keep none
  EXPECT_EQ(*parseLogrotateOptions("rotate 9"), 9u);
  EXPECT_EQ(*parseLogrotateOptions("  rotate 3 \n missingok\nnotifempty; nocompress # c"), 3u);
  auto compress = parseLogrotateOptions("rotate 2\ncompress");
  ASSERT_FALSE(compress);
  EXPECT_NE(compress.error().message.find("'compress' is not honoured"), std::string::npos);
  auto size = parseLogrotateOptions("size 10M");
  ASSERT_FALSE(size);
  EXPECT_NE(size.error().message.find("--max_stdout_size"), std::string::npos);
  EXPECT_FALSE(parseLogrotateOptions("rotate"));
  EXPECT_FALSE(parseLogrotateOptions("rotate -1"));
  EXPECT_FALSE(parseLogrotateOptions("rotate 100000"));
  EXPECT_FALSE(validateMaxLogSize("1KB"));
  EXPECT_TRUE(validateMaxLogSize("4KB"));
  EXPECT_FALSE(validateMaxLogSize("ten"));
}

TEST(ContainerLogRotation, TakesTheAgentsSettingsAndTheCommandsOverrides) {
  LogrotateSettings agent{.maxStdoutSize = Bytes{10 << 20},
                          .logrotateStdoutOptions = "rotate 3",
                          .maxStderrSize = Bytes{1 << 20},
                          .logrotateStderrOptions = ""};
  mesos::v1::CommandInfo command;
  auto plain = containerLogRotation(agent, command);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->out.maxSize, 10u << 20);
  EXPECT_EQ(plain->out.keep, 3u);
  EXPECT_EQ(plain->err.maxSize, 1u << 20);
  EXPECT_EQ(plain->err.keep, 0u);

  auto add = [&](const std::string& name, const std::string& value) {
    auto* variable = command.mutable_environment()->add_variables();
    variable->set_name(name);
    variable->set_value(value);
  };
  add("CONTAINER_LOGGER_MAX_STDOUT_SIZE", "64KB");
  add("CONTAINER_LOGGER_LOGROTATE_STDERR_OPTIONS", "rotate 1");
  add("OTHER", "ignored");
  auto overridden = containerLogRotation(agent, command);
  ASSERT_TRUE(overridden) << overridden.error().message;
  EXPECT_EQ(overridden->out.maxSize, 64u << 10);
  EXPECT_EQ(overridden->out.keep, 3u);
  EXPECT_EQ(overridden->err.keep, 1u);

  add("CONTAINER_LOGGER_MAX_STDERR_SIZE", "1B");
  auto tiny = containerLogRotation(agent, command);
  ASSERT_FALSE(tiny);
  EXPECT_NE(tiny.error().message.find("CONTAINER_LOGGER_MAX_STDERR_SIZE"), std::string::npos);

  mesos::v1::CommandInfo unknown;
  auto* variable = unknown.mutable_environment()->add_variables();
  variable->set_name("CONTAINER_LOGGER_MAX_SIZE");
  variable->set_value("1MB");
  auto refused = containerLogRotation(agent, unknown);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("CONTAINER_LOGGER_MAX_SIZE"), std::string::npos);
}

}  // namespace
}  // namespace mesolite::agent
