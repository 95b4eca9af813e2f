#include "actors/auth.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <vector>
#include <iterator>

namespace wingman::actors {

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  // RAND_bytes only fails when the system has no entropy source at all; a
  // secret must never come from anything weaker, so that is fatal.
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
    std::abort();
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (auto b : buf) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Always walk the longer length so timing does not reveal the prefix that
  // matched; the length difference itself is folded into the result.
  size_t n = std::max(a.size(), b.size());
  unsigned char diff = static_cast<unsigned char>(a.size() != b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

auth_policy::auth_policy(protocol::auth_mode mode, std::string token,
                         std::string password)
  : mode_(mode), token_(std::move(token)), password_(std::move(password)) {
  // Nothing else: an empty configured secret never matches (see check).
}

bool auth_policy::check_secret(std::string_view secret) const noexcept {
  switch (mode_) {
    case protocol::auth_mode::none:
      return true;
    case protocol::auth_mode::token:
      return !token_.empty() && constant_time_equal(secret, token_);
    case protocol::auth_mode::password:
      return !password_.empty() && constant_time_equal(secret, password_);
  }
  return false;
}

bool auth_policy::check(const protocol::auth_info& auth) const noexcept {
  switch (mode_) {
    case protocol::auth_mode::none:
      return true;
    case protocol::auth_mode::token:
      return auth.token && check_secret(*auth.token);
    case protocol::auth_mode::password:
      return auth.password && check_secret(*auth.password);
  }
  return false;
}

int64_t failure_limiter::retry_after_ms(const std::string& address,
                                        clock::time_point now) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = windows_.find(address);
  if (i == windows_.end() || i->second.failures < per_minute_)
    return 0;
  auto end = i->second.start + std::chrono::minutes{1};
  if (now >= end) {
    windows_.erase(i);
    return 0;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(end - now)
    .count();
}

void failure_limiter::record_failure(const std::string& address,
                                     clock::time_point now) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (windows_.size() >= max_tracked) {
    // Bound the memory an address spray can take: drop expired windows, and
    // if every window is live, start over (the limit still applies per
    // window; an attacker with that many addresses is not slowed by it).
    for (auto i = windows_.begin(); i != windows_.end();)
      i = now - i->second.start >= std::chrono::minutes{1} ? windows_.erase(i)
                                                           : std::next(i);
    if (windows_.size() >= max_tracked)
      windows_.clear();
  }
  auto& w = windows_[address];
  if (w.failures == 0 || now - w.start >= std::chrono::minutes{1}) {
    w.start = now;
    w.failures = 0;
  }
  ++w.failures;
}

void failure_limiter::reset(const std::string& address) {
  std::lock_guard<std::mutex> guard{mtx_};
  windows_.erase(address);
}

} // namespace wingman::actors
