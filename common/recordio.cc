#include "common/recordio.h"

namespace mesolite::recordio {

std::string encode(std::string_view record) {
  std::string out = std::to_string(record.size());
  out += '\n';
  out.append(record);
  return out;
}

Result<std::vector<std::string>> Decoder::decode(std::string_view data) {
  std::vector<std::string> records;
  auto fail = [&](std::string message) -> Error {
    state_ = State::kFailed;
    error_ = "malformed RecordIO at byte " + std::to_string(offset_) + ": " + message;
    return Error(error_);
  };
  while (!data.empty()) {
    switch (state_) {
      case State::kFailed:
        return Error(error_);
      case State::kLength: {
        const char c = data.front();
        if (c == '\n') {
          if (length_digits_ == 0) return fail("empty record length");
          if (length_ == 0) return fail("record length 0");
          state_ = State::kRecord;
          record_.clear();
          record_.reserve(length_);
        } else if (c >= '0' && c <= '9') {
          if (length_digits_ == 20 || length_ > (maxRecordBytes_ - (c - '0')) / 10) {
            return fail("record longer than " + std::to_string(maxRecordBytes_) + " bytes");
          }
          length_ = length_ * 10 + size_t(c - '0');
          ++length_digits_;
        } else {
          return fail(std::string("expected a digit or newline in the record length, got ") +
                      (std::isprint(uint8_t(c)) ? "'" + std::string(1, c) + "'"
                                                : "byte " + std::to_string(uint8_t(c))));
        }
        data.remove_prefix(1);
        ++offset_;
        break;
      }
      case State::kRecord: {
        const size_t take = std::min(data.size(), length_ - record_.size());
        record_.append(data.substr(0, take));
        data.remove_prefix(take);
        offset_ += take;
        if (record_.size() == length_) {
          records.push_back(std::move(record_));
          record_.clear();
          length_ = 0;
          length_digits_ = 0;
          state_ = State::kLength;
        }
        break;
      }
    }
  }
  if (state_ == State::kFailed) return Error(error_);
  return records;
}

}  // namespace mesolite::recordio
