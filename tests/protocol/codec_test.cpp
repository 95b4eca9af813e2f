#include "protocol/codec.hpp"
#include "protocol/client_view.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <string>

using namespace wingman::protocol;

namespace {

/// Decodes `text`, requiring success.
inbound_frame decode_ok(const std::string& text) {
  auto res = decode_inbound(text);
  INFO("text: " << text << " error: " << res.error.message);
  REQUIRE(res.ok);
  return res.frame;
}

/// Decodes `text`, requiring failure.
decode_error decode_err(const std::string& text) {
  auto res = decode_inbound(text);
  INFO("text: " << text);
  REQUIRE_FALSE(res.ok);
  return res.error;
}

/// Wraps a payload into a `req:agent` frame with id r1.
std::string req_agent(const std::string& payload) {
  return R"({"type":"req:agent","id":"r1","payload":)" + payload
         + R"(,"timestamp":1})";
}

/// Parses an encoded frame for shape checks.
rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  INFO("text: " << text);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

std::string str(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  INFO("key: " << key);
  REQUIRE(it != obj.MemberEnd());
  return str(it->value);
}

bool has(const rapidjson::Value& obj, const char* key) {
  return obj.FindMember(key) != obj.MemberEnd();
}

const rapidjson::Value& member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  INFO("key: " << key);
  REQUIRE(it != obj.MemberEnd());
  return it->value;
}

event_context sample_ctx() {
  event_context ctx;
  ctx.request_id = "r1";
  ctx.client_id = "cli-1";
  ctx.session_id = "agent:main:main";
  ctx.agent_id = "main";
  ctx.ts = 1795312598726;
  return ctx;
}

} // namespace

TEST_SUITE("protocol/codec") {

// -- error codes and frame types ----------------------------------------------

TEST_CASE("error codes keep their published numbers and wire names") {
  struct row {
    error_code code;
    int number;
    const char* name;
  };
  row rows[] = {
    {error_code::none, 0, "NONE"},
    {error_code::invalid_message, 1, "INVALID_MESSAGE"},
    {error_code::invalid_connect, 2, "INVALID_CONNECT"},
    {error_code::invalid_request, 3, "INVALID_REQUEST"},
    {error_code::unknown_message_type, 4, "UNKNOWN_MESSAGE_TYPE"},
    {error_code::rate_limited, 5, "RATE_LIMITED"},
    {error_code::payload_too_large, 6, "PAYLOAD_TOO_LARGE"},
    {error_code::auth_failed, 7, "AUTH_FAILED"},
    {error_code::auth_required, 8, "AUTH_REQUIRED"},
    {error_code::forbidden, 9, "FORBIDDEN"},
    {error_code::not_registered, 10, "NOT_REGISTERED"},
    {error_code::group_not_found, 11, "GROUP_NOT_FOUND"},
    {error_code::node_not_found, 12, "NODE_NOT_FOUND"},
    {error_code::node_not_approved, 13, "NODE_NOT_APPROVED"},
    {error_code::max_nodes_reached, 14, "MAX_NODES_REACHED"},
    {error_code::unavailable, 15, "UNAVAILABLE"},
    {error_code::internal, 16, "INTERNAL"},
    {error_code::queue_full, 17, "QUEUE_FULL"},
    {error_code::agent_not_found, 18, "AGENT_NOT_FOUND"},
    {error_code::session_busy, 19, "SESSION_BUSY"},
    {error_code::cancelled, 20, "CANCELLED"},
    {error_code::storage_failure, 21, "STORAGE_FAILURE"},
    {error_code::config_invalid, 22, "CONFIG_INVALID"},
  };
  for (const auto& r : rows) {
    CHECK(static_cast<int>(r.code) == r.number);
    CHECK(wire_name(r.code) == r.name);
  }
  CHECK(wire_name(static_cast<error_code>(200)) == "INTERNAL");
}

TEST_CASE("frame types have their wire spelling") {
  CHECK(std::string{wire_name(frame_type::connect)} == "connect");
  CHECK(std::string{wire_name(frame_type::req_agent)} == "req:agent");
  CHECK(std::string{wire_name(frame_type::req_agent_cancel)}
        == "req:agent:cancel");
  CHECK(std::string{wire_name(frame_type::session_subscribe)}
        == "session_subscribe");
  CHECK(std::string{wire_name(frame_type::session_unsubscribe)}
        == "session_unsubscribe");
  CHECK(std::string{wire_name(frame_type::broadcast)} == "broadcast");
  CHECK(std::string{wire_name(frame_type::register_node)} == "register");
  CHECK(std::string{wire_name(frame_type::unregister_node)} == "unregister");
  CHECK(std::string{wire_name(frame_type::join_group)} == "join_group");
  CHECK(std::string{wire_name(frame_type::leave_group)} == "leave_group");
  CHECK(std::string{wire_name(frame_type::direct)} == "direct");
  CHECK(std::string{wire_name(frame_type::req_node)} == "req:node");
  CHECK(std::string{wire_name(frame_type::event_node)} == "event:node");
  CHECK(std::string{wire_name(frame_type::res)} == "res");
  CHECK(std::string{wire_name(frame_type::ping)} == "ping");
  CHECK(std::string{wire_name(frame_type::pong)} == "pong");
}

TEST_CASE("every inbound type name decodes to its frame type") {
  const frame_type all[] = {
    frame_type::connect,           frame_type::req_agent,
    frame_type::req_agent_cancel,  frame_type::session_subscribe,
    frame_type::session_unsubscribe, frame_type::broadcast,
    frame_type::register_node,     frame_type::unregister_node,
    frame_type::join_group,        frame_type::leave_group,
    frame_type::direct,            frame_type::req_node,
    frame_type::event_node,        frame_type::res,
    frame_type::ping,              frame_type::pong,
  };
  for (auto t : all) {
    // A valid minimal frame per type.
    std::string payload = R"({"requestId":"x","sessionId":"agent:main:main",)"
                          R"("content":"hi"})";
    std::string text = std::string{R"({"type":")"} + wire_name(t)
                       + R"(","id":"i1","payload":)" + payload
                       + R"(,"timestamp":5})";
    auto frame = decode_ok(text);
    CHECK(frame.type == t);
    CHECK(frame.id == "i1");
    CHECK(frame.timestamp == 5);
  }
}

