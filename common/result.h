// Errors as values: Result<T> holds either a T or an Error whose message names
// what was wrong (the bad token, the path and errno, ...). std::expected is C++23;
// this is the small subset of it we need on C++20.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace mesolite {

struct Error {
  std::string message;

  explicit Error(std::string m) : message(std::move(m)) {}

  // "open /sys/fs/cgroup/x/memory.max: Permission denied (errno 13)".
  static Error fromErrno(const std::string& what, int err = errno) {
    return Error(what + ": " + std::strerror(err) + " (errno " + std::to_string(err) + ")");
  }

  // Prefixes context: Error("bad token").wrap("--resources") -> "--resources: bad token".
  Error wrap(const std::string& context) const& { return Error(context + ": " + message); }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{""};
  bool ok_ = true;
};

inline Result<void> success() {
  return {};
}

}  // namespace mesolite
