#include "providers/openai_wire.hpp"

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

request_options opts(std::string model = "gpt-4o-mini") {
  request_options o;
  o.model = std::move(model);
  return o;
}

std::unique_ptr<stream_decoder> make_decoder() {
  return std::make_unique<openai_stream_decoder>("openai");
}

// A text response exactly as api.openai.com streams it (stream_options
// include_usage: a final chunk with empty choices carries the usage).
const std::string text_stream =
  "data: {\"id\":\"chatcmpl-AX1\",\"object\":\"chat.completion.chunk\","
  "\"created\":1730000000,\"model\":\"gpt-4o-mini-2024-07-18\","
  "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,"
  "\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
  "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
  "data: {\"id\":\"chatcmpl-AX1\",\"object\":\"chat.completion.chunk\","
  "\"created\":1730000000,\"model\":\"gpt-4o-mini-2024-07-18\","
  "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,"
  "\"delta\":{\"content\":\"Hel\"},\"logprobs\":null,\"finish_reason\":null}],"
  "\"usage\":null}\n\n"
  "data: {\"id\":\"chatcmpl-AX1\",\"object\":\"chat.completion.chunk\","
  "\"created\":1730000000,\"model\":\"gpt-4o-mini-2024-07-18\","
  "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,"
  "\"delta\":{\"content\":\"lo \\u00e9\\n\"},\"logprobs\":null,"
  "\"finish_reason\":null}],\"usage\":null}\n\n"
  "data: {\"id\":\"chatcmpl-AX1\",\"object\":\"chat.completion.chunk\","
  "\"created\":1730000000,\"model\":\"gpt-4o-mini-2024-07-18\","
  "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,"
  "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
  "\"usage\":null}\n\n"
  "data: {\"id\":\"chatcmpl-AX1\",\"object\":\"chat.completion.chunk\","
  "\"created\":1730000000,\"model\":\"gpt-4o-mini-2024-07-18\","
  "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[],\"usage\":"
  "{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15,"
  "\"prompt_tokens_details\":{\"cached_tokens\":0},"
  "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n"
  "data: [DONE]\n\n";

std::string chunk(const std::string& delta, const char* finish = nullptr) {
  return "data: {\"id\":\"chatcmpl-T\",\"object\":\"chat.completion.chunk\","
         "\"created\":1730000001,\"model\":\"gpt-4o-mini\",\"choices\":[{"
         "\"index\":0,\"delta\":"
         + delta + ",\"logprobs\":null,\"finish_reason\":"
         + (finish ? "\"" + std::string{finish} + "\"" : std::string{"null"})
         + "}]}\n\n";
}

// Two tool calls, arguments split mid-token across chunks (the id and the
// name only in the first delta of each index).
const std::string tool_stream =
  chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
        "\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":"
        "\"get_weather\",\"arguments\":\"\"}}],\"refusal\":null}")
  + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
          "\"{\\\"lo\"}}]}")
  + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
          "\"cation\\\": \\\"Par\"}}]}")
  + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
          "\"is\\\"}\"}}]}")
  + chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_def\",\"type\":"
          "\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":"
          "\"\"}}]}")
  + chunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":"
          "\"{}\"}}]}")
  + chunk("{}", "tool_calls")
  + "data: {\"id\":\"chatcmpl-T\",\"object\":\"chat.completion.chunk\","
    "\"created\":1730000001,\"model\":\"gpt-4o-mini\",\"choices\":[],"
    "\"usage\":{\"prompt_tokens\":80,\"completion_tokens\":31,"
    "\"total_tokens\":111}}\n\n"
    "data: [DONE]\n\n";

} // namespace

