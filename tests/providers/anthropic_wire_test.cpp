#include "providers/anthropic_wire.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <string>

#include "stream_test_util.hpp"

using namespace wingman;
using namespace wingman::providers;
using providers::test::run;
using providers::test::run_all_ways;
using providers::test::show;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

request_options opts() {
  request_options o;
  o.model = "claude-sonnet-4-5";
  return o;
}

std::unique_ptr<stream_decoder> make_decoder() {
  return std::make_unique<anthropic_stream_decoder>("anthropic");
}

std::string event(const char* type, const std::string& data) {
  return std::string{"event: "} + type + "\ndata: " + data + "\n\n";
}

// A text and tool-use response in the byte form of the Messages API
// streaming documentation: text block 0, tool_use block 1 whose input JSON
// arrives in input_json_delta pieces, then stop_reason tool_use.
const std::string tool_stream =
  event("message_start",
        R"({"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U",)"
        R"("type":"message","role":"assistant","model":"claude-sonnet-4-5",)"
        R"("stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},)"
        R"("content":[],"stop_reason":null}})")
  + event("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":)"
          R"({"type":"text","text":""}})")
  + event("ping", R"({"type": "ping"})")
  + event("content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":)"
          R"("text_delta","text":"Okay, let me check"}})")
  + event("content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":)"
          R"("text_delta","text":" the weather."}})")
  + event("content_block_stop", R"({"type":"content_block_stop","index":0})")
  + event("content_block_start",
          R"({"type":"content_block_start","index":1,"content_block":)"
          R"({"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6",)"
          R"("name":"get_weather","input":{}}})")
  + event("content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":)"
          R"("input_json_delta","partial_json":""}})")
  + event("content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":)"
          R"("input_json_delta","partial_json":"{\"location\":"}})")
  + event("content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":)"
          R"("input_json_delta","partial_json":" \"San Francisco, CA\"}"}})")
  + event("content_block_stop", R"({"type":"content_block_stop","index":1})")
  + event("message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":"tool_use",)"
          R"("stop_sequence":null},"usage":{"output_tokens":89}})")
  + event("message_stop", R"({"type":"message_stop"})");

} // namespace

