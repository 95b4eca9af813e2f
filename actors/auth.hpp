// Connection authentication rules: credential check in constant time and a
// per-address failure limiter. Plain classes (no CAF), shared by every client
// actor; the limiter is the one mutex-guarded object here (docs/locks.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/config.hpp"
#include "protocol/frames.hpp"

namespace wingman::actors {

/// `bytes` random bytes from a cryptographic generator (OpenSSL
/// `RAND_bytes`), as lowercase hex: for secrets and unguessable ids.
std::string random_hex(size_t bytes);

/// Compares two secrets in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// What the gateway accepts on `connect`.
class auth_policy {
 public:
  auth_policy() = default;
  /// `mode` and secrets as configured (the token already merged with
  /// `WINGMAN_GATEWAY_TOKEN` by config parsing).
  auth_policy(protocol::auth_mode mode, std::string token, std::string password);

  /// True if `auth` satisfies the policy.
  bool check(const protocol::auth_info& auth) const noexcept;

  /// True if a secret is required (mode is not `none`).
  bool required() const noexcept { return mode_ != protocol::auth_mode::none; }

  /// True if `secret` equals the token (token mode) or password (password mode).
  bool check_secret(std::string_view secret) const noexcept;

  protocol::auth_mode mode() const noexcept { return mode_; }

 private:
  protocol::auth_mode mode_ = protocol::auth_mode::none;
  std::string token_;
  std::string password_;
};

/// Counts failed logins per address in a sliding one-minute window. Thread-safe.
class failure_limiter {
 public:
  using clock = std::chrono::steady_clock;

  /// `per_minute` failures are allowed; the next one is refused until the
  /// window has passed.
  explicit failure_limiter(int per_minute) : per_minute_(per_minute) {}

  /// Milliseconds until `address` may try again; 0 if it may try now.
  int64_t retry_after_ms(const std::string& address, clock::time_point now);

  /// Records one failure for `address`.
  void record_failure(const std::string& address, clock::time_point now);

  /// Forgets `address` (after a successful login).
  void reset(const std::string& address);

  /// Most addresses tracked at once (bounds memory).
  static constexpr size_t max_tracked = 10000;

  /// Number of addresses tracked (tests).
  size_t tracked() {
    std::lock_guard<std::mutex> guard{mtx_};
    return windows_.size();
  }

 private:
  struct window {
    clock::time_point start;
    int failures = 0;
  };
  int per_minute_;
  std::mutex mtx_;
  std::unordered_map<std::string, window> windows_;  // guarded by mtx_
};

} // namespace wingman::actors
