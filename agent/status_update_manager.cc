#include "agent/status_update_manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <limits>

#include "common/fs.h"
#include "common/logging.h"
#include "mesolite/checkpoint.pb.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using checkpoint::StatusUpdateRecord;
using internal::StatusUpdate;

namespace {

Result<void> appendRecord(const std::string& path, const StatusUpdateRecord& record) {
  const std::string framed = frameUpdateRecord(record);

  const std::string dir = path.substr(0, path.rfind('/'));
  if (auto made = fs::makeDirectories(dir); !made) return made;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error::fromErrno("open " + path);
  size_t done = 0;
  while (done < framed.size()) {
    ssize_t n = write(fd, framed.data() + done, framed.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error error = Error::fromErrno("write " + path);
      close(fd);
      return error;
    }
    done += size_t(n);
  }
  if (fsync(fd) != 0) {
    Error error = Error::fromErrno("fsync " + path);
    close(fd);
    return error;
  }
  close(fd);
  return success();
}

}  // namespace

std::string frameUpdateRecord(const StatusUpdateRecord& record) {
  const std::string bytes = record.SerializeAsString();
  const uint32_t size = uint32_t(bytes.size());
  std::string framed;
  framed.reserve(4 + bytes.size());
  for (int i = 0; i < 4; ++i)
    framed.push_back(char((size >> (8 * i)) & 0xff));
  framed += bytes;
  return framed;
}

Result<ReplayedUpdates> replayUpdateLog(std::string_view bytes) {
  ReplayedUpdates replayed;
  std::deque<StatusUpdate> queue;
  size_t offset = 0;
  while (offset < bytes.size()) {
    if (bytes.size() - offset < 4) {
      replayed.truncated = true;
      break;
    }
    uint32_t size = 0;
    for (int i = 0; i < 4; ++i)
      size |= uint32_t(uint8_t(bytes[offset + size_t(i)])) << (8 * i);
    if (bytes.size() - offset - 4 < size) {
      replayed.truncated = true;
      break;
    }
    const std::string where = "record at byte " + std::to_string(offset);
    StatusUpdateRecord record;
    if (size > uint32_t(std::numeric_limits<int>::max()) ||
        !record.ParseFromArray(bytes.data() + offset + 4, int(size))) {
      return Error(where + " (" + std::to_string(size) +
                   " bytes) is not a readable StatusUpdateRecord");
    }
    if (record.type() == StatusUpdateRecord::UPDATE) {
      if (!record.has_update()) return Error(where + " is an UPDATE without its update");
      replayed.latestState = record.update().status().state();
      replayed.latestStatus = record.update().status();
      queue.push_back(record.update());
    } else if (record.type() == StatusUpdateRecord::ACK) {
      if (!queue.empty() && queue.front().uuid() == record.uuid()) {
        if (isTerminal(queue.front().status().state())) replayed.terminalAcknowledged = true;
        queue.pop_front();
      }
    } else {
      return Error(where + " has no known type (" +
                   std::to_string(static_cast<int>(record.type())) + ")");
    }
    offset += 4 + size;
  }
  replayed.validBytes = offset;
  replayed.pending.assign(queue.begin(), queue.end());
  return replayed;
}

Result<ReplayedUpdates> replayUpdates(const std::string& path) {
  auto bytes = fs::readFile(path);
  if (!bytes) return bytes.error();
  auto replayed = replayUpdateLog(*bytes);
  if (!replayed) return replayed.error().wrap(path);
  if (replayed->truncated) {
    log::warn("{}: ignoring a truncated last record at byte {}", path, replayed->validBytes);
  }
  return replayed;
}

struct StatusUpdateManager::Stream {
  std::deque<StatusUpdate> updates;
  std::string checkpointPath;
  std::unique_ptr<asio::steady_timer> timer;
  std::chrono::milliseconds interval{0};
  uint64_t armed = 0;  // bumps on every (re)arm, so a stale timer handler does nothing
};

StatusUpdateManager::StatusUpdateManager(asio::io_context& io, StatusUpdateManagerOptions options,
                                         Send send, TerminalAcknowledged terminalAcknowledged)
    : io_(io),
      options_(options),
      send_(std::move(send)),
      terminalAcknowledged_(std::move(terminalAcknowledged)) {}

StatusUpdateManager::~StatusUpdateManager() = default;

