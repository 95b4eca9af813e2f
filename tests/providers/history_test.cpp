#include "providers/history.hpp"

#include <doctest/doctest.h>

using namespace wingman;
using namespace wingman::providers;

namespace {

protocol::message_record msg(const std::string& role, const std::string& text) {
  protocol::message_record m;
  m.role = role;
  m.content = text;
  return m;
}

/// `role`/`text` for request `request_id`.
protocol::message_record msg(const std::string& role, const std::string& text,
                             const std::string& request_id) {
  auto m = msg(role, text);
  m.request_id = request_id;
  return m;
}

std::string texts(const std::vector<protocol::message_record>& h) {
  std::string out;
  for (auto& m : h)
    out += (out.empty() ? "" : " ") + m.content;
  return out;
}

} // namespace

TEST_SUITE("providers/history") {

TEST_CASE("a request's own message comes last, later questions are left out") {
  // r2 and r3 were queued while r1 ran a tool round; r1's outputs were
  // stored after their user messages.
  std::vector<protocol::message_record> stored{
    msg("user", "u1", "r1"),      msg("user", "u2", "r2"), msg("user", "u3", "r3"),
    msg("assistant", "call", "r1"), msg("tool", "out", "r1"), msg("assistant", "a1", "r1")};
  CHECK(texts(history_for_request(stored, "r2")) == "u1 call out a1 u2");
  // A request run again after a restart keeps its own stored tool rounds
  // after its question.
  CHECK(texts(history_for_request(stored, "r1")) == "u1 call out a1");
  CHECK(texts(history_for_request(stored, "r3")) == "u1 u2 call out a1 u3");
  // Unknown or empty ids leave the history as stored.
  CHECK(texts(history_for_request(stored, "r9")) == texts(stored));
  CHECK(texts(history_for_request(stored, "")) == texts(stored));
}

TEST_CASE("a shared history taken in request order builds the same conversation") {
  std::vector<protocol::message_record> stored{
    msg("user", "u1", "r1"),      msg("user", "u2", "r2"), msg("user", "u3", "r3"),
    msg("assistant", "call", "r1"), msg("tool", "out", "r1"), msg("assistant", "a1", "r1")};
  CHECK(history_order(stored, "r2") == std::vector<size_t>{0, 3, 4, 5, 1});
  for (const char* id : {"r1", "r2", "r3", "r9"}) {
    CAPTURE(id);
    for (history_budget budget : {history_budget{100, 1000}, history_budget{2, 1000},
                                  history_budget{100, 5}}) {
      auto copied = build_conversation("sys", history_for_request(stored, id), budget);
      auto indexed = build_conversation("sys", stored, history_order(stored, id), budget);
      REQUIRE(copied);
      REQUIRE(indexed);
      REQUIRE(copied->messages.size() == indexed->messages.size());
      for (size_t i = 0; i < copied->messages.size(); ++i) {
        CHECK(copied->messages[i].role == indexed->messages[i].role);
        CHECK(copied->messages[i].text == indexed->messages[i].text);
        CHECK(copied->messages[i].result.content == indexed->messages[i].result.content);
      }
    }
  }
  CHECK(stored[1].content == "u2");  // the shared history is left as it was
}

TEST_CASE("tool call arguments count against the character budget") {
  auto call = msg("assistant", "");
  call.tool_calls.push_back({"c1", "write_file", std::string(5000, 'x')});
  auto result = msg("tool", "ok");
  result.tool_call_id = "c1";
  std::vector<protocol::message_record> h{msg("user", "write it"), call, result,
                                          msg("user", "next")};
  auto conv = build_conversation("", h, {100, 1000});
  REQUIRE(conv);
  REQUIRE(conv->messages.size() == 1);  // the 5000-byte call no longer fits
  CHECK(conv->messages[0].text == "next");
}

TEST_CASE("the history becomes alternating messages after the system prompt") {
  auto conv = build_conversation("be brief", {msg("user", "a"), msg("assistant", "b"),
                                              msg("user", "c")});
  REQUIRE(conv);
  CHECK(conv->system_prompt == "be brief");
  REQUIRE(conv->messages.size() == 3);
  CHECK(conv->messages[0].role == message_role::user);
  CHECK(conv->messages[1].role == message_role::assistant);
  CHECK(conv->messages[1].text == "b");
  CHECK(conv->messages[2].text == "c");
}

TEST_CASE("the oldest messages go first when over budget, the last always stays") {
  std::vector<protocol::message_record> h{msg("user", "1111"), msg("assistant", "2222"),
                                          msg("user", "3333"), msg("assistant", "4444"),
                                          msg("user", "5555")};
  auto by_count = build_conversation("", h, {3, 1000});
  REQUIRE(by_count);
  REQUIRE(by_count->messages.size() == 3);
  CHECK(by_count->messages[0].text == "3333");
  // 12 characters fit three messages; the window must start with a user.
  auto by_chars = build_conversation("", h, {100, 13});
  REQUIRE(by_chars);
  REQUIRE(by_chars->messages.size() == 3);
  CHECK(by_chars->messages[0].text == "3333");
  auto by_chars_even = build_conversation("", h, {100, 8});
  REQUIRE(by_chars_even);
  REQUIRE(by_chars_even->messages.size() == 1);  // "4444" dropped: no leading assistant
  CHECK(by_chars_even->messages[0].text == "5555");
  auto tiny = build_conversation("", h, {1, 1});
  REQUIRE(tiny);
  REQUIRE(tiny->messages.size() == 1);
  CHECK(tiny->messages[0].text == "5555");
}

TEST_CASE("a bad attachment fails the current message, and is a note in old ones") {
  auto bad = msg("user", "see file");
  protocol::attachment a;
  a.kind = "image";
  a.name = "cat.png";  // no data URL
  bad.attachments.push_back(a);
  auto now = build_conversation("", {bad});
  REQUIRE_FALSE(now);
  CHECK(now.error().message.find("cat.png") != std::string::npos);
  auto old = build_conversation("", {bad, msg("assistant", "?"), msg("user", "next")});
  REQUIRE(old);
  CHECK(old->messages[0].text.find("omitted") != std::string::npos);
  CHECK(old->messages[0].attachments.empty());
}

TEST_CASE("text files go along as attachments") {
  auto m = msg("user", "summarize");
  protocol::attachment a;
  a.kind = "file";
  a.name = "notes.txt";
  a.text_content = "hello";
  m.attachments.push_back(a);
  auto conv = build_conversation("", {m});
  REQUIRE(conv);
  REQUIRE(conv->messages[0].attachments.size() == 1);
  CHECK(conv->messages[0].attachments[0].text == "hello");
}

}

