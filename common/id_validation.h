// What a client may name things, checked before anything is stored: Mesos's rules for
// ids (src/common/validation.cpp and src/slave/validation.cpp in the Mesos sources), and
// Mesolite's caps on names, labels and other client strings, so no id can become a path
// and no string a megabyte of state. Errors name the field and, shortened, the value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite {

// Mesos's limit (NAME_MAX): an id is one path component on the agent.
inline constexpr size_t kMaxIdBytes = 255;
// Mesos's limit for a container id (MAX_CONTAINER_ID_LENGTH).
inline constexpr size_t kMaxContainerIdBytes = 242;
// Mesolite's caps (Mesos has none): generous for any framework seen in practice, small
// enough that tens of thousands of tasks stay a bounded state.
inline constexpr size_t kMaxNameBytes = 4096;             // task and framework names
inline constexpr size_t kMaxStringBytes = 4096;           // user, hostname, principal, webui_url
inline constexpr size_t kMaxLabels = 256;                 // labels of one object
inline constexpr size_t kMaxLabelBytes = 4096;            // one label's key or value
inline constexpr size_t kMaxLabelsTotalBytes = 64 << 10;  // all labels of one object

// Mesos's id rules: not empty, at most 255 bytes, not "." or "..", no control character,
// no '/' or '\\'. `field` names it in the error ("task_id.value").
Result<void> validateId(std::string_view field, const std::string& id);

// validateId and Mesos's container rules: at most 242 bytes, no '.' (it separates nested
// container ids) and no space.
Result<void> validateContainerId(std::string_view field, const std::string& id);

// A name: at most kMaxNameBytes, no NUL (C APIs and logs would cut it). Empty is allowed
// here; callers that need one say so.
Result<void> validateName(std::string_view field, const std::string& name);

// Any other client string: at most `maxBytes`, no NUL.
Result<void> validateString(std::string_view field, const std::string& value,
                            size_t maxBytes = kMaxStringBytes);

// At most kMaxLabels labels, each key and value at most kMaxLabelBytes, all of them at
// most kMaxLabelsTotalBytes. `field` is the Labels' path ("task.labels").
Result<void> validateLabels(std::string_view field, const mesos::v1::Labels& labels);

}  // namespace mesolite
