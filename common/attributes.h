// Attributes: the agent's --attributes, a list of mesos::v1::Attribute.
//
// Text form: `rack:abc;zone:west;level:10;keys:[1000-1500];os:{a,b}`. A number is a
// SCALAR (negative numbers are fine here), `[b-e,...]` RANGES, `{a,...}` a SET, any
// other word TEXT. (Mesos itself refuses sets in --attributes; we accept them because
// Attribute has a `set` field and schedulers handle it.) JSON form, when the first
// non-space character is '[': an array of Attribute objects.
//
// Unlike resources, attributes are neither combined nor normalised beyond their
// values: the same name may appear twice, and the order is kept.
#pragma once

#include <google/protobuf/repeated_field.h>

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite {

class Attributes {
 public:
  using const_iterator = std::vector<mesos::v1::Attribute>::const_iterator;

  Attributes() = default;

  // Text or JSON, by the first non-space character.
  static Result<Attributes> parse(std::string_view text);
  static Result<Attributes> parseText(std::string_view text);
  static Result<Attributes> parseJson(std::string_view json);
  static Result<Attributes> fromJson(const nlohmann::json& array);
  static Result<Attributes> fromProtos(
      const google::protobuf::RepeatedPtrField<mesos::v1::Attribute>& attributes);
  static Result<void> validate(const mesos::v1::Attribute& attribute);

  // The text form when every attribute has one, the JSON form otherwise (a text value
  // with a space or one that reads as a number, ...): parse() reads either back.
  std::string toString() const;
  nlohmann::json toJson() const;
  google::protobuf::RepeatedPtrField<mesos::v1::Attribute> toProtos() const;

  bool empty() const { return attributes_.empty(); }
  size_t size() const { return attributes_.size(); }
  const_iterator begin() const { return attributes_.begin(); }
  const_iterator end() const { return attributes_.end(); }

  // The first attribute with that name, or nullptr.
  const mesos::v1::Attribute* find(std::string_view name) const;

  // Same attributes with the same values, in any order (scalars compared to 0.001).
  friend bool operator==(const Attributes& left, const Attributes& right);

 private:
  std::vector<mesos::v1::Attribute> attributes_;
};

std::ostream& operator<<(std::ostream& stream, const Attributes& attributes);

}  // namespace mesolite