TEST_SUITE("providers/openai_wire") {

TEST_CASE("a text stream decodes to deltas, usage and stop") {
  auto events = run_all_ways(make_decoder, text_stream);
  std::vector<stream_event> expected{
    text_delta{"Hel"}, text_delta{"lo \xC3\xA9\n"}, usage{12, 3},
    finished{finish_reason::stop, "stop"}};
  CHECK(show(events) == show(expected));
}

TEST_CASE("CRLF framing decodes the same as LF framing") {
  std::string crlf;
  for (char c : text_stream) {
    if (c == '\n')
      crlf += '\r';
    crlf += c;
  }
  CHECK(show(run_all_ways(make_decoder, crlf))
        == show(run(make_decoder, text_stream)));
}

TEST_CASE("tool-call deltas are assembled by index") {
  auto events = run_all_ways(make_decoder, tool_stream);
  std::vector<stream_event> expected{
    tool_call_started{0, "call_abc", "get_weather"},
    tool_call_args_delta{0, "{\"lo"},
    tool_call_args_delta{0, "cation\": \"Par"},
    tool_call_args_delta{0, "is\"}"},
    tool_call_started{1, "call_def", "get_time"},
    tool_call_args_delta{1, "{}"},
    tool_call_done{0, "call_abc", "get_weather", "{\"location\": \"Paris\"}"},
    tool_call_done{1, "call_def", "get_time", "{}"},
    usage{80, 31},
    finished{finish_reason::tool_calls, "tool_calls"}};
  CHECK(show(events) == show(expected));
}

TEST_CASE("a whole tool call in one delta without index or arguments") {
  // Some OpenAI-compatible servers send complete calls, sometimes without
  // `index` or `id`, and report finish_reason "stop".
  auto body = chunk("{\"tool_calls\":[{\"type\":\"function\",\"function\":{"
                    "\"name\":\"ls\"}},{\"id\":\"x\",\"function\":{\"name\":"
                    "\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"}}]}",
                    "stop")
              + "data: [DONE]\n\n";
  auto events = run_all_ways(make_decoder, body);
  std::vector<stream_event> expected{
    tool_call_started{0, "", "ls"},
    tool_call_started{1, "x", "read_file"},
    tool_call_args_delta{1, "{\"path\":\"a\"}"},
    tool_call_done{0, "call_0", "ls", "{}"},
    tool_call_done{1, "x", "read_file", "{\"path\":\"a\"}"},
    finished{finish_reason::tool_calls, "stop"}};
  CHECK(show(events) == show(expected));
}

TEST_CASE("invalid tool arguments end the stream with an error naming the "
          "tool") {
  auto body = chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":"
                    "{\"name\":\"grep\",\"arguments\":\"[1,2]\"}}]}")
              + chunk("{}", "tool_calls") + "data: [DONE]\n\n";
  auto events = run(make_decoder, body);
  REQUIRE(events.size() == 3);
  auto* err = std::get_if<stream_error>(&events.back());
  REQUIRE(err);
  CHECK(err->message.find("openai: tool call \"grep\" has invalid arguments")
        == 0);
  auto truncated = chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\","
                         "\"function\":{\"name\":\"grep\",\"arguments\":"
                         "\"{\\\"a\\\":\"}}]}")
                   + chunk("{}", "length") + "data: [DONE]\n\n";
  auto ev2 = run(make_decoder, truncated);
  REQUIRE(std::holds_alternative<stream_error>(ev2.back()));
}

TEST_CASE("finish reasons map to neutral reasons") {
  auto finish_of = [](const char* raw) {
    auto events = run(make_decoder, chunk("{}", raw) + "data: [DONE]\n\n");
    REQUIRE(events.size() == 1);
    return std::get<finished>(events[0]);
  };
  CHECK(finish_of("stop") == finished{finish_reason::stop, "stop"});
  CHECK(finish_of("length") == finished{finish_reason::length, "length"});
  CHECK(finish_of("function_call").reason == finish_reason::tool_calls);
  CHECK(finish_of("content_filter")
        == finished{finish_reason::other, "content_filter"});
}

TEST_CASE("an error object inside the stream becomes a stream error") {
  auto body = chunk("{\"content\":\"Hi\"}")
              + "data: {\"error\":{\"message\":\"The server had an error "
                "while processing your request.\",\"type\":\"server_error\","
                "\"param\":null,\"code\":null}}\n\n"
              + chunk("{\"content\":\"ignored\"}") + "data: [DONE]\n\n";
  auto events = run_all_ways(make_decoder, body);
  std::vector<stream_event> expected{
    text_delta{"Hi"},
    stream_error{"openai: The server had an error while processing your "
                 "request."}};
  CHECK(show(events) == show(expected));
}

