// wingman-fake-llm over the wire: the real binary on 127.0.0.1 port 0,
// driven with the providers' streaming HTTP client.
#include "support/fake_llm_process.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

using namespace wingman;
using namespace wingman::test;
using namespace std::chrono_literals;
using transport::http_error_kind;

namespace {

/// One SSE event: its `event:` name (may be empty) and `data:` payload.
struct sse_event {
  std::string name;
  std::string data;
};

/// Splits an SSE body; every event must end with a blank line.
std::vector<sse_event> parse_sse(const std::string& body) {
  std::vector<sse_event> out;
  REQUIRE_MESSAGE(body.size() >= 2, body);
  CHECK_MESSAGE(body.compare(body.size() - 2, 2, "\n\n") == 0, "body must end with \\n\\n");
  size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    auto block = body.substr(pos, end - pos);
    pos = end + 2;
    sse_event ev;
    size_t lpos = 0;
    while (lpos <= block.size()) {
      auto lend = block.find('\n', lpos);
      if (lend == std::string::npos)
        lend = block.size();
      auto line = block.substr(lpos, lend - lpos);
      lpos = lend + 1;
      if (line.rfind("event: ", 0) == 0)
        ev.name = line.substr(7);
      else if (line.rfind("data: ", 0) == 0)
        ev.data = line.substr(6);
      else
        FAIL("unexpected SSE line: " << line);
    }
    out.push_back(ev);
  }
  return out;
}

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(text.c_str(), text.size());
  REQUIRE_MESSAGE(!d.HasParseError(), "not valid JSON: " << text);
  return d;
}

std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

std::string user_request(const std::string& model, const std::string& content,
                         const std::string& extra = R"(,"stream":true)") {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":)" + content
         + "}]" + extra + "}";
}

/// The OpenAI stream, checked for framing; returns the chunk objects
/// (without the final [DONE]).
std::vector<rapidjson::Document> openai_chunks(const fetched& f) {
  REQUIRE_MESSAGE(f.result.ok(), f.result.message);
  CHECK(f.status == 200);
  CHECK(f.header("Content-Type") == "text/event-stream");
  auto events = parse_sse(f.body);
  REQUIRE(!events.empty());
  CHECK(events.back().data == "[DONE]");
  std::vector<rapidjson::Document> out;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    CHECK(events[i].name.empty());
    auto d = parse_json(events[i].data);
    CHECK(str(d["object"]) == "chat.completion.chunk");
    out.push_back(std::move(d));
  }
  return out;
}

/// Content deltas of an OpenAI stream, in order.
std::vector<std::string> openai_contents(const std::vector<rapidjson::Document>& chunks) {
  std::vector<std::string> out;
  for (auto& c : chunks) {
    if (c["choices"].Empty())
      continue;
    auto& delta = c["choices"][0]["delta"];
    if (delta.HasMember("content") && delta["content"].IsString())
      out.push_back(str(delta["content"]));
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (auto& p : parts)
    out += p;
  return out;
}

/// Anthropic events with their data parsed; checks `data.type == event`.
std::vector<std::pair<std::string, rapidjson::Document>> anthropic_events(const fetched& f) {
  REQUIRE_MESSAGE(f.result.ok(), f.result.message);
  CHECK(f.status == 200);
  std::vector<std::pair<std::string, rapidjson::Document>> out;
  for (auto& ev : parse_sse(f.body)) {
    auto d = parse_json(ev.data);
    CHECK(str(d["type"]) == ev.name);
    out.emplace_back(ev.name, std::move(d));
  }
  return out;
}

std::vector<std::string> names(const std::vector<std::pair<std::string, rapidjson::Document>>& evs) {
  std::vector<std::string> out;
  for (auto& e : evs)
    out.push_back(e.first);
  return out;
}

std::string stats(transport::http_client& client, const fake_llm_process& fake,
                  const std::string& query = "") {
  auto f = fetch(client, {"GET", fake.url("/fake/stats" + query), {}, {}});
  REQUIRE(f.status == 200);
  return f.body;
}

const std::string tools_decl =
  R"(,"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}])";

} // namespace

