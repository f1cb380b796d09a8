// Seccomp profiles in Docker's JSON format, compiled with libseccomp into the classic
// BPF program the launcher installs with seccomp(SECCOMP_SET_MODE_FILTER).
//
// Parsing resolves what depends only on this host's architecture: rules for other
// architectures (includes/excludes "arches") are dropped, syscall names are checked
// against libseccomp, and only the native architecture's companion ABIs are kept from
// "architectures"/"archMap" (on x86_64: x86 and x32, which get the same rules).
// Compiling resolves what depends on the task: its capabilities (includes/excludes "caps",
// Docker's semantics) and the running kernel (includes/excludes "minKernel").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite::isolation::seccomp {

// What the filter answers for a syscall; `data` is the errno of kErrno and the message
// a tracer sees for kTrace (EPERM when the profile gives none, as runc does).
struct Action {
  enum class Kind { kAllow, kErrno, kKillThread, kKillProcess, kTrap, kTrace, kLog };
  Kind kind = Kind::kAllow;
  uint16_t data = 0;

  bool operator==(const Action&) const = default;
};

// A comparison of one syscall argument; for kMaskedEqual: (argument & value) == valueTwo.
struct ArgumentCheck {
  enum class Op { kNotEqual, kLess, kLessOrEqual, kEqual, kGreaterOrEqual, kGreater, kMaskedEqual };
  unsigned index = 0;  // 0-5
  uint64_t value = 0;
  uint64_t valueTwo = 0;
  Op op = Op::kEqual;

  bool operator==(const ArgumentCheck&) const = default;
};

// "<kernel>.<major>" of a minKernel condition, e.g. {4, 8}.
struct KernelVersion {
  unsigned kernel = 0;
  unsigned major = 0;

  auto operator<=>(const KernelVersion&) const = default;
};

// One entry of the profile's "syscalls", kept only if it can apply on this architecture.
struct Rule {
  std::size_t position = 0;           // index in "syscalls", for messages
  std::vector<std::string> syscalls;  // names libseccomp knows
  Action action;
  // Checks on different arguments must all hold; when one argument is checked more than
  // once, each check makes a rule of its own (runc's behaviour, which Docker's profiles
  // rely on: libseccomp cannot compare one argument twice in a rule).
  std::vector<ArgumentCheck> arguments;
  uint64_t requiredCapabilities = 0;       // includes.caps: applies only if the task holds all
  uint64_t excludingCapabilities = 0;      // excludes.caps: dropped if the task holds any
  std::optional<KernelVersion> minKernel;  // includes.minKernel
  std::optional<KernelVersion> droppedFromKernel;  // excludes.minKernel

  bool operator==(const Rule&) const = default;
};

// A parsed seccomp profile in Docker/OCI JSON format.
struct Profile {
  std::string origin;  // the file name, or "built-in default"; prefixes compile errors
  Action defaultAction;
  // libseccomp's SCMP_ARCH_* values of the native architecture's companion ABIs that the
  // profile lists (they get the same rules); syscalls of any other non-native ABI get
  // `defaultAction` when it denies, or ENOSYS when it is permissive, so a deny-list cannot be
  // bypassed by switching ABI (int 0x80 on x86_64).
  std::vector<uint32_t> companionArchitectures;
  // SECCOMP_FILTER_FLAG_* bits from "flags", for the seccomp(2) call that installs the
  // program (only TSYNC, LOG and SPEC_ALLOW are accepted).
  uint32_t installFlags = 0;
  // For a syscall named by several applicable rules, libseccomp's order applies: a rule
  // without argument checks beats those with, and the first such rule wins.
  std::vector<Rule> rules;

  bool operator==(const Profile&) const = default;
};

// Parses a Docker-format profile. `origin` (a file name, or "built-in default") prefixes
// every error message, which names the bad field/value/syscall, e.g.
// "/etc/mesos/seccomp/x.json: syscalls[3].action: unknown action 'SCMP_ACT_FOO'".
// Unknown keys are refused. A syscall name libseccomp does not know at all is skipped in
// a rule no stricter than the default (ALLOW, LOG, or the default action itself), as
// Docker does for portability, and refused otherwise. Names libseccomp knows only for
// other ABIs (chown32 on x86_64) are kept: the companion ABIs need them.
Result<Profile> parseProfile(std::string_view json, const std::string& origin);

// The capabilities (bit n = capability number n, as in linux/capability.h) that the
// profile's includes.caps / excludes.caps mention: compile() results differ only in these
// bits, so callers cache by (profile, caps & mentioned).
uint64_t mentionedCapabilities(const Profile& profile);

// Compiles the profile for a task holding `capabilities` (same bit layout) into classic
// BPF for the native architecture, as the bytes of `struct sock_filter[]` (what
// seccomp(SECCOMP_SET_MODE_FILTER) takes in a sock_fprog).
Result<std::string> compile(const Profile& profile, uint64_t capabilities);

// The built-in default profile (JSON): deny with EPERM unless allowed, at least as strict
// as Docker's default.
std::string_view defaultProfileJson();

}  // namespace mesolite::isolation::seccomp