// -- decode: envelope ---------------------------------------------------------

TEST_CASE("text that is not JSON is INVALID_MESSAGE with the parser offset") {
  auto err = decode_err(R"({"type":"ping","seq":12,})");
  CHECK(err.code == error_code::invalid_message);
  CHECK(err.message
        == "Invalid JSON: offset 24: Missing a name for object member.");
  CHECK(err.id.empty());
  CHECK(decode_err("").message
        == "Invalid JSON: offset 0: The document is empty.");
  CHECK(decode_err("hello").code == error_code::invalid_message);
  CHECK(decode_err(R"({"type":"ping","timestamp":1} {})").message
        == "Invalid JSON: offset 30: The document root must not be followed "
           "by other values.");
  CHECK(decode_err(R"({"type":"ping","timestamp":NaN})").code
        == error_code::invalid_message);
  CHECK(decode_err(R"({"type":"ping", /* c */ "timestamp":1})").code
        == error_code::invalid_message);
  CHECK(decode_err(R"({"type":"ping","timestamp":1,"a":[1,2,]})").code
        == error_code::invalid_message);
  CHECK(decode_err(R"({"type":"ping","timestamp":1e400})").message
        == "Invalid JSON: offset 27: Number too big to be stored in double.");
}

TEST_CASE("a JSON value that is not an object is INVALID_MESSAGE") {
  for (const char* text : {"[]", R"([{"type":"ping","timestamp":1}])", "\"x\"",
                           "42", "null", "true"}) {
    auto err = decode_err(text);
    CHECK(err.code == error_code::invalid_message);
    CHECK(err.message == "Invalid JSON: expected an object");
  }
}

TEST_CASE("a string that is not UTF-8 is INVALID_MESSAGE") {
  std::string text = "{\"type\":\"ping\",\"id\":\"\xff\xfe\",\"timestamp\":1}";
  auto err = decode_err(text);
  CHECK(err.code == error_code::invalid_message);
  CHECK(err.message.find("Invalid encoding in string") != std::string::npos);
}

TEST_CASE("a frame without a string type is INVALID_MESSAGE") {
  auto err = decode_err(R"({"id":"a1","timestamp":1})");
  CHECK(err.code == error_code::invalid_message);
  CHECK(err.message == "Missing type");
  CHECK(err.id == "a1");
  CHECK(decode_err(R"({"type":null,"timestamp":1})").message == "Missing type");
  auto wrong = decode_err(R"({"type":7,"timestamp":1})");
  CHECK(wrong.code == error_code::invalid_message);
  CHECK(wrong.message == "type must be a string");
  CHECK(decode_err(R"({"type":["ping"],"timestamp":1})").message
        == "type must be a string");
}

TEST_CASE("a frame without a numeric timestamp is INVALID_MESSAGE") {
  auto err = decode_err(R"({"type":"ping","id":"p1"})");
  CHECK(err.code == error_code::invalid_message);
  CHECK(err.message == "Missing timestamp");
  CHECK(err.id == "p1");
  auto wrong = decode_err(R"({"type":"ping","timestamp":"1795312598726"})");
  CHECK(wrong.code == error_code::invalid_message);
  CHECK(wrong.message == "timestamp must be a number");
  CHECK(decode_err(R"({"type":"ping","timestamp":{}})").message
        == "timestamp must be a number");
  CHECK(decode_err(R"({"type":"ping","timestamp":null})").message
        == "Missing timestamp");
}

TEST_CASE("timestamps accept integers and doubles within int64 range") {
  CHECK(decode_ok(R"({"type":"ping","timestamp":1795312598726})").timestamp
        == 1795312598726);
  CHECK(decode_ok(R"({"type":"ping","timestamp":1795312598726.9})").timestamp
        == 1795312598726);
  CHECK(decode_ok(R"({"type":"ping","timestamp":-5})").timestamp == -5);
  CHECK(decode_ok(R"({"type":"ping","timestamp":0})").timestamp == 0);
  CHECK(decode_ok(R"({"type":"ping","timestamp":9223372036854775807})")
          .timestamp
        == INT64_MAX);
  CHECK(decode_ok(R"({"type":"ping","timestamp":1e3})").timestamp == 1000);
}

TEST_CASE("huge timestamps are INVALID_MESSAGE, never undefined behaviour") {
  for (const char* ts : {"9223372036854775808", "18446744073709551615",
                         "99999999999999999999999", "1e300", "-1e300"}) {
    auto err = decode_err(std::string{R"({"type":"ping","timestamp":)"} + ts
                          + "}");
    CHECK(err.code == error_code::invalid_message);
    CHECK(err.message == "timestamp is out of range");
  }
}

TEST_CASE("an unknown type is UNKNOWN_MESSAGE_TYPE and echoes the id") {
  auto err = decode_err(R"({"type":"foo","id":"x9","timestamp":1})");
  CHECK(err.code == error_code::unknown_message_type);
  CHECK(err.message == "Unknown message type: foo");
  CHECK(err.id == "x9");
  CHECK(decode_err(R"({"type":"","timestamp":1})").message
        == "Unknown message type: ");
  CHECK(decode_err(R"({"type":"PING","timestamp":1})").code
        == error_code::unknown_message_type);
}

TEST_CASE("an unknown type name is cut to 64 code points in the message") {
  std::string name(500, 'z');
  auto err = decode_err(R"({"type":")" + name + R"(","timestamp":1})");
  CHECK(err.message == "Unknown message type: " + std::string(64, 'z'));
}

TEST_CASE("errors echo the id only when it is a string") {
  CHECK(decode_err(R"({"id":42,"timestamp":1})").id.empty());
  CHECK(decode_err(R"({"id":"s","timestamp":1})").id == "s");
}

TEST_CASE("a non-string id is rejected with the type's own code") {
  auto connect = decode_err(
    R"({"type":"connect","id":5,"client":{},"timestamp":1})");
  CHECK(connect.code == error_code::invalid_connect);
  CHECK(connect.message == "Missing connect id");
  auto req = decode_err(
    R"({"type":"req:agent","id":5,"payload":{"content":"x"},"timestamp":1})");
  CHECK(req.code == error_code::invalid_request);
  CHECK(req.message == "Missing request id");
  auto ping = decode_err(R"({"type":"ping","id":true,"timestamp":1})");
  CHECK(ping.code == error_code::invalid_message);
  CHECK(ping.message == "id must be a string");
}