TEST_SUITE("providers/anthropic_wire") {

TEST_CASE("a text and tool-use stream decodes to neutral events") {
  auto events = run_all_ways(make_decoder, tool_stream);
  std::vector<stream_event> expected{
    text_delta{"Okay, let me check"},
    text_delta{" the weather."},
    tool_call_started{0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"},
    tool_call_args_delta{0, "{\"location\":"},
    tool_call_args_delta{0, " \"San Francisco, CA\"}"},
    tool_call_done{0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather",
                   "{\"location\": \"San Francisco, CA\"}"},
    usage{472, 89},
    finished{finish_reason::tool_calls, "tool_use"}};
  CHECK(show(events) == show(expected));
}

TEST_CASE("CRLF framing decodes the same") {
  std::string crlf;
  for (char c : tool_stream) {
    if (c == '\n')
      crlf += '\r';
    crlf += c;
  }
  CHECK(show(run_all_ways(make_decoder, crlf))
        == show(run(make_decoder, tool_stream)));
}

TEST_CASE("two tool calls are numbered in order, empty input becomes {}") {
  auto body =
    event("message_start", R"({"type":"message_start","message":{"usage":)"
                           R"({"input_tokens":10,"output_tokens":1}}})")
    + event("content_block_start",
            R"({"type":"content_block_start","index":0,"content_block":)"
            R"({"type":"tool_use","id":"t1","name":"ls","input":{}}})")
    + event("content_block_stop", R"({"type":"content_block_stop","index":0})")
    + event("content_block_start",
            R"({"type":"content_block_start","index":1,"content_block":)"
            R"({"type":"tool_use","id":"t2","name":"glob","input":{}}})")
    + event("content_block_delta",
            R"({"type":"content_block_delta","index":1,"delta":{"type":)"
            R"("input_json_delta","partial_json":"{\"pattern\": \"*.md\"}"}})")
    + event("content_block_stop", R"({"type":"content_block_stop","index":1})")
    + event("message_delta", R"({"type":"message_delta","delta":)"
                             R"({"stop_reason":"tool_use"},"usage":)"
                             R"({"output_tokens":40}})")
    + event("message_stop", R"({"type":"message_stop"})");
  auto events = run_all_ways(make_decoder, body);
  std::vector<stream_event> expected{
    tool_call_started{0, "t1", "ls"},
    tool_call_done{0, "t1", "ls", "{}"},
    tool_call_started{1, "t2", "glob"},
    tool_call_args_delta{1, "{\"pattern\": \"*.md\"}"},
    tool_call_done{1, "t2", "glob", "{\"pattern\": \"*.md\"}"},
    usage{10, 40},
    finished{finish_reason::tool_calls, "tool_use"}};
  CHECK(show(events) == show(expected));
}

TEST_CASE("tool-call count and argument size are bounded") {
  auto limited = [](size_t args, size_t calls) {
    return [=] {
      return std::make_unique<anthropic_stream_decoder>(
        "anthropic", stream_limits{default_max_sse_event_bytes, args, calls});
    };
  };
  auto args = run(limited(20, 8), tool_stream);
  CHECK(std::get<stream_error>(args.back()).message
        == "anthropic: tool call \"get_weather\" arguments exceed 20 bytes");
  auto calls = run(limited(1000, 0), tool_stream);
  CHECK(std::get<stream_error>(calls.back()).message
        == "anthropic: more than 0 tool calls in one response");
  auto fits = run(limited(33, 1), tool_stream);
  CHECK(std::holds_alternative<finished>(fits.back()));
}

TEST_CASE("stop reasons map to neutral reasons") {
  auto finish_of = [](const char* raw) {
    auto body = event("message_delta",
                      std::string{R"({"type":"message_delta","delta":)"
                                  R"({"stop_reason":")"}
                        + raw + R"("},"usage":{"output_tokens":5}})")
                + event("message_stop", R"({"type":"message_stop"})");
    auto events = run(make_decoder, body);
    REQUIRE(events.size() == 2);
    return std::get<finished>(events[1]);
  };
  CHECK(finish_of("end_turn") == finished{finish_reason::stop, "end_turn"});
  CHECK(finish_of("stop_sequence").reason == finish_reason::stop);
  CHECK(finish_of("max_tokens") == finished{finish_reason::length,
                                            "max_tokens"});
  CHECK(finish_of("tool_use").reason == finish_reason::tool_calls);
  CHECK(finish_of("refusal") == finished{finish_reason::other, "refusal"});
}

TEST_CASE("an error event becomes a stream error and ends decoding") {
  auto body = event("content_block_delta",
                    R"({"type":"content_block_delta","index":0,"delta":)"
                    R"({"type":"text_delta","text":"Hi"}})")
              + event("error", R"({"type": "error", "error": {"type": )"
                               R"("overloaded_error", "message": "Overloaded"}})")
              + event("message_stop", R"({"type":"message_stop"})");
  auto events = run_all_ways(make_decoder, body);
  std::vector<stream_event> expected{
    text_delta{"Hi"},
    stream_error{"anthropic: Overloaded (overloaded_error)"}};
  CHECK(show(events) == show(expected));
}

TEST_CASE("a stream cut before message_stop is an error") {
  auto cut = tool_stream.substr(0, tool_stream.find("event: message_delta"));
  auto events = run(make_decoder, cut);
  CHECK(std::get<stream_error>(events.back()).message
        == "anthropic: stream ended before message_stop");
}

TEST_CASE("invalid tool input and malformed data are errors") {
  auto body = event("content_block_start",
                    R"({"type":"content_block_start","index":0,"content_block":)"
                    R"({"type":"tool_use","id":"t","name":"edit_file",)"
                    R"("input":{}}})")
              + event("content_block_delta",
                      R"({"type":"content_block_delta","index":0,"delta":)"
                      R"({"type":"input_json_delta","partial_json":"{\"a\""}})")
              + event("content_block_stop",
                      R"({"type":"content_block_stop","index":0})");
  auto events = run(make_decoder, body);
  CHECK(std::get<stream_error>(events.back()).message.find(
          "anthropic: tool call \"edit_file\" has invalid arguments")
        == 0);
  auto bad = run(make_decoder, "event: ping\ndata: {oops\n\n");
  REQUIRE(bad.size() == 1);
  CHECK(std::get<stream_error>(bad[0]).message.find(
          "anthropic: malformed stream data")
        == 0);
}