TEST_CASE("a stream that ends without a finish reason is an error") {
  auto cut = run(make_decoder, chunk("{\"content\":\"Hi\"}"));
  REQUIRE(cut.size() == 2);
  CHECK(std::get<stream_error>(cut[1]).message
        == "openai: stream ended before the response was complete");
  auto done = run(make_decoder, chunk("{\"content\":\"Hi\"}")
                                  + "data: [DONE]\n\n");
  CHECK(std::get<stream_error>(done.back()).message
        == "openai: stream ended without a finish reason");
}

TEST_CASE("a finish reason without [DONE] still finishes at the end") {
  auto events = run(make_decoder, chunk("{\"content\":\"a\"}", "stop"));
  REQUIRE(events.size() == 2);
  CHECK(std::get<finished>(events[1]).reason == finish_reason::stop);
  // and a last event without its blank line is still decoded
  auto no_blank = run(make_decoder, chunk("{}", "stop") + "data: [DONE]");
  CHECK(std::holds_alternative<finished>(no_blank.back()));
}

TEST_CASE("malformed stream data is an error and ends decoding") {
  auto events = run(make_decoder, "data: {\"choices\":[\n\n"
                                  + chunk("{\"content\":\"x\"}"));
  REQUIRE(events.size() == 1);
  CHECK(std::get<stream_error>(events[0]).message.find(
          "openai: malformed stream data (invalid JSON at offset")
        == 0);
}

TEST_CASE("comments and unknown fields are ignored, provider name is used") {
  auto make = [] { return std::make_unique<openai_stream_decoder>("lmstudio"); };
  auto body = ": OPENROUTER PROCESSING\n\n"
              + chunk("{\"content\":\"ok\",\"reasoning\":\"hm\",\"x\":[1]}")
              + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],"
                "\"stats\":{}}\n\n";
  auto events = run(make, body);
  REQUIRE(events.size() == 2);
  CHECK(std::get<text_delta>(events[0]).text == "ok");
  auto err = run(make, "");
  CHECK(std::get<stream_error>(err[0]).message.rfind("lmstudio: ", 0) == 0);
}

TEST_CASE("an oversized SSE event is reported as a stream error") {
  auto make = [] {
    return std::make_unique<openai_stream_decoder>("openai",
                                                   stream_limits{100});
  };
  auto events = run(make, chunk("{\"content\":\"" + std::string(200, 'a')
                                + "\"}"));
  REQUIRE(events.size() == 1);
  CHECK(std::get<stream_error>(events[0]).message
        == "openai: SSE event exceeds 100 bytes");
}

TEST_CASE("tool-call count and argument size are bounded") {
  auto limited = [](size_t args, size_t calls) {
    return [=] {
      return std::make_unique<openai_stream_decoder>(
        "openai", stream_limits{default_max_sse_event_bytes, args, calls});
    };
  };
  auto args = run(limited(10, 8), tool_stream);
  CHECK(std::get<stream_error>(args.back()).message
        == "openai: tool call \"get_weather\" arguments exceed 10 bytes");
  auto calls = run(limited(1000, 1), tool_stream);
  CHECK(std::get<stream_error>(calls.back()).message
        == "openai: more than 1 tool calls in one response");
  // exactly at the limits is fine
  auto fits = run(limited(21, 2), tool_stream);
  CHECK(std::holds_alternative<finished>(fits.back()));
}

