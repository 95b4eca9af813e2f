#include "providers/sse.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace wingman;
using providers::sse_event;
using providers::sse_parser;

namespace {

std::vector<sse_event> parse_whole(std::string_view text) {
  sse_parser p;
  std::vector<sse_event> out;
  REQUIRE(p.feed(text, out));
  return out;
}

std::vector<sse_event> parse_bytewise(std::string_view text) {
  sse_parser p;
  std::vector<sse_event> out;
  for (char c : text)
    REQUIRE(p.feed(std::string_view{&c, 1}, out));
  return out;
}

/// Parses `text` split at every pair of cut points; all must agree.
void check_all_splits(std::string_view text,
                      const std::vector<sse_event>& expected) {
  for (size_t i = 0; i <= text.size(); ++i) {
    for (size_t j = i; j <= text.size(); ++j) {
      sse_parser p;
      std::vector<sse_event> out;
      REQUIRE(p.feed(text.substr(0, i), out));
      REQUIRE(p.feed(text.substr(i, j - i), out));
      REQUIRE(p.feed(text.substr(j), out));
      INFO("cuts at " << i << " and " << j);
      CHECK(out == expected);
    }
  }
}

sse_event ev(std::string event, std::string data, std::string id = {}) {
  return sse_event{std::move(event), std::move(data), std::move(id)};
}

} // namespace

