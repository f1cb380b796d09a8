// The status update manager without a master: what it sends, when, and what its
// task.updates log replays to. Retry intervals are milliseconds; nothing asserts
// on timing, only on order and counts.
#include "agent/status_update_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "mesolite/checkpoint.pb.h"

namespace mesolite::agent {
namespace {

using namespace std::chrono_literals;
using internal::StatusUpdate;

StatusUpdate makeUpdate(const std::string& task, mesos::v1::TaskState state,
                        const std::string& uuid) {
  StatusUpdate update;
  update.mutable_framework_id()->set_value("F");
  update.mutable_status()->mutable_task_id()->set_value(task);
  update.mutable_status()->set_state(state);
  update.mutable_status()->set_uuid(uuid);
  update.set_uuid(uuid);
  return update;
}

class StatusUpdateManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mesolite-sum-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<StatusUpdateManager> make(StatusUpdateManagerOptions options = {}) {
    return std::make_unique<StatusUpdateManager>(
        io_, options, [this](const StatusUpdate& update) { sent_.push_back(update); },
        [this](const std::string& framework, const std::string& task) {
          terminal_.push_back(framework + "/" + task);
        });
  }

  // Runs the loop until `count` updates went out (or a generous bound passes).
  void runUntilSent(size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (sent_.size() < count && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(50ms);
    }
  }

  boost::asio::io_context io_;
  std::string dir_;
  std::vector<StatusUpdate> sent_;
  std::vector<std::string> terminal_;
};

TEST_F(StatusUpdateManagerTest, OnlyTheHeadIsInFlightAndAcksAdvanceInOrder) {
  auto manager = make();
  manager->resume();
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_STARTING, "u1")));
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_RUNNING, "u2")));
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_FINISHED, "u3")));
  io_.poll();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].uuid(), "u1");
  EXPECT_EQ(sent_[0].latest_state(), mesos::v1::TASK_STARTING);  // alone when sent

  ASSERT_TRUE(*manager->acknowledge("F", "t", "u1"));
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[1].uuid(), "u2");
  EXPECT_EQ(sent_[1].status().state(), mesos::v1::TASK_RUNNING);
  // The newest known state rides along while older updates wait.
  EXPECT_EQ(sent_[1].latest_state(), mesos::v1::TASK_FINISHED);

  ASSERT_TRUE(*manager->acknowledge("F", "t", "u2"));
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[2].uuid(), "u3");
  EXPECT_TRUE(terminal_.empty());
  ASSERT_TRUE(*manager->acknowledge("F", "t", "u3"));
  EXPECT_EQ(terminal_, std::vector<std::string>{"F/t"});
  EXPECT_EQ(manager->streamCount(), 0u);
}

TEST_F(StatusUpdateManagerTest, AnAckOfAnotherUuidIsIgnored) {
  auto manager = make();
  manager->resume();
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_STARTING, "u1")));
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_RUNNING, "u2")));
  EXPECT_FALSE(*manager->acknowledge("F", "t", "u2"));  // not the head
  EXPECT_FALSE(*manager->acknowledge("F", "t", "nope"));
  EXPECT_FALSE(*manager->acknowledge("F", "other", "u1"));
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(manager->pending("F", "t").size(), 2u);
}

TEST_F(StatusUpdateManagerTest, TasksHaveTheirOwnQueues) {
  auto manager = make();
  manager->resume();
  ASSERT_TRUE(manager->update(makeUpdate("a", mesos::v1::TASK_STARTING, "a1")));
  ASSERT_TRUE(manager->update(makeUpdate("b", mesos::v1::TASK_STARTING, "b1")));
  ASSERT_TRUE(manager->update(makeUpdate("a", mesos::v1::TASK_RUNNING, "a2")));
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0].uuid(), "a1");
  EXPECT_EQ(sent_[1].uuid(), "b1");
}

