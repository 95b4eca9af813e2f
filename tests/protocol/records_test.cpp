#include "protocol/records.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

using namespace wingman::protocol;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  INFO("text: " << text);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

bool has(const rapidjson::Value& obj, const char* key) {
  return obj.FindMember(key) != obj.MemberEnd();
}

std::string nasty_text() {
  std::string s = "line\n\t\"q\" \\ caf\xc3\xa9 \xf0\x9f\x98\x80 \x01";
  s += '\0';
  s += "tail";
  return s;
}

session_record sample_session() {
  session_record r;
  r.agent_id = "main";
  r.id = "agent:main:discord:channel:42";
  r.name = "Review " + nasty_text();
  r.created_at = 1795312598726;
  r.updated_at = 1795312598999;
  r.message_count = 12;
  r.last_message_preview = "caf\xc3\xa9";
  r.workdir = "/home/u/Projects/x";
  r.next_seq = 13;
  return r;
}

message_record sample_message() {
  message_record m;
  m.seq = 7;
  m.id = "m-7";
  m.role = "user";
  m.content = nasty_text();
  m.created_at = 1795312598726;
  m.request_id = "r1";
  m.attachments.push_back({"file", "a.md", "text/markdown", "# a", ""});
  m.attachments.push_back({"image", "", "", "", "data:image/png;base64,AA"});
  return m;
}

pending_request sample_pending() {
  pending_request p;
  p.seq = 3;
  p.agent_id = "main";
  p.session_key = "agent:main:main";
  p.request_id = "r9";
  p.owner = "cli-1";
  p.accepted_at = 1795312598726;
  p.request.agent_id = "main";
  p.request.content = nasty_text();
  p.request.attachments.push_back({"audio", "", "", "", "data:audio/wav,x"});
  routing_info r;
  r.channel = "discord";
  r.account_id = "bot";
  r.guild_id = "g";
  r.team_id = "t";
  r.peer = peer_ref{"channel", "42"};
  r.thread_id = "th";
  p.request.routing = r;
  p.request.session_key = "agent:main:main";
  p.request.queue_if_busy = false;
  p.request.workspace = "/w";
  return p;
}

void check_equal(const attachment& a, const attachment& b) {
  CHECK(a.kind == b.kind);
  CHECK(a.name == b.name);
  CHECK(a.mime_type == b.mime_type);
  CHECK(a.text_content == b.text_content);
  CHECK(a.data_url == b.data_url);
}

template <class T>
error expect_error(const expected<T>& res) {
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().code == error_code::storage_failure);
  return res.error();
}

} // namespace

