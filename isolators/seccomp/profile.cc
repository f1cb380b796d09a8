#include "isolators/seccomp/profile.h"

#include <linux/capability.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace mesolite::isolation::seccomp {

namespace {

using nlohmann::json;

// ---- Vocabulary: actions, operators, capabilities, architectures ----------------------

// Tables read better aligned.
// clang-format off
constexpr std::array<std::pair<std::string_view, Action::Kind>, 8> kActions{{
    {"SCMP_ACT_ALLOW", Action::Kind::kAllow}, {"SCMP_ACT_ERRNO", Action::Kind::kErrno},
    {"SCMP_ACT_KILL", Action::Kind::kKillThread},
    {"SCMP_ACT_KILL_THREAD", Action::Kind::kKillThread},
    {"SCMP_ACT_KILL_PROCESS", Action::Kind::kKillProcess}, {"SCMP_ACT_TRAP", Action::Kind::kTrap},
    {"SCMP_ACT_TRACE", Action::Kind::kTrace}, {"SCMP_ACT_LOG", Action::Kind::kLog}}};

constexpr std::array<std::pair<std::string_view, ArgumentCheck::Op>, 7> kOperators{{
    {"SCMP_CMP_NE", ArgumentCheck::Op::kNotEqual}, {"SCMP_CMP_LT", ArgumentCheck::Op::kLess},
    {"SCMP_CMP_LE", ArgumentCheck::Op::kLessOrEqual}, {"SCMP_CMP_EQ", ArgumentCheck::Op::kEqual},
    {"SCMP_CMP_GE", ArgumentCheck::Op::kGreaterOrEqual},
    {"SCMP_CMP_GT", ArgumentCheck::Op::kGreater},
    {"SCMP_CMP_MASKED_EQ", ArgumentCheck::Op::kMaskedEqual}}};

#define CAPABILITY(name) std::pair<std::string_view, int>(#name, name)
constexpr std::array kCapabilities{
    CAPABILITY(CAP_CHOWN), CAPABILITY(CAP_DAC_OVERRIDE), CAPABILITY(CAP_DAC_READ_SEARCH),
    CAPABILITY(CAP_FOWNER), CAPABILITY(CAP_FSETID), CAPABILITY(CAP_KILL), CAPABILITY(CAP_SETGID),
    CAPABILITY(CAP_SETUID), CAPABILITY(CAP_SETPCAP), CAPABILITY(CAP_LINUX_IMMUTABLE),
    CAPABILITY(CAP_NET_BIND_SERVICE), CAPABILITY(CAP_NET_BROADCAST), CAPABILITY(CAP_NET_ADMIN),
    CAPABILITY(CAP_NET_RAW), CAPABILITY(CAP_IPC_LOCK), CAPABILITY(CAP_IPC_OWNER),
    CAPABILITY(CAP_SYS_MODULE), CAPABILITY(CAP_SYS_RAWIO), CAPABILITY(CAP_SYS_CHROOT),
    CAPABILITY(CAP_SYS_PTRACE), CAPABILITY(CAP_SYS_PACCT), CAPABILITY(CAP_SYS_ADMIN),
    CAPABILITY(CAP_SYS_BOOT), CAPABILITY(CAP_SYS_NICE), CAPABILITY(CAP_SYS_RESOURCE),
    CAPABILITY(CAP_SYS_TIME), CAPABILITY(CAP_SYS_TTY_CONFIG), CAPABILITY(CAP_MKNOD),
    CAPABILITY(CAP_LEASE), CAPABILITY(CAP_AUDIT_WRITE), CAPABILITY(CAP_AUDIT_CONTROL),
    CAPABILITY(CAP_SETFCAP), CAPABILITY(CAP_MAC_OVERRIDE), CAPABILITY(CAP_MAC_ADMIN),
    CAPABILITY(CAP_SYSLOG), CAPABILITY(CAP_WAKE_ALARM), CAPABILITY(CAP_BLOCK_SUSPEND),
    CAPABILITY(CAP_AUDIT_READ), CAPABILITY(CAP_PERFMON), CAPABILITY(CAP_BPF),
    CAPABILITY(CAP_CHECKPOINT_RESTORE)};
#undef CAPABILITY

// An architecture as profiles name it: "SCMP_ARCH_*" in architectures/archMap, Go's
// names in includes/excludes "arches". Token 0: libseccomp 2.5 does not know it.
struct Architecture {
  std::string_view scmpName;
  std::string_view goName;
  uint32_t token;
};
constexpr std::array<Architecture, 20> kArchitectures{{
    {"SCMP_ARCH_X86", "x86", SCMP_ARCH_X86}, {"SCMP_ARCH_X86_64", "amd64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", "x32", SCMP_ARCH_X32}, {"SCMP_ARCH_ARM", "arm", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", "arm64", SCMP_ARCH_AARCH64}, {"SCMP_ARCH_MIPS", "mips", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", "mips64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", "mips64n32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", "mipsel", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", "mipsel64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", "ppc", SCMP_ARCH_PPC}, {"SCMP_ARCH_PPC64", "ppc64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", "ppc64le", SCMP_ARCH_PPC64LE}, {"SCMP_ARCH_S390", "s390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", "s390x", SCMP_ARCH_S390X}, {"SCMP_ARCH_PARISC", "parisc", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", "parisc64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", "riscv64", SCMP_ARCH_RISCV64}, {"SCMP_ARCH_LOONGARCH64", "loong64", 0}}};

// The native architecture, then the ABIs its kernel also runs (and reports to seccomp).
constexpr std::array<std::array<uint32_t, 3>, 9> kCompanions{{
    {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32}, {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, 0},
    {SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64N32},
    {SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64},
    {SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64N32},
    {SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64},
    {SCMP_ARCH_PPC64, SCMP_ARCH_PPC, 0}, {SCMP_ARCH_S390X, SCMP_ARCH_S390, 0},
    {SCMP_ARCH_PARISC64, SCMP_ARCH_PARISC, 0}}};

constexpr std::array<std::pair<std::string_view, uint32_t>, 3> kFlags{{
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW}}};
// clang-format on

