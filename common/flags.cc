#include "common/flags.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace mesolite {

namespace {

std::string normalise(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    c = c == '-' ? '_' : c;
  return out;
}

template <typename T>
Result<T> parseInteger(std::string_view text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return Error("'" + std::string(text) + "' is out of range");
  }
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return Error("'" + std::string(text) + "' is not an integer");
  }
  return value;
}

// `file:///etc/mesos-slave/resources` means "the contents of that file".
Result<std::string> resolveFileValue(const std::string& value) {
  constexpr std::string_view kPrefix = "file://";
  if (value.rfind(kPrefix, 0) != 0) return value;
  const std::string path = value.substr(kPrefix.size());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::fromErrno("cannot read " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

// How an error names where a value came from: "--name", or "--name (from /path)" for a
// file:// value, so that mesos-init-wrapper's flag files are named by the messages.
std::string describeSource(std::string source, const std::string& value) {
  constexpr std::string_view kPrefix = "file://";
  if (value.rfind(kPrefix, 0) == 0) source += " (from " + value.substr(kPrefix.size()) + ")";
  return source;
}

// Wraps `text` to `width` columns, each line indented by `indent`.
std::string wrap(const std::string& text, size_t indent, size_t width) {
  std::string out;
  size_t column = indent;
  std::istringstream words(text);
  std::string word;
  bool first = true;
  while (words >> word) {
    if (!first && column + 1 + word.size() > width) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    first = false;
  }
  return out;
}

}  // namespace

Result<bool> parseFlagValue(std::string_view text, bool*) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return Error("'" + std::string(text) + "' is not a boolean (use true or false)");
}
Result<int32_t> parseFlagValue(std::string_view text, int32_t*) {
  return parseInteger<int32_t>(text);
}
Result<int64_t> parseFlagValue(std::string_view text, int64_t*) {
  return parseInteger<int64_t>(text);
}
Result<uint32_t> parseFlagValue(std::string_view text, uint32_t*) {
  return parseInteger<uint32_t>(text);
}
Result<uint64_t> parseFlagValue(std::string_view text, uint64_t*) {
  return parseInteger<uint64_t>(text);
}
Result<double> parseFlagValue(std::string_view text, double*) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() ||
      !std::isfinite(value)) {
    return Error("'" + std::string(text) + "' is not a number");
  }
  return value;
}
Result<std::string> parseFlagValue(std::string_view text, std::string*) {
  return std::string(text);
}
Result<Duration> parseFlagValue(std::string_view text, Duration*) {
  return Duration::parse(text);
}
Result<Bytes> parseFlagValue(std::string_view text, Bytes*) {
  return Bytes::parse(text);
}

std::string formatFlagValue(bool value) {
  return value ? "true" : "false";
}
std::string formatFlagValue(double value) {
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof(text), value);  // shortest exact form
  return std::string(text, end);
}
std::string formatFlagValue(const std::string& value) {
  return value;
}
std::string formatFlagValue(const Duration& value) {
  return value.toString();
}
std::string formatFlagValue(const Bytes& value) {
  return value.toString();
}

Result<void> validatePort(const std::string& text) {
  auto port = parseFlagValue(text, static_cast<uint32_t*>(nullptr));
  if (port && *port > 65535) return Error("port " + text + " is out of range (0-65535)");
  return success();
}

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

Flag& FlagSet::define(std::string name, std::string help, bool isBool) {
  Flag& flag = flags_.emplace_back();
  flag.name = std::move(name);
  flag.help = std::move(help);
  flag.isBool = isBool;
  return flag;
}

const Flag* FlagSet::flagOf(const void* target) const {
  for (const Flag& flag : flags_) {
    if (flag.target == target) return &flag;
  }
  return nullptr;
}

Result<void> refuseUnhonouredFlags(const FlagSet& set,
                                   std::initializer_list<UnhonouredFlag> flags) {
  for (const UnhonouredFlag& unhonoured : flags) {
    const Flag* flag = set.flagOf(unhonoured.target);
    if (flag == nullptr) return Error("refuseUnhonouredFlags: a member that is no flag");
    const std::optional<std::string> value = flag->current();
    if (value == flag->defaultText) continue;
    // Named by where it came from too, when that was a file or the environment.
    const std::string source = set.describe(unhonoured.target);
    const std::string where = source == "--" + flag->name ? "" : source + ": ";
    return Error(where + "--" + flag->name + "=" + value.value_or("") +
                 " is not supported by this build: " + std::string(unhonoured.why) +
                 "; remove the flag");
  }
  return success();
}

