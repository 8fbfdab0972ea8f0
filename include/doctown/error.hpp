// Error model: foreseeable failures are values (result<T>), never exceptions across the API.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace doctown {

/// Error codes shared by every stage. Each maps to a CLI exit code (see `exit_code_for`).
enum class errc {
  ok = 0,
  invalid_argument,   ///< an option or argument is out of range or malformed (exit 2)
  not_found,          ///< a named input (path, file, model, symbol) does not exist (exit 2)
  unsupported,        ///< the input is of a kind this build cannot handle (exit 2)
  io_error,           ///< reading or writing a file failed (exit 3)
  parse_error,        ///< a file or answer could not be parsed (exit 3)
  network_error,      ///< connection, TLS or protocol failure (exit 3)
  timeout,            ///< an operation took longer than its limit (exit 3)
  http_status,        ///< an HTTP server answered with a failing status (exit 3)
  unauthorized,       ///< the server refused the credentials (401/403): stop at once (exit 3)
  rate_limited,       ///< the server kept answering 429 after the retries (exit 3)
  limit_exceeded,     ///< a configured limit (size, count, ratio) was exceeded (exit 3)
  cancelled,          ///< the run was cancelled through its stop token (exit 130)
  internal,           ///< a bug: an invariant did not hold (exit 3)
};

/// Short stable name of an error code ("not_found", ...).
std::string_view to_string(errc code) noexcept;

/// The CLI's exit code for an error: 2 usage/config, 3 fatal, 130 cancelled.
int exit_code_for(errc code) noexcept;

/// An error value: a code plus a message that names the input and says what to do.
struct error {
  errc code = errc::internal;  ///< what kind of failure
  std::string message;         ///< human-readable, names the input, suggests a fix
  std::string where;           ///< optional location: a path, a URL, "file:line", a symbol id

  /// "message (where)" or just "message".
  std::string what() const;
};

/// Build an error value; the one place that constructs errors, so the representation can change.
inline error fail(errc code, std::string message, std::string where = {}) {
  return error{code, std::move(message), std::move(where)};
}

/// A value or an error. Small stand-in for std::expected (not in g++ 12).
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(doctown::error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT: implicit by design

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const doctown::error& error() const& { assert(!has_value()); return std::get<1>(v_); }
  doctown::error&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, doctown::error> v_;
};

/// result<void>: success or an error.
template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(doctown::error e) : err_(std::move(e)), ok_(false) {}  // NOLINT: implicit by design

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const doctown::error& error() const& { assert(!ok_); return err_; }
  doctown::error&& error() && { assert(!ok_); return std::move(err_); }

 private:
  doctown::error err_{};
  bool ok_ = true;
};

}  // namespace doctown
