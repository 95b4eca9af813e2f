#include "actors/auth.hpp"

#include <doctest/doctest.h>

using namespace wingman;
using actors::auth_policy;
using actors::failure_limiter;

TEST_SUITE("actors/auth") {

TEST_CASE("constant_time_equal compares content and length") {
  CHECK(actors::constant_time_equal("secret", "secret"));
  CHECK_FALSE(actors::constant_time_equal("secret", "secreT"));
  CHECK_FALSE(actors::constant_time_equal("secret", "secret2"));
  CHECK_FALSE(actors::constant_time_equal("", "x"));
  CHECK(actors::constant_time_equal("", ""));
  CHECK_FALSE(actors::constant_time_equal(std::string_view{"a\0b", 3},
                                          std::string_view{"a\0c", 3}));
}

TEST_CASE("random_hex gives the requested length of fresh hex") {
  auto a = actors::random_hex(24);
  auto b = actors::random_hex(24);
  CHECK(a.size() == 48);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
}

TEST_CASE("token mode accepts only the token") {
  auth_policy p{protocol::auth_mode::token, "tok", ""};
  protocol::auth_info ok;
  ok.token = "tok";
  protocol::auth_info wrong;
  wrong.token = "nope";
  protocol::auth_info pw_only;
  pw_only.password = "tok";
  CHECK(p.check(ok));
  CHECK_FALSE(p.check(wrong));
  CHECK_FALSE(p.check(pw_only));
  CHECK_FALSE(p.check(protocol::auth_info{}));
  CHECK(p.required());
}

TEST_CASE("password mode accepts only the password") {
  auth_policy p{protocol::auth_mode::password, "", "pw"};
  protocol::auth_info ok;
  ok.password = "pw";
  protocol::auth_info token_only;
  token_only.token = "pw";
  CHECK(p.check(ok));
  CHECK_FALSE(p.check(token_only));
}

TEST_CASE("an empty configured secret never matches") {
  auth_policy p{protocol::auth_mode::token, "", ""};
  protocol::auth_info empty;
  empty.token = "";
  CHECK_FALSE(p.check(empty));
}

TEST_CASE("none mode accepts everything") {
  auth_policy p{protocol::auth_mode::none, "", ""};
  CHECK(p.check(protocol::auth_info{}));
  CHECK_FALSE(p.required());
}

TEST_CASE("the failure limiter blocks an address after N failures for a minute") {
  failure_limiter lim{3};
  auto t0 = failure_limiter::clock::time_point{} + std::chrono::hours{1};
  for (int i = 0; i < 3; ++i) {
    CHECK(lim.retry_after_ms("1.2.3.4", t0) == 0);
    lim.record_failure("1.2.3.4", t0);
  }
  auto wait = lim.retry_after_ms("1.2.3.4", t0 + std::chrono::seconds{10});
  CHECK(wait == 50000);
  CHECK(lim.retry_after_ms("5.6.7.8", t0) == 0);  // other addresses unaffected
  CHECK(lim.retry_after_ms("1.2.3.4", t0 + std::chrono::seconds{61}) == 0);
}

TEST_CASE("a successful login resets the limiter for that address") {
  failure_limiter lim{2};
  auto t0 = failure_limiter::clock::time_point{} + std::chrono::hours{1};
  lim.record_failure("a", t0);
  lim.reset("a");
  lim.record_failure("a", t0);
  CHECK(lim.retry_after_ms("a", t0) == 0);
}

TEST_CASE("the failure limiter's memory is bounded") {
  failure_limiter lim{3};
  auto t0 = failure_limiter::clock::time_point{} + std::chrono::hours{1};
  for (size_t i = 0; i < failure_limiter::max_tracked + 10; ++i)
    lim.record_failure("10.0." + std::to_string(i), t0);
  CHECK(lim.tracked() <= failure_limiter::max_tracked);
}

TEST_CASE("at capacity the failure limiter drops expired windows first") {
  failure_limiter lim{3};
  auto t0 = failure_limiter::clock::time_point{} + std::chrono::hours{1};
  for (size_t i = 0; i < failure_limiter::max_tracked; ++i)
    lim.record_failure("10.0." + std::to_string(i), t0);
  CHECK(lim.tracked() == failure_limiter::max_tracked);
  lim.record_failure("late", t0 + std::chrono::minutes{2});
  CHECK(lim.tracked() == 1);
}

} // TEST_SUITE
