// Command-line flags with Mesos's semantics: `--name=value`, `--name` / `--no-name` for
// booleans, `MESOS_NAME` environment variables (the command line wins), `file:///path`
// values read from a file, dashes and underscores interchangeable in names. One
// definition per flag gives parsing, `--help`, the /flags endpoint and the man pages.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/units.h"

namespace mesolite {

// Turns a flag's text into a value; one overload per supported type.
Result<bool> parseFlagValue(std::string_view text, bool*);
Result<int32_t> parseFlagValue(std::string_view text, int32_t*);
Result<int64_t> parseFlagValue(std::string_view text, int64_t*);
Result<uint32_t> parseFlagValue(std::string_view text, uint32_t*);
Result<uint64_t> parseFlagValue(std::string_view text, uint64_t*);
Result<double> parseFlagValue(std::string_view text, double*);
Result<std::string> parseFlagValue(std::string_view text, std::string*);
Result<Duration> parseFlagValue(std::string_view text, Duration*);
Result<Bytes> parseFlagValue(std::string_view text, Bytes*);

std::string formatFlagValue(bool value);
std::string formatFlagValue(double value);
std::string formatFlagValue(const std::string& value);
std::string formatFlagValue(const Duration& value);
std::string formatFlagValue(const Bytes& value);
template <typename T>
std::string formatFlagValue(const T& value) requires std::is_integral_v<T> {
  return std::to_string(value);
}

// A validator for port flags: 0-65535.
Result<void> validatePort(const std::string& text);

struct Flag {
  std::string name;
  std::vector<std::string> aliases;
  std::string help;
  std::optional<std::string> defaultText;  // shown by --help; nullopt: no default
  bool isBool = false;
  bool isRequired = false;
  bool isPath = false;
  const void* target = nullptr;  // the variable it sets, to find it by member

  // Parses the text; the returned action stores it (so a bad flag stores nothing).
  std::function<Result<std::function<void()>>(std::string_view)> parse;
  std::function<std::optional<std::string>()> current;  // nullopt: unset
  std::function<Result<void>(const std::string&)> validator;

  Flag& alias(std::string name) {
    aliases.push_back(std::move(name));
    return *this;
  }
  Flag& required() {
    isRequired = true;
    return *this;
  }
  // The value is a path (file:///path or /path) the daemon reads itself, as Mesos's
  // Path flags are: the file's contents (credentials, say) never become the value.
  Flag& path() {
    isPath = true;
    return *this;
  }
  // Checks the text beyond its type, e.g. that --resources parses as resources.
  Flag& validate(std::function<Result<void>(const std::string&)> check) {
    validator = std::move(check);
    return *this;
  }
};

// A Mesos flag a program does not carry: given at all (command line, MESOS_<NAME>, or a
// file:// value), it stops the program naming it, why, and what to do instead, so a
// configuration written for Mesos never loses a setting silently.
struct RefusedFlag {
  std::string_view name;
  std::string_view why;      // what is missing, e.g. "the network/cni isolator is not built"
  std::string_view instead;  // e.g. "remove it; tasks share the host's network"
};

class FlagSet {
 public:
  FlagSet(std::string program, std::string summary);

  template <typename T>
  Flag& add(T* target, std::string name, std::string help, T defaultValue) {
    *target = defaultValue;
    Flag& flag = define(std::move(name), std::move(help), std::is_same_v<T, bool>);
    flag.target = target;
    flag.defaultText = formatFlagValue(defaultValue);
    flag.parse = [target](std::string_view text) -> Result<std::function<void()>> {
      auto value = parseFlagValue(text, target);
      if (!value) return value.error();
      return std::function<void()>([target, v = std::move(*value)] { *target = v; });
    };
    flag.current = [target]() -> std::optional<std::string> { return formatFlagValue(*target); };
    return flag;
  }

  // A flag without a default: unset unless given.
  template <typename T>
  Flag& add(std::optional<T>* target, std::string name, std::string help) {
    Flag& flag = define(std::move(name), std::move(help), std::is_same_v<T, bool>);
    flag.target = target;
    flag.parse = [target](std::string_view text) -> Result<std::function<void()>> {
      auto value = parseFlagValue(text, static_cast<T*>(nullptr));
      if (!value) return value.error();
      return std::function<void()>([target, v = std::move(*value)] { *target = v; });
    };
    flag.current = [target]() -> std::optional<std::string> {
      if (!*target) return std::nullopt;
      return formatFlagValue(**target);
    };
    return flag;
  }

  // Mesos's flags this program refuses (listed by the man pages); the names must not be
  // flags of the set. The table outlives the set (a static array).
  void refuse(std::span<const RefusedFlag> flags);
  std::vector<RefusedFlag> refusedFlags() const;  // sorted by name

  // Loads from the environment (MESOS_*), then the command line. Nothing is stored
  // unless everything parses and validates. `--help` and `--version` are built in:
  // they set helpRequested() / versionRequested() and skip the rest.
  Result<void> load(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& environment);
  Result<void> load(int argc, const char* const* argv, const char* const* envp);

  bool helpRequested() const { return helpRequested_; }
  bool versionRequested() const { return versionRequested_; }
  std::string usage() const;
  const std::deque<Flag>& flags() const { return flags_; }
  // The flags by name, as --help and the man pages list them.
  std::vector<const Flag*> sortedFlags() const;
  // name -> current value, for /flags and GET_FLAGS (unset flags are left out).
  std::map<std::string, std::string> values() const;
  const std::string& program() const { return program_; }
  // The flag that sets `target` (a member of the flags struct); null if none does.
  const Flag* flagOf(const void* target) const;
  // How messages name the flag that sets `target` and where its value came from:
  // "--isolation", "--isolation (from /etc/mesos-slave/isolation)" for a file:// value,
  // or "MESOS_ISOLATION".
  std::string describe(const void* target) const;
  // Whether the flag that sets `target` was given (command line, file or environment).
  bool given(const void* target) const;

 private:
  Flag& define(std::string name, std::string help, bool isBool);
  Flag* find(std::string_view name);
  const RefusedFlag* findRefused(std::string_view name) const;

  std::string program_;
  std::string summary_;
  std::deque<Flag> flags_;  // deque: references handed out by add() stay valid
  std::vector<std::span<const RefusedFlag>> refused_;
  std::map<const Flag*, std::string> sources_;  // of the flags given, as describe() says
  bool helpRequested_ = false;
  bool versionRequested_ = false;
};

// A Mesos flag this build does not carry out yet. Given anything but its default, it
// stops the daemon at start, naming it and why: never parsed and silently ignored.
struct UnhonouredFlag {
  const void* target;  // &flags.member
  std::string_view why;
};
Result<void> refuseUnhonouredFlags(const FlagSet& set, std::initializer_list<UnhonouredFlag> flags);

}  // namespace mesolite