TEST_SUITE("protocol/records") {

// -- session_record -----------------------------------------------------------

TEST_CASE("a session record round-trips through JSON") {
  auto in = sample_session();
  auto out = decode_session_record(encode_session_record(in));
  REQUIRE(out.has_value());
  CHECK(out->agent_id == in.agent_id);
  CHECK(out->id == in.id);
  CHECK(out->name == in.name);
  CHECK(out->created_at == in.created_at);
  CHECK(out->updated_at == in.updated_at);
  CHECK(out->message_count == in.message_count);
  CHECK(out->last_message_preview == in.last_message_preview);
  CHECK(out->workdir == in.workdir);
  CHECK(out->next_seq == in.next_seq);
}

TEST_CASE("a session record uses the API keys and writes workdir null") {
  auto r = sample_session();
  r.workdir.clear();
  auto doc = parse(encode_session_record(r));
  for (const char* key : {"id", "name", "agentId", "createdAt", "updatedAt",
                          "messageCount", "lastMessagePreview", "workdir",
                          "nextSeq", "v"})
    CHECK_MESSAGE(has(doc, key), key);
  CHECK(doc.MemberCount() == 10);
  CHECK(doc["workdir"].IsNull());
  CHECK(doc["v"].GetInt() == 1);
  CHECK(doc["createdAt"].GetInt64() == 1795312598726);
  auto back = decode_session_record(encode_session_record(r));
  REQUIRE(back.has_value());
  CHECK(back->workdir.empty());
  auto set = parse(encode_session_record(sample_session()));
  CHECK(set["workdir"].IsString());
}

TEST_CASE("session record counters keep their full 64-bit range") {
  auto r = sample_session();
  r.message_count = UINT64_MAX;
  r.next_seq = UINT64_MAX;
  r.created_at = INT64_MIN;
  r.updated_at = INT64_MAX;
  auto back = decode_session_record(encode_session_record(r));
  REQUIRE(back.has_value());
  CHECK(back->message_count == UINT64_MAX);
  CHECK(back->next_seq == UINT64_MAX);
  CHECK(back->created_at == INT64_MIN);
  CHECK(back->updated_at == INT64_MAX);
}

TEST_CASE("a corrupt session record is a storage failure naming the problem") {
  auto good = encode_session_record(sample_session());
  CHECK(expect_error(decode_session_record("xyz")).message.find(
          "session record: invalid JSON at offset 0")
        == 0);
  CHECK(expect_error(decode_session_record("")).code
        == error_code::storage_failure);
  CHECK(expect_error(decode_session_record("[1]")).message
        == "session record: expected a JSON object");
  CHECK(expect_error(decode_session_record(good.substr(0, good.size() - 1)))
          .code
        == error_code::storage_failure);
  struct row {
    const char* from;
    const char* to;
    const char* message;
  };
  row rows[] = {
    {R"("id":")", R"("idx":")", "session record: id is missing"},
    {R"("name":")", R"("name":1,"x":")",
     "session record: name must be a string"},
    {R"("createdAt":1795312598726)", R"("createdAt":"yesterday")",
     "session record: createdAt must be an integer"},
    {R"("createdAt":1795312598726)", R"("createdAt":1.5)",
     "session record: createdAt must be an integer"},
    {R"("messageCount":12)", R"("messageCount":-1)",
     "session record: messageCount must be a non-negative integer"},
    {R"("nextSeq":13)", R"("nextSeq":1e30)",
     "session record: nextSeq must be a non-negative integer"},
    {R"("workdir":"/home/u/Projects/x")", R"("workdir":false)",
     "session record: workdir must be a string"},
    {R"("v":1)", R"("v":2)", "session record: unsupported record version 2"},
    {R"(,"v":1)", "", "session record: v is missing"},
  };
  for (const auto& r : rows) {
    std::string text = good;
    auto pos = text.find(r.from);
    REQUIRE_MESSAGE(pos != std::string::npos, r.from);
    text.replace(pos, std::string{r.from}.size(), r.to);
    CHECK(expect_error(decode_session_record(text)).message == r.message);
  }
}

TEST_CASE("a session record without a workdir key reads as no workdir") {
  auto text = R"({"id":"k","name":"","agentId":"main","createdAt":1,)"
              R"("updatedAt":2,"messageCount":0,"lastMessagePreview":"",)"
              R"("nextSeq":1,"v":1})";
  auto r = decode_session_record(text);
  REQUIRE(r.has_value());
  CHECK(r->workdir.empty());
  CHECK(r->id == "k");
}

// -- message_record -----------------------------------------------------------

TEST_CASE("a message record round-trips with attachments and request id") {
  auto in = sample_message();
  auto out = decode_message_record(encode_message_record(in));
  REQUIRE(out.has_value());
  CHECK(out->seq == in.seq);
  CHECK(out->id == in.id);
  CHECK(out->role == in.role);
  CHECK(out->content == in.content);
  CHECK(out->created_at == in.created_at);
  CHECK(out->request_id == in.request_id);
  REQUIRE(out->attachments.size() == 2);
  check_equal(out->attachments[0], in.attachments[0]);
  check_equal(out->attachments[1], in.attachments[1]);
}

TEST_CASE("a message record omits empty attachments and request id") {
  message_record m;
  m.seq = 1;
  m.id = "m1";
  m.role = "assistant";
  m.content = "hi";
  m.created_at = 5;
  auto doc = parse(encode_message_record(m));
  CHECK_FALSE(has(doc, "attachments"));
  CHECK_FALSE(has(doc, "requestId"));
  for (const char* key : {"id", "role", "content", "createdAt", "seq", "v"})
    CHECK_MESSAGE(has(doc, key), key);
  CHECK(doc.MemberCount() == 6);
  auto back = decode_message_record(encode_message_record(m));
  REQUIRE(back.has_value());
  CHECK(back->attachments.empty());
  CHECK(back->request_id.empty());
  CHECK(back->role == "assistant");
}

TEST_CASE("message record attachments use the wire names, omitting empties") {
  auto doc = parse(encode_message_record(sample_message()));
  const auto& atts = doc["attachments"];
  REQUIRE(atts.IsArray());
  CHECK(atts[0].MemberCount() == 4);
  CHECK(std::string{atts[0]["mimeType"].GetString()} == "text/markdown");
  CHECK(std::string{atts[0]["textContent"].GetString()} == "# a");
  CHECK(atts[1].MemberCount() == 2);
  CHECK(std::string{atts[1]["dataUrl"].GetString()}
        == "data:image/png;base64,AA");
}

TEST_CASE("a corrupt message record is a storage failure") {
  CHECK(expect_error(decode_message_record("{")).message.find(
          "message record: invalid JSON")
        == 0);
  CHECK(expect_error(decode_message_record("null")).message
        == "message record: expected a JSON object");
  CHECK(expect_error(decode_message_record(
                       R"({"id":"m","role":"user","content":"x",)"
                       R"("createdAt":1,"seq":1})"))
          .message
        == "message record: v is missing");
  CHECK(expect_error(decode_message_record(
                       R"({"id":"m","role":"user","content":7,)"
                       R"("createdAt":1,"seq":1,"v":1})"))
          .message
        == "message record: content must be a string");
  CHECK(expect_error(decode_message_record(
                       R"({"id":"m","role":"user","content":"x",)"
                       R"("createdAt":1,"seq":-4,"v":1})"))
          .message
        == "message record: seq must be a non-negative integer");
  CHECK(expect_error(decode_message_record(
                       R"({"id":"m","role":"user","content":"x","createdAt":1,)"
                       R"("attachments":{},"seq":1,"v":1})"))
          .message
        == "message record: attachments must be an array");
  CHECK(expect_error(decode_message_record(
                       R"({"id":"m","role":"user","content":"x","createdAt":1,)"
                       R"("attachments":[{"kind":"pdf"}],"seq":1,"v":1})"))
          .message
        == "message record: attachments[0].kind must be one of file, image, "
           "audio");
  CHECK(expect_error(decode_message_record(
                       R"({"id":"m","role":"user","content":"x","createdAt":1,)"
                       R"("requestId":5,"seq":1,"v":1})"))
          .message
        == "message record: requestId must be a string");
}

// -- pending_request ----------------------------------------------------------

TEST_CASE("a pending request round-trips with its full request") {
  auto in = sample_pending();
  auto out = decode_pending_request(encode_pending_request(in));
  REQUIRE(out.has_value());
  CHECK(out->seq == in.seq);
  CHECK(out->agent_id == in.agent_id);
  CHECK(out->session_key == in.session_key);
  CHECK(out->request_id == in.request_id);
  CHECK(out->owner == in.owner);
  CHECK(out->accepted_at == in.accepted_at);
  const auto& req = out->request;
  CHECK(req.agent_id == in.request.agent_id);
  CHECK(req.content == in.request.content);
  REQUIRE(req.attachments.size() == 1);
  check_equal(req.attachments[0], in.request.attachments[0]);
  REQUIRE(req.routing);
  CHECK(req.routing->channel == "discord");
  CHECK(req.routing->account_id == "bot");
  CHECK(req.routing->guild_id == "g");
  CHECK(req.routing->team_id == "t");
  REQUIRE(req.routing->peer);
  CHECK(req.routing->peer->kind == "channel");
  CHECK(req.routing->peer->id == "42");
  CHECK(req.routing->thread_id == "th");
  CHECK(req.session_key == in.request.session_key);
  CHECK(req.queue_if_busy == false);
  CHECK(req.workspace == "/w");
}

TEST_CASE("a pending request without routing writes routing null") {
  auto p = sample_pending();
  p.request.routing.reset();
  p.request.queue_if_busy = true;
  auto text = encode_pending_request(p);
  auto doc = parse(text);
  for (const char* key : {"seq", "agentId", "sessionKey", "requestId", "owner",
                          "acceptedAt", "request", "v"})
    CHECK_MESSAGE(has(doc, key), key);
  const auto& req = doc["request"];
  for (const char* key : {"agentId", "content", "attachments", "routing",
                          "sessionKey", "queueIfBusy", "workspace"})
    CHECK_MESSAGE(has(req, key), key);
  CHECK(req["routing"].IsNull());
  auto back = decode_pending_request(text);
  REQUIRE(back.has_value());
  CHECK_FALSE(back->request.routing);
  CHECK(back->request.queue_if_busy);
}

TEST_CASE("a pending request with empty routing keeps routing present") {
  auto p = sample_pending();
  p.request.routing = routing_info{};
  auto back = decode_pending_request(encode_pending_request(p));
  REQUIRE(back.has_value());
  REQUIRE(back->request.routing);
  CHECK(back->request.routing->channel.empty());
  CHECK_FALSE(back->request.routing->peer);
}

TEST_CASE("a corrupt pending request is a storage failure") {
  auto good = encode_pending_request(sample_pending());
  struct row {
    const char* from;
    const char* to;
    const char* message;
  };
  row rows[] = {
    {R"("owner":"cli-1")", R"("owner":null)",
     "pending request: owner must be a string"},
    {R"("seq":3)", R"("seq":"3")",
     "pending request: seq must be a non-negative integer"},
    {R"("request":{)", R"("request":7,"x":{)",
     "pending request: request must be an object"},
    {R"("queueIfBusy":false)", R"("queueIfBusy":0)",
     "pending request: request: queueIfBusy must be a boolean"},
    {R"("attachments":[)", R"("attachmentz":[)",
     "pending request: request: attachments is missing"},
    {R"("routing":{)", R"("routing":"webui","r":{)",
     "pending request: request: routing must be an object"},
    {R"("peer":{"kind":"channel","id":"42"})", R"("peer":{"kind":"channel"})",
     "pending request: request: routing.peer.id must be a non-empty string"},
    {R"("v":1)", R"("v":0)", "pending request: unsupported record version 0"},
  };
  for (const auto& r : rows) {
    std::string text = good;
    auto pos = text.find(r.from);
    REQUIRE_MESSAGE(pos != std::string::npos, r.from);
    text.replace(pos, std::string{r.from}.size(), r.to);
    CHECK(expect_error(decode_pending_request(text)).message == r.message);
  }
  CHECK(expect_error(decode_pending_request("[]")).message
        == "pending request: expected a JSON object");
}

// -- helpers ------------------------------------------------------------------

TEST_CASE("json_array joins encoded values without re-encoding") {
  CHECK(json_array({}) == "[]");
  CHECK(json_array({"1"}) == "[1]");
  CHECK(json_array({R"({"a":1})", R"("x")", "null"})
        == R"([{"a":1},"x",null])");
  auto list = json_array({encode_session_record(sample_session()),
                          encode_session_record(sample_session())});
  rapidjson::Document doc;
  doc.Parse(list.data(), list.size());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(doc.IsArray());
  CHECK(doc.Size() == 2);
}

TEST_CASE("json_string quotes and escapes any text") {
  CHECK(json_string("") == R"("")");
  CHECK(json_string("abc") == R"("abc")");
  CHECK(json_string("a\"b\\c\n") == R"("a\"b\\c\n")");
  CHECK(json_string(std::string("\0\x01", 2)) == R"("\u0000\u0001")");
  CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  auto text = "{\"k\":" + json_string(nasty_text()) + "}";
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["k"].GetString(), doc["k"].GetStringLength())
        == nasty_text());
}

} // TEST_SUITE