TEST_SUITE("providers/history") {

TEST_CASE("tool calls and results come back from the history") {
  auto call = msg("assistant", "checking");
  call.tool_calls.push_back({"c1", "ls", "{}"});
  auto result = msg("tool", "a.txt");
  result.tool_call_id = "c1";
  result.tool_name = "ls";
  auto conv = build_conversation("", {msg("user", "list"), call, result,
                                      msg("assistant", "one file"), msg("user", "thanks")},
                                  {100, 1000});
  REQUIRE(conv);
  REQUIRE(conv->messages.size() == 5);
  REQUIRE(conv->messages[1].tool_calls.size() == 1);
  CHECK(conv->messages[1].tool_calls[0].name == "ls");
  CHECK(conv->messages[2].role == message_role::tool);
  CHECK(conv->messages[2].result.tool_call_id == "c1");
  CHECK(conv->messages[2].result.content == "a.txt");
  // Trimming never starts inside a tool exchange.
  auto trimmed = build_conversation("", {msg("user", "list"), call, result,
                                         msg("assistant", "one file"), msg("user", "thanks")},
                                     {3, 1000});
  REQUIRE(trimmed);
  REQUIRE(trimmed->messages.size() == 1);
  CHECK(trimmed->messages[0].text == "thanks");
}

}