TEST_CASE("requests encode messages, tools and streaming options") {
  conversation conv;
  conv.system_prompt = "Be brief.";
  conv.messages.push_back(message::user("What is the weather in Paris?"));
  conv.messages.push_back(message::assistant(
    "", {tool_call{"call_1", "get_weather", "{\"location\":\"Paris\"}"},
         tool_call{"call_2", "get_time", ""}}));
  conv.messages.push_back(
    message::tool(tool_result{"call_1", "get_weather", "18C", false}));
  conv.messages.push_back(
    message::tool(tool_result{"call_2", "get_time", "no clock", true}));
  conv.messages.push_back(message::assistant("18C and sunny."));
  conv.tools.push_back(tool_definition{
    "get_weather", "Weather for a city",
    R"({"type":"object","properties":{"location":{"type":"string"}},)"
    R"("required":["location"]})"});
  conv.tools.push_back(tool_definition{"get_time", "", ""});
  auto o = opts();
  o.temperature = 0.5;
  auto body = encode_openai_request(conv, o);
  REQUIRE(body);
  auto doc = parse(*body);
  CHECK(str(doc["model"]) == "gpt-4o-mini");
  CHECK(doc["stream"].GetBool());
  CHECK(doc["stream_options"]["include_usage"].GetBool());
  CHECK(doc["temperature"].GetDouble() == doctest::Approx(0.5));
  CHECK_FALSE(doc.HasMember("max_tokens"));
  const auto& msgs = doc["messages"];
  REQUIRE(msgs.Size() == 6);
  CHECK(str(msgs[0]["role"]) == "system");
  CHECK(str(msgs[0]["content"]) == "Be brief.");
  CHECK(str(msgs[1]["role"]) == "user");
  CHECK(str(msgs[1]["content"]) == "What is the weather in Paris?");
  CHECK(str(msgs[2]["role"]) == "assistant");
  CHECK(msgs[2]["content"].IsNull());
  const auto& calls = msgs[2]["tool_calls"];
  REQUIRE(calls.Size() == 2);
  CHECK(str(calls[0]["id"]) == "call_1");
  CHECK(str(calls[0]["type"]) == "function");
  CHECK(str(calls[0]["function"]["name"]) == "get_weather");
  CHECK(str(calls[0]["function"]["arguments"]) == "{\"location\":\"Paris\"}");
  CHECK(str(calls[1]["function"]["arguments"]) == "{}");
  CHECK(str(msgs[3]["role"]) == "tool");
  CHECK(str(msgs[3]["tool_call_id"]) == "call_1");
  CHECK(str(msgs[3]["content"]) == "18C");
  CHECK(str(msgs[4]["content"]) == "Error: no clock");
  CHECK(str(msgs[5]["content"]) == "18C and sunny.");
  CHECK_FALSE(msgs[5].HasMember("tool_calls"));
  const auto& tools = doc["tools"];
  REQUIRE(tools.Size() == 2);
  CHECK(str(tools[0]["type"]) == "function");
  CHECK(str(tools[0]["function"]["name"]) == "get_weather");
  CHECK(str(tools[0]["function"]["description"]) == "Weather for a city");
  CHECK(str(tools[0]["function"]["parameters"]["required"][0]) == "location");
  CHECK(tools[1]["function"]["parameters"].IsObject());
  CHECK(tools[1]["function"]["parameters"].MemberCount() == 0);
}

TEST_CASE("no system prompt, no tools and max_tokens when set") {
  conversation conv;
  conv.messages.push_back(message::user("hi"));
  auto o = opts();
  o.max_tokens = 256;
  auto doc = parse(*encode_openai_request(conv, o));
  CHECK(doc["messages"].Size() == 1);
  CHECK_FALSE(doc.HasMember("tools"));
  CHECK_FALSE(doc.HasMember("temperature"));
  CHECK(doc["max_tokens"].GetInt() == 256);
}

TEST_CASE("attachments become content parts") {
  conversation conv;
  content_attachment img{attachment_kind::image, "cat.png", "image/png", "",
                         "data:image/png;base64,iVBORw0KGgo="};
  content_attachment wav{attachment_kind::audio, "hi.wav", "", "",
                         "data:audio/wav;base64,UklGRg=="};
  content_attachment mp3{attachment_kind::audio, "b.mp3", "audio/mpeg", "",
                         "data:audio/mpeg;base64,SUQz"};
  content_attachment txt{attachment_kind::file, "notes.txt", "text/plain",
                         "line 1", ""};
  conv.messages.push_back(message::user("Describe", {img, wav, mp3, txt}));
  auto doc = parse(*encode_openai_request(conv, opts()));
  const auto& parts = doc["messages"][0]["content"];
  REQUIRE(parts.IsArray());
  REQUIRE(parts.Size() == 5);
  CHECK(str(parts[0]["type"]) == "text");
  CHECK(str(parts[0]["text"]) == "Describe");
  CHECK(str(parts[1]["type"]) == "image_url");
  CHECK(str(parts[1]["image_url"]["url"])
        == "data:image/png;base64,iVBORw0KGgo=");
  CHECK(str(parts[2]["type"]) == "input_audio");
  CHECK(str(parts[2]["input_audio"]["data"]) == "UklGRg==");
  CHECK(str(parts[2]["input_audio"]["format"]) == "wav");
  CHECK(str(parts[3]["input_audio"]["format"]) == "mp3");
  CHECK(str(parts[4]["type"]) == "text");
  CHECK(str(parts[4]["text"]) == "[file: notes.txt (text/plain)]\nline 1");
}

