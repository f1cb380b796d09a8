// Resources: a normalised collection of mesos::v1::Resource with Mesos's semantics.
//
// Text form (the agent's --resources flag):
//     cpus:24;mem:24576;disk:409600;ports:[31000-32000];bugs(debug):{a,b}
// JSON form (when the first non-space character is '['): an array of Resource objects,
//     [{"name":"cpus","type":"SCALAR","scalar":{"value":24}}, ...]
// mem and disk are in MB. A role in text, `cpus(debug):2`, is a static reservation;
// reservations are kept in the "refined" format (the `reservations` stack), and the
// deprecated `role` / `reservation` fields are converted on input, as Mesos does.
//
// Normalised means: scalars rounded to 0.001, ranges merged, empty resources (0, [],
// {}) dropped, and resources that differ only in their value combined (cpus:1;cpus:2
// is cpus:3). Resources that differ in anything else (reservations, revocable,
// allocation, disk, ...) stay apart. Persistent volumes, shared resources and exclusive
// disks (MOUNT, BLOCK, RAW with an id) are atomic, as in Mesos: never combined or split.
#pragma once

#include <google/protobuf/repeated_field.h>

#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite {

// Roles are "*" (unreserved) or a path of one or more components, "a/b/c", where a
// component is not ".", "..", "*", does not start with '-' and holds no whitespace,
// control character or slash.
Result<void> validateRole(std::string_view role);
// `role` lies strictly below `ancestor` in the hierarchy: "a/b" is below "a", "ab" is not.
bool isStrictSubrole(std::string_view role, std::string_view ancestor);

// The role a resource is reserved to: the last of its reservations, "*" if it has none.
std::string_view reservationRole(const mesos::v1::Resource& resource);
bool isUnreserved(const mesos::v1::Resource& resource);

class Resources {
 public:
  using const_iterator = std::vector<mesos::v1::Resource>::const_iterator;

  Resources() = default;

  // Text or JSON, by the first non-space character. Resources without a role get
  // `defaultRole` ("*": unreserved). The same name may not be used with two types.
  static Result<Resources> parse(std::string_view text, std::string_view defaultRole = "*");
  static Result<Resources> parseText(std::string_view text, std::string_view defaultRole = "*");
  static Result<Resources> parseJson(std::string_view json, std::string_view defaultRole = "*");
  static Result<Resources> fromJson(const nlohmann::json& array,
                                    std::string_view defaultRole = "*");

  // Resources as they arrive in messages (offers, tasks, checkpoints): validated and
  // normalised; errors are prefixed "resources[i]: ".
  static Result<Resources> fromProtos(
      const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& resources);
  // Mesos's rules for one resource (either reservation format).
  static Result<void> validate(const mesos::v1::Resource& resource);

  // The text form when every resource has one, the JSON form otherwise (dynamic
  // reservations, revocable, disk info, ...): parse() reads either back.
  std::string toString() const;
  nlohmann::json toJson() const;
  google::protobuf::RepeatedPtrField<mesos::v1::Resource> toProtos() const;

  bool empty() const { return resources_.empty(); }
  size_t size() const { return resources_.size(); }
  const_iterator begin() const { return resources_.begin(); }
  const_iterator end() const { return resources_.end(); }

  // Every resource of `that` is here, with at least its value.
  bool contains(const Resources& that) const;

  // Reserved to exactly `role`, or to any role when none is given.
  Resources reserved(std::optional<std::string_view> role = std::nullopt) const;
  Resources unreserved() const;
  // What a framework in `role` may use: unreserved resources and those reserved to
  // `role` or to one of its ancestors ("a" and "a/b" for role "a/b/c").
  Resources allocatableTo(std::string_view role) const;
  Resources filter(const std::function<bool(const mesos::v1::Resource&)>& predicate) const;

  // Sums of the scalar resources of that name, in any role; nullopt if there are none.
  std::optional<double> scalar(std::string_view name) const;
  std::optional<double> cpus() const { return scalar("cpus"); }
  std::optional<double> mem() const { return scalar("mem"); }    // MB
  std::optional<double> disk() const { return scalar("disk"); }  // MB
  std::optional<mesos::v1::Value::Ranges> ports() const;

  // Subtraction takes away what is there and ignores the rest (a scalar never goes
  // below zero), as in Mesos: check contains() first when the difference matters.
  Resources& operator+=(const Resources& that);
  Resources& operator-=(const Resources& that);
  friend Resources operator+(Resources left, const Resources& right) { return left += right; }
  friend Resources operator-(Resources left, const Resources& right) { return left -= right; }

  // The same resources allocated to `role` (the allocation_info of offers and tasks), or
  // with no allocation when `role` is empty.
  Resources withAllocation(std::string_view role) const;

  // Same resources with the same values, in any order.
  friend bool operator==(const Resources& left, const Resources& right);

 private:
  // `resource` is valid and normalised.
  void add(const mesos::v1::Resource& resource);
  void subtract(const mesos::v1::Resource& resource);
  bool contains(const mesos::v1::Resource& resource) const;

  std::vector<mesos::v1::Resource> resources_;
};

std::ostream& operator<<(std::ostream& stream, const Resources& resources);

// What Mesos refuses in the agent's --resources: persistent volumes, revocable
// resources and dynamic reservations (those come from operators and the master).
Result<void> validateCommandLineResources(const Resources& resources);

}  // namespace mesolite