TEST_SUITE("providers/sse") {

TEST_CASE("a blank line dispatches an event with the default type") {
  auto out = parse_whole("data: hello\n\n");
  REQUIRE(out.size() == 1);
  CHECK(out[0] == ev("message", "hello"));
}

TEST_CASE("multi-line data is joined with newlines") {
  auto out = parse_whole("data: a\ndata:b\ndata:  c\n\n");
  REQUIRE(out.size() == 1);
  CHECK(out[0].data == "a\nb\n c");  // only one leading space is stripped
}

TEST_CASE("event, id and retry fields are read") {
  sse_parser p;
  std::vector<sse_event> out;
  REQUIRE(p.feed("event: ping\nid: 7\nretry: 1500\ndata: {}\n\n", out));
  REQUIRE(out.size() == 1);
  CHECK(out[0] == ev("ping", "{}", "7"));
  CHECK(p.retry_ms() == 1500);
  CHECK(p.last_event_id() == "7");
}

TEST_CASE("the event id is sticky and the event type resets") {
  auto out = parse_whole("event: a\nid: 1\ndata: x\n\ndata: y\n\n");
  REQUIRE(out.size() == 2);
  CHECK(out[0] == ev("a", "x", "1"));
  CHECK(out[1] == ev("message", "y", "1"));
}

TEST_CASE("an id with NUL and a non-numeric retry are ignored") {
  sse_parser p;
  std::vector<sse_event> out;
  std::string text = "id: 5\nretry: 10\n\nid: a";
  text += '\0';
  text += "b\nretry: 12x\ndata: d\n\n";
  REQUIRE(p.feed(text, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == "5");
  CHECK(p.retry_ms() == 10);
}

TEST_CASE("comments and unknown fields are ignored") {
  auto out = parse_whole(": keep-alive\nfoo: bar\ndata: x\n:comment\n\n");
  REQUIRE(out.size() == 1);
  CHECK(out[0] == ev("message", "x"));
}

TEST_CASE("a field without a colon has an empty value") {
  auto out = parse_whole("data\ndata\n\n");
  REQUIRE(out.size() == 1);
  CHECK(out[0].data == "\n");
  // a lone `data` line makes an event with empty data
  auto one = parse_whole("data\n\n");
  REQUIRE(one.size() == 1);
  CHECK(one[0].data.empty());
}

TEST_CASE("events without data are not dispatched") {
  auto out = parse_whole("event: x\n\nid: 3\n\n: c\n\n\n");
  CHECK(out.empty());
}

TEST_CASE("CRLF, CR and LF line endings are all accepted") {
  std::vector<sse_event> expected{ev("e", "1\n2"), ev("message", "3")};
  CHECK(parse_whole("event: e\r\ndata: 1\r\ndata: 2\r\n\r\ndata: 3\r\n\r\n")
        == expected);
  CHECK(parse_whole("event: e\rdata: 1\rdata: 2\r\rdata: 3\r\r") == expected);
  CHECK(parse_whole("event: e\ndata: 1\r\ndata: 2\r\rdata: 3\n\r\n")
        == expected);
}

TEST_CASE("a CRLF pair split across feeds is one line ending") {
  sse_parser p;
  std::vector<sse_event> out;
  REQUIRE(p.feed("data: a\r", out));
  REQUIRE(p.feed("\ndata: b\r", out));
  REQUIRE(p.feed("\n\r", out));
  REQUIRE(p.feed("\n", out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].data == "a\nb");
}

TEST_CASE("any split of the input gives the same events") {
  std::string text = "\xEF\xBB\xBF" "event: x\r\ndata: {\"a\":1}\r\n\r\n"
                     ": ping\rdata: two\rid: 9\r\r"
                     "data: three\n\n";
  std::vector<sse_event> expected{ev("x", "{\"a\":1}"), ev("message", "two", "9"),
                                  ev("message", "three", "9")};
  CHECK(parse_whole(text) == expected);
  CHECK(parse_bytewise(text) == expected);
  check_all_splits(text, expected);
}

TEST_CASE("a BOM is stripped only at the very start") {
  auto out = parse_whole("\xEF\xBB\xBF" "data: x\n\n");
  REQUIRE(out.size() == 1);
  CHECK(out[0].data == "x");
  // a BOM later is part of the field name: an unknown field
  CHECK(parse_whole("data: y\n\n\xEF\xBB\xBF" "data: z\n\n").size() == 1);
  // bytes that only start like a BOM are kept
  auto partial = parse_bytewise("\xEF\xBB" "data: q\n\n");
  CHECK(partial.empty());  // the field name is "\xEF\xBB" "data": unknown
  CHECK(parse_bytewise("\xEF\xBB\xBF" "data: w\n\n").size() == 1);
}

TEST_CASE("an unterminated event is reported as partial, not dispatched") {
  sse_parser p;
  std::vector<sse_event> out;
  REQUIRE(p.feed("data: half", out));
  CHECK(out.empty());
  CHECK(p.has_partial_event());
  REQUIRE(p.feed("\n", out));
  CHECK(p.has_partial_event());
  REQUIRE(p.feed("\n", out));
  CHECK(out.size() == 1);
  CHECK_FALSE(p.has_partial_event());
}

TEST_CASE("an event over the size bound fails with a clear error") {
  sse_parser p{64};
  std::vector<sse_event> out;
  REQUIRE(p.feed("data: small\n\n", out));
  CHECK(out.size() == 1);
  SUBCASE("one long line") {
    auto st = p.feed(std::string(100, 'x'), out);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == protocol::error_code::payload_too_large);
    CHECK(st.error().message == "SSE event exceeds 64 bytes");
  }
  SUBCASE("many short data lines") {
    protocol::status st = protocol::ok();
    for (int i = 0; i < 20 && st; ++i)
      st = p.feed("data: 0123456\n", out);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == protocol::error_code::payload_too_large);
  }
  CHECK(p.failed());
  CHECK_FALSE(p.feed("data: more\n\n", out));
  CHECK(out.size() == 1);
}

TEST_CASE("the default bound is 4 MiB and allows big events below it") {
  CHECK(providers::default_max_sse_event_bytes == 4u * 1024 * 1024);
  std::string big = "data: " + std::string(3u << 20, 'a') + "\n\n";
  auto out = parse_whole(big);
  REQUIRE(out.size() == 1);
  CHECK(out[0].data.size() == 3u << 20);
}

}
