#include "common/protobuf_json.h"

#include <google/protobuf/descriptor.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

namespace mesolite {

namespace pb = google::protobuf;

namespace {

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0})
      out += kAlphabet[(n >> shift) & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (rest == 2) n |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Protobuf's JSON mapping spells non-finite doubles as strings; so do we.
nlohmann::json floating(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

nlohmann::json fieldValue(const pb::Message& message, const pb::FieldDescriptor* field, int index) {
  const pb::Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field);
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field);
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return repeated ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field);
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field);
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return floating(repeated ? r->GetRepeatedDouble(message, field, index)
                               : r->GetDouble(message, field));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return floating(repeated ? r->GetRepeatedFloat(message, field, index)
                               : r->GetFloat(message, field));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field);
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      int number = repeated ? r->GetRepeatedEnumValue(message, field, index)
                            : r->GetEnumValue(message, field);
      const pb::EnumValueDescriptor* value = field->enum_type()->FindValueByNumber(number);
      if (value == nullptr) return number;  // a value from a newer peer: keep the number
      return value->name();
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = repeated
                                 ? r->GetRepeatedStringReference(message, field, index, &scratch)
                                 : r->GetStringReference(message, field, &scratch);
      if (field->type() == pb::FieldDescriptor::TYPE_BYTES) return base64(s);
      return s;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return toJson(repeated ? r->GetRepeatedMessage(message, field, index)
                             : r->GetMessage(message, field));
  }
  return nullptr;
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::string> unbase64(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = base64Value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | uint32_t(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += char((bits >> count) & 0xff);
    }
  }
  return out;
}

// JSON -> message by reflection. Our own rather than protobuf's parser because that
// one either rejects unknown fields (Mesos ignores them, for forward compatibility) or
// silently drops unknown enum names (Mesos rejects them); ours also names the path.
class JsonReader {
 public:
  const std::string& error() const { return error_; }