TEST_F(StatusUpdateManagerTest, UnacknowledgedHeadIsResentAfterTheInterval) {
  auto manager = make({.initialRetry = 2ms, .maxRetry = 8ms});
  manager->resume();
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_RUNNING, "u1")));
  runUntilSent(4);
  ASSERT_GE(sent_.size(), 4u);
  for (const auto& update : sent_)
    EXPECT_EQ(update.uuid(), "u1");
  ASSERT_TRUE(*manager->acknowledge("F", "t", "u1"));
  const size_t count = sent_.size();
  io_.poll();  // a timer that was due is stale now
  EXPECT_EQ(sent_.size(), count);
}

TEST_F(StatusUpdateManagerTest, NothingGoesOutWhilePausedAndResumeSendsAtOnce) {
  auto manager = make();
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_STARTING, "u1")));
  io_.poll();
  EXPECT_TRUE(sent_.empty());
  manager->resume();
  ASSERT_EQ(sent_.size(), 1u);
  manager->pause();
  manager->resume();  // a new subscription: the head goes again at once
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[1].uuid(), "u1");
}

TEST_F(StatusUpdateManagerTest, RemovingAFrameworkDropsItsUpdates) {
  auto manager = make();
  manager->resume();
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_STARTING, "u1")));
  manager->removeFramework("F");
  EXPECT_EQ(manager->streamCount(), 0u);
  EXPECT_FALSE(*manager->acknowledge("F", "t", "u1"));
}

TEST_F(StatusUpdateManagerTest, CheckpointReplaysWhatIsUnacknowledged) {
  const std::string log = dir_ + "/meta/tasks/t/task.updates";
  {
    auto manager = make();
    manager->resume();
    ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_STARTING, "u1"), log));
    ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_RUNNING, "u2"), log));
    ASSERT_TRUE(*manager->acknowledge("F", "t", "u1"));
  }
  auto replayed = replayUpdates(log);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_FALSE(replayed->truncated);
  EXPECT_FALSE(replayed->terminalAcknowledged);
  ASSERT_EQ(replayed->pending.size(), 1u);
  EXPECT_EQ(replayed->pending[0].uuid(), "u2");
  ASSERT_TRUE(replayed->latestState);
  EXPECT_EQ(*replayed->latestState, mesos::v1::TASK_RUNNING);

  // A restarted manager takes them back and sends them once subscribed.
  sent_.clear();
  auto manager = make();
  manager->recover("F", "t", replayed->pending, log);
  EXPECT_TRUE(sent_.empty());
  manager->resume();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].uuid(), "u2");
  ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_FINISHED, "u3"), log));
  ASSERT_TRUE(*manager->acknowledge("F", "t", "u2"));
  ASSERT_TRUE(*manager->acknowledge("F", "t", "u3"));
  auto again = replayUpdates(log);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->pending.empty());
  EXPECT_TRUE(again->terminalAcknowledged);
  EXPECT_EQ(*again->latestState, mesos::v1::TASK_FINISHED);
}

TEST_F(StatusUpdateManagerTest, TruncatedLastRecordIsIgnored) {
  const std::string log = dir_ + "/task.updates";
  {
    auto manager = make();
    ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_STARTING, "u1"), log));
  }
  const auto whole = std::filesystem::file_size(log);
  {
    // A crash in the middle of the second append: a length, then half the bytes.
    checkpoint::StatusUpdateRecord record;
    record.set_type(checkpoint::StatusUpdateRecord::UPDATE);
    *record.mutable_update() = makeUpdate("t", mesos::v1::TASK_RUNNING, "u2");
    const std::string bytes = record.SerializeAsString();
    std::ofstream out(log, std::ios::app | std::ios::binary);
    const uint32_t size = uint32_t(bytes.size());
    for (int i = 0; i < 4; ++i)
      out.put(char((size >> (8 * i)) & 0xff));
    out.write(bytes.data(), std::streamsize(bytes.size() / 2));
  }
  ASSERT_GT(std::filesystem::file_size(log), whole);
  auto replayed = replayUpdates(log);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_TRUE(replayed->truncated);
  ASSERT_EQ(replayed->pending.size(), 1u);
  EXPECT_EQ(replayed->pending[0].uuid(), "u1");

  // Only the length's first bytes made it.
  std::filesystem::resize_file(log, whole + 2);
  replayed = replayUpdates(log);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_TRUE(replayed->truncated);
  EXPECT_EQ(replayed->pending.size(), 1u);
}

