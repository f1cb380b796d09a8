// Arbitrary bytes as an agent's task.updates log (length-prefixed StatusUpdateRecords),
// through the replay a restarted agent runs. Whatever replays must re-encode and
// replay to the same updates, and the truncated-tail bookkeeping must hold.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/status_update_manager.h"
#include "mesolite/checkpoint.pb.h"

namespace {

using mesolite::agent::ReplayedUpdates;
using mesolite::checkpoint::StatusUpdateRecord;
using mesolite::internal::StatusUpdate;

void require(bool condition) {
  if (!condition) abort();
}

// Updates compared by their bytes: NaN timestamps never compare equal as values.
bool sameUpdates(const std::vector<StatusUpdate>& left, const std::vector<StatusUpdate>& right) {
  if (left.size() != right.size()) return false;
  for (size_t i = 0; i < left.size(); ++i) {
    if (left[i].SerializeAsString() != right[i].SerializeAsString()) return false;
  }
  return true;
}

std::string encodeUpdates(const std::vector<StatusUpdate>& updates) {
  std::string log;
  for (const StatusUpdate& update : updates) {
    StatusUpdateRecord record;
    record.set_type(StatusUpdateRecord::UPDATE);
    *record.mutable_update() = update;
    log += mesolite::agent::frameUpdateRecord(record);
  }
  return log;
}

}  // namespace

// Protobuf logs every string that is not UTF-8; fuzzed input is full of them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto replayed = mesolite::agent::replayUpdateLog(bytes);
  if (!replayed) {
    require(!replayed.error().message.empty());
    return 0;
  }

  // A truncated tail is exactly the bytes after the whole records.
  require(replayed->validBytes <= bytes.size());
  require(replayed->truncated == (replayed->validBytes < bytes.size()));
  if (replayed->truncated) {
    auto whole = mesolite::agent::replayUpdateLog(bytes.substr(0, replayed->validBytes));
    require(whole.ok() && !whole->truncated && sameUpdates(whole->pending, replayed->pending) &&
            whole->terminalAcknowledged == replayed->terminalAcknowledged);
  }

  // The newest status is the last update still pending, if any is.
  require(replayed->latestState.has_value() == replayed->latestStatus.has_value());
  if (replayed->latestStatus) require(*replayed->latestState == replayed->latestStatus->state());
  if (!replayed->pending.empty()) {
    require(replayed->latestStatus && replayed->latestStatus->SerializeAsString() ==
                                          replayed->pending.back().status().SerializeAsString());
  }

  // What is pending, written as a fresh log, replays to the same queue.
  std::string log = encodeUpdates(replayed->pending);
  auto again = mesolite::agent::replayUpdateLog(log);
  require(again.ok());
  require(!again->truncated && again->validBytes == log.size() && !again->terminalAcknowledged);
  require(sameUpdates(again->pending, replayed->pending));

  // Acknowledging the head drops exactly it.
  if (!replayed->pending.empty()) {
    StatusUpdateRecord ack;
    ack.set_type(StatusUpdateRecord::ACK);
    ack.set_uuid(replayed->pending.front().uuid());
    log += mesolite::agent::frameUpdateRecord(ack);
    auto acked = mesolite::agent::replayUpdateLog(log);
    require(acked.ok());
    require(acked->terminalAcknowledged ==
            mesolite::isTerminal(replayed->pending.front().status().state()));
    require(sameUpdates(acked->pending, std::vector<StatusUpdate>(replayed->pending.begin() + 1,
                                                                  replayed->pending.end())));
  }
  return 0;
}