TEST_CASE("envelope fields are read and wrongly typed ones are rejected") {
  auto frame = decode_ok(R"({"type":"broadcast","id":"b1","clientId":"c1",)"
                         R"("roomId":"swarm-1","targetNodeId":"n1",)"
                         R"("payload":{"content":"x"},"timestamp":3})");
  CHECK(frame.type == frame_type::broadcast);
  CHECK(frame.id == "b1");
  CHECK(frame.client_id == "c1");
  CHECK(frame.room_id == "swarm-1");
  CHECK(frame.target_node_id == "n1");
  CHECK(std::holds_alternative<std::monostate>(frame.body));
  for (const char* key : {"clientId", "roomId", "targetNodeId"}) {
    auto err = decode_err(
      std::string{R"({"type":"ping","id":"p","timestamp":1,")"} + key
      + R"(":1})");
    CHECK(err.code == error_code::invalid_message);
    CHECK(err.message == std::string{key} + " must be a string");
    CHECK(err.id == "p");
  }
}

TEST_CASE("unknown top-level and payload keys are ignored") {
  auto frame = decode_ok(
    R"({"type":"req:agent","id":"r1","extra":{"deep":[1,2]},)"
    R"("payload":{"content":"hi","mystery":true},"timestamp":1})");
  CHECK(std::get<agent_request>(frame.body).content == "hi");
}

TEST_CASE("deeply nested JSON neither crashes nor overflows the stack") {
  std::string deep = R"({"type":"ping","timestamp":1,"x":)"
                     + std::string(100000, '[') + std::string(100000, ']')
                     + "}";
  CHECK(decode_ok(deep).type == frame_type::ping);
  std::string open = std::string(200000, '[');
  CHECK(decode_err(open).code == error_code::invalid_message);
}

TEST_CASE("frames without a decoded body keep the envelope") {
  for (const char* type : {"register", "unregister", "join_group",
                           "leave_group", "direct", "req:node", "event:node",
                           "res", "ping", "pong"}) {
    auto frame = decode_ok(std::string{R"({"type":")"} + type
                           + R"(","id":"z","payload":[1,2],"timestamp":1})");
    CHECK(frame.id == "z");
    CHECK(std::holds_alternative<std::monostate>(frame.body));
  }
  auto ping = decode_ok(R"({"type":"ping","timestamp":1})");
  CHECK(ping.id.empty());
}

// -- decode: connect ----------------------------------------------------------

TEST_CASE("connect decodes client info and auth") {
  auto frame = decode_ok(
    R"({"type":"connect","id":"c1","client":{"instanceId":"cli-1",)"
    R"("clientType":"cli","version":"0.1.0"},"auth":{"token":"sk-1",)"
    R"("password":"pw"},"timestamp":1795312598726})");
  CHECK(frame.type == frame_type::connect);
  CHECK(frame.id == "c1");
  const auto& body = std::get<connect_body>(frame.body);
  REQUIRE(body.client);
  CHECK(body.client->instance_id == "cli-1");
  CHECK(body.client->client_type == "cli");
  CHECK(body.client->version == "0.1.0");
  REQUIRE(body.auth.token);
  CHECK(*body.auth.token == "sk-1");
  REQUIRE(body.auth.password);
  CHECK(*body.auth.password == "pw");
}

TEST_CASE("connect without auth leaves both secrets unset") {
  auto frame = decode_ok(
    R"({"type":"connect","id":"c1","client":{},"timestamp":1})");
  const auto& body = std::get<connect_body>(frame.body);
  REQUIRE(body.client);
  CHECK(body.client->instance_id.empty());
  CHECK_FALSE(body.auth.token);
  CHECK_FALSE(body.auth.password);
  auto only_token = decode_ok(
    R"({"type":"connect","id":"c1","auth":{"token":""},"timestamp":1})");
  const auto& b2 = std::get<connect_body>(only_token.body);
  REQUIRE(b2.auth.token);
  CHECK(b2.auth.token->empty());
  CHECK_FALSE(b2.auth.password);
}

TEST_CASE("connect with a missing or non-object client has no client info") {
  for (const char* client : {"", R"("client":"cli",)", R"("client":[1],)",
                             R"("client":null,)", R"("client":7,)"}) {
    auto frame = decode_ok(std::string{R"({"type":"connect","id":"c1",)"}
                           + client + R"("timestamp":1})");
    CHECK_FALSE(std::get<connect_body>(frame.body).client);
  }
}

TEST_CASE("connect without a string id is INVALID_CONNECT") {
  for (const char* id : {"", R"("id":"",)", R"("id":null,)", R"("id":{},)"}) {
    auto err = decode_err(std::string{R"({"type":"connect",)"} + id
                          + R"("client":{},"timestamp":1})");
    CHECK(err.code == error_code::invalid_connect);
    CHECK(err.message == "Missing connect id");
  }
}

TEST_CASE("connect with wrongly typed auth or client fields is "
          "INVALID_CONNECT") {
  auto auth = decode_err(
    R"({"type":"connect","id":"c1","auth":"sk","timestamp":1})");
  CHECK(auth.code == error_code::invalid_connect);
  CHECK(auth.message == "auth must be an object");
  CHECK(auth.id == "c1");
  auto token = decode_err(
    R"({"type":"connect","id":"c1","auth":{"token":123},"timestamp":1})");
  CHECK(token.code == error_code::invalid_connect);
  CHECK(token.message == "auth.token must be a string");
  auto pw = decode_err(
    R"({"type":"connect","id":"c1","auth":{"password":false},"timestamp":1})");
  CHECK(pw.message == "auth.password must be a string");
  auto inst = decode_err(
    R"({"type":"connect","id":"c1","client":{"instanceId":1},"timestamp":1})");
  CHECK(inst.code == error_code::invalid_connect);
  CHECK(inst.message == "client.instanceId must be a string");
  CHECK(decode_err(R"({"type":"connect","id":"c1","client":{"clientType":[]},)"
                   R"("timestamp":1})")
          .message
        == "client.clientType must be a string");
  CHECK(decode_err(R"({"type":"connect","id":"c1","client":{"version":2},)"
                   R"("timestamp":1})")
          .message
        == "client.version must be a string");
}