TEST_CASE("fake-llm: models list and ready line") {
  fake_llm_process fake;
  CHECK(fake.port() != 0);
  transport::http_client client;
  auto f = fetch(client, {"GET", fake.url("/v1/models"), {}, {}});
  REQUIRE(f.result.ok());
  CHECK(f.status == 200);
  auto d = parse_json(f.body);
  CHECK(str(d["object"]) == "list");
  CHECK(str(d["data"][0]["id"]) == "fake-model");
  CHECK(str(d["data"][0]["object"]) == "model");
}

TEST_CASE("fake-llm: OpenAI stream echoes the last user message in chunks") {
  fake_llm_process fake;
  transport::http_client client;
  std::string body = R"({"model":"fake-model","stream":true,"messages":[)"
                     R"({"role":"system","content":"be brief"},)"
                     R"({"role":"user","content":"first"},)"
                     R"({"role":"assistant","content":"ok"},)"
                     R"({"role":"user","content":"Hello w\u00f6rld, \u65e5\u672c"}]})";
  auto chunks = openai_chunks(fetch(client, json_post(fake.url("/v1/chat/completions"), body)));
  auto contents = openai_contents(chunks);
  CHECK(contents.size() == 4);
  CHECK(join(contents) == "Hello w\xc3\xb6rld, \xe6\x97\xa5\xe6\x9c\xac");
  // role in the first delta only; the final chunk has the finish reason.
  CHECK(str(chunks[0]["choices"][0]["delta"]["role"]) == "assistant");
  CHECK_FALSE(chunks[1]["choices"][0]["delta"].HasMember("role"));
  CHECK(chunks[0]["choices"][0]["finish_reason"].IsNull());
  auto& last = chunks.back()["choices"][0];
  CHECK(str(last["finish_reason"]) == "stop");
  CHECK(last["delta"].ObjectEmpty());
  CHECK(str(chunks[0]["model"]) == "fake-model");
  CHECK(str(chunks[0]["id"]).rfind("chatcmpl-", 0) == 0);
  CHECK_FALSE(chunks[0].HasMember("usage"));
}

TEST_CASE("fake-llm: content parts, short texts and UTF-8 are never split") {
  fake_llm_process fake;
  transport::http_client client;
  SUBCASE("array of parts") {
    auto chunks = openai_chunks(fetch(
      client, json_post(fake.url("/v1/chat/completions"),
                        user_request("m", R"([{"type":"text","text":"ab"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"cd"}])"))));
    CHECK(join(openai_contents(chunks)) == "abcd");
  }
  SUBCASE("fewer code points than chunks") {
    auto chunks = openai_chunks(fetch(
      client, json_post(fake.url("/v1/chat/completions"),
                        user_request("m", "\"\xc3\xa9\xc3\xa9\""))));
    CHECK(openai_contents(chunks) == std::vector<std::string>{"\xc3\xa9", "\xc3\xa9"});
  }
}