TEST_SUITE("protocol/records") {

TEST_CASE("assistant tool calls and tool results round-trip") {
  wingman::protocol::message_record a;
  a.seq = 3;
  a.id = "m3";
  a.role = "assistant";
  a.content = "let me look";
  a.created_at = 5;
  a.tool_calls.push_back({"call_1", "read_file", R"({"path":"a.txt"})"});
  auto back = wingman::protocol::decode_message_record(wingman::protocol::encode_message_record(a));
  REQUIRE(back);
  REQUIRE(back->tool_calls.size() == 1);
  CHECK(back->tool_calls[0].id == "call_1");
  CHECK(back->tool_calls[0].arguments_json == R"({"path":"a.txt"})");
  wingman::protocol::message_record t;
  t.seq = 4;
  t.id = "m4";
  t.role = "tool";
  t.content = "no such file";
  t.tool_call_id = "call_1";
  t.tool_name = "read_file";
  t.is_error = true;
  auto tb = wingman::protocol::decode_message_record(wingman::protocol::encode_message_record(t));
  REQUIRE(tb);
  CHECK(tb->tool_call_id == "call_1");
  CHECK(tb->tool_name == "read_file");
  CHECK(tb->is_error);
  auto plain = wingman::protocol::encode_message_record(wingman::protocol::message_record{});
  CHECK(plain.find("toolCalls") == std::string::npos);
  CHECK(plain.find("isError") == std::string::npos);
  auto bad = wingman::protocol::decode_message_record(
    R"({"id":"x","role":"assistant","content":"","createdAt":1,"seq":1,"toolCalls":[{"id":1}],"v":1})");
  CHECK_FALSE(bad);
}

}
