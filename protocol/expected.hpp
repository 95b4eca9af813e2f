// A small value-or-error type for the CAF-free layers (protocol, storage,
// transport). The actor layer converts to `caf::expected`/`caf::error` at its
// boundary. Never throws: accessing the wrong alternative is a broken invariant.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "protocol/error.hpp"

namespace wingman::protocol {

/// Holds either a `T` or an `error`.
template <class T>
class expected {
 public:
  expected(T value) : v_(std::move(value)) {}
  expected(protocol::error err) : v_(std::move(err)) {}

  /// True when a value is held.
  explicit operator bool() const noexcept { return v_.index() == 0; }
  bool has_value() const noexcept { return v_.index() == 0; }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const protocol::error& error() const { assert(!has_value()); return std::get<1>(v_); }

 private:
  std::variant<T, protocol::error> v_;
};

/// Success-or-error for operations without a result value.
using status = expected<std::monostate>;

/// The success value of `status`.
inline status ok() { return status{std::monostate{}}; }

} // namespace wingman::protocol
