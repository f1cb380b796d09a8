#include "common/id_validation.h"

#include <algorithm>

namespace mesolite {

namespace {

// The value as an error shows it: at most 64 bytes, control characters escaped.
std::string shown(const std::string& value) {
  std::string out = "'";
  for (size_t i = 0; i < value.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += char(c);
    }
  }
  out += value.size() > 64 ? "'..." : "'";
  return out;
}

Error tooLong(std::string_view field, size_t size, size_t max) {
  return Error(std::string(field) + " is " + std::to_string(size) + " bytes, more than the " +
               std::to_string(max) + " allowed");
}

bool isControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

}  // namespace

Result<void> validateId(std::string_view field, const std::string& id) {
  if (id.empty()) return Error(std::string(field) + " must not be empty");
  if (id.size() > kMaxIdBytes) return tooLong(field, id.size(), kMaxIdBytes);
  if (id == "." || id == "..") {
    return Error(std::string(field) + " " + shown(id) + " is not allowed (a path component)");
  }
  if (std::any_of(id.begin(), id.end(), isControl)) {
    return Error(std::string(field) + " " + shown(id) + " contains a control character");
  }
  if (id.find_first_of("/\\") != std::string::npos) {
    return Error(std::string(field) + " " + shown(id) + " contains '/' or '\\'");
  }
  return success();
}

Result<void> validateContainerId(std::string_view field, const std::string& id) {
  if (auto valid = validateId(field, id); !valid) return valid;
  if (id.size() > kMaxContainerIdBytes) return tooLong(field, id.size(), kMaxContainerIdBytes);
  if (id.find_first_of(". ") != std::string::npos) {
    return Error(std::string(field) + " " + shown(id) + " contains '.' or a space");
  }
  return success();
}

Result<void> validateString(std::string_view field, const std::string& value, size_t maxBytes) {
  if (value.size() > maxBytes) return tooLong(field, value.size(), maxBytes);
  if (value.find('\0') != std::string::npos) {
    return Error(std::string(field) + " " + shown(value) + " contains a NUL character");
  }
  return success();
}

Result<void> validateName(std::string_view field, const std::string& name) {
  return validateString(field, name, kMaxNameBytes);
}

Result<void> validateLabels(std::string_view field, const mesos::v1::Labels& labels) {
  const std::string prefix(field);
  if (size_t(labels.labels_size()) > kMaxLabels) {
    return Error(prefix + " has " + std::to_string(labels.labels_size()) +
                 " labels, more than the " + std::to_string(kMaxLabels) + " allowed");
  }
  size_t total = 0;
  for (int i = 0; i < labels.labels_size(); ++i) {
    const auto& label = labels.labels(i);
    const std::string at = prefix + ".labels[" + std::to_string(i) + "]";
    if (auto key = validateString(at + ".key", label.key(), kMaxLabelBytes); !key) return key;
    if (auto value = validateString(at + ".value", label.value(), kMaxLabelBytes); !value) {
      return value;
    }
    total += label.key().size() + label.value().size();
  }
  if (total > kMaxLabelsTotalBytes) return tooLong(prefix, total, kMaxLabelsTotalBytes);
  return success();
}

}  // namespace mesolite