TEST_CASE("fake-llm: JSON escapes survive the round trip") {
  fake_llm_process fake{{"--chunks", "1"}};
  transport::http_client client;
  auto chunks = openai_chunks(fetch(
    client, json_post(fake.url("/v1/chat/completions"),
                      user_request("m", R"("q\"b\\n\nt\tc\u0001/")"))));
  CHECK(join(openai_contents(chunks)) == std::string("q\"b\\n\nt\tc\x01/"));
}

TEST_CASE("fake-llm: --text and --chunks") {
  fake_llm_process fake{{"--text", "fixed reply here", "--chunks", "2"}};
  transport::http_client client;
  auto chunks = openai_chunks(
    fetch(client, json_post(fake.url("/v1/chat/completions"), user_request("m", "\"ignored\""))));
  auto contents = openai_contents(chunks);
  CHECK(contents.size() == 2);
  CHECK(join(contents) == "fixed reply here");
}

TEST_CASE("fake-llm: usage chunk with include_usage") {
  fake_llm_process fake;
  transport::http_client client;
  auto body = user_request("m", "\"count me\"",
                           R"(,"stream":true,"stream_options":{"include_usage":true})");
  auto chunks = openai_chunks(fetch(client, json_post(fake.url("/v1/chat/completions"), body)));
  auto& usage_chunk = chunks.back();
  CHECK(usage_chunk["choices"].Empty());
  auto& usage = usage_chunk["usage"];
  auto prompt = static_cast<int>((body.size() + 3) / 4);
  CHECK(usage["prompt_tokens"].GetInt() == prompt);
  CHECK(usage["completion_tokens"].GetInt() == 4);
  CHECK(usage["total_tokens"].GetInt() == prompt + 4);
  CHECK(chunks[0]["usage"].IsNull());  // as OpenAI: null on every other chunk
  CHECK(str(chunks[chunks.size() - 2]["choices"][0]["finish_reason"]) == "stop");
}

TEST_CASE("fake-llm: stream false gives a chat.completion") {
  fake_llm_process fake;
  transport::http_client client;
  auto f = fetch(client, json_post(fake.url("/v1/chat/completions"),
                                   user_request("m", "\"plain\"", "")));
  REQUIRE(f.result.ok());
  CHECK(f.status == 200);
  auto d = parse_json(f.body);
  CHECK(str(d["object"]) == "chat.completion");
  CHECK(str(d["choices"][0]["message"]["content"]) == "plain");
  CHECK(str(d["choices"][0]["finish_reason"]) == "stop");
  CHECK(d["usage"]["completion_tokens"].GetInt() == 4);
}

TEST_CASE("fake-llm: OpenAI tool call split across deltas") {
  fake_llm_process fake;
  transport::http_client client;
  std::string args = R"({"city":"Paris","days":3})";
  auto body = user_request("m", R"("/tool get_weather {\"city\":\"Paris\",\"days\":3}")",
                           R"(,"stream":true)" + tools_decl);
  auto chunks = openai_chunks(fetch(client, json_post(fake.url("/v1/chat/completions"), body)));
  std::string joined;
  size_t arg_deltas = 0;
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    auto& delta = chunks[i]["choices"][0]["delta"];
    REQUIRE(delta.HasMember("tool_calls"));
    auto& call = delta["tool_calls"][0];
    CHECK(call["index"].GetInt() == 0);
    if (i == 0) {
      CHECK(str(call["id"]).rfind("call_", 0) == 0);
      CHECK(str(call["type"]) == "function");
      CHECK(str(call["function"]["name"]) == "get_weather");
      CHECK(str(delta["role"]) == "assistant");
    } else {
      CHECK_FALSE(call.HasMember("id"));
      CHECK_FALSE(call["function"].HasMember("name"));
      ++arg_deltas;
    }
    joined += str(call["function"]["arguments"]);
  }
  CHECK(arg_deltas >= 3);
  CHECK(joined == args);
  CHECK(str(chunks.back()["choices"][0]["finish_reason"]) == "tool_calls");

  SUBCASE("without declared tools the text is echoed") {
    auto plain = openai_chunks(fetch(
      client, json_post(fake.url("/v1/chat/completions"),
                        user_request("m", R"("/tool get_weather {}")"))));
    CHECK(join(openai_contents(plain)) == "/tool get_weather {}");
  }
}

TEST_CASE("fake-llm: a tool result as last message is answered") {
  fake_llm_process fake;
  transport::http_client client;
  std::string body =
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"/tool get_weather {}"},)"
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},)"
    R"({"role":"tool","tool_call_id":"call_1","content":"sunny, 21C"}])"
    + tools_decl + "}";
  auto chunks = openai_chunks(fetch(client, json_post(fake.url("/v1/chat/completions"), body)));
  CHECK(join(openai_contents(chunks)) == "tool result: sunny, 21C");
}

TEST_CASE("fake-llm: Anthropic stream, byte framing and event order") {
  fake_llm_process fake;
  transport::http_client client;
  std::string body =
    R"({"model":"claude-fake","max_tokens":100,"stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]}]})";
  auto f = fetch(client, json_post(fake.url("/v1/messages"), body));
  CHECK(f.body.rfind("event: message_start\ndata: {\"type\":\"message_start\",", 0) == 0);
  CHECK(f.body.find("event: ping\ndata: {\"type\": \"ping\"}\n\n") != std::string::npos);
  auto evs = anthropic_events(f);
  CHECK(names(evs) == std::vector<std::string>{"message_start", "content_block_start", "ping",
                                               "content_block_delta", "content_block_delta",
                                               "content_block_delta", "content_block_delta",
                                               "content_block_stop", "message_delta",
                                               "message_stop"});
  auto& msg = evs[0].second["message"];
  CHECK(str(msg["role"]) == "assistant");
  CHECK(str(msg["model"]) == "claude-fake");
  CHECK(msg["usage"]["input_tokens"].GetInt() == static_cast<int>((body.size() + 3) / 4));
  CHECK(str(evs[1].second["content_block"]["type"]) == "text");
  std::string text;
  for (auto& [name, d] : evs)
    if (name == "content_block_delta") {
      CHECK(str(d["delta"]["type"]) == "text_delta");
      text += str(d["delta"]["text"]);
    }
  CHECK(text == "Hi there");
  auto& md = evs[8].second;
  CHECK(str(md["delta"]["stop_reason"]) == "end_turn");
  CHECK(md["usage"]["output_tokens"].GetInt() == 4);
}