// -- decode: req:agent --------------------------------------------------------

TEST_CASE("req:agent decodes every payload field") {
  auto frame = decode_ok(req_agent(
    R"({"agentId":"main","content":"Review the auth code",)"
    R"("attachments":[{"kind":"file","name":"notes.md",)"
    R"("mimeType":"text/markdown","textContent":"# hi"},)"
    R"({"kind":"image","dataUrl":"data:image/png;base64,AAA"},)"
    R"({"kind":"audio","dataUrl":"data:audio/wav;base64,BBB"}],)"
    R"("routing":{"channel":"webui","accountId":"a1","guildId":"g1",)"
    R"("teamId":"t1","peer":{"kind":"dm","id":"user-123"},"threadId":"th1"},)"
    R"("sessionKey":"agent:main:main","queueIfBusy":false,)"
    R"("execution":{"workspace":"/abs/path"}})"));
  CHECK(frame.type == frame_type::req_agent);
  CHECK(frame.id == "r1");
  const auto& req = std::get<agent_request>(frame.body);
  CHECK(req.agent_id == "main");
  CHECK(req.content == "Review the auth code");
  REQUIRE(req.attachments.size() == 3);
  CHECK(req.attachments[0].kind == "file");
  CHECK(req.attachments[0].name == "notes.md");
  CHECK(req.attachments[0].mime_type == "text/markdown");
  CHECK(req.attachments[0].text_content == "# hi");
  CHECK(req.attachments[0].data_url.empty());
  CHECK(req.attachments[1].kind == "image");
  CHECK(req.attachments[1].data_url == "data:image/png;base64,AAA");
  CHECK(req.attachments[2].kind == "audio");
  REQUIRE(req.routing);
  CHECK(req.routing->channel == "webui");
  CHECK(req.routing->account_id == "a1");
  CHECK(req.routing->guild_id == "g1");
  CHECK(req.routing->team_id == "t1");
  REQUIRE(req.routing->peer);
  CHECK(req.routing->peer->kind == "dm");
  CHECK(req.routing->peer->id == "user-123");
  CHECK(req.routing->thread_id == "th1");
  CHECK(req.session_key == "agent:main:main");
  CHECK_FALSE(req.queue_if_busy);
  CHECK(req.workspace == "/abs/path");
}

TEST_CASE("req:agent fields default when absent or null") {
  auto frame = decode_ok(req_agent("{}"));
  const auto& req = std::get<agent_request>(frame.body);
  CHECK(req.agent_id.empty());
  CHECK(req.content.empty());
  CHECK(req.attachments.empty());
  CHECK_FALSE(req.routing);
  CHECK(req.session_key.empty());
  CHECK(req.queue_if_busy);
  CHECK(req.workspace.empty());
  auto nulls = decode_ok(req_agent(
    R"({"agentId":null,"content":null,"attachments":null,"routing":null,)"
    R"("sessionKey":null,"queueIfBusy":null,"execution":null})"));
  const auto& r2 = std::get<agent_request>(nulls.body);
  CHECK_FALSE(r2.routing);
  CHECK(r2.queue_if_busy);
  auto empty_exec = decode_ok(req_agent(R"({"execution":{}})"));
  CHECK(std::get<agent_request>(empty_exec.body).workspace.empty());
  auto empty_strings =
    decode_ok(req_agent(R"({"agentId":"","sessionKey":""})"));
  CHECK(std::get<agent_request>(empty_strings.body).session_key.empty());
}

TEST_CASE("req:agent without a request id is INVALID_REQUEST") {
  for (const char* id : {"", R"("id":"",)", R"("id":null,)"}) {
    auto err = decode_err(std::string{R"({"type":"req:agent",)"} + id
                          + R"("payload":{"content":"x"},"timestamp":1})");
    CHECK(err.code == error_code::invalid_request);
    CHECK(err.message == "Missing request id");
  }
}

TEST_CASE("req:agent with a payload that is not an object is INVALID_REQUEST") {
  for (const char* payload : {"[]", "\"hi\"", "null", "1"}) {
    auto err = decode_err(req_agent(payload));
    CHECK(err.code == error_code::invalid_request);
    CHECK(err.message == "payload must be an object");
    CHECK(err.id == "r1");
  }
  auto missing = decode_err(R"({"type":"req:agent","id":"r1","timestamp":1})");
  CHECK(missing.message == "payload must be an object");
}

TEST_CASE("req:agent names each wrongly typed field") {
  struct row {
    const char* payload;
    const char* message;
  };
  row rows[] = {
    {R"({"content":5})", "payload.content must be a string"},
    {R"({"content":["a"]})", "payload.content must be a string"},
    {R"({"agentId":1})", "payload.agentId must be a string"},
    {R"({"sessionKey":{}})", "payload.sessionKey must be a string"},
    {R"({"queueIfBusy":"yes"})", "payload.queueIfBusy must be a boolean"},
    {R"({"queueIfBusy":1})", "payload.queueIfBusy must be a boolean"},
    {R"({"attachments":{}})", "payload.attachments must be an array"},
    {R"({"attachments":"a"})", "payload.attachments must be an array"},
    {R"({"attachments":[{"kind":"file"},7]})",
     "payload.attachments[1] must be an object"},
    {R"({"attachments":[{"kind":"file"},{"kind":"video"}]})",
     "payload.attachments[1].kind must be one of file, image, audio"},
    {R"({"attachments":[{"name":"x"}]})",
     "payload.attachments[0].kind must be one of file, image, audio"},
    {R"({"attachments":[{"kind":3}]})",
     "payload.attachments[0].kind must be one of file, image, audio"},
    {R"({"attachments":[{"kind":"file","name":1}]})",
     "payload.attachments[0].name must be a string"},
    {R"({"attachments":[{"kind":"file","mimeType":1}]})",
     "payload.attachments[0].mimeType must be a string"},
    {R"({"attachments":[{"kind":"file","textContent":[]}]})",
     "payload.attachments[0].textContent must be a string"},
    {R"({"attachments":[{"kind":"image","dataUrl":{}}]})",
     "payload.attachments[0].dataUrl must be a string"},
    {R"({"routing":"webui"})", "payload.routing must be an object"},
    {R"({"routing":{"channel":1}})",
     "payload.routing.channel must be a string"},
    {R"({"routing":{"channel":"d","accountId":true}})",
     "payload.routing.accountId must be a string"},
    {R"({"routing":{"guildId":1}})",
     "payload.routing.guildId must be a string"},
    {R"({"routing":{"teamId":1}})", "payload.routing.teamId must be a string"},
    {R"({"routing":{"threadId":1}})",
     "payload.routing.threadId must be a string"},
    {R"({"routing":{"peer":"u1"}})", "payload.routing.peer must be an object"},
    {R"({"routing":{"peer":{"kind":"dm"}}})",
     "payload.routing.peer.id must be a non-empty string"},
    {R"({"routing":{"peer":{"id":"u1"}}})",
     "payload.routing.peer.kind must be a non-empty string"},
    {R"({"routing":{"peer":{"kind":"","id":"u1"}}})",
     "payload.routing.peer.kind must be a non-empty string"},
    {R"({"routing":{"peer":{"kind":"dm","id":5}}})",
     "payload.routing.peer.id must be a non-empty string"},
    {R"({"execution":"here"})", "payload.execution must be an object"},
    {R"({"execution":{"workspace":1}})",
     "payload.execution.workspace must be a string"},
  };
  for (const auto& r : rows) {
    auto err = decode_err(req_agent(r.payload));
    CHECK(err.code == error_code::invalid_request);
    CHECK(err.message == r.message);
    CHECK(err.id == "r1");
  }
}