  bool readMessage(const nlohmann::json& json, pb::Message* message, int depth) {
    if (depth > kMaxDepth)
      return fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (!json.is_object()) return fail("expected an object, got " + describe(json));
    const pb::Descriptor* descriptor = message->GetDescriptor();
    if (descriptor->full_name() == "google.protobuf.Duration") return readDuration(json, message);
    for (const auto& [key, value] : json.items()) {
      const pb::FieldDescriptor* field = descriptor->FindFieldByName(key);
      if (field == nullptr) field = descriptor->FindFieldByCamelcaseName(key);
      if (field == nullptr || value.is_null()) continue;  // unknown fields are ignored
      path_.push_back(field->name());
      if (!readField(value, message, field, depth)) return false;
      path_.pop_back();
    }
    return true;
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool readField(const nlohmann::json& json, pb::Message* message, const pb::FieldDescriptor* field,
                 int depth) {
    if (field->is_map()) {
      if (!json.is_object()) return fail("expected an object, got " + describe(json));
      for (const auto& [key, value] : json.items()) {
        pb::Message* entry = message->GetReflection()->AddMessage(message, field);
        const pb::FieldDescriptor* keyField = entry->GetDescriptor()->map_key();
        nlohmann::json keyJson = keyField->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING
                                     ? nlohmann::json(key)
                                     : nlohmann::json::parse(key, nullptr, false);
        path_.back() += "[" + key + "]";
        if (!readValue(keyJson, entry, keyField, depth)) return false;
        if (!readValue(value, entry, entry->GetDescriptor()->map_value(), depth)) return false;
        path_.back().erase(path_.back().rfind('['));
      }
      return true;
    }
    if (field->is_repeated()) {
      if (!json.is_array()) return fail("expected an array, got " + describe(json));
      const std::string name = path_.back();
      for (size_t i = 0; i < json.size(); ++i) {
        path_.back() = name + "[" + std::to_string(i) + "]";
        if (!readValue(json[i], message, field, depth)) return false;
      }
      path_.back() = name;
      return true;
    }
    return readValue(json, message, field, depth);
  }

  bool readValue(const nlohmann::json& json, pb::Message* message, const pb::FieldDescriptor* field,
                 int depth) {
    const pb::Reflection* r = message->GetReflection();
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32: {
        auto v = integer<int32_t>(json);
        if (!v) return false;
        repeated ? r->AddInt32(message, field, *v) : r->SetInt32(message, field, *v);
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_INT64: {
        auto v = integer<int64_t>(json);
        if (!v) return false;
        repeated ? r->AddInt64(message, field, *v) : r->SetInt64(message, field, *v);
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_UINT32: {
        auto v = integer<uint32_t>(json);
        if (!v) return false;
        repeated ? r->AddUInt32(message, field, *v) : r->SetUInt32(message, field, *v);
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_UINT64: {
        auto v = integer<uint64_t>(json);
        if (!v) return false;
        repeated ? r->AddUInt64(message, field, *v) : r->SetUInt64(message, field, *v);
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      case pb::FieldDescriptor::CPPTYPE_FLOAT: {
        auto v = number(json);
        if (!v) return false;
        if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
          repeated ? r->AddDouble(message, field, *v) : r->SetDouble(message, field, *v);
        } else {
          repeated ? r->AddFloat(message, field, float(*v))
                   : r->SetFloat(message, field, float(*v));
        }
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_BOOL: {
        if (!json.is_boolean()) return fail("expected true or false, got " + describe(json));
        repeated ? r->AddBool(message, field, json.get<bool>())
                 : r->SetBool(message, field, json.get<bool>());
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumValueDescriptor* value = nullptr;
        if (json.is_string()) {
          value = field->enum_type()->FindValueByName(json.get<std::string>());
          if (value == nullptr) {
            return fail("unknown " + field->enum_type()->name() + " value " + json.dump());
          }
        } else if (json.is_number_integer()) {
          value = field->enum_type()->FindValueByNumber(json.get<int>());
          if (value == nullptr) {
            return fail("unknown " + field->enum_type()->name() + " value " + json.dump());
          }
        } else {
          return fail("expected an enum name, got " + describe(json));
        }
        repeated ? r->AddEnum(message, field, value) : r->SetEnum(message, field, value);
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_STRING: {
        if (!json.is_string()) return fail("expected a string, got " + describe(json));
        std::string text = json.get<std::string>();
        if (field->type() == pb::FieldDescriptor::TYPE_BYTES) {
          auto bytes = unbase64(text);
          if (!bytes) return fail("expected base64, got " + json.dump());
          text = std::move(*bytes);
        }
        repeated ? r->AddString(message, field, std::move(text))
                 : r->SetString(message, field, std::move(text));
        return true;
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
        pb::Message* child =
            repeated ? r->AddMessage(message, field) : r->MutableMessage(message, field);
        return readMessage(json, child, depth + 1);
      }
    }
    return fail("unsupported field type");
  }

  // Integers come as JSON numbers (Mesos) or decimal strings (protobuf's mapping).
  template <typename T>
  std::optional<T> integer(const nlohmann::json& json) {
    if (json.is_number_unsigned()) {
      const auto v = json.get<uint64_t>();
      if (v <= uint64_t(std::numeric_limits<T>::max())) return T(v);
    } else if (json.is_number_integer()) {
      const auto v = json.get<int64_t>();
      if (std::is_signed_v<T>
              ? (v >= int64_t(std::numeric_limits<T>::min()) &&
                 v <= int64_t(std::numeric_limits<T>::max()))
              : (v >= 0 && uint64_t(v) <= uint64_t(std::numeric_limits<T>::max()))) {
        return T(v);
      }
    } else if (json.is_number_float()) {
      const double v = json.get<double>();
      if (std::trunc(v) == v && v >= double(std::numeric_limits<T>::min()) &&
          v <= double(std::numeric_limits<T>::max())) {
        return T(v);
      }
      fail("expected an integer, got " + json.dump());
      return std::nullopt;
    } else if (json.is_string()) {
      const std::string text = json.get<std::string>();
      T v{};
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return v;
      fail("expected an integer, got " + json.dump());
      return std::nullopt;
    } else {
      fail("expected an integer, got " + describe(json));
      return std::nullopt;
    }
    fail("integer " + json.dump() + " is out of range");
    return std::nullopt;
  }

  std::optional<double> number(const nlohmann::json& json) {
    if (json.is_number()) return json.get<double>();
    if (json.is_string()) {
      const std::string text = json.get<std::string>();
      if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (text == "Infinity") return std::numeric_limits<double>::infinity();
      if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
      double v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return v;
      fail("expected a number, got " + json.dump());
      return std::nullopt;
    }
    fail("expected a number, got " + describe(json));
    return std::nullopt;
  }

  // google.protobuf.Duration is written "1.5s" in JSON.
  bool readDuration(const nlohmann::json& json, pb::Message* message) {
    if (!json.is_string() || json.get<std::string>().empty() ||
        json.get<std::string>().back() != 's') {
      return fail("expected a duration such as \"1.5s\", got " + describe(json));
    }
    const std::string text = json.get<std::string>();
    double seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, seconds);
    if (ec != std::errc() || ptr != text.data() + text.size() - 1 || !std::isfinite(seconds)) {
      return fail("expected a duration such as \"1.5s\", got " + json.dump());
    }
    const pb::Descriptor* d = message->GetDescriptor();
    const auto whole = int64_t(seconds);
    message->GetReflection()->SetInt64(message, d->FindFieldByName("seconds"), whole);
    message->GetReflection()->SetInt32(message, d->FindFieldByName("nanos"),
                                       int32_t(std::llround((seconds - double(whole)) * 1e9)));
    return true;
  }

  static std::string describe(const nlohmann::json& json) {
    if (json.is_object()) return "an object";
    if (json.is_array()) return "an array";
    const std::string text = json.dump();
    return text.size() > 40 ? text.substr(0, 40) + "..." : text;
  }

  bool fail(const std::string& what) {
    std::string where;
    for (const std::string& part : path_)
      where += (where.empty() ? "" : ".") + part;
    error_ = where.empty() ? what : where + ": " + what;
    return false;
  }

  std::vector<std::string> path_;
  std::string error_;
};

}  // namespace

// Written on reflection rather than with protobuf's printer because Mesos clients
// expect 64-bit integers as JSON numbers, which the printer cannot be told to do.
nlohmann::json toJson(const pb::Message& message) {
  const pb::Descriptor* descriptor = message.GetDescriptor();
  if (descriptor->full_name() == "google.protobuf.Duration") {
    const pb::Reflection* r = message.GetReflection();
    const double seconds = double(r->GetInt64(message, descriptor->FindFieldByName("seconds"))) +
                           r->GetInt32(message, descriptor->FindFieldByName("nanos")) / 1e9;
    std::ostringstream text;
    text << seconds << 's';
    return text.str();
  }
  nlohmann::json object = nlohmann::json::object();
  std::vector<const pb::FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (field->is_map()) {
      nlohmann::json map = nlohmann::json::object();
      const int size = message.GetReflection()->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        const pb::Message& entry = message.GetReflection()->GetRepeatedMessage(message, field, i);
        nlohmann::json key = fieldValue(entry, entry.GetDescriptor()->map_key(), 0);
        map[key.is_string() ? key.get<std::string>() : key.dump()] =
            fieldValue(entry, entry.GetDescriptor()->map_value(), 0);
      }
      object[field->name()] = std::move(map);
    } else if (field->is_repeated()) {
      nlohmann::json array = nlohmann::json::array();
      const int size = message.GetReflection()->FieldSize(message, field);
      for (int i = 0; i < size; ++i)
        array.push_back(fieldValue(message, field, i));
      object[field->name()] = std::move(array);
    } else {
      object[field->name()] = fieldValue(message, field, 0);
    }
  }
  return object;
}

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string toJsonString(const pb::Message& message) {
  return dumpJson(toJson(message));
}

Result<void> parseJson(std::string_view json, pb::Message* message) {
  message->Clear();
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    // Syntax errors and numbers out of range ("1e999"); e.what() reads
    // "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    std::string what = e.what();
    const size_t at = what.find("] ");
    return Error("invalid JSON for " + message->GetDescriptor()->name() + ": " +
                 (at == std::string::npos ? what : what.substr(at + 2)));
  }
  return fromJson(document, message);
}

Result<void> fromJson(const nlohmann::json& json, pb::Message* message) {
  message->Clear();
  JsonReader reader;
  if (!reader.readMessage(json, message, 0)) {
    message->Clear();
    return Error("invalid " + message->GetDescriptor()->name() + ": " + reader.error());
  }
  return requireInitialized(message);
}

Result<void> requireInitialized(pb::Message* message) {
  if (message->IsInitialized()) return success();
  std::string missing = message->InitializationErrorString();
  message->Clear();
  return Error("invalid " + message->GetDescriptor()->name() +
               ": missing required field(s): " + missing);
}

}  // namespace mesolite