TEST_CASE("fake-llm: Anthropic tool use and tool result") {
  fake_llm_process fake;
  transport::http_client client;
  std::string tools = R"(,"tools":[{"name":"get_weather","input_schema":{"type":"object"}}])";
  auto body = R"({"model":"c","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"/tool get_weather {\"city\":\"Oslo\"}"}])"
              + tools + "}";
  auto evs = anthropic_events(fetch(client, json_post(fake.url("/v1/messages"), body)));
  auto& start = evs[1].second["content_block"];
  CHECK(str(start["type"]) == "tool_use");
  CHECK(str(start["name"]) == "get_weather");
  CHECK(str(start["id"]).rfind("toolu_", 0) == 0);
  CHECK(start["input"].ObjectEmpty());
  std::string json;
  size_t deltas = 0;
  for (auto& [name, d] : evs)
    if (name == "content_block_delta") {
      CHECK(str(d["delta"]["type"]) == "input_json_delta");
      json += str(d["delta"]["partial_json"]);
      ++deltas;
    }
  CHECK(deltas >= 3);
  CHECK(json == R"({"city":"Oslo"})");
  CHECK(str(evs[evs.size() - 2].second["delta"]["stop_reason"]) == "tool_use");

  auto result_body =
    R"({"model":"c","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"/tool get_weather {}"},)"
    R"({"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]},)"
    R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"rainy"}]}]}])"
    + tools + "}";
  auto evs2 = anthropic_events(fetch(client, json_post(fake.url("/v1/messages"), result_body)));
  std::string text;
  for (auto& [name, d] : evs2)
    if (name == "content_block_delta")
      text += str(d["delta"]["text"]);
  CHECK(text == "tool result: rainy");
}

TEST_CASE("fake-llm: fail-429-n and fail-500-n count per model, reset") {
  fake_llm_process fake;
  transport::http_client client;
  auto call = [&](const std::string& model) {
    return fetch(client, json_post(fake.url("/v1/chat/completions"), user_request(model, "\"x\"")));
  };
  for (int i = 0; i < 2; ++i) {
    auto f = call("fail-429-2");
    REQUIRE(f.result.ok());
    CHECK(f.status == 429);
    CHECK(f.header("retry-after") == "0");
    auto d = parse_json(f.body);
    CHECK(d["error"]["message"].IsString());
    CHECK(str(d["error"]["code"]) == "rate_limit_exceeded");
    CHECK(call("other-model").status == 200);  // counted separately
  }
  CHECK(call("fail-429-2").status == 200);
  auto f500 = call("fail-500-1");
  CHECK(f500.status == 500);
  CHECK(parse_json(f500.body)["error"]["type"].IsString());
  CHECK(call("fail-500-1").status == 200);
  CHECK(parse_json(stats(client, fake))["requests"].GetInt() == 7);

  auto reset = fetch(client, json_post(fake.url("/fake/reset"), ""));
  CHECK(reset.status == 200);
  CHECK(call("fail-500-1").status == 500);
  CHECK(parse_json(stats(client, fake))["requests"].GetInt() == 1);

  SUBCASE("Anthropic errors use Anthropic's shape") {
    auto f = fetch(client, json_post(fake.url("/v1/messages"),
                                     user_request("fail-429-1", "\"x\"")));
    CHECK(f.status == 429);
    auto d = parse_json(f.body);
    CHECK(str(d["type"]) == "error");
    CHECK(str(d["error"]["type"]) == "rate_limit_error");
  }
}