TEST_CASE("thinking deltas and unknown events are ignored") {
  auto body = event("content_block_start",
                    R"({"type":"content_block_start","index":0,"content_block":)"
                    R"({"type":"thinking","thinking":""}})")
              + event("content_block_delta",
                      R"({"type":"content_block_delta","index":0,"delta":)"
                      R"({"type":"thinking_delta","thinking":"hmm"}})")
              + event("content_block_delta",
                      R"({"type":"content_block_delta","index":0,"delta":)"
                      R"({"type":"signature_delta","signature":"Eq=="}})")
              + event("content_block_stop",
                      R"({"type":"content_block_stop","index":0})")
              + event("future_event", R"({"type":"future_event","x":1})")
              + event("message_stop", R"({"type":"message_stop"})");
  auto events = run(make_decoder, body);
  REQUIRE(events.size() == 1);
  CHECK(std::get<finished>(events[0]) == finished{finish_reason::other, ""});
}

TEST_CASE("requests merge roles and carry tools, system and max_tokens") {
  conversation conv;
  conv.system_prompt = "You are terse.";
  conv.messages.push_back(message::user("first"));
  conv.messages.push_back(message::user("second"));
  conv.messages.push_back(message::assistant(
    "Checking.", {tool_call{"toolu_1", "get_weather", R"({"city":"Oslo"})"},
                  tool_call{"toolu_2", "get_time", ""}}));
  conv.messages.push_back(
    message::tool(tool_result{"toolu_1", "get_weather", "-3C", false}));
  conv.messages.push_back(
    message::tool(tool_result{"toolu_2", "get_time", "failed", true}));
  conv.messages.push_back(message::user("thanks"));
  conv.messages.push_back(message::assistant(""));  // nothing: skipped
  conv.messages.push_back(message::assistant("Bye."));
  conv.tools.push_back(tool_definition{
    "get_weather", "Weather",
    R"({"type":"object","properties":{"city":{"type":"string"}}})"});
  auto body = encode_anthropic_request(conv, opts());
  REQUIRE(body);
  auto doc = parse(*body);
  CHECK(str(doc["model"]) == "claude-sonnet-4-5");
  CHECK(doc["max_tokens"].GetInt() == 4096);
  CHECK(str(doc["system"]) == "You are terse.");
  CHECK(doc["stream"].GetBool());
  CHECK_FALSE(doc.HasMember("temperature"));
  const auto& msgs = doc["messages"];
  REQUIRE(msgs.Size() == 4);
  CHECK(str(msgs[0]["role"]) == "user");
  REQUIRE(msgs[0]["content"].Size() == 2);
  CHECK(str(msgs[0]["content"][0]["type"]) == "text");
  CHECK(str(msgs[0]["content"][0]["text"]) == "first");
  CHECK(str(msgs[0]["content"][1]["text"]) == "second");
  CHECK(str(msgs[1]["role"]) == "assistant");
  const auto& a = msgs[1]["content"];
  REQUIRE(a.Size() == 3);
  CHECK(str(a[0]["text"]) == "Checking.");
  CHECK(str(a[1]["type"]) == "tool_use");
  CHECK(str(a[1]["id"]) == "toolu_1");
  CHECK(str(a[1]["name"]) == "get_weather");
  CHECK(str(a[1]["input"]["city"]) == "Oslo");
  CHECK(a[2]["input"].IsObject());
  CHECK(a[2]["input"].MemberCount() == 0);
  CHECK(str(msgs[2]["role"]) == "user");
  const auto& u = msgs[2]["content"];
  REQUIRE(u.Size() == 3);
  CHECK(str(u[0]["type"]) == "tool_result");
  CHECK(str(u[0]["tool_use_id"]) == "toolu_1");
  CHECK(str(u[0]["content"]) == "-3C");
  CHECK_FALSE(u[0].HasMember("is_error"));
  CHECK(str(u[1]["tool_use_id"]) == "toolu_2");
  CHECK(u[1]["is_error"].GetBool());
  CHECK(str(u[2]["type"]) == "text");
  CHECK(str(u[2]["text"]) == "thanks");
  CHECK(str(msgs[3]["role"]) == "assistant");
  REQUIRE(msgs[3]["content"].Size() == 1);
  CHECK(str(msgs[3]["content"][0]["text"]) == "Bye.");
  const auto& tools = doc["tools"];
  REQUIRE(tools.Size() == 1);
  CHECK(str(tools[0]["name"]) == "get_weather");
  CHECK(str(tools[0]["description"]) == "Weather");
  CHECK(str(tools[0]["input_schema"]["type"]) == "object");
}

