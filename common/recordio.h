// RecordIO, the framing of Mesos's v1 event streams: "<decimal length>\n<bytes>".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite::recordio {

std::string encode(std::string_view record);

// Incremental decoder: feed it bytes with any boundaries, get whole records back.
// After an error the stream is unusable (the framing is lost) and every later call
// returns the same error.
class Decoder {
 public:
  explicit Decoder(size_t maxRecordBytes = 64 << 20) : maxRecordBytes_(maxRecordBytes) {}

  Result<std::vector<std::string>> decode(std::string_view data);
  // True when no partial record is pending (a clean place for the stream to end).
  bool idle() const { return state_ == State::kLength && length_digits_ == 0; }

 private:
  enum class State { kLength, kRecord, kFailed };

  size_t maxRecordBytes_;
  State state_ = State::kLength;
  size_t length_ = 0;
  size_t length_digits_ = 0;
  std::string record_;
  std::string error_;
  size_t offset_ = 0;  // bytes consumed so far, for error messages
};

}  // namespace mesolite::recordio