TEST_CASE("fake-llm: disconnect closes after two deltas") {
  fake_llm_process fake;
  transport::http_client client;
  auto f = fetch(client, json_post(fake.url("/v1/chat/completions"),
                                   user_request("disconnect", "\"one two three four\"")));
  CHECK(f.status == 200);
  CHECK(f.result.kind == http_error_kind::protocol);
  CHECK(f.body.find("[DONE]") == std::string::npos);
  size_t deltas = 0;
  for (auto& ev : parse_sse(f.body))
    deltas += ev.data.find("\"content\"") != std::string::npos;
  CHECK(deltas == 2);
  SUBCASE("Anthropic") {
    auto a = fetch(client, json_post(fake.url("/v1/messages"),
                                     user_request("disconnect", "\"one two three four\"")));
    CHECK(a.result.kind == http_error_kind::protocol);
    auto evs = parse_sse(a.body);
    CHECK(evs.back().name == "content_block_delta");
    CHECK(a.body.find("message_stop") == std::string::npos);
  }
}

TEST_CASE("fake-llm: slow-first-byte hits the client's first-byte timeout") {
  fake_llm_process fake;
  transport::http_client client;
  transport::http_timeouts to;
  to.first_byte = 50ms;
  auto f = fetch(client, json_post(fake.url("/v1/chat/completions"),
                                   user_request("slow-first-byte-60000", "\"x\"")),
                 to);
  CHECK(f.result.kind == http_error_kind::timeout);
  CHECK(f.result.timeout == transport::http_timeout_kind::first_byte);
  CHECK(f.status == -1);
  SUBCASE("a short wait still answers") {
    auto ok = fetch(client, json_post(fake.url("/v1/chat/completions"),
                                      user_request("slow-first-byte-1", "\"x\"")));
    CHECK(ok.result.ok());
    CHECK(join(openai_contents(openai_chunks(ok))) == "x");
  }
}

TEST_CASE("fake-llm: stall sends one delta, then the idle timeout fires") {
  fake_llm_process fake;
  transport::http_client client;
  transport::http_timeouts to;
  to.idle = 50ms;
  auto f = fetch(client, json_post(fake.url("/v1/chat/completions"),
                                   user_request("stall", "\"a b c d\"")),
                 to);
  CHECK(f.status == 200);
  CHECK(f.result.kind == http_error_kind::timeout);
  CHECK(f.result.timeout == transport::http_timeout_kind::idle);
  auto evs = parse_sse(f.body);
  CHECK(evs.size() == 1);
  // The client closed on timeout: the server counts a cancelled stream.
  auto s = parse_json(stats(client, fake, "?wait_cancelled=1&timeout_ms=10000"));
  CHECK(s["cancelled"].GetInt() == 1);
  CHECK(s["active_streams"].GetInt() == 0);
}

TEST_CASE("fake-llm: a client cancel is seen by the server as a cancelled stream") {
  fake_llm_process fake;
  transport::http_client client;
  std::mutex mtx;
  std::condition_variable cv;
  std::string got;
  std::optional<transport::http_error> done;
  transport::http_stream_handler h;
  h.on_data = [&](std::string_view b) {
    std::lock_guard<std::mutex> g{mtx};
    got.append(b);
    cv.notify_all();
  };
  h.on_done = [&](const transport::http_error& e) {
    std::lock_guard<std::mutex> g{mtx};
    done = e;
    cv.notify_all();
  };
  auto stream = client.start(json_post(fake.url("/v1/chat/completions"),
                                       user_request("stall", "\"a b c d\"")),
                             {}, h);
  {
    std::unique_lock<std::mutex> g{mtx};
    REQUIRE(cv.wait_for(g, 10s, [&] { return !got.empty(); }));
  }
  auto before = parse_json(stats(client, fake));
  CHECK(before["active_streams"].GetInt() == 1);
  CHECK(before["cancelled"].GetInt() == 0);
  stream->cancel();
  {
    std::unique_lock<std::mutex> g{mtx};
    REQUIRE(cv.wait_for(g, 10s, [&] { return done.has_value(); }));
    CHECK(done->kind == http_error_kind::cancelled);
  }
  auto after = parse_json(stats(client, fake, "?wait_cancelled=1&timeout_ms=10000"));
  CHECK(after["cancelled"].GetInt() == 1);
  CHECK(after["active_streams"].GetInt() == 0);
}