Flag* FlagSet::find(std::string_view name) {
  for (Flag& flag : flags_) {
    if (flag.name == name) return &flag;
    for (const std::string& alias : flag.aliases) {
      if (alias == name) return &flag;
    }
  }
  return nullptr;
}

void FlagSet::refuse(std::span<const RefusedFlag> flags) {
  refused_.push_back(flags);
}

std::vector<RefusedFlag> FlagSet::refusedFlags() const {
  std::vector<RefusedFlag> all;
  for (const auto& table : refused_)
    all.insert(all.end(), table.begin(), table.end());
  std::sort(all.begin(), all.end(),
            [](const RefusedFlag& a, const RefusedFlag& b) { return a.name < b.name; });
  return all;
}

const RefusedFlag* FlagSet::findRefused(std::string_view name) const {
  for (const auto& table : refused_) {
    for (const RefusedFlag& flag : table) {
      if (flag.name == name) return &flag;
    }
  }
  return nullptr;
}

namespace {

Error refusal(const std::string& program, const std::string& source, const RefusedFlag& flag) {
  return Error(source + " is a Mesos flag " + program +
               " does not support: " + std::string(flag.why) + "; " + std::string(flag.instead));
}

}  // namespace

Result<void> FlagSet::load(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& environment) {
  struct Given {
    std::string value;
    std::string source;  // "--name" or "MESOS_NAME", for error messages
  };
  std::map<Flag*, Given> given;

  for (const auto& [variable, value] : environment) {
    constexpr std::string_view kPrefix = "MESOS_";
    if (variable.rfind(kPrefix, 0) != 0) continue;
    std::string name = variable.substr(kPrefix.size());
    for (char& c : name)
      c = char(std::tolower(uint8_t(c)));
    // Unknown MESOS_* variables are ignored, as in Mesos: they may be meant for
    // another program sharing the environment. A Mesos flag this one refuses is not.
    name = normalise(name);
    if (Flag* flag = find(name)) {
      given[flag] = {value, describeSource(variable, value)};
    } else if (const RefusedFlag* refused = findRefused(name)) {
      return refusal(program_, describeSource(variable, value), *refused);
    }
  }

  std::map<Flag*, std::string> fromCommandLine;
  for (const std::string& arg : args) {
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return Error("unexpected argument '" + arg + "' (flags are written --name=value)");
    }
    const size_t eq = arg.find('=');
    std::string name =
        normalise(std::string_view(arg).substr(2, eq == std::string::npos ? arg.npos : eq - 2));
    std::optional<std::string> value;
    if (eq != std::string::npos) value = arg.substr(eq + 1);

    if (name == "help" || name == "version") {
      (name == "help" ? helpRequested_ : versionRequested_) =
          !value || *value == "true" || *value == "1";
      continue;
    }
    Flag* flag = find(name);
    if (flag == nullptr && !value && name.rfind("no_", 0) == 0) {
      Flag* negated = find(name.substr(3));
      if (negated != nullptr && negated->isBool) {
        flag = negated;
        value = "false";
      }
    }
    if (flag == nullptr) {
      const RefusedFlag* refused = findRefused(name);
      if (refused == nullptr && !value && name.rfind("no_", 0) == 0)
        refused = findRefused(name.substr(3));
      if (refused != nullptr) {
        return refusal(program_,
                       describeSource("--" + std::string(refused->name), value.value_or("")),
                       *refused);
      }
      return Error("unknown flag " +
                   describeSource("'" + arg.substr(0, eq) + "'", value.value_or("")));
    }
    if (!value) {
      if (!flag->isBool)
        return Error("flag '--" + flag->name + "' needs a value (--" + flag->name + "=VALUE)");
      value = "true";
    }
    if (fromCommandLine.count(flag) != 0) {
      return Error("flag '--" + flag->name + "' is given more than once");
    }
    fromCommandLine[flag] = arg;
    given[flag] = {*value, describeSource("--" + flag->name, *value)};
  }
  if (helpRequested_ || versionRequested_) return success();

  std::vector<std::function<void()>> stores;
  for (Flag& flag : flags_) {
    auto it = given.find(&flag);
    if (it == given.end()) {
      if (flag.isRequired) {
        return Error("missing required flag --" + flag.name + " (or MESOS_" + [&] {
          std::string upper = flag.name;
          for (char& c : upper)
            c = char(std::toupper(uint8_t(c)));
          return upper;
        }() + ")");
      }
      continue;
    }
    const Given& g = it->second;
    // A path flag names its file (Mesos's Path flags): file:// is only a prefix to drop,
    // and the file is read by the daemon, so its contents never show in /flags.
    Result<std::string> text = flag.isPath && g.value.rfind("file://", 0) == 0
                                   ? Result<std::string>(g.value.substr(7))
                                   : resolveFileValue(g.value);
    if (!text) return text.error().wrap("invalid value for " + g.source);
    auto store = flag.parse(*text);
    if (!store) return store.error().wrap("invalid value for " + g.source);
    if (flag.validator) {
      if (auto valid = flag.validator(*text); !valid) {
        return valid.error().wrap("invalid value for " + g.source);
      }
    }
    stores.push_back(std::move(*store));
  }
  for (auto& store : stores)
    store();
  sources_.clear();
  for (const auto& [flag, g] : given)
    sources_[flag] = g.source;
  return success();
}

