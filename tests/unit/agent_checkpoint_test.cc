// The agent's checkpoint layout (Mesos's, so operators recognise it) and its helpers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "agent/checkpoint.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::agent {
namespace {

TEST(AgentCheckpointPaths, FollowMesosLayout) {
  const std::string w = "/var/lib/mesos";
  EXPECT_EQ(paths::latestAgentLink(w), "/var/lib/mesos/meta/slaves/latest");
  EXPECT_EQ(paths::bootIdPath(w), "/var/lib/mesos/meta/boot_id");
  EXPECT_EQ(paths::agentInfoPath(w, "A"), "/var/lib/mesos/meta/slaves/A/slave.info");
  EXPECT_EQ(paths::frameworkInfoPath(w, "A", "F"),
            "/var/lib/mesos/meta/slaves/A/frameworks/F/framework.info");
  EXPECT_EQ(paths::executorInfoPath(w, "A", "F", "E"),
            "/var/lib/mesos/meta/slaves/A/frameworks/F/executors/E/executor.info");
  EXPECT_EQ(paths::forkedPidPath(w, "A", "F", "E", "C"),
            "/var/lib/mesos/meta/slaves/A/frameworks/F/executors/E/runs/C/pids/forked.pid");
  EXPECT_EQ(paths::taskInfoPath(w, "A", "F", "E", "C", "T"),
            "/var/lib/mesos/meta/slaves/A/frameworks/F/executors/E/runs/C/tasks/T/task.info");
  EXPECT_EQ(paths::taskUpdatesPath(w, "A", "F", "E", "C", "T"),
            "/var/lib/mesos/meta/slaves/A/frameworks/F/executors/E/runs/C/tasks/T/task.updates");
  EXPECT_EQ(paths::sandboxDir(w, "A", "F", "E", "C"),
            "/var/lib/mesos/slaves/A/frameworks/F/executors/E/runs/C");
}

TEST(AgentCheckpointPaths, IdsThatWouldEscapeAreRefused) {
  EXPECT_TRUE(paths::validatePathComponent("task id", "my-task.1 x"));
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "a/b", std::string("a\0b", 3)}) {
    auto valid = paths::validatePathComponent("task id", bad);
    ASSERT_FALSE(valid) << bad;
    EXPECT_NE(valid.error().message.find("task id"), std::string::npos);
  }
  EXPECT_FALSE(paths::validatePathComponent("task id", std::string(256, 'x')));
}

class AgentCheckpointFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mesolite-ckpt-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(AgentCheckpointFiles, LatestAgentRoundTripsAndCanBeForgotten) {
  EXPECT_FALSE(checkpoint::readLatestAgent(dir_));
  ASSERT_TRUE(checkpoint::writeLatestAgent(dir_, "agent-1"));
  EXPECT_EQ(checkpoint::readLatestAgent(dir_), "agent-1");
  ASSERT_TRUE(checkpoint::writeLatestAgent(dir_, "agent-2"));  // replaces the link
  EXPECT_EQ(checkpoint::readLatestAgent(dir_), "agent-2");
  EXPECT_TRUE(std::filesystem::is_symlink(paths::latestAgentLink(dir_)));
  checkpoint::forgetLatestAgent(dir_);
  EXPECT_FALSE(checkpoint::readLatestAgent(dir_));
}

TEST_F(AgentCheckpointFiles, MessagesRoundTripAndErrorsNameThePath) {
  mesos::v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("fw");
  info.mutable_id()->set_value("F");
  const std::string path = paths::frameworkInfoPath(dir_, "A", "F");
  ASSERT_TRUE(checkpoint::writeMessage(path, info));
  mesos::v1::FrameworkInfo read;
  ASSERT_TRUE(checkpoint::readMessage(path, &read));
  EXPECT_EQ(read.name(), "fw");
  EXPECT_EQ(read.id().value(), "F");
  EXPECT_EQ(paths::listDirectories(dir_ + "/meta/slaves/A/frameworks"),
            std::vector<std::string>{"F"});

  auto missing = checkpoint::readMessage(dir_ + "/nope.info", &read);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find(dir_ + "/nope.info"), std::string::npos);
}

}  // namespace
}  // namespace mesolite::agent