bool isCompanion(uint32_t arch) {
  for (const auto& [native, first, second] : kCompanions) {
    if (native == seccomp_arch_native() && arch != 0 && (arch == first || arch == second)) {
      return true;
    }
  }
  return false;
}

template <typename Table>
auto lookUp(const Table& table, std::string_view name) -> const typename Table::value_type* {
  auto found = std::find_if(table.begin(), table.end(),
                            [&](const auto& entry) { return entry.first == name; });
  return found == table.end() ? nullptr : &*found;
}

const Architecture* architectureNamed(std::string_view scmpName) {
  for (const Architecture& arch : kArchitectures) {
    if (arch.scmpName == scmpName) return &arch;
  }
  return nullptr;
}

std::string_view nativeGoName() {
  for (const Architecture& arch : kArchitectures) {
    if (arch.token == seccomp_arch_native()) return arch.goName;
  }
  return "unknown";
}

std::string inQuotes(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// The first failure among fields read together, so that reading them is one step.
template <typename... Results>
std::optional<Error> firstError(const Results&... results) {
  std::optional<Error> error;
  ((error = error ? error : results ? std::nullopt : std::optional<Error>(results.error())), ...);
  return error;
}

// ---- Reading JSON fields: a missing key and null are the same (Go's decoding) --------

std::string field(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

const json* member(const json& object, std::string_view key) {
  auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

Error wrongType(const std::string& path, const json& value, std::string_view expected) {
  return Error(path + ": expected " + std::string(expected) + ", got " + value.type_name());
}

Result<void> refuseUnknownKeys(const json& object, const std::string& path,
                               std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Error((path.empty() ? "" : path + ": ") + "unknown key " + inQuotes(key));
    }
  }
  return success();
}

Result<std::string> stringAt(const json& object, std::string_view key, const std::string& path) {
  const json* value = member(object, key);
  if (value == nullptr) return std::string();
  if (!value->is_string()) return wrongType(field(path, key), *value, "a string");
  return value->get<std::string>();
}

Result<std::vector<std::string>> stringsAt(const json& object, std::string_view key,
                                           const std::string& path) {
  std::vector<std::string> strings;
  const json* value = member(object, key);
  if (value == nullptr) return strings;
  if (!value->is_array()) return wrongType(field(path, key), *value, "an array of strings");
  for (std::size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if (!item.is_string()) return wrongType(element(field(path, key), i), item, "a string");
    strings.push_back(item.get<std::string>());
  }
  return strings;
}

Result<std::optional<uint64_t>> unsignedAt(const json& object, std::string_view key,
                                           const std::string& path) {
  const json* value = member(object, key);
  if (value == nullptr) return std::optional<uint64_t>();
  if (!value->is_number_unsigned()) {
    return wrongType(field(path, key), *value, "an unsigned integer");
  }
  return std::optional<uint64_t>(value->get<uint64_t>());
}

// ---- The parts of a profile ------------------------------------------------------------

// `data` is errnoRet / defaultErrnoRet, read from `dataPath`.
Result<Action> parseAction(const std::string& name, const std::string& path,
                           std::optional<uint64_t> data, const std::string& dataPath) {
  if (name.empty()) return Error(path + ": missing");
  if (name == "SCMP_ACT_NOTIFY") {
    return Error(path + ": " + inQuotes(name) + " is not supported (no seccomp notify agent)");
  }
  const auto* known = lookUp(kActions, name);
  if (known == nullptr) return Error(path + ": unknown action " + inQuotes(name));
  Action action{known->second, 0};
  const bool takesData = action.kind == Action::Kind::kErrno || action.kind == Action::Kind::kTrace;
  if (data && !takesData) {
    return Error(dataPath + ": only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one");
  }
  // The kernel caps an errno at 4095 (MAX_ERRNO); a trace message is 16 bits.
  const uint64_t limit = action.kind == Action::Kind::kErrno ? 4095 : 0xffff;
  if (data && *data > limit) {
    return Error(dataPath + ": " + std::to_string(*data) + " is above " + std::to_string(limit));
  }
  if (takesData) action.data = data ? uint16_t(*data) : uint16_t(EPERM);
  return action;
}

bool permits(const Action& action) {
  return action.kind == Action::Kind::kAllow || action.kind == Action::Kind::kLog;
}

Result<KernelVersion> parseKernelVersion(const std::string& text, const std::string& path) {
  KernelVersion version;
  const char* end = text.data() + text.size();
  auto [afterKernel, kernelError] = std::from_chars(text.data(), end, version.kernel);
  bool valid = kernelError == std::errc() && afterKernel != end && *afterKernel == '.';
  if (valid) {
    auto [afterMajor, majorError] = std::from_chars(afterKernel + 1, end, version.major);
    valid = majorError == std::errc() && afterMajor == end;
  }
  if (!valid || version.kernel > 255 || version.major > 255 || version == KernelVersion{}) {
    return Error(path + ": invalid kernel version " + inQuotes(text) +
                 ", expected \"<kernel>.<major>\" such as \"4.8\"");
  }
  return version;
}

struct Filter {
  uint64_t capabilities = 0;
  std::vector<std::string> arches;
  std::optional<KernelVersion> minKernel;
};

Result<Filter> parseFilter(const json& rule, std::string_view key, const std::string& rulePath) {
  Filter filter;
  const std::string path = field(rulePath, key);
  const json* object = member(rule, key);
  if (object == nullptr) return filter;
  if (!object->is_object()) return wrongType(path, *object, "an object");
  if (auto known = refuseUnknownKeys(*object, path, {"caps", "arches", "minKernel"}); !known) {
    return known.error();
  }
  auto caps = stringsAt(*object, "caps", path);
  if (!caps) return caps.error();
  for (std::size_t i = 0; i < caps->size(); ++i) {
    const auto* capability = lookUp(kCapabilities, (*caps)[i]);
    if (capability == nullptr) {
      return Error(element(field(path, "caps"), i) + ": unknown capability " +
                   inQuotes((*caps)[i]));
    }
    filter.capabilities |= uint64_t(1) << capability->second;
  }
  auto arches = stringsAt(*object, "arches", path);
  if (!arches) return arches.error();
  for (std::size_t i = 0; i < arches->size(); ++i) {
    const std::string& arch = (*arches)[i];
    const bool known = arch == "mips3l64n32" ||  // Docker's spelling of mipsel64n32
                       std::any_of(kArchitectures.begin(), kArchitectures.end(),
                                   [&](const Architecture& a) { return a.goName == arch; });
    if (!known) {
      return Error(element(field(path, "arches"), i) + ": unknown architecture " + inQuotes(arch));
    }
  }
  filter.arches = std::move(*arches);
  auto minKernel = stringAt(*object, "minKernel", path);
  if (!minKernel) return minKernel.error();
  if (!minKernel->empty()) {
    auto version = parseKernelVersion(*minKernel, field(path, "minKernel"));
    if (!version) return version.error();
    filter.minKernel = *version;
  }
  return filter;
}

bool namesNative(const std::vector<std::string>& arches) {
  const std::string_view native = nativeGoName();
  return std::any_of(arches.begin(), arches.end(), [&](const std::string& arch) {
    return arch == native || (arch == "mips3l64n32" && native == "mipsel64n32");
  });
}

Result<std::vector<ArgumentCheck>> parseArguments(const json& rule, const std::string& rulePath) {
  std::vector<ArgumentCheck> checks;
  const std::string path = field(rulePath, "args");
  const json* args = member(rule, "args");
  if (args == nullptr) return checks;
  if (!args->is_array()) return wrongType(path, *args, "an array");
  for (std::size_t i = 0; i < args->size(); ++i) {
    const json& arg = (*args)[i];
    const std::string argPath = element(path, i);
    if (!arg.is_object()) return wrongType(argPath, arg, "an object");
    if (auto known = refuseUnknownKeys(arg, argPath, {"index", "value", "valueTwo", "op"});
        !known) {
      return known.error();
    }
    auto index = unsignedAt(arg, "index", argPath);
    auto value = unsignedAt(arg, "value", argPath);
    auto valueTwo = unsignedAt(arg, "valueTwo", argPath);
    auto op = stringAt(arg, "op", argPath);
    if (auto error = firstError(index, value, valueTwo, op)) return *error;
    if (!*index) return Error(field(argPath, "index") + ": missing");
    if (**index > 5) {
      return Error(field(argPath, "index") + ": " + std::to_string(**index) +
                   " is not an argument index (0-5)");
    }
    const auto* knownOp = lookUp(kOperators, *op);
    if (knownOp == nullptr) {
      return Error(field(argPath, "op") + ": " +
                   (op->empty() ? "missing" : "unknown operator " + inQuotes(*op)));
    }
    checks.push_back(
        {unsigned(**index), value->value_or(0), valueTwo->value_or(0), knownOp->second});
  }
  return checks;
}

// "syscalls[i]"; nullopt when the rule cannot apply on this architecture.
Result<std::optional<Rule>> parseRule(const json& entry, const std::string& path,
                                      std::size_t position, const Action& defaultAction) {
  if (!entry.is_object()) return wrongType(path, entry, "an object");
  if (auto known = refuseUnknownKeys(
          entry, path,
          {"names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"});
      !known) {
    return known.error();
  }
  Rule rule;
  rule.position = position;
  auto names = stringsAt(entry, "names", path);
  auto name = stringAt(entry, "name", path);
  auto comment = stringAt(entry, "comment", path);
  auto actionName = stringAt(entry, "action", path);
  auto errnoRet = unsignedAt(entry, "errnoRet", path);
  if (auto error = firstError(names, name, comment, actionName, errnoRet)) return *error;
  if (!name->empty() && !names->empty()) {
    return Error(path + ": both 'name' and 'names'; use 'names'");
  }
  if (!name->empty()) names->push_back(*name);
  if (names->empty()) return Error(field(path, "names") + ": no syscall named");
  auto action = parseAction(*actionName, field(path, "action"), *errnoRet, field(path, "errnoRet"));
  if (!action) return action.error();
  rule.action = *action;
  auto arguments = parseArguments(entry, path);
  if (!arguments) return arguments.error();
  rule.arguments = std::move(*arguments);
  auto includes = parseFilter(entry, "includes", path);
  if (!includes) return includes.error();
  auto excludes = parseFilter(entry, "excludes", path);
  if (!excludes) return excludes.error();
  rule.requiredCapabilities = includes->capabilities;
  rule.excludingCapabilities = excludes->capabilities;
  rule.minKernel = includes->minKernel;
  rule.droppedFromKernel = excludes->minKernel;
  if ((!includes->arches.empty() && !namesNative(includes->arches)) ||
      namesNative(excludes->arches)) {
    return std::optional<Rule>();
  }
  // A rule no stricter than the default may name syscalls this libseccomp (or this
  // architecture) lacks; a stricter one would silently not restrict them.
  const bool lenient = permits(rule.action) || rule.action == defaultAction;
  for (std::size_t i = 0; i < names->size(); ++i) {
    const std::string& syscall = (*names)[i];
    if (seccomp_syscall_resolve_name(syscall.c_str()) != __NR_SCMP_ERROR) {
      rule.syscalls.push_back(syscall);
    } else if (!lenient) {
      return Error((name->empty() ? element(field(path, "names"), i) : field(path, "name")) +
                   ": unknown syscall " + inQuotes(syscall) + " (libseccomp does not know it for " +
                   std::string(nativeGoName()) + ")");
    }
  }
  if (rule.syscalls.empty()) return std::optional<Rule>();
  return std::optional<Rule>(std::move(rule));
}

// The companion ABIs named by "architectures", or by the native entry of "archMap".
Result<std::vector<uint32_t>> parseArchitectures(const json& document) {
  const json* list = member(document, "architectures");
  const json* map = member(document, "archMap");
  if (list != nullptr && map != nullptr) {
    return Error("both 'architectures' and 'archMap'; use one");
  }
  std::vector<std::string> named;  // those that count: any listed, the native's sub-arches
  auto addNames = [&](const json& object, std::string_view key, const std::string& path,
                      bool consider) -> Result<void> {
    auto names = stringsAt(object, key, path);
    if (!names) return names.error();
    for (std::size_t i = 0; i < names->size(); ++i) {
      if (architectureNamed((*names)[i]) == nullptr) {
        return Error(element(field(path, key), i) + ": unknown architecture " +
                     inQuotes((*names)[i]));
      }
      if (consider) named.push_back((*names)[i]);
    }
    return success();
  };
  if (auto added = addNames(document, "architectures", "", true); !added) return added.error();
  if (map != nullptr) {
    if (!map->is_array()) return wrongType("archMap", *map, "an array");
    for (std::size_t i = 0; i < map->size(); ++i) {
      const json& entry = (*map)[i];
      const std::string path = element("archMap", i);
      if (!entry.is_object()) return wrongType(path, entry, "an object");
      auto known = refuseUnknownKeys(entry, path, {"architecture", "subArchitectures", "comment"});
      if (!known) return known.error();
      auto arch = stringAt(entry, "architecture", path);
      if (!arch) return arch.error();
      const Architecture* main = architectureNamed(*arch);
      if (main == nullptr) {
        return Error(field(path, "architecture") + ": unknown architecture " + inQuotes(*arch));
      }
      const bool native = main->token == seccomp_arch_native();
      if (auto added = addNames(entry, "subArchitectures", path, native); !added) {
        return added.error();
      }
    }
  }
  std::vector<uint32_t> companions;
  for (const std::string& name : named) {
    const uint32_t token = architectureNamed(name)->token;
    if (isCompanion(token) &&
        std::find(companions.begin(), companions.end(), token) == companions.end()) {
      companions.push_back(token);
    }
  }
  return companions;
}

Result<uint32_t> parseFlags(const json& document) {
  auto flags = stringsAt(document, "flags", "");
  if (!flags) return flags.error();
  uint32_t bits = 0;
  for (std::size_t i = 0; i < flags->size(); ++i) {
    const auto* known = lookUp(kFlags, (*flags)[i]);
    if (known == nullptr) {
      return Error(element("flags", i) + ": unsupported flag " + inQuotes((*flags)[i]));
    }
    bits |= known->second;
  }
  return bits;
}

// Rejects duplicate keys (nlohmann keeps the last one silently) while parsing.
struct DuplicateKey {
  std::string key;
};

Result<json> parseJson(std::string_view text) {
  std::vector<std::set<std::string>> keysOfOpenObjects;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keysOfOpenObjects.emplace_back();
    if (event == json::parse_event_t::object_end) keysOfOpenObjects.pop_back();
    if (event == json::parse_event_t::key &&
        !keysOfOpenObjects.back().insert(parsed.get<std::string>()).second) {
      throw DuplicateKey{parsed.get<std::string>()};
    }
    return true;
  };
  try {
    return json::parse(text, callback);
  } catch (const json::parse_error& error) {
    std::string what =
        error.what();  // "[json.exception.parse_error.101] parse error at line 1, ..."
    return Error("invalid JSON: " + what.erase(0, what.find(']') + 2));
  } catch (const DuplicateKey& duplicate) {
    return Error("duplicate key " + inQuotes(duplicate.key));
  } catch (const json::exception& error) {
    return Error(std::string("invalid JSON: ") + error.what());
  }
}