Result<void> StatusUpdateManager::update(const StatusUpdate& update,
                                         const std::string& checkpointPath) {
  const Key key{update.framework_id().value(), update.status().task_id().value()};
  if (!checkpointPath.empty()) {
    StatusUpdateRecord record;
    record.set_type(StatusUpdateRecord::UPDATE);
    *record.mutable_update() = update;
    if (auto appended = appendRecord(checkpointPath, record); !appended) return appended;
  }
  auto& slot = streams_[key];
  if (!slot) {
    slot = std::make_unique<Stream>();
    slot->checkpointPath = checkpointPath;
    slot->timer = std::make_unique<asio::steady_timer>(io_);
  }
  slot->updates.push_back(update);
  if (slot->updates.size() == 1) {
    slot->interval = options_.initialRetry;
    sendHead(key, *slot);
  }
  return success();
}

void StatusUpdateManager::recover(const std::string& frameworkId, const std::string& taskId,
                                  std::vector<StatusUpdate> pending,
                                  const std::string& checkpointPath) {
  if (pending.empty()) return;
  const Key key{frameworkId, taskId};
  auto& slot = streams_[key];
  if (!slot) {
    slot = std::make_unique<Stream>();
    slot->timer = std::make_unique<asio::steady_timer>(io_);
  }
  slot->checkpointPath = checkpointPath;
  for (auto& update : pending)
    slot->updates.push_back(std::move(update));
  slot->interval = options_.initialRetry;
  sendHead(key, *slot);
}

void StatusUpdateManager::sendHead(const Key& key, Stream& stream) {
  if (stream.updates.empty()) return;
  arm(key, stream);
  if (paused_) return;  // resume() sends it
  StatusUpdate head = stream.updates.front();
  head.set_latest_state(stream.updates.back().status().state());
  send_(head);
}

void StatusUpdateManager::arm(const Key& key, Stream& stream) {
  const uint64_t armed = ++stream.armed;
  stream.timer->expires_after(stream.interval);
  stream.timer->async_wait([this, key, armed](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = streams_.find(key);
    if (it == streams_.end() || it->second->armed != armed) return;
    Stream& due = *it->second;
    if (!paused_) {
      log::info("re-sending unacknowledged {} of task {} (framework {})",
                mesos::v1::TaskState_Name(due.updates.front().status().state()), key.second,
                key.first);
    }
    due.interval = std::min(due.interval * 2, options_.maxRetry);
    sendHead(key, due);
  });
}

Result<bool> StatusUpdateManager::acknowledge(const std::string& frameworkId,
                                              const std::string& taskId, const std::string& uuid) {
  const Key key{frameworkId, taskId};
  auto it = streams_.find(key);
  if (it == streams_.end() || it->second->updates.empty() ||
      it->second->updates.front().uuid() != uuid) {
    log::warn(
        "ignoring an acknowledgement of task {} (framework {}) for an update that is not "
        "the one awaiting it",
        taskId, frameworkId);
    return false;
  }
  Stream& stream = *it->second;
  if (!stream.checkpointPath.empty()) {
    StatusUpdateRecord record;
    record.set_type(StatusUpdateRecord::ACK);
    record.set_uuid(uuid);
    if (auto appended = appendRecord(stream.checkpointPath, record); !appended) {
      return appended.error();
    }
  }
  const bool terminal = isTerminal(stream.updates.front().status().state());
  stream.updates.pop_front();
  if (stream.updates.empty()) {
    streams_.erase(it);  // the timer goes with it; its handler finds no stream
  } else {
    stream.interval = options_.initialRetry;
    sendHead(key, stream);
  }
  if (terminal && terminalAcknowledged_) terminalAcknowledged_(frameworkId, taskId);
  return true;
}

void StatusUpdateManager::pause() {
  paused_ = true;
}

void StatusUpdateManager::resume() {
  paused_ = false;
  for (auto& [key, stream] : streams_) {
    stream->interval = options_.initialRetry;
    sendHead(key, *stream);
  }
}

void StatusUpdateManager::removeFramework(const std::string& frameworkId) {
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->first.first == frameworkId) {
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<StatusUpdate> StatusUpdateManager::pending(const std::string& frameworkId,
                                                       const std::string& taskId) const {
  auto it = streams_.find({frameworkId, taskId});
  if (it == streams_.end()) return {};
  return {it->second->updates.begin(), it->second->updates.end()};
}

}  // namespace mesolite::agent