bool FlagSet::given(const void* target) const {
  const Flag* flag = flagOf(target);
  return flag != nullptr && sources_.contains(flag);
}

std::string FlagSet::describe(const void* target) const {
  const Flag* flag = flagOf(target);
  if (flag == nullptr) return "(not a flag)";
  auto source = sources_.find(flag);
  return source == sources_.end() ? "--" + flag->name : source->second;
}

Result<void> FlagSet::load(int argc, const char* const* argv, const char* const* envp) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::map<std::string, std::string> environment;
  for (const char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string_view::npos) {
      environment.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return load(args, environment);
}

std::vector<const Flag*> FlagSet::sortedFlags() const {
  std::vector<const Flag*> sorted;
  for (const Flag& flag : flags_)
    sorted.push_back(&flag);
  std::sort(sorted.begin(), sorted.end(),
            [](const Flag* a, const Flag* b) { return a->name < b->name; });
  return sorted;
}

std::string FlagSet::usage() const {
  std::ostringstream out;
  out << "Usage: " << program_ << " [options]\n\n" << wrap(summary_, 0, 80) << "\n\n";
  auto describe = [&](const std::string& left, const std::string& help) {
    constexpr size_t kColumn = 34;
    out << "  " << left;
    if (left.size() + 2 >= kColumn) {
      out << "\n" << std::string(kColumn, ' ');
    } else {
      out << std::string(kColumn - 2 - left.size(), ' ');
    }
    out << wrap(help, kColumn, 100) << "\n";
  };
  describe("--[no-]help", "Prints this help message (default: false)");
  describe("--[no-]version", "Prints the version and exits (default: false)");
  for (const Flag* flag : sortedFlags()) {
    std::string left = flag->isBool ? "--[no-]" + flag->name : "--" + flag->name + "=VALUE";
    std::string help = flag->help;
    if (flag->isRequired) help += " (required)";
    if (flag->defaultText && !flag->defaultText->empty()) {
      help += " (default: " + *flag->defaultText + ")";
    }
    for (const std::string& alias : flag->aliases)
      help += " (alias: --" + alias + ")";
    describe(left, help);
  }
  out << "\nEvery flag may also be given as an environment variable MESOS_<NAME>; a value\n"
         "file:///path is read from that file.\n";
  if (!refused_.empty()) {
    out << "\nMesos flags this program refuses at start (why and what instead: man " << program_
        << "):\n";
    std::string names;
    for (const RefusedFlag& flag : refusedFlags())
      names += (names.empty() ? "" : " ") + std::string(flag.name);
    out << "  " << wrap(names, 2, 100) << "\n";
  }
  return out.str();
}

std::map<std::string, std::string> FlagSet::values() const {
  std::map<std::string, std::string> out;
  for (const Flag& flag : flags_) {
    if (auto value = flag.current()) out[flag.name] = *value;
  }
  return out;
}

}  // namespace mesolite
