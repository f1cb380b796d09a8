#include "common/resources.h"

#include <google/protobuf/util/message_differencer.h>

#include <cmath>
#include <ostream>
#include <unordered_map>
#include <utility>

#include "common/protobuf_json.h"
#include "common/values.h"

namespace mesolite {

using google::protobuf::util::MessageDifferencer;
using mesos::v1::Resource;
using mesos::v1::Value;

namespace {

constexpr std::string_view kUnreservedRole = "*";

std::string at(size_t position) {
  return " at position " + std::to_string(position);
}

template <typename Message>
bool sameOptional(bool leftHas, const Message& left, bool rightHas, const Message& right) {
  return leftHas == rightHas && (!leftHas || MessageDifferencer::Equals(left, right));
}

// Everything but the value: resources with the same identity combine.
bool sameIdentity(const Resource& left, const Resource& right) {
  if (left.name() != right.name() || left.type() != right.type() ||
      left.has_shared() != right.has_shared() || left.has_revocable() != right.has_revocable() ||
      left.reservations_size() != right.reservations_size()) {
    return false;
  }
  for (int i = 0; i < left.reservations_size(); ++i) {
    if (!MessageDifferencer::Equals(left.reservations(i), right.reservations(i))) return false;
  }
  return sameOptional(left.has_allocation_info(), left.allocation_info(),
                      right.has_allocation_info(), right.allocation_info()) &&
         sameOptional(left.has_disk(), left.disk(), right.has_disk(), right.disk()) &&
         sameOptional(left.has_provider_id(), left.provider_id(), right.has_provider_id(),
                      right.provider_id()) &&
         sameOptional(left.has_reservation(), left.reservation(), right.has_reservation(),
                      right.reservation()) &&
         left.has_role() == right.has_role() && left.role() == right.role();
}

bool sameValue(const Resource& left, const Resource& right) {
  switch (left.type()) {
    case Value::SCALAR:
      return values::equals(left.scalar(), right.scalar());
    case Value::RANGES:
      return values::equals(left.ranges(), right.ranges());
    case Value::SET:
      return values::equals(left.set(), right.set());
    case Value::TEXT:
      break;
  }
  return false;
}

bool sameResource(const Resource& left, const Resource& right) {
  return sameIdentity(left, right) && sameValue(left, right);
}

// `left` holds at least `right`'s value (same identity assumed).
bool containsValue(const Resource& left, const Resource& right) {
  switch (left.type()) {
    case Value::SCALAR:
      return values::contains(left.scalar(), right.scalar());
    case Value::RANGES:
      return values::contains(left.ranges(), right.ranges());
    case Value::SET:
      return values::contains(left.set(), right.set());
    case Value::TEXT:
      break;
  }
  return false;
}

void addValue(Resource* left, const Resource& right) {
  switch (left->type()) {
    case Value::SCALAR:
      *left->mutable_scalar() = values::add(left->scalar(), right.scalar());
      break;
    case Value::RANGES:
      *left->mutable_ranges() = values::add(left->ranges(), right.ranges());
      break;
    case Value::SET:
      *left->mutable_set() = values::add(left->set(), right.set());
      break;
    case Value::TEXT:
      break;
  }
}

void subtractValue(Resource* left, const Resource& right) {
  switch (left->type()) {
    case Value::SCALAR:
      *left->mutable_scalar() = values::subtract(left->scalar(), right.scalar());
      break;
    case Value::RANGES:
      *left->mutable_ranges() = values::subtract(left->ranges(), right.ranges());
      break;
    case Value::SET:
      *left->mutable_set() = values::subtract(left->set(), right.set());
      break;
    case Value::TEXT:
      break;
  }
}

// Zero or below (a subtraction past zero clamps to nothing), no ranges, no items.
bool isEmpty(const Resource& resource) {
  switch (resource.type()) {
    case Value::SCALAR:
      return values::toFixed(resource.scalar().value()) <= 0;
    case Value::RANGES:
      return resource.ranges().range_size() == 0;
    case Value::SET:
      return resource.set().item_size() == 0;
    case Value::TEXT:
      break;
  }
  return true;
}

// Mesos never merges or splits these: a persistent volume or an exclusive disk is one
// thing with an identity, and a shared resource counts its copies.
bool isAtomic(const Resource& resource) {
  if (resource.has_shared()) return true;
  if (!resource.has_disk()) return false;
  const Resource::DiskInfo& disk = resource.disk();
  if (disk.has_persistence()) return true;
  if (!disk.has_source()) return false;
  switch (disk.source().type()) {
    case Resource::DiskInfo::Source::MOUNT:
    case Resource::DiskInfo::Source::BLOCK:
      return true;
    case Resource::DiskInfo::Source::RAW:
      return disk.source().has_id();
    default:
      return false;
  }
}

// Converts the deprecated `role` (+ `reservation`) fields to the `reservations` stack,
// as Mesos's upgradeResource() does; resources without any role get `defaultRole`.
Result<void> upgradeReservations(Resource* resource, std::string_view defaultRole) {
  if (resource->reservations_size() > 0) {
    if (resource->has_role() && (resource->reservations_size() > 1 ||
                                 resource->role() != resource->reservations(0).role())) {
      return Error("deprecated 'role' " + values::quote(resource->role()) +
                   " does not match 'reservations'");
    }
    if (resource->has_reservation() && resource->reservations_size() > 1) {
      return Error(
          "deprecated 'reservation' must not be set with more than one entry in 'reservations'");
    }
  } else {
    const std::string role = resource->has_role() ? resource->role() : std::string(defaultRole);
    if (auto valid = validateRole(role); !valid) return valid.error();
    if (resource->has_reservation()) {
      if (resource->reservation().has_type() || resource->reservation().has_role()) {
        return Error("deprecated 'reservation' must set neither 'type' nor 'role'");
      }
      if (role == kUnreservedRole) return Error("role '*' cannot be dynamically reserved");
    }
    if (role != kUnreservedRole) {
      Resource::ReservationInfo* reservation = resource->add_reservations();
      if (resource->has_reservation()) {
        *reservation = resource->reservation();
        reservation->set_type(Resource::ReservationInfo::DYNAMIC);
      } else {
        reservation->set_type(Resource::ReservationInfo::STATIC);
      }
      reservation->set_role(role);
    }
  }
  resource->clear_role();
  resource->clear_reservation();
  return success();
}

Result<void> validateValue(const Resource& resource) {
  const bool scalar = resource.has_scalar();
  const bool ranges = resource.has_ranges();
  const bool set = resource.has_set();
  switch (resource.type()) {
    case Value::SCALAR: {
      if (!scalar || ranges || set) {
        return Error("a SCALAR resource sets 'scalar' and neither 'ranges' nor 'set'");
      }
      const double value = resource.scalar().value();
      const std::string text = values::quote(values::toString(value));
      if (!std::isfinite(value)) return Error("scalar " + text + " is not a finite number");
      if (value < 0) return Error("scalar " + text + " is negative");
      if (value > values::kMaxScalar) {
        return Error("scalar " + text + " is larger than " + values::toString(values::kMaxScalar));
      }
      // Mesos refuses a positive value that would become zero.
      if (value != 0 && values::toFixed(value) == 0) {
        return Error("scalar " + text + " is below the smallest step, 0.001");
      }
      return success();
    }
    case Value::RANGES:
      if (!ranges || scalar || set) {
        return Error("a RANGES resource sets 'ranges' and neither 'scalar' nor 'set'");
      }
      return values::validate(resource.ranges(), /*allowOverlap=*/false);
    case Value::SET:
      if (!set || scalar || ranges) {
        return Error("a SET resource sets 'set' and neither 'scalar' nor 'ranges'");
      }
      return values::validate(resource.set());
    case Value::TEXT:
      return Error("TEXT resources are not supported");
  }
  return Error("unknown type " + std::to_string(static_cast<int>(resource.type())));
}

Result<void> validateReservations(const Resource& resource) {
  for (int i = 0; i < resource.reservations_size(); ++i) {
    const Resource::ReservationInfo& reservation = resource.reservations(i);
    const std::string where = "reservations[" + std::to_string(i) + "]";
    if (!reservation.has_type() || reservation.type() == Resource::ReservationInfo::UNKNOWN) {
      return Error(where + ": 'type' must be STATIC or DYNAMIC");
    }
    if (!reservation.has_role()) return Error(where + ": 'role' is missing");
    if (reservation.role() == kUnreservedRole) {
      return Error(where + ": role '*' cannot be reserved");
    }
    if (auto valid = validateRole(reservation.role()); !valid) return valid.error().wrap(where);
    if (i == 0) continue;
    if (reservation.type() == Resource::ReservationInfo::STATIC) {
      return Error(where + ": a refined reservation cannot be STATIC");
    }
    const std::string& ancestor = resource.reservations(i - 1).role();
    if (!isStrictSubrole(reservation.role(), ancestor)) {
      return Error(where + ": role " + values::quote(reservation.role()) +
                   " is not a refinement of " + values::quote(ancestor));
    }
  }
  return success();
}

Result<void> validateDiskAndSharing(const Resource& resource) {
  if (resource.has_disk()) {
    if (resource.name() != "disk") return Error("only 'disk' resources may have 'disk' info");
    if (resource.disk().has_source()) {
      const Resource::DiskInfo::Source& source = resource.disk().source();
      switch (source.type()) {
        case Resource::DiskInfo::Source::PATH:
        case Resource::DiskInfo::Source::MOUNT:
          break;
        case Resource::DiskInfo::Source::BLOCK:
        case Resource::DiskInfo::Source::RAW:
          if (source.has_mount() || source.has_path()) {
            return Error("a " + Resource::DiskInfo::Source::Type_Name(source.type()) +
                         " disk source has neither 'mount' nor 'path'");
          }
          break;
        default:
          return Error("disk source type " + Resource::DiskInfo::Source::Type_Name(source.type()) +
                       " is not supported");
      }
    }
  }
  if (resource.has_shared() && (!resource.has_disk() || !resource.disk().has_persistence())) {
    return Error("only persistent volumes can be shared");
  }
  return success();
}

// Validates a resource in the refined format.
Result<void> validateUpgraded(const Resource& resource) {
  if (resource.name().empty()) return Error("empty resource name");
  // Binary protobuf may carry any bytes; names must survive the JSON every API writes.
  if (!values::isValidUtf8(resource.name())) return Error("resource name is not valid UTF-8");
  if (!Value::Type_IsValid(resource.type())) {
    return Error("unknown type " + std::to_string(static_cast<int>(resource.type())));
  }
  if (auto valid = validateValue(resource); !valid) return valid;
  if (auto valid = validateReservations(resource); !valid) return valid;
  return validateDiskAndSharing(resource);
}

void normalizeValue(Resource* resource) {
  if (resource->type() == Value::SCALAR) {
    resource->mutable_scalar()->set_value(values::roundScalar(resource->scalar().value()));
  } else if (resource->type() == Value::RANGES) {
    values::normalize(resource->mutable_ranges());
  }
}

// Upgrades, validates and normalises one resource; errors name the resource.
Result<void> prepare(Resource* resource, std::string_view defaultRole) {
  auto named = [&](const Error& error) {
    return resource->name().empty() ? error
                                    : error.wrap("resource " + values::quote(resource->name()));
  };
  if (auto upgraded = upgradeReservations(resource, defaultRole); !upgraded) {
    return named(upgraded.error());
  }
  if (auto valid = validateUpgraded(*resource); !valid) return named(valid.error());
  normalizeValue(resource);
  return success();
}

// A resource parsed from input, with where it came from for error messages.
struct ParsedResource {
  Resource resource;
  std::string source;   // "'cpus:1' at position 0" or "resources[0]"
  std::string context;  // the prefix of an error about it
};

// Mesos refuses the same name with two types in one specification (cpus:1;cpus:{a}).
Result<void> checkOneTypePerName(const std::vector<ParsedResource>& parsed) {
  std::unordered_map<std::string_view, const ParsedResource*> firstByName;
  for (const ParsedResource& item : parsed) {
    auto [first, inserted] = firstByName.emplace(item.resource.name(), &item);
    if (!inserted && first->second->resource.type() != item.resource.type()) {
      return Error(item.context + ": " + values::quote(item.resource.name()) + " is " +
                   Value::Type_Name(item.resource.type()) + " here but " +
                   Value::Type_Name(first->second->resource.type()) + " in " +
                   first->second->source);
    }
  }
  return success();
}

Result<Resource> parseTextResource(std::string_view token, size_t position,
                                   std::string_view defaultRole) {
  const size_t colon = token.find(':');
  if (colon == std::string_view::npos) return Error("missing ':' between name and value");
  if (size_t extra = token.find(':', colon + 1); extra != std::string_view::npos) {
    return Error("unexpected ':'" + at(position + extra));
  }

  const std::string_view head = token.substr(0, colon);
  std::string_view name;
  std::string_view role = defaultRole;
  const size_t open = head.find('(');
  if (open == std::string_view::npos) {
    if (size_t close = head.find(')'); close != std::string_view::npos) {
      return Error("unexpected ')'" + at(position + close));
    }
    name = values::trim(head);
  } else {
    const size_t close = head.find_first_of("()", open + 1);
    if (close == std::string_view::npos || head[close] == '(') {
      return Error("'('" + at(position + open) + " is not closed");
    }
    if (std::string_view rest = values::trim(head.substr(close + 1)); !rest.empty()) {
      return Error("unexpected " + values::quote(rest) + " after the role" +
                   at(position + close + 1 + head.substr(close + 1).find(rest)));
    }
    name = values::trim(head.substr(0, open));
    role = values::trim(head.substr(open + 1, close - open - 1));
    if (auto valid = validateRole(role); !valid) return valid.error();
  }
  if (auto valid = values::checkName(name, "resource"); !valid) return valid.error();

  Result<Value> value = values::parse(token.substr(colon + 1), position + colon + 1);
  if (!value) return value.error();
  if (value->type() == Value::TEXT) {
    return Error(values::quote(value->text().value()) + " is not a number");
  }

  Resource resource;
  resource.set_name(std::string(name));
  values::assignValue(*value, &resource);
  if (role != kUnreservedRole) {
    Resource::ReservationInfo* reservation = resource.add_reservations();
    reservation->set_type(Resource::ReservationInfo::STATIC);
    reservation->set_role(std::string(role));
  }
  return resource;
}

// Can be written as `name(role):value` and read back the same.
bool hasTextForm(const Resource& resource) {
  if (resource.has_allocation_info() || resource.has_disk() || resource.has_revocable() ||
      resource.has_shared() || resource.has_provider_id() || resource.has_role() ||
      resource.has_reservation() || resource.reservations_size() > 1 ||
      !values::isPlainWord(resource.name())) {
    return false;
  }
  if (resource.reservations_size() == 1) {
    const Resource::ReservationInfo& reservation = resource.reservations(0);
    if (reservation.type() != Resource::ReservationInfo::STATIC || reservation.has_principal() ||
        reservation.has_labels() || !values::isPlainWord(reservation.role())) {
      return false;
    }
  }
  if (resource.type() == Value::SET) {
    for (const std::string& item : resource.set().item()) {
      if (!values::isPlainWord(item)) return false;
    }
  }
  return true;
}

std::string textForm(const Resource& resource) {
  std::string text = resource.name();
  if (resource.reservations_size() == 1) text += "(" + resource.reservations(0).role() + ")";
  text += ':';
  switch (resource.type()) {
    case Value::SCALAR:
      return text + values::toString(resource.scalar());
    case Value::RANGES:
      return text + values::toString(resource.ranges());
    case Value::SET:
      return text + values::toString(resource.set());
    case Value::TEXT:
      break;
  }
  return text;
}

std::string jsonTypeName(const nlohmann::json& json) {
  return json.type_name();
}

}  // namespace

// ---------------------------------------------------------------------------
// Roles.

Result<void> validateRole(std::string_view role) {
  if (role == kUnreservedRole) return success();
  const std::string quoted = values::quote(role);
  if (role.empty()) return Error("empty role");
  if (role.front() == '/') return Error("role " + quoted + " starts with '/'");
  if (role.back() == '/') return Error("role " + quoted + " ends with '/'");
  if (role.find("//") != std::string_view::npos) return Error("role " + quoted + " contains '//'");

  size_t start = 0;
  while (start < role.size()) {
    size_t slash = role.find('/', start);
    std::string_view component = role.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (component == "." || component == ".." || component == "*") {
      return Error("role " + quoted + " has '" + std::string(component) + "' as a component");
    }
    if (component.front() == '-') {
      return Error("role " + quoted + " has a component starting with '-'");
    }
    for (char c : component) {
      auto byte = static_cast<unsigned char>(c);
      if (byte <= 0x20 || byte == 0x7f) {
        return Error("role " + quoted + " contains whitespace or a control character");
      }
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (!values::isValidUtf8(role)) return Error("role " + quoted + " is not valid UTF-8");
  return success();
}

bool isStrictSubrole(std::string_view role, std::string_view ancestor) {
  return role.size() > ancestor.size() && role[ancestor.size()] == '/' &&
         role.substr(0, ancestor.size()) == ancestor;
}

std::string_view reservationRole(const Resource& resource) {
  if (resource.reservations_size() == 0) return kUnreservedRole;
  return resource.reservations(resource.reservations_size() - 1).role();
}

bool isUnreserved(const Resource& resource) {
  return resource.reservations_size() == 0;
}

// ---------------------------------------------------------------------------
// Parsing.

Result<Resources> Resources::parse(std::string_view text, std::string_view defaultRole) {
  std::string_view trimmed = values::trim(text);
  if (!trimmed.empty() && trimmed.front() == '[') return parseJson(text, defaultRole);
  return parseText(text, defaultRole);
}

Result<Resources> Resources::parseText(std::string_view text, std::string_view defaultRole) {
  if (auto valid = validateRole(defaultRole); !valid) {
    return valid.error().wrap("invalid default role");
  }

  std::vector<ParsedResource> parsed;
  size_t start = 0;
  while (true) {
    const size_t semicolon = text.find(';', start);
    const std::string_view raw = text.substr(
        start, semicolon == std::string_view::npos ? std::string_view::npos : semicolon - start);
    const std::string_view token = values::trim(raw);
    if (!token.empty()) {
      const size_t position = start + static_cast<size_t>(token.data() - raw.data());
      std::string source = values::quote(token) + at(position);
      std::string context = "invalid resource " + source;
      Result<Resource> resource = parseTextResource(token, position, defaultRole);
      if (!resource) return resource.error().wrap(context);
      // The token's role, or the default one, is already in `reservations`.
      if (auto prepared = prepare(&*resource, kUnreservedRole); !prepared) {
        return prepared.error().wrap(context);
      }
      parsed.push_back({std::move(*resource), std::move(source), std::move(context)});
    }
    if (semicolon == std::string_view::npos) break;
    start = semicolon + 1;
  }

  if (auto valid = checkOneTypePerName(parsed); !valid) return valid.error();
  Resources resources;
  for (const ParsedResource& item : parsed)
    resources.add(item.resource);
  return resources;
}

Result<Resources> Resources::parseJson(std::string_view json, std::string_view defaultRole) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& error) {
    // nlohmann counts bytes from 1; our positions count from 0.
    const size_t position = error.byte > 0 ? error.byte - 1 : 0;
    return Error("invalid resources JSON at position " + std::to_string(position) + ": " +
                 error.what());
  } catch (const std::exception& error) {
    return Error(std::string("invalid resources JSON: ") + error.what());
  }
  return fromJson(document, defaultRole);
}

Result<Resources> Resources::fromJson(const nlohmann::json& array, std::string_view defaultRole) {
  if (auto valid = validateRole(defaultRole); !valid) {
    return valid.error().wrap("invalid default role");
  }
  if (!array.is_array()) {
    return Error("resources JSON must be an array of Resource objects, not " + jsonTypeName(array));
  }

  std::vector<ParsedResource> parsed;
  for (size_t i = 0; i < array.size(); ++i) {
    std::string source = "resources[" + std::to_string(i) + "]";
    const nlohmann::json& element = array[i];
    if (!element.is_object()) {
      return Error(source + ": expected a Resource object, not " + jsonTypeName(element));
    }
    Resource resource;
    if (auto converted = ::mesolite::fromJson(element, &resource); !converted) {
      return converted.error().wrap(source);
    }
    if (auto prepared = prepare(&resource, defaultRole); !prepared) {
      return prepared.error().wrap(source);
    }
    std::string context = source;
    parsed.push_back({std::move(resource), std::move(source), std::move(context)});
  }

  if (auto valid = checkOneTypePerName(parsed); !valid) return valid.error();
  Resources resources;
  for (const ParsedResource& item : parsed)
    resources.add(item.resource);
  return resources;
}

Result<Resources> Resources::fromProtos(
    const google::protobuf::RepeatedPtrField<Resource>& resources) {
  Resources result;
  for (int i = 0; i < resources.size(); ++i) {
    Resource resource = resources.Get(i);
    if (auto prepared = prepare(&resource, kUnreservedRole); !prepared) {
      return prepared.error().wrap("resources[" + std::to_string(i) + "]");
    }
    result.add(resource);
  }
  return result;
}

Result<void> Resources::validate(const Resource& resource) {
  Resource copy = resource;
  return prepare(&copy, kUnreservedRole);
}

// ---------------------------------------------------------------------------
// Output.

std::string Resources::toString() const {
  for (const Resource& resource : resources_) {
    if (!hasTextForm(resource)) {
      return toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  std::string text;
  for (const Resource& resource : resources_) {
    if (!text.empty()) text += ';';
    text += textForm(resource);
  }
  return text;
}

nlohmann::json Resources::toJson() const {
  nlohmann::json array = nlohmann::json::array();
  for (const Resource& resource : resources_)
    array.push_back(::mesolite::toJson(resource));
  return array;
}

google::protobuf::RepeatedPtrField<Resource> Resources::toProtos() const {
  return {resources_.begin(), resources_.end()};
}

std::ostream& operator<<(std::ostream& stream, const Resources& resources) {
  return stream << resources.toString();
}

// ---------------------------------------------------------------------------
// Arithmetic.

void Resources::add(const Resource& resource) {
  if (isEmpty(resource)) return;
  if (!isAtomic(resource)) {
    for (Resource& existing : resources_) {
      if (sameIdentity(existing, resource)) {
        addValue(&existing, resource);
        return;
      }
    }
  }
  resources_.push_back(resource);
}

void Resources::subtract(const Resource& resource) {
  const bool atomic = isAtomic(resource);
  for (auto it = resources_.begin(); it != resources_.end(); ++it) {
    if (atomic) {
      if (sameResource(*it, resource)) {
        resources_.erase(it);
        return;
      }
    } else if (sameIdentity(*it, resource)) {
      subtractValue(&*it, resource);
      if (isEmpty(*it)) resources_.erase(it);
      return;
    }
  }
}

bool Resources::contains(const Resource& resource) const {
  const bool atomic = isAtomic(resource);
  for (const Resource& existing : resources_) {
    if (atomic ? sameResource(existing, resource)
               : sameIdentity(existing, resource) && containsValue(existing, resource)) {
      return true;
    }
  }
  return false;
}

bool Resources::contains(const Resources& that) const {
  // Take each resource away once found, so two copies of an atomic resource need two.
  Resources remaining = *this;
  for (const Resource& resource : that.resources_) {
    if (!remaining.contains(resource)) return false;
    remaining.subtract(resource);
  }
  return true;
}

Resources& Resources::operator+=(const Resources& that) {
  if (this == &that) {
    Resources copy = that;
    return *this += copy;
  }
  for (const Resource& resource : that.resources_)
    add(resource);
  return *this;
}

Resources& Resources::operator-=(const Resources& that) {
  if (this == &that) {
    resources_.clear();
    return *this;
  }
  for (const Resource& resource : that.resources_)
    subtract(resource);
  return *this;
}

bool operator==(const Resources& left, const Resources& right) {
  return left.size() == right.size() && left.contains(right) && right.contains(left);
}

// ---------------------------------------------------------------------------
// Views.

Resources Resources::filter(const std::function<bool(const Resource&)>& predicate) const {
  Resources result;
  for (const Resource& resource : resources_) {
    if (predicate(resource)) result.resources_.push_back(resource);
  }
  return result;
}

Resources Resources::reserved(std::optional<std::string_view> role) const {
  return filter([&](const Resource& resource) {
    return !isUnreserved(resource) && (!role || reservationRole(resource) == *role);
  });
}

Resources Resources::unreserved() const {
  return filter(isUnreserved);
}

Resources Resources::allocatableTo(std::string_view role) const {
  return filter([&](const Resource& resource) {
    const std::string_view reservedTo = reservationRole(resource);
    return isUnreserved(resource) || reservedTo == role || isStrictSubrole(role, reservedTo);
  });
}

std::optional<double> Resources::scalar(std::string_view name) const {
  std::optional<Value::Scalar> total;
  for (const Resource& resource : resources_) {
    if (resource.name() == name && resource.type() == Value::SCALAR) {
      total = values::add(total.value_or(Value::Scalar()), resource.scalar());
    }
  }
  if (!total) return std::nullopt;
  return total->value();
}

std::optional<Value::Ranges> Resources::ports() const {
  std::optional<Value::Ranges> total;
  for (const Resource& resource : resources_) {
    if (resource.name() == "ports" && resource.type() == Value::RANGES) {
      total = values::add(total.value_or(Value::Ranges()), resource.ranges());
    }
  }
  return total;
}

Result<void> validateCommandLineResources(const Resources& resources) {
  for (const Resource& resource : resources) {
    const std::string name = "resource " + values::quote(resource.name());
    if (resource.has_disk() && resource.disk().has_persistence()) {
      return Error(name + ": persistent volumes cannot be given on the command line");
    }
    if (resource.has_revocable()) {
      return Error(name + ": revocable resources cannot be given on the command line");
    }
    for (const Resource::ReservationInfo& reservation : resource.reservations()) {
      if (reservation.type() == Resource::ReservationInfo::DYNAMIC) {
        return Error(name + ": dynamic reservations cannot be given on the command line");
      }
    }
  }
  return success();
}

Resources Resources::withAllocation(std::string_view role) const {
  Resources result;
  for (Resource resource : resources_) {
    if (role.empty()) {
      resource.clear_allocation_info();
    } else {
      resource.mutable_allocation_info()->set_role(std::string(role));
    }
    result.add(resource);  // clearing may make two resources one
  }
  return result;
}

}  // namespace mesolite
