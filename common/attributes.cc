#include "common/attributes.h"

#include <cmath>
#include <ostream>

#include "common/protobuf_json.h"
#include "common/values.h"

namespace mesolite {

using mesos::v1::Attribute;
using mesos::v1::Value;

namespace {

std::string at(size_t position) {
  return " at position " + std::to_string(position);
}

Result<Attribute> parseTextAttribute(std::string_view token, size_t position) {
  const size_t colon = token.find(':');
  if (colon == std::string_view::npos) return Error("missing ':' between name and value");
  if (size_t extra = token.find(':', colon + 1); extra != std::string_view::npos) {
    return Error("unexpected ':'" + at(position + extra));
  }
  const std::string_view name = values::trim(token.substr(0, colon));
  if (auto valid = values::checkName(name, "attribute"); !valid) return valid.error();

  Result<Value> value = values::parse(token.substr(colon + 1), position + colon + 1);
  if (!value) return value.error();

  Attribute attribute;
  attribute.set_name(std::string(name));
  values::assignValue(*value, &attribute);
  return attribute;
}

// Can be written as `name:value` and read back as the same attribute.
bool hasTextForm(const Attribute& attribute) {
  if (!values::isPlainWord(attribute.name())) return false;
  switch (attribute.type()) {
    case Value::SCALAR:
    case Value::RANGES:
      return true;
    case Value::SET:
      for (const std::string& item : attribute.set().item()) {
        if (!values::isPlainWord(item)) return false;
      }
      return true;
    case Value::TEXT: {
      // A text that reads as something else ("10", "[1-2]") would come back changed.
      const std::string& text = attribute.text().value();
      if (!values::isPlainWord(text)) return false;
      Result<Value> reparsed = values::parse(text);
      return reparsed && reparsed->type() == Value::TEXT;
    }
  }
  return false;
}

std::string textForm(const Attribute& attribute) {
  std::string text = attribute.name() + ":";
  switch (attribute.type()) {
    case Value::SCALAR:
      return text + values::toString(attribute.scalar());
    case Value::RANGES:
      return text + values::toString(attribute.ranges());
    case Value::SET:
      return text + values::toString(attribute.set());
    case Value::TEXT:
      return text + attribute.text().value();
  }
  return text;
}

bool sameAttribute(const Attribute& left, const Attribute& right) {
  if (left.name() != right.name() || left.type() != right.type()) return false;
  switch (left.type()) {
    case Value::SCALAR:
      return values::equals(left.scalar(), right.scalar());
    case Value::RANGES:
      return values::equals(left.ranges(), right.ranges());
    case Value::SET:
      return values::equals(left.set(), right.set());
    case Value::TEXT:
      return left.text().value() == right.text().value();
  }
  return false;
}

Result<void> validateValue(const Attribute& attribute) {
  const int fields =
      attribute.has_scalar() + attribute.has_ranges() + attribute.has_set() + attribute.has_text();
  auto onlyField = [&](bool present, const char* field) -> Result<void> {
    if (present && fields == 1) return success();
    return Error("a " + Value::Type_Name(attribute.type()) + " attribute sets '" + field +
                 "' and no other value");
  };
  switch (attribute.type()) {
    case Value::SCALAR: {
      if (auto only = onlyField(attribute.has_scalar(), "scalar"); !only) return only;
      if (!std::isfinite(attribute.scalar().value())) {
        return Error("scalar " + values::quote(values::toString(attribute.scalar())) +
                     " is not a finite number");
      }
      return success();
    }
    case Value::RANGES:
      if (auto only = onlyField(attribute.has_ranges(), "ranges"); !only) return only;
      return values::validate(attribute.ranges(), /*allowOverlap=*/true);
    case Value::SET:
      if (auto only = onlyField(attribute.has_set(), "set"); !only) return only;
      return values::validate(attribute.set());
    case Value::TEXT:
      if (auto only = onlyField(attribute.has_text(), "text"); !only) return only;
      if (attribute.text().value().empty()) return Error("empty text");
      return success();
  }
  return Error("unknown type " + std::to_string(static_cast<int>(attribute.type())));
}

Result<void> prepare(Attribute* attribute) {
  if (attribute->name().empty()) return Error("empty attribute name");
  if (auto valid = validateValue(*attribute); !valid) {
    return valid.error().wrap("attribute " + values::quote(attribute->name()));
  }
  if (attribute->type() == Value::RANGES) values::normalize(attribute->mutable_ranges());
  return success();
}

}  // namespace

Result<Attributes> Attributes::parse(std::string_view text) {
  std::string_view trimmed = values::trim(text);
  if (!trimmed.empty() && trimmed.front() == '[') return parseJson(text);
  return parseText(text);
}

Result<Attributes> Attributes::parseText(std::string_view text) {
  Attributes attributes;
  size_t start = 0;
  while (true) {
    const size_t semicolon = text.find(';', start);
    const std::string_view raw = text.substr(
        start, semicolon == std::string_view::npos ? std::string_view::npos : semicolon - start);
    const std::string_view token = values::trim(raw);
    if (!token.empty()) {
      const size_t position = start + static_cast<size_t>(token.data() - raw.data());
      const std::string context = "invalid attribute " + values::quote(token) + at(position);
      Result<Attribute> attribute = parseTextAttribute(token, position);
      if (!attribute) return attribute.error().wrap(context);
      attributes.attributes_.push_back(std::move(*attribute));
    }
    if (semicolon == std::string_view::npos) break;
    start = semicolon + 1;
  }
  return attributes;
}

Result<Attributes> Attributes::parseJson(std::string_view json) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& error) {
    // nlohmann counts bytes from 1; our positions count from 0.
    const size_t position = error.byte > 0 ? error.byte - 1 : 0;
    return Error("invalid attributes JSON at position " + std::to_string(position) + ": " +
                 error.what());
  } catch (const std::exception& error) {
    return Error(std::string("invalid attributes JSON: ") + error.what());
  }
  return fromJson(document);
}

