// Reliable task status updates: per task, a queue whose head is sent to the master
// and re-sent (10 s, doubling, capped at 10 min) until the scheduler acknowledges it;
// only then does the next one go. Updates of checkpointing frameworks are appended
// to task.updates (and fsynced) before they are sent, so a restarted agent resends
// what was never acknowledged.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/task_state.h"
#include "mesolite/checkpoint.pb.h"
#include "mesolite/internal.pb.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

// What a task.updates log says.
struct ReplayedUpdates {
  std::vector<internal::StatusUpdate> pending;      // unacknowledged, oldest first
  std::optional<mesos::v1::TaskState> latestState;  // newest state ever recorded
  std::optional<mesos::v1::TaskStatus> latestStatus;
  bool terminalAcknowledged = false;
  bool truncated = false;  // the last record was cut short (crash while appending)
  size_t validBytes = 0;   // length of the whole records: where a truncated tail starts
};

// Reads a task.updates log: records are a 4-byte little-endian length and a
// serialized mesolite.checkpoint.StatusUpdateRecord. A truncated last record is
// ignored (with a warning); a corrupt record before the end is an error.
Result<ReplayedUpdates> replayUpdates(const std::string& path);

// The same for the log's bytes, without touching the disk or logging; errors name the
// byte offset of the bad record.
Result<ReplayedUpdates> replayUpdateLog(std::string_view bytes);

// One record as appended to a task.updates log: its length, then its bytes.
std::string frameUpdateRecord(const ::mesolite::checkpoint::StatusUpdateRecord& record);

struct StatusUpdateManagerOptions {
  std::chrono::milliseconds initialRetry{std::chrono::seconds(10)};
  std::chrono::milliseconds maxRetry{std::chrono::minutes(10)};
};

class StatusUpdateManager {
 public:
  using Send = std::function<void(const internal::StatusUpdate&)>;
  // A terminal update was acknowledged: the task may be forgotten.
  using TerminalAcknowledged =
      std::function<void(const std::string& frameworkId, const std::string& taskId)>;

  StatusUpdateManager(boost::asio::io_context& io, StatusUpdateManagerOptions options, Send send,
                      TerminalAcknowledged terminalAcknowledged);
  ~StatusUpdateManager();
  StatusUpdateManager(const StatusUpdateManager&) = delete;
  StatusUpdateManager& operator=(const StatusUpdateManager&) = delete;

  // Queues `update` (uuid set) behind its task's earlier ones. With a checkpoint
  // path the update is appended there, fsynced, before it may be sent; if that
  // fails, nothing is queued.
  Result<void> update(const internal::StatusUpdate& update, const std::string& checkpointPath = "");

  // The scheduler acknowledged `uuid`. True when it was the head (which is then
  // dropped and the next update sent); false (logged) for any other uuid.
  Result<bool> acknowledge(const std::string& frameworkId, const std::string& taskId,
                           const std::string& uuid);

  // After an agent restart: queues updates replayed from `checkpointPath` (they are
  // in the log already and are not appended again).
  void recover(const std::string& frameworkId, const std::string& taskId,
               std::vector<internal::StatusUpdate> pending, const std::string& checkpointPath);

  void pause();   // the master is away: send nothing
  void resume();  // (re)subscribed: send every head now, retry intervals from the start

  // SHUTDOWN_FRAMEWORK: its pending updates are dropped.
  void removeFramework(const std::string& frameworkId);

  // Unacknowledged updates of a task, oldest first.
  std::vector<internal::StatusUpdate> pending(const std::string& frameworkId,
                                              const std::string& taskId) const;
  size_t streamCount() const { return streams_.size(); }

 private:
  struct Stream;
  using Key = std::pair<std::string, std::string>;  // framework id, task id

  void sendHead(const Key& key, Stream& stream);
  void arm(const Key& key, Stream& stream);

  boost::asio::io_context& io_;
  StatusUpdateManagerOptions options_;
  Send send_;
  TerminalAcknowledged terminalAcknowledged_;
  bool paused_ = true;
  std::map<Key, std::unique_ptr<Stream>> streams_;
};

}  // namespace mesolite::agent