TEST_CASE("fake-llm: chunk delay streams deltas as separate reads") {
  fake_llm_process fake{{"--chunk-delay-ms", "5", "--chunks", "3"}};
  transport::http_client client;
  auto f = fetch(client, json_post(fake.url("/v1/chat/completions"),
                                   user_request("m", "\"one two three\"")));
  CHECK(join(openai_contents(openai_chunks(f))) == "one two three");
  // Each delayed delta is its own HTTP chunk, so the client sees at least
  // one read per delta (the first read also carries the head).
  CHECK(f.pieces.size() >= 3);
}

TEST_CASE("fake-llm: --api-key") {
  fake_llm_process fake{{"--api-key", "sekret"}};
  transport::http_client client;
  auto body = user_request("m", "\"hi\"");
  auto none = fetch(client, json_post(fake.url("/v1/chat/completions"), body));
  CHECK(none.status == 401);
  CHECK(parse_json(none.body)["error"]["message"].IsString());
  auto wrong = fetch(client, json_post(fake.url("/v1/chat/completions"), body,
                                       {{"Authorization", "Bearer nope"}}));
  CHECK(wrong.status == 401);
  auto ok = fetch(client, json_post(fake.url("/v1/chat/completions"), body,
                                    {{"Authorization", "Bearer sekret"}}));
  CHECK(ok.status == 200);
  auto models = fetch(client, {"GET", fake.url("/v1/models"), {}, {}});
  CHECK(models.status == 401);
  auto anth_none = fetch(client, json_post(fake.url("/v1/messages"), body));
  CHECK(anth_none.status == 401);
  CHECK(str(parse_json(anth_none.body)["error"]["type"]) == "authentication_error");
  auto anth = fetch(client, json_post(fake.url("/v1/messages"), body, {{"x-api-key", "sekret"}}));
  CHECK(anth.status == 200);
}