TEST_CASE("req:agent rejects invalid session keys and agent ids") {
  auto ctl = decode_err(req_agent(R"({"sessionKey":"agent:main:\u0001"})"));
  CHECK(ctl.code == error_code::invalid_request);
  CHECK(ctl.message
        == "payload.sessionKey: session key contains a control character");
  auto nl = decode_err(req_agent(R"({"sessionKey":"a\nb"})"));
  CHECK(nl.message.find("payload.sessionKey") == 0);
  auto long_key = decode_err(
    req_agent(R"({"sessionKey":")" + std::string(257, 'k') + R"("})"));
  CHECK(long_key.message
        == "payload.sessionKey: session key is longer than 256 bytes");
  CHECK(decode_ok(req_agent(R"({"sessionKey":")" + std::string(256, 'k')
                            + R"("})"))
          .type
        == frame_type::req_agent);
  auto agent = decode_err(req_agent(R"({"agentId":"bad id!"})"));
  CHECK(agent.code == error_code::invalid_request);
  CHECK(agent.message.find("payload.agentId: agent id may only contain")
        == 0);
  auto long_agent = decode_err(
    req_agent(R"({"agentId":")" + std::string(65, 'a') + R"("})"));
  CHECK(long_agent.message
        == "payload.agentId: agent id is longer than 64 characters");
}

TEST_CASE("req:agent rejects routing parts that cannot form a session key") {
  auto ctl = decode_err(req_agent(R"({"routing":{"channel":"a\u0000b"}})"));
  CHECK(ctl.code == error_code::invalid_request);
  CHECK(ctl.message
        == "payload.routing.channel must be at most 256 bytes of UTF-8 text "
           "without control characters");
  auto big = decode_err(req_agent(R"({"routing":{"peer":{"kind":"dm","id":")"
                                  + std::string(300, 'x') + R"("}}})"));
  CHECK(big.message.find("payload.routing.peer.id must be at most") == 0);
}

TEST_CASE("req:agent keeps unicode, escapes and embedded NULs exactly") {
  auto frame = decode_ok(req_agent(
    R"({"content":"h\u00e9llo \u4e16\u754c \ud83d\ude00 )"
    R"(a\u0000b \"q\" \\ /"})"));
  const auto& req = std::get<agent_request>(frame.body);
  std::string want = "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80 a";
  want += '\0';
  want += "b \"q\" \\ /";
  CHECK(req.content == want);
  CHECK(req.content.size() == want.size());
  auto raw =
    decode_ok(req_agent("{\"content\":\"caf\xc3\xa9 \xf0\x9f\x8e\x89\"}"));
  CHECK(std::get<agent_request>(raw.body).content
        == "caf\xc3\xa9 \xf0\x9f\x8e\x89");
}

TEST_CASE("req:agent rejects an invalid surrogate escape") {
  auto err = decode_err(req_agent(R"({"content":"\ud800x"})"));
  CHECK(err.code == error_code::invalid_message);
  CHECK(err.message.find("surrogate") != std::string::npos);
}

// -- decode: cancel and subscriptions -----------------------------------------

TEST_CASE("req:agent:cancel decodes the request id") {
  auto frame = decode_ok(R"({"type":"req:agent:cancel","id":"k1",)"
                         R"("payload":{"requestId":"r2"},"timestamp":1})");
  CHECK(frame.type == frame_type::req_agent_cancel);
  CHECK(frame.id == "k1");
  CHECK(std::get<cancel_body>(frame.body).request_id == "r2");
}

TEST_CASE("req:agent:cancel without payload.requestId is INVALID_REQUEST") {
  for (const char* payload : {"", R"("payload":{},)", R"("payload":null,)",
                              R"("payload":{"requestId":""},)",
                              R"("payload":{"requestId":null},)"}) {
    auto err = decode_err(
      std::string{R"({"type":"req:agent:cancel","id":"k1",)"} + payload
      + R"("timestamp":1})");
    CHECK(err.code == error_code::invalid_request);
    CHECK(err.message == "Missing requestId");
    CHECK(err.id == "k1");
  }
  auto typed = decode_err(R"({"type":"req:agent:cancel","id":"k1",)"
                          R"("payload":{"requestId":7},"timestamp":1})");
  CHECK(typed.message == "payload.requestId must be a string");
  auto arr = decode_err(R"({"type":"req:agent:cancel","id":"k1",)"
                        R"("payload":["r2"],"timestamp":1})");
  CHECK(arr.code == error_code::invalid_request);
  CHECK(arr.message == "payload must be an object");
}