TEST_CASE("PDFs need native support, unsupported audio is refused") {
  content_attachment pdf{attachment_kind::pdf, "a.pdf", "application/pdf", "",
                         "data:application/pdf;base64,JVBERi0="};
  conversation conv;
  conv.messages.push_back(message::user("", {pdf}));
  auto refused = encode_openai_request(conv, opts());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == protocol::error_code::invalid_request);
  CHECK(refused.error().message
        == "openai: PDF attachment \"a.pdf\" must be converted to text first "
           "(the model does not take PDFs natively)");
  auto o = opts();
  o.native_pdf = true;
  auto doc = parse(*encode_openai_request(conv, o));
  const auto& part = doc["messages"][0]["content"][0];
  CHECK(str(part["type"]) == "file");
  CHECK(str(part["file"]["filename"]) == "a.pdf");
  CHECK(str(part["file"]["file_data"]) == "data:application/pdf;base64,JVBERi0=");

  conversation ogg;
  ogg.messages.push_back(message::user(
    "x", {content_attachment{attachment_kind::audio, "v.ogg", "", "",
                             "data:audio/ogg;base64,T2dn"}}));
  auto bad = encode_openai_request(ogg, opts());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message
        == "openai: audio attachment \"v.ogg\": format \"audio/ogg\" is not "
           "supported (wav or mp3)");
}

TEST_CASE("bad schemas, bad stored arguments and no model are refused") {
  conversation conv;
  conv.messages.push_back(message::user("x"));
  conv.tools.push_back(tool_definition{"t", "", "[1]"});
  auto r = encode_openai_request(conv, opts());
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("openai: tool \"t\": parameters schema:") == 0);
  conv.tools.clear();
  conv.messages.push_back(
    message::assistant("", {tool_call{"c", "t", "not json"}}));
  auto r2 = encode_openai_request(conv, opts());
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find(
          "openai: assistant tool call \"t\" (c) has invalid arguments")
        == 0);
  CHECK_FALSE(encode_openai_request(conversation{}, opts("")));
}

TEST_CASE("HTTP errors are described from JSON or text bodies") {
  CHECK(describe_openai_error(
          "openai", 401,
          R"({"error":{"message":"Incorrect API key provided: sk-abc***xyz.",)"
          R"("type":"invalid_request_error","param":null,)"
          R"("code":"invalid_api_key"}})")
        == "openai: HTTP 401: Incorrect API key provided: sk-abc***xyz.");
  CHECK(describe_openai_error("ollama", 404,
                              R"({"error":"model \"llama9\" not found"})")
        == "ollama: HTTP 404: model \"llama9\" not found");
  CHECK(describe_openai_error("lmstudio", 400, R"({"message":"bad"})")
        == "lmstudio: HTTP 400: bad");
  CHECK(describe_openai_error("xai", 502, "<html><body>Bad gateway</body>")
        == "xai: HTTP 502: Bad Gateway");
  CHECK(describe_openai_error("x", 500, "upstream crashed\r\nstack...")
        == "x: HTTP 500: upstream crashed");
  CHECK(describe_openai_error("x", 429, "") == "x: HTTP 429: Too Many Requests");
  CHECK(describe_openai_error("x", 418, "{}") == "x: HTTP 418: Error");
  auto long_body = std::string(1000, 'z');
  auto d = describe_openai_error("x", 500, long_body);
  CHECK(d.size() == std::string{"x: HTTP 500: "}.size() + 300 + 3);
}

}