TEST_F(StatusUpdateManagerTest, CorruptRecordBeforeTheEndIsAnError) {
  const std::string log = dir_ + "/task.updates";
  {
    std::ofstream out(log, std::ios::binary);
    const std::string junk = "\xff\xff\xff\xff\xff";  // not a StatusUpdateRecord
    out.put(char(junk.size()));
    out.put(0);
    out.put(0);
    out.put(0);
    out << junk;
  }
  {
    auto manager = make();
    ASSERT_TRUE(manager->update(makeUpdate("t", mesos::v1::TASK_STARTING, "u1"), log));
  }
  auto replayed = replayUpdates(log);
  ASSERT_FALSE(replayed);
  EXPECT_NE(replayed.error().message.find(log), std::string::npos) << replayed.error().message;
}

TEST(ReplayUpdateLogTest, ReplaysBytesAsTheFileWouldBe) {
  checkpoint::StatusUpdateRecord first;
  first.set_type(checkpoint::StatusUpdateRecord::UPDATE);
  *first.mutable_update() = makeUpdate("t", mesos::v1::TASK_RUNNING, "u1");
  checkpoint::StatusUpdateRecord second = first;
  *second.mutable_update() = makeUpdate("t", mesos::v1::TASK_FINISHED, "u2");
  checkpoint::StatusUpdateRecord ack;
  ack.set_type(checkpoint::StatusUpdateRecord::ACK);
  ack.set_uuid("u1");
  const std::string log =
      frameUpdateRecord(first) + frameUpdateRecord(second) + frameUpdateRecord(ack);

  auto replayed = replayUpdateLog(log);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_FALSE(replayed->truncated);
  EXPECT_EQ(replayed->validBytes, log.size());
  ASSERT_EQ(replayed->pending.size(), 1u);
  EXPECT_EQ(replayed->pending[0].uuid(), "u2");
  EXPECT_EQ(*replayed->latestState, mesos::v1::TASK_FINISHED);

  // Cut inside the ACK: it is a truncated tail, and u1 is pending again.
  auto cut = replayUpdateLog(std::string_view(log).substr(0, log.size() - 3));
  ASSERT_TRUE(cut) << cut.error().message;
  EXPECT_TRUE(cut->truncated);
  EXPECT_EQ(cut->validBytes, log.size() - frameUpdateRecord(ack).size());
  EXPECT_EQ(cut->pending.size(), 2u);
}

TEST(ReplayUpdateLogTest, ErrorsNameTheRecordsOffset) {
  checkpoint::StatusUpdateRecord update;
  update.set_type(checkpoint::StatusUpdateRecord::UPDATE);
  *update.mutable_update() = makeUpdate("t", mesos::v1::TASK_RUNNING, "u1");
  const std::string good = frameUpdateRecord(update);
  const std::string at = "record at byte " + std::to_string(good.size());

  auto junk = replayUpdateLog(good + std::string("\x01\0\0\0\xff", 5) + good);
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().message.find(at), std::string::npos) << junk.error().message;

  checkpoint::StatusUpdateRecord empty;
  empty.set_type(checkpoint::StatusUpdateRecord::UPDATE);
  auto noUpdate = replayUpdateLog(good + frameUpdateRecord(empty));
  ASSERT_FALSE(noUpdate);
  EXPECT_NE(noUpdate.error().message.find(at + " is an UPDATE without its update"),
            std::string::npos)
      << noUpdate.error().message;

  auto untyped = replayUpdateLog(good + frameUpdateRecord(checkpoint::StatusUpdateRecord()));
  ASSERT_FALSE(untyped);
  EXPECT_NE(untyped.error().message.find(at + " has no known type"), std::string::npos)
      << untyped.error().message;
}

TEST_F(StatusUpdateManagerTest, MissingLogNamesThePath) {
  auto replayed = replayUpdates(dir_ + "/nope/task.updates");
  ASSERT_FALSE(replayed);
  EXPECT_NE(replayed.error().message.find(dir_ + "/nope/task.updates"), std::string::npos);
}

}  // namespace
}  // namespace mesolite::agent