Result<Profile> parseDocument(const json& document) {
  if (!document.is_object()) return wrongType("profile", document, "an object");
  if (auto known =
          refuseUnknownKeys(document, "",
                            {"defaultAction", "defaultErrnoRet", "architectures", "archMap",
                             "syscalls", "flags", "listenerPath", "listenerMetadata", "comment"});
      !known) {
    return known.error();
  }
  Profile profile;
  for (std::string_view key : {"listenerPath", "listenerMetadata", "comment"}) {
    auto text = stringAt(document, key, "");
    if (!text) return text.error();
    if (key != "comment" && !text->empty()) {
      return Error(std::string(key) + ": seccomp notify agents are not supported");
    }
  }
  auto defaultName = stringAt(document, "defaultAction", "");
  if (!defaultName) return defaultName.error();
  auto defaultErrno = unsignedAt(document, "defaultErrnoRet", "");
  if (!defaultErrno) return defaultErrno.error();
  auto defaultAction = parseAction(*defaultName, "defaultAction", *defaultErrno, "defaultErrnoRet");
  if (!defaultAction) return defaultAction.error();
  profile.defaultAction = *defaultAction;
  auto companions = parseArchitectures(document);
  if (!companions) return companions.error();
  profile.companionArchitectures = std::move(*companions);
  auto flags = parseFlags(document);
  if (!flags) return flags.error();
  profile.installFlags = *flags;
  const json* syscalls = member(document, "syscalls");
  if (syscalls == nullptr) return profile;
  if (!syscalls->is_array()) return wrongType("syscalls", *syscalls, "an array");
  for (std::size_t i = 0; i < syscalls->size(); ++i) {
    auto rule = parseRule((*syscalls)[i], element("syscalls", i), i, profile.defaultAction);
    if (!rule) return rule.error();
    if (*rule) profile.rules.push_back(std::move(**rule));
  }
  return profile;
}