TEST_CASE("fake-llm: 404, 405 and 400 with error objects") {
  fake_llm_process fake;
  transport::http_client client;
  auto nf = fetch(client, {"GET", fake.url("/nope"), {}, {}});
  CHECK(nf.status == 404);
  CHECK(parse_json(nf.body)["error"]["message"].IsString());
  auto wrong_method = fetch(client, {"GET", fake.url("/v1/chat/completions"), {}, {}});
  CHECK(wrong_method.status == 405);
  auto bad = fetch(client, json_post(fake.url("/v1/chat/completions"), "{not json"));
  CHECK(bad.status == 400);
  auto d = parse_json(bad.body);
  CHECK(str(d["error"]["type"]) == "invalid_request_error");
  CHECK(d["error"]["message"].IsString());
  CHECK(d["error"].HasMember("param"));
  CHECK(d["error"].HasMember("code"));
  auto no_model = fetch(client, json_post(fake.url("/v1/chat/completions"), R"({"messages":[]})"));
  CHECK(no_model.status == 400);
  auto bad_anth = fetch(client, json_post(fake.url("/v1/messages"), "[1,"));
  CHECK(bad_anth.status == 400);
  CHECK(str(parse_json(bad_anth.body)["error"]["type"]) == "invalid_request_error");
  auto bad_tool = fetch(client, json_post(fake.url("/v1/chat/completions"),
                                          user_request("m", R"("/tool f {oops")",
                                                       R"(,"stream":true)" + tools_decl)));
  CHECK(bad_tool.status == 400);
}

TEST_CASE("fake-llm: keep-alive serves pipelined requests on one connection") {
  fake_llm_process fake;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(fake.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  std::string body = user_request("m", "\"pipelined\"");
  std::string req = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string both = req + req;
  REQUIRE(::send(fd, both.data(), both.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(both.size()));
  // Read until both responses' terminating chunks arrived.
  std::string in;
  auto count_ends = [&] {
    size_t n = 0;
    for (size_t p = in.find("\r\n0\r\n\r\n"); p != std::string::npos;
         p = in.find("\r\n0\r\n\r\n", p + 1))
      ++n;
    return n;
  };
  while (count_ends() < 2) {
    pollfd p{fd, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10'000) == 1);
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    REQUIRE(n > 0);
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  CHECK(in.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(in.find("HTTP/1.1 200 OK\r\n", 1) != std::string::npos);
  CHECK(in.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
}

namespace {

/// Sends `bytes` on a new connection and reads until the server closes.
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string in;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10'000) == 1);
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return in;
}

} // namespace

TEST_CASE("fake-llm: malformed or oversized requests get a status, then close") {
  fake_llm_process fake{{"--max-body-bytes", "100"}};
  SUBCASE("body over --max-body-bytes") {
    auto r = raw_exchange(fake.port(), "POST /v1/chat/completions HTTP/1.1\r\n"
                                       "Content-Length: 101\r\n\r\n");
    CHECK(r.rfind("HTTP/1.1 413 ", 0) == 0);
  }
  SUBCASE("chunked request body") {
    auto r = raw_exchange(fake.port(), "POST /v1/chat/completions HTTP/1.1\r\n"
                                       "Transfer-Encoding: chunked\r\n\r\n");
    CHECK(r.rfind("HTTP/1.1 501 ", 0) == 0);
  }
  SUBCASE("headers over 64 KiB") {
    auto r = raw_exchange(fake.port(), "GET /v1/models HTTP/1.1\r\nX-Big: "
                                         + std::string(70'000, 'h') + "\r\n\r\n");
    CHECK(r.rfind("HTTP/1.1 431 ", 0) == 0);
  }
  SUBCASE("garbage request line") {
    auto r = raw_exchange(fake.port(), "hello\r\n\r\n");
    CHECK(r.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(r.find("\"invalid_request_error\"") != std::string::npos);
  }
  SUBCASE("HTTP/1.0 closes after the answer") {
    auto r = raw_exchange(fake.port(), "GET /v1/models HTTP/1.0\r\n\r\n");
    CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(r.find("Connection: close\r\n") != std::string::npos);
    CHECK(r.find("fake-model") != std::string::npos);
  }
}

TEST_CASE("fake-llm: first-byte and chunk delays still deliver everything") {
  fake_llm_process fake{{"--first-byte-delay-ms", "5", "--chunk-delay-ms", "1"}};
  transport::http_client client;
  auto evs = anthropic_events(fetch(client, json_post(fake.url("/v1/messages"),
                                                      user_request("m", "\"abcd\""))));
  CHECK(evs.back().first == "message_stop");
  auto ns = names(evs);
  CHECK(std::count(ns.begin(), ns.end(), "content_block_delta") == 4);
}

TEST_CASE("fake-llm: many concurrent streams over pooled connections, 2 loop threads") {
  fake_llm_process fake{{"--chunk-delay-ms", "1"}};
  transport::http_client client{2};
  constexpr int rounds = 3;
  constexpr int parallel = 40;
  for (int round = 0; round < rounds; ++round) {
    std::mutex mtx;
    std::condition_variable cv;
    int done = 0;
    int ok = 0;
    std::vector<std::string> bodies(parallel);
    std::vector<std::shared_ptr<transport::http_stream>> streams;
    for (int i = 0; i < parallel; ++i) {
      transport::http_stream_handler h;
      h.on_data = [&, i](std::string_view b) {
        std::lock_guard<std::mutex> g{mtx};
        bodies[static_cast<size_t>(i)].append(b);
      };
      h.on_done = [&](const transport::http_error& e) {
        std::lock_guard<std::mutex> g{mtx};
        ++done;
        ok += e.ok();
        cv.notify_all();
      };
      streams.push_back(client.start(
        json_post(fake.url("/v1/chat/completions"),
                  user_request("m", "\"req " + std::to_string(i) + "\"")),
        {}, h));
    }
    std::unique_lock<std::mutex> g{mtx};
    REQUIRE(cv.wait_for(g, 30s, [&] { return done == parallel; }));
    CHECK(ok == parallel);
    for (int i = 0; i < parallel; ++i) {
      fetched f;  // status and headers are checked elsewhere
      f.status = 200;
      f.headers = {{"Content-Type", "text/event-stream"}};
      f.body = bodies[static_cast<size_t>(i)];
      CHECK(join(openai_contents(openai_chunks(f))) == "req " + std::to_string(i));
    }
  }
  auto s = parse_json(stats(client, fake));
  CHECK(s["requests"].GetInt() == rounds * parallel);
  // Rounds 2 and 3 (and the stats call) reuse round 1's connections.
  CHECK(s["connections"].GetInt() <= parallel);
  CHECK(s["cancelled"].GetInt() == 0);
  CHECK(s["active_streams"].GetInt() == 0);
}

TEST_CASE("fake-llm: SIGTERM exits cleanly") {
  fake_llm_process fake;
  CHECK(fake.terminate() == 0);
}