Result<Attributes> Attributes::fromJson(const nlohmann::json& array) {
  if (!array.is_array()) {
    return Error(std::string("attributes JSON must be an array of Attribute objects, not ") +
                 array.type_name());
  }
  Attributes attributes;
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string source = "attributes[" + std::to_string(i) + "]";
    const nlohmann::json& element = array[i];
    if (!element.is_object()) {
      return Error(source + ": expected an Attribute object, not " + element.type_name());
    }
    Attribute attribute;
    if (auto converted = ::mesolite::fromJson(element, &attribute); !converted) {
      return converted.error().wrap(source);
    }
    if (auto prepared = prepare(&attribute); !prepared) return prepared.error().wrap(source);
    attributes.attributes_.push_back(std::move(attribute));
  }
  return attributes;
}

Result<Attributes> Attributes::fromProtos(
    const google::protobuf::RepeatedPtrField<Attribute>& attributes) {
  Attributes result;
  for (int i = 0; i < attributes.size(); ++i) {
    Attribute attribute = attributes.Get(i);
    if (auto prepared = prepare(&attribute); !prepared) {
      return prepared.error().wrap("attributes[" + std::to_string(i) + "]");
    }
    result.attributes_.push_back(std::move(attribute));
  }
  return result;
}

Result<void> Attributes::validate(const Attribute& attribute) {
  Attribute copy = attribute;
  return prepare(&copy);
}

std::string Attributes::toString() const {
  for (const Attribute& attribute : attributes_) {
    if (!hasTextForm(attribute)) {
      return toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  std::string text;
  for (const Attribute& attribute : attributes_) {
    if (!text.empty()) text += ';';
    text += textForm(attribute);
  }
  return text;
}

nlohmann::json Attributes::toJson() const {
  nlohmann::json array = nlohmann::json::array();
  for (const Attribute& attribute : attributes_)
    array.push_back(::mesolite::toJson(attribute));
  return array;
}

google::protobuf::RepeatedPtrField<Attribute> Attributes::toProtos() const {
  return {attributes_.begin(), attributes_.end()};
}

const Attribute* Attributes::find(std::string_view name) const {
  for (const Attribute& attribute : attributes_) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

bool operator==(const Attributes& left, const Attributes& right) {
  if (left.size() != right.size()) return false;
  // Match each attribute to a distinct one on the right (names may repeat).
  std::vector<bool> matched(right.size(), false);
  for (const Attribute& attribute : left) {
    bool found = false;
    for (size_t i = 0; i < right.attributes_.size() && !found; ++i) {
      if (!matched[i] && sameAttribute(attribute, right.attributes_[i])) {
        matched[i] = true;
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

std::ostream& operator<<(std::ostream& stream, const Attributes& attributes) {
  return stream << attributes.toString();
}

}  // namespace mesolite
