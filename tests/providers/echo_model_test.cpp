#include "providers/echo_model.hpp"

#include <doctest/doctest.h>

#include "providers/model_spec.hpp"

using namespace wingman;

TEST_SUITE("providers/echo_model") {

TEST_CASE("the echo plan streams the content in the configured chunk count") {
  protocol::echo_options o;
  o.chunks = 4;
  o.delay_ms = 400;
  auto p = providers::plan_echo("abcdefgh", 0, o);
  CHECK(p.chunks == std::vector<std::string>{"ab", "cd", "ef", "gh"});
  CHECK(p.response == "abcdefgh");
  CHECK(p.interval == std::chrono::milliseconds{100});
}

TEST_CASE("chunks never split a UTF-8 code point") {
  auto parts = providers::split_utf8("héllo wörld ✓", 5);
  std::string joined;
  for (auto& s : parts) {
    joined += s;
    // each piece must be valid: it cannot start with a continuation byte
    if (!s.empty())
      CHECK((static_cast<unsigned char>(s[0]) & 0xC0) != 0x80);
  }
  CHECK(joined == "héllo wörld ✓");
  CHECK(parts.size() == 5);
}

TEST_CASE("short text gives fewer chunks than configured, empty text one") {
  CHECK(providers::split_utf8("ab", 4).size() == 2);
  auto empty = providers::split_utf8("", 4);
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].empty());
}

TEST_CASE("empty content with attachments echoes an attachment note") {
  auto p = providers::plan_echo("", 2, {});
  CHECK(p.response == "(2 attachments)");
  CHECK(providers::plan_echo("", 1, {}).response == "(1 attachment)");
}

TEST_CASE("usage counts 4-byte tokens rounded up") {
  auto p = providers::plan_echo("12345", 0, {});
  CHECK(p.usage.input_tokens == 2);
  CHECK(p.usage.output_tokens == 2);
  CHECK(p.usage.total_tokens == 4);
}

TEST_CASE("model strings parse as provider:model, echo is built in") {
  auto e = providers::parse_model_spec("echo");
  REQUIRE(e);
  CHECK(providers::is_supported(*e));
  auto o = providers::parse_model_spec("openai:gpt-4o-mini");
  REQUIRE(o);
  CHECK(o->provider == "openai");
  CHECK(o->model == "gpt-4o-mini");
  CHECK(providers::is_supported(*o));  // a built-in network provider
  CHECK_FALSE(providers::parse_model_spec("nocolon"));
  CHECK_FALSE(providers::parse_model_spec(":x"));
  CHECK_FALSE(providers::parse_model_spec("x:"));
}

} // TEST_SUITE