// ---- Compiling -------------------------------------------------------------------------

uint32_t toLibseccomp(const Action& action) {
  switch (action.kind) {
    case Action::Kind::kAllow:
      return SCMP_ACT_ALLOW;
    case Action::Kind::kErrno:
      return SCMP_ACT_ERRNO(action.data);
    case Action::Kind::kKillThread:
      return SCMP_ACT_KILL_THREAD;
    case Action::Kind::kKillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case Action::Kind::kTrap:
      return SCMP_ACT_TRAP;
    case Action::Kind::kTrace:
      return SCMP_ACT_TRACE(action.data);
    case Action::Kind::kLog:
      return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

// An ABI the profile does not list must not get around its denials.
uint32_t badArchitectureAction(const Action& defaultAction) {
  const bool denies = !permits(defaultAction) && defaultAction.kind != Action::Kind::kTrace;
  return denies ? toLibseccomp(defaultAction) : SCMP_ACT_ERRNO(ENOSYS);
}

Result<KernelVersion> runningKernel() {
  utsname host{};
  if (uname(&host) != 0) return Error::fromErrno("uname");
  // "6.1.0-18-amd64": the first two numbers.
  const std::string_view release = host.release;
  const char* end = release.data() + release.size();
  KernelVersion version;
  auto [afterKernel, kernelError] = std::from_chars(release.data(), end, version.kernel);
  if (kernelError == std::errc() && afterKernel != end && *afterKernel == '.' &&
      std::from_chars(afterKernel + 1, end, version.major).ec == std::errc()) {
    return version;
  }
  return Error("cannot read the kernel version from release " + inQuotes(release));
}

Result<bool> applies(const Rule& rule, uint64_t capabilities) {
  if ((capabilities & rule.requiredCapabilities) != rule.requiredCapabilities) return false;
  if ((capabilities & rule.excludingCapabilities) != 0) return false;
  if (!rule.minKernel && !rule.droppedFromKernel) return true;
  static const Result<KernelVersion> running = runningKernel();
  if (!running) return running.error();
  if (rule.minKernel && *running < *rule.minKernel) return false;
  return !(rule.droppedFromKernel && *running >= *rule.droppedFromKernel);
}

scmp_arg_cmp toLibseccomp(const ArgumentCheck& check) {
  static constexpr std::array<scmp_compare, 7> kOps{SCMP_CMP_NE,       SCMP_CMP_LT, SCMP_CMP_LE,
                                                    SCMP_CMP_EQ,       SCMP_CMP_GE, SCMP_CMP_GT,
                                                    SCMP_CMP_MASKED_EQ};
  return {check.index, kOps[std::size_t(check.op)], check.value, check.valueTwo};
}

using FilterContext = std::unique_ptr<void, decltype(&seccomp_release)>;

Result<void> addRule(const FilterContext& filter, const Rule& rule) {
  std::vector<scmp_arg_cmp> checks;
  std::set<unsigned> indices;
  for (const ArgumentCheck& check : rule.arguments) {
    checks.push_back(toLibseccomp(check));
    indices.insert(check.index);
  }
  const bool oneRulePerCheck = indices.size() < checks.size();
  for (const std::string& name : rule.syscalls) {
    const int syscall = seccomp_syscall_resolve_name(name.c_str());
    const uint32_t action = toLibseccomp(rule.action);
    int rc = 0;
    if (oneRulePerCheck) {
      for (std::size_t i = 0; i < checks.size() && rc == 0; ++i) {
        rc = seccomp_rule_add_array(filter.get(), action, syscall, 1, &checks[i]);
      }
    } else {
      rc = seccomp_rule_add_array(filter.get(), action, syscall, checks.size(), checks.data());
    }
    if (rc != 0) {
      return Error::fromErrno(element("syscalls", rule.position) +
                                  ": libseccomp refused the rule for " + inQuotes(name),
                              -rc);
    }
  }
  return success();
}

Result<std::string> readExported(const FilterContext& filter, int fd) {
  if (int rc = seccomp_export_bpf(filter.get(), fd); rc != 0) {
    return Error::fromErrno("seccomp_export_bpf", -rc);
  }
  const off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0) return Error::fromErrno("lseek on the exported program");
  std::string program(std::size_t(size), '\0');
  for (std::size_t done = 0; done < program.size();) {
    const ssize_t got = pread(fd, program.data() + done, program.size() - done, off_t(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return Error::fromErrno("reading the exported program", got == 0 ? EIO : errno);
    done += std::size_t(got);
  }
  const std::size_t instructions = program.size() / sizeof(sock_filter);
  if (program.size() % sizeof(sock_filter) != 0 || instructions == 0) {
    return Error("libseccomp exported " + std::to_string(program.size()) +
                 " bytes, not a whole BPF program");
  }
  if (instructions > BPF_MAXINSNS) {
    return Error("the program has " + std::to_string(instructions) +
                 " instructions, above the kernel's limit of " + std::to_string(BPF_MAXINSNS));
  }
  return program;
}

Result<std::string> exportProgram(const FilterContext& filter) {
  const int fd = memfd_create("mesolite-seccomp", MFD_CLOEXEC);
  if (fd < 0) return Error::fromErrno("memfd_create");
  Result<std::string> program = readExported(filter, fd);
  close(fd);
  return program;
}

Result<std::string> compileFilter(const Profile& profile, uint64_t capabilities) {
  FilterContext filter(seccomp_init(toLibseccomp(profile.defaultAction)), &seccomp_release);
  if (!filter) return Error("seccomp_init refused the default action");
  if (int rc = seccomp_attr_set(filter.get(), SCMP_FLTATR_ACT_BADARCH,
                                badArchitectureAction(profile.defaultAction));
      rc != 0) {
    return Error::fromErrno("setting the bad-architecture action", -rc);
  }
  // A binary search over syscall numbers instead of a linear list: long allow-lists cost
  // a few comparisons per syscall instead of hundreds.
  if (int rc = seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc != 0) {
    return Error::fromErrno("choosing the binary-tree layout", -rc);
  }
  for (uint32_t arch : profile.companionArchitectures) {
    if (int rc = seccomp_arch_add(filter.get(), arch); rc != 0 && rc != -EEXIST) {
      return Error::fromErrno("adding architecture " + std::to_string(arch), -rc);
    }
  }
  for (const Rule& rule : profile.rules) {
    auto applicable = applies(rule, capabilities);
    if (!applicable) return applicable.error();
    // libseccomp refuses rules that repeat the default action (EACCES); they change nothing.
    if (!*applicable || rule.action == profile.defaultAction) continue;
    if (auto added = addRule(filter, rule); !added) return added.error();
  }
  return exportProgram(filter);
}

}  // namespace

Result<Profile> parseProfile(std::string_view json, const std::string& origin) {
  auto document = parseJson(json);
  if (!document) return document.error().wrap(origin);
  auto profile = parseDocument(*document);
  if (!profile) return profile.error().wrap(origin);
  profile->origin = origin;
  return profile;
}

uint64_t mentionedCapabilities(const Profile& profile) {
  uint64_t mentioned = 0;
  for (const Rule& rule : profile.rules) {
    mentioned |= rule.requiredCapabilities | rule.excludingCapabilities;
  }
  return mentioned;
}

Result<std::string> compile(const Profile& profile, uint64_t capabilities) {
  auto program = compileFilter(profile, capabilities);
  if (!program) return program.error().wrap(profile.origin);
  return program;
}

}  // namespace mesolite::isolation::seccomp
