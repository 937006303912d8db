// The one error type of warpdrive. Lower layers return Result<T>; callers add
// context on the way up; only main() prints "warpdrive: error: ..." and maps
// the error to an exit status. Expected failures are never exceptions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wd {

// Exit statuses with a fixed meaning, as a shell uses them.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;

struct Error {
  std::string message;  // user-facing; empty = already reported (e.g. a child's own output)
  int exit_status = kExitFailure;

  // Prefixes "what we were doing: " to the message.
  Error context(std::string_view what) && {
    if (!message.empty()) message = std::string(what) + ": " + message;
    return std::move(*this);
  }
};

// Builds an Error; fmt-style formatting lives at the call site.
inline Error make_error(std::string message, int exit_status = kExitFailure) {
  return Error{std::move(message), exit_status};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT

  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *e_; }
  Error&& error() && { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace wd

#define WD_CONCAT_INNER(a, b) a##b
#define WD_CONCAT(a, b) WD_CONCAT_INNER(a, b)

// WD_TRY(expr): return the error of a failing Result<void> (or Result<T>).
#define WD_TRY(expr)                                                              \
  do {                                                                            \
    if (auto wd_try_r_ = (expr); !wd_try_r_) return std::move(wd_try_r_).error(); \
  } while (0)

// WD_ASSIGN(decl, expr): `decl = *expr`, or return expr's error.
#define WD_ASSIGN(decl, expr)                                                                          \
  auto WD_CONCAT(wd_assign_r_, __LINE__) = (expr);                                                     \
  if (!WD_CONCAT(wd_assign_r_, __LINE__)) return std::move(WD_CONCAT(wd_assign_r_, __LINE__)).error(); \
  decl = std::move(*WD_CONCAT(wd_assign_r_, __LINE__))  // NOLINT(bugprone-macro-parentheses): decl declares