TEST_CASE("max_tokens and temperature follow the options") {
  conversation conv;
  conv.messages.push_back(message::user("hi"));
  auto o = opts();
  o.max_tokens = 100;
  o.temperature = 0.25;
  auto doc = parse(*encode_anthropic_request(conv, o));
  CHECK(doc["max_tokens"].GetInt() == 100);
  CHECK(doc["temperature"].GetDouble() == doctest::Approx(0.25));
  CHECK_FALSE(doc.HasMember("system"));
  CHECK_FALSE(doc.HasMember("tools"));
}

TEST_CASE("images, files and native PDFs become content blocks") {
  content_attachment img{attachment_kind::image, "cat.jpg", "", "",
                         "data:image/jpeg;base64,/9j/4AAQ"};
  content_attachment web{attachment_kind::image, "w", "", "",
                         "https://example.com/a.png"};
  content_attachment txt{attachment_kind::file, "a.md", "", "# A", ""};
  content_attachment pdf{attachment_kind::pdf, "r.pdf", "", "",
                         "data:application/pdf;base64,JVBERi0xLjQ="};
  conversation conv;
  conv.messages.push_back(message::user("Summarize", {img, web, txt, pdf}));
  auto o = opts();
  o.native_pdf = true;
  auto doc = parse(*encode_anthropic_request(conv, o));
  const auto& c = doc["messages"][0]["content"];
  REQUIRE(c.Size() == 5);
  CHECK(str(c[0]["type"]) == "image");
  CHECK(str(c[0]["source"]["type"]) == "base64");
  CHECK(str(c[0]["source"]["media_type"]) == "image/jpeg");
  CHECK(str(c[0]["source"]["data"]) == "/9j/4AAQ");
  CHECK(str(c[1]["source"]["type"]) == "url");
  CHECK(str(c[1]["source"]["url"]) == "https://example.com/a.png");
  CHECK(str(c[2]["type"]) == "text");
  CHECK(str(c[2]["text"]) == "[file: a.md]\n# A");
  CHECK(str(c[3]["type"]) == "document");
  CHECK(str(c[3]["source"]["type"]) == "base64");
  CHECK(str(c[3]["source"]["media_type"]) == "application/pdf");
  CHECK(str(c[3]["source"]["data"]) == "JVBERi0xLjQ=");
  CHECK(str(c[4]["text"]) == "Summarize");
}

TEST_CASE("audio, PDFs without native support and odd images are refused") {
  auto refuse = [](content_attachment a) {
    conversation conv;
    conv.messages.push_back(message::user("x", {std::move(a)}));
    auto r = encode_anthropic_request(conv, opts());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == protocol::error_code::invalid_request);
    return r.error().message;
  };
  CHECK(refuse({attachment_kind::audio, "v.wav", "", "",
                "data:audio/wav;base64,UklGRg=="})
        == "anthropic: audio attachments are not supported (attachment "
           "\"v.wav\")");
  CHECK(refuse({attachment_kind::pdf, "r.pdf", "", "",
                "data:application/pdf;base64,JVBE"})
        == "anthropic: PDF attachment \"r.pdf\" must be converted to text "
           "first (the model does not take PDFs natively)");
  CHECK(refuse({attachment_kind::image, "i.bmp", "", "",
                "data:image/bmp;base64,Qk0="})
        == "anthropic: image attachment \"i.bmp\": type \"image/bmp\" is not "
           "supported (jpeg, png, gif or webp)");
  CHECK(refuse({attachment_kind::image, "i", "", "", "file:///etc/passwd"})
        == "anthropic: image attachment \"i\" needs a base64 data URL or an "
           "http(s) URL");
  conversation empty;
  empty.messages.push_back(message::user(""));
  CHECK(encode_anthropic_request(empty, opts()).error().message
        == "anthropic: the conversation has no messages");
}

TEST_CASE("HTTP errors name the error type") {
  CHECK(describe_anthropic_error(
          "anthropic", 401,
          R"({"type":"error","error":{"type":"authentication_error",)"
          R"("message":"invalid x-api-key"}})")
        == "anthropic: HTTP 401: invalid x-api-key (authentication_error)");
  CHECK(describe_anthropic_error("anthropic", 529, "")
        == "anthropic: HTTP 529: Overloaded");
  CHECK(describe_anthropic_error("claude", 503, "service unavailable\n")
        == "claude: HTTP 503: service unavailable");
}

}