TEST_CASE("session_subscribe and session_unsubscribe decode the session") {
  auto sub = decode_ok(R"({"type":"session_subscribe","payload":)"
                       R"({"sessionId":"agent:main:main"},"timestamp":1})");
  CHECK(sub.type == frame_type::session_subscribe);
  CHECK(sub.id.empty());
  const auto& body = std::get<subscribe_body>(sub.body);
  CHECK(body.session_id == "agent:main:main");
  CHECK(body.agent_id.empty());
  auto unsub = decode_ok(R"({"type":"session_unsubscribe","id":"u1","payload":)"
                         R"({"sessionId":"s","agentId":"ops"},"timestamp":1})");
  CHECK(unsub.type == frame_type::session_unsubscribe);
  CHECK(std::get<subscribe_body>(unsub.body).agent_id == "ops");
}

TEST_CASE("subscriptions without a valid sessionId are INVALID_REQUEST") {
  for (const char* type : {"session_subscribe", "session_unsubscribe"}) {
    std::string head = std::string{R"({"type":")"} + type + R"(","id":"s1",)";
    auto missing = decode_err(head + R"("timestamp":1})");
    CHECK(missing.code == error_code::invalid_request);
    CHECK(missing.message == "Missing sessionId");
    CHECK(missing.id == "s1");
    CHECK(decode_err(head + R"("payload":{"sessionId":""},"timestamp":1})")
            .message
          == "Missing sessionId");
    CHECK(decode_err(head + R"("payload":{"sessionId":3},"timestamp":1})")
            .message
          == "payload.sessionId must be a string");
    CHECK(decode_err(head + R"("payload":{"sessionId":"a\tb"},"timestamp":1})")
            .message
          == "payload.sessionId: session key contains a control character");
    CHECK(decode_err(head + R"("payload":{"sessionId":"s","agentId":"a b"},)"
                            R"("timestamp":1})")
            .message.find("payload.agentId:")
          == 0);
    CHECK(decode_err(head + R"("payload":{"sessionId":"s","agentId":1},)"
                            R"("timestamp":1})")
            .message
          == "payload.agentId must be a string");
  }
}

// -- check_agent_request and preview ------------------------------------------

TEST_CASE("a request needs content or at least one attachment") {
  agent_request req;
  CHECK(check_agent_request(req) == "Missing agent content");
  req.content = "hi";
  CHECK(check_agent_request(req).empty());
  req.content.clear();
  req.attachments.push_back(attachment{"image", "", "", "", "data:x"});
  CHECK(check_agent_request(req).empty());
}

TEST_CASE("preview keeps at most max_chars code points without splitting one") {
  CHECK(preview("hello", 3) == "hel");
  CHECK(preview("hello", 10) == "hello");
  CHECK(preview("hello", 0).empty());
  CHECK(preview("", 5).empty());
  CHECK(preview("h\xc3\xa9llo", 2) == "h\xc3\xa9");
  CHECK(preview("\xe4\xb8\x96\xe7\x95\x8c!", 1) == "\xe4\xb8\x96");
  CHECK(preview("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 1) == "\xf0\x9f\x98\x80");
  // A sequence cut off by the end of the input is dropped.
  CHECK(preview("ab\xf0\x9f", 10) == "ab");
  std::string long_text(1000, 'x');
  CHECK(preview(long_text).size() == 200);
}

// -- encoding -----------------------------------------------------------------

TEST_CASE("res frames carry ok, a string payload and the timestamp") {
  auto text = encode_res("c1", true, "gateway-ready", 1795312598729);
  CHECK(text
        == R"({"type":"res","id":"c1","ok":true,"payload":"gateway-ready",)"
           R"("timestamp":1795312598729})");
  auto doc = parse(encode_res("c1", false, "authentication failed", 1));
  CHECK(doc["ok"].IsFalse());
  CHECK(str(doc, "payload") == "authentication failed");
  CHECK_FALSE(has(parse(encode_res("", true, "x", 1)), "id"));
}

TEST_CASE("error frames carry code, message and optional retryAfterMs") {
  auto doc = parse(
    encode_error("r1", error_code::invalid_message, "Missing type", 7));
  CHECK(str(doc, "type") == "error");
  CHECK(str(doc, "id") == "r1");
  CHECK(doc["timestamp"].GetInt64() == 7);
  const auto& payload = member(doc, "payload");
  CHECK(str(payload, "code") == "INVALID_MESSAGE");
  CHECK(str(payload, "message") == "Missing type");
  CHECK_FALSE(has(payload, "retryAfterMs"));
  auto limited = parse(encode_error("", error_code::rate_limited, "slow down",
                                    7, 1500));
  CHECK_FALSE(has(limited, "id"));
  CHECK(member(limited, "payload")["retryAfterMs"].GetInt64() == 1500);
  CHECK(member(parse(encode_error("", error_code::rate_limited, "x", 7, 0)),
               "payload")["retryAfterMs"]
          .GetInt64()
        == 0);
}

TEST_CASE("pong echoes the id when there is one") {
  CHECK(encode_pong("p1", 5) == R"({"type":"pong","id":"p1","timestamp":5})");
  CHECK(encode_pong("", 5) == R"({"type":"pong","timestamp":5})");
}

TEST_CASE("queued and dequeued acks have the PROTOCOL shape") {
  CHECK(encode_ack_queued("r2", "agent:main:main", "main", 1, 9)
        == R"({"type":"ack","id":"r2","payload":{"action":"req:agent",)"
           R"("status":"queued","requestId":"r2",)"
           R"("sessionId":"agent:main:main",)"
           R"("agentId":"main","position":1},"timestamp":9})");
  CHECK(encode_ack_dequeued("r2", "agent:main:main", "main", 0, 9)
        == R"({"type":"ack","id":"r2","payload":{"action":"req:agent",)"
           R"("status":"dequeued","requestId":"r2",)"
           R"("sessionId":"agent:main:main","agentId":"main","remaining":0},)"
           R"("timestamp":9})");
}

TEST_CASE("cancel acks name the cancelled request and the status") {
  for (const char* status : {"cancelled", "cancelled_queued", "not_found"}) {
    auto doc = parse(encode_ack_cancel("k1", "r2", status, 3));
    CHECK(str(doc, "type") == "ack");
    CHECK(str(doc, "id") == "k1");
    const auto& payload = member(doc, "payload");
    CHECK(str(payload, "action") == "req:agent:cancel");
    CHECK(str(payload, "requestId") == "r2");
    CHECK(str(payload, "status") == status);
  }
}

TEST_CASE("subscription acks carry the action, session and optional agent") {
  CHECK(encode_ack_subscription("", "session_subscribe", "agent:main:main", "",
                                4)
        == R"({"type":"ack","payload":{"action":"session_subscribe",)"
           R"("sessionId":"agent:main:main"},"timestamp":4})");
  auto doc = parse(encode_ack_subscription("u1", "session_unsubscribe", "s",
                                           "ops", 4));
  CHECK(str(doc, "id") == "u1");
  CHECK(str(member(doc, "payload"), "action") == "session_unsubscribe");
  CHECK(str(member(doc, "payload"), "agentId") == "ops");
}

TEST_CASE("agent-start carries agent, prompt and an ISO timestamp") {
  auto doc = parse(encode_agent_start(sample_ctx(), "Main agent", "Review"));
  CHECK(str(doc, "type") == "event:agent");
  CHECK(str(doc, "id") == "r1");
  CHECK(str(doc, "clientId") == "cli-1");
  CHECK(doc["timestamp"].GetInt64() == 1795312598726);
  const auto& p = member(doc, "payload");
  CHECK(str(p, "type") == "agent-start");
  CHECK(str(p, "agent") == "Main agent");
  CHECK(str(p, "prompt") == "Review");
  CHECK(str(p, "timestamp") == "2026-11-22T01:56:38.726Z");
  CHECK(str(p, "sessionId") == "agent:main:main");
  CHECK(str(p, "agentId") == "main");
}

TEST_CASE("event frames omit clientId when the requester has none") {
  auto ctx = sample_ctx();
  ctx.client_id = {};
  auto doc = parse(encode_request_queued(ctx, 2));
  CHECK_FALSE(has(doc, "clientId"));
  CHECK(str(member(doc, "payload"), "type") == "request-queued");
  CHECK(member(doc, "payload")["position"].GetUint64() == 2);
}

TEST_CASE("agent-stream wraps the delta in an on_chat_model_stream chunk") {
  CHECK(encode_agent_stream_text(sample_ctx(), "turn-1", "echo", "Hel")
        == R"({"type":"event:agent","id":"r1","clientId":"cli-1",)"
           R"("payload":{"type":"agent-stream","chunk":{)"
           R"("event":"on_chat_model_stream","run_id":"turn-1","name":"echo",)"
           R"("metadata":{"langgraph_node":"model_request",)"
           R"("thread_id":"agent:main:main"},)"
           R"("data":{"chunk":{"content":"Hel"}}},)"
           R"("sessionId":"agent:main:main","agentId":"main"},)"
           R"("timestamp":1795312598726})");
}

TEST_CASE("agent-complete carries response, streaming and usage") {
  auto doc = parse(encode_agent_complete(sample_ctx(), "Done.", {10, 5, 15}));
  const auto& p = member(doc, "payload");
  CHECK(str(p, "type") == "agent-complete");
  const auto& result = member(p, "result");
  CHECK(str(result, "response") == "Done.");
  CHECK(result["streaming"].IsTrue());
  const auto& usage = member(result, "usage");
  CHECK(usage["input_tokens"].GetInt64() == 10);
  CHECK(usage["output_tokens"].GetInt64() == 5);
  CHECK(usage["total_tokens"].GetInt64() == 15);
  CHECK(str(p, "sessionId") == "agent:main:main");
}

TEST_CASE("agent-error carries the message and the code unless none") {
  auto doc = parse(encode_agent_error(sample_ctx(), "Queue is full",
                                      error_code::queue_full));
  const auto& p = member(doc, "payload");
  CHECK(str(p, "type") == "agent-error");
  CHECK(str(p, "error") == "Queue is full");
  CHECK(str(p, "code") == "QUEUE_FULL");
  auto plain = parse(encode_agent_error(sample_ctx(), "Missing agent content",
                                        error_code::none));
  CHECK_FALSE(has(member(plain, "payload"), "code"));
}

TEST_CASE("session-message re-encodes attachments and routing, omitting "
          "empties") {
  agent_request req;
  req.content = "hello";
  req.attachments.push_back({"file", "notes.md", "text/markdown", "# x", ""});
  req.attachments.push_back({"image", "", "", "", "data:image/png;base64,A"});
  routing_info r;
  r.channel = "discord";
  r.account_id = "bot";
  r.peer = peer_ref{"channel", "42"};
  req.routing = r;
  auto doc = parse(encode_session_message(sample_ctx(), req));
  const auto& p = member(doc, "payload");
  CHECK(str(p, "type") == "session-message");
  CHECK(str(p, "role") == "user");
  CHECK(str(p, "content") == "hello");
  const auto& atts = member(p, "attachments");
  REQUIRE(atts.IsArray());
  REQUIRE(atts.Size() == 2);
  CHECK(atts[0].MemberCount() == 4);
  CHECK(str(atts[0], "kind") == "file");
  CHECK(str(atts[0], "name") == "notes.md");
  CHECK(str(atts[0], "mimeType") == "text/markdown");
  CHECK(str(atts[0], "textContent") == "# x");
  CHECK(atts[1].MemberCount() == 2);
  CHECK(str(atts[1], "dataUrl") == "data:image/png;base64,A");
  const auto& routing = member(p, "routing");
  CHECK(routing.MemberCount() == 3);
  CHECK(str(routing, "channel") == "discord");
  CHECK(str(routing, "accountId") == "bot");
  CHECK(str(member(routing, "peer"), "kind") == "channel");
  CHECK(str(member(routing, "peer"), "id") == "42");
  CHECK(str(p, "sessionId") == "agent:main:main");
  CHECK(str(p, "agentId") == "main");
}

TEST_CASE("session-message without routing has no routing key") {
  agent_request req;
  req.content = "x";
  auto doc = parse(encode_session_message(sample_ctx(), req));
  const auto& p = member(doc, "payload");
  CHECK_FALSE(has(p, "routing"));
  CHECK(member(p, "attachments").IsArray());
  CHECK(member(p, "attachments").Size() == 0);
}

TEST_CASE("a decoded request re-encodes to the same fields") {
  auto frame = decode_ok(req_agent(
    R"({"content":"hi","attachments":[{"kind":"audio","dataUrl":"d"}],)"
    R"("routing":{"channel":"slack","teamId":"T1","threadId":"th"}})"));
  auto doc = parse(encode_session_message(sample_ctx(),
                                          std::get<agent_request>(frame.body)));
  const auto& p = member(doc, "payload");
  CHECK(str(member(p, "attachments")[0], "kind") == "audio");
  CHECK(str(member(p, "routing"), "teamId") == "T1");
  CHECK(str(member(p, "routing"), "threadId") == "th");
  CHECK_FALSE(has(member(p, "routing"), "peer"));
}

TEST_CASE("encoders escape control characters and keep UTF-8 intact") {
  std::string nasty = "line1\nline2\t\"q\"\\ \x01 \x7f caf\xc3\xa9 "
                      "\xf0\x9f\x98\x80";
  nasty += '\0';
  nasty += "end";
  auto text = encode_agent_stream_text(sample_ctx(), "t", "m", nasty);
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find("\\u0001") != std::string::npos);
  CHECK(text.find("\\u0000") != std::string::npos);
  auto doc = parse(text);
  const auto& content =
    member(member(member(member(doc, "payload"), "chunk"), "data"), "chunk");
  CHECK(str(content, "content") == nasty);
  // An escape after more than a word of plain bytes, in both encoders.
  std::string mixed = std::string(19, 'a') + "\"" + std::string(9, 'b');
  std::string want = std::string(19, 'a') + "\\\"" + std::string(9, 'b');
  CHECK(encode_agent_stream_text(sample_ctx(), "t", "m", mixed).find(want)
        != std::string::npos);
  CHECK(encode_res(mixed, true, "", 1).find(want) != std::string::npos);
  auto res = parse(encode_res(nasty, true, nasty, 1));
  CHECK(str(res, "id") == nasty);
  CHECK(str(res, "payload") == nasty);
}

TEST_CASE("iso8601 formats UTC with milliseconds") {
  CHECK(iso8601(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso8601(1795312598726) == "2026-11-22T01:56:38.726Z");
  CHECK(iso8601(1709168523004) == "2024-02-29T01:02:03.004Z");
  CHECK(iso8601(253402300800000) == "10000-01-01T00:00:00.000Z");
  CHECK(iso8601(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(iso8601(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(iso8601(253402300799999) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("now_ms reads the wall clock in milliseconds") {
  auto a = now_ms();
  CHECK(a > 1700000000000);
  CHECK(now_ms() >= a);
}

} // TEST_SUITE

TEST_SUITE("protocol/codec") {

TEST_CASE("tool events and their chunks carry name, input and output") {
  using namespace wingman::protocol;
  event_context ctx{"r1", "cli-1", "agent:main:main", "main", 7};
  auto start = encode_tool_event(ctx, tool_phase::start, "read_file", R"({"path":"a"})", "");
  CHECK(start.find(R"("type":"tool-start")") != std::string::npos);
  CHECK(start.find(R"("toolInput":{"path":"a"})") != std::string::npos);
  auto end = encode_tool_event(ctx, tool_phase::end, "read_file", "", "line \"1\"");
  CHECK(end.find(R"("toolOutput":"line \"1\"")") != std::string::npos);
  CHECK(end.find("isError") == std::string::npos);
  auto err = encode_tool_event(ctx, tool_phase::error, "read_file", "", "missing");
  CHECK(err.find(R"("type":"tool-end")") != std::string::npos);
  CHECK(err.find(R"("isError":true)") != std::string::npos);
  auto chunk = encode_agent_stream_tool(ctx, tool_phase::start, "call_9", "ls", "", "");
  CHECK(chunk.find(R"("event":"on_tool_start","run_id":"call_9","name":"ls","data":{"input":{}})")
        != std::string::npos);
  auto chunk_err = encode_agent_stream_tool(ctx, tool_phase::error, "call_9", "ls", "", "denied");
  CHECK(chunk_err.find(R"("event":"on_tool_error")") != std::string::npos);
  CHECK(chunk_err.find(R"("data":{"error":"denied"})") != std::string::npos);
  for (auto* f : {&start, &end, &chunk})
    CHECK(view_frame(*f).has_value());
}

TEST_CASE("agent-start and agent-complete bytes are stable") {
  // Pinned bytes (the writer's output before these frames were built from
  // constant pieces): escapes, the optional id and clientId, field order.
  usage_info u;
  u.input_tokens = 3;
  u.output_tokens = 4;
  u.total_tokens = 7;
  event_context bare{"", "", "agent:main:s\n1", "ma\"in", 1764892800123};
  event_context full{"r\"1", "cli\\ent", "agent:main:s\n1", "ma\"in", 1764892800123};
  CHECK(encode_agent_start(bare, "Ma\"in", "hi \x01 there")
        == R"GOLD({"type":"event:agent","payload":{"type":"agent-start","agent":"Ma\"in","prompt":"hi \u0001 there","timestamp":"2025-12-05T00:00:00.123Z","sessionId":"agent:main:s\n1","agentId":"ma\"in"},"timestamp":1764892800123})GOLD");
  CHECK(encode_agent_complete(bare, "res\"ponse\n", u)
        == R"GOLD({"type":"event:agent","payload":{"type":"agent-complete","result":{"response":"res\"ponse\n","streaming":true,"usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7}},"sessionId":"agent:main:s\n1","agentId":"ma\"in"},"timestamp":1764892800123})GOLD");
  CHECK(encode_agent_start(full, "Ma\"in", "hi \x01 there")
        == R"GOLD({"type":"event:agent","id":"r\"1","clientId":"cli\\ent","payload":{"type":"agent-start","agent":"Ma\"in","prompt":"hi \u0001 there","timestamp":"2025-12-05T00:00:00.123Z","sessionId":"agent:main:s\n1","agentId":"ma\"in"},"timestamp":1764892800123})GOLD");
  CHECK(encode_agent_complete(full, "res\"ponse\n", u)
        == R"GOLD({"type":"event:agent","id":"r\"1","clientId":"cli\\ent","payload":{"type":"agent-complete","result":{"response":"res\"ponse\n","streaming":true,"usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7}},"sessionId":"agent:main:s\n1","agentId":"ma\"in"},"timestamp":1764892800123})GOLD");
}

}
