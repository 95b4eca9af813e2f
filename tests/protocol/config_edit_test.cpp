#include "protocol/config_edit.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace wingman::protocol;

namespace {

const path_context ctx{"/home/u", "/etc/wingman"};

/// Parses edited text back as a config (it must stay loadable).
gateway_config reload(const std::string& text) {
  auto res = parse_config(text, "cfg.json", ctx);
  INFO("text: " << text);
  if (!res.has_value())
    INFO("error: " << res.error().message);
  REQUIRE(res.has_value());
  return std::move(res).value();
}

/// Position of `needle` in `text` (npos fails the test).
size_t pos(const std::string& text, const std::string& needle) {
  auto p = text.find(needle);
  INFO("looking for " << needle << " in " << text);
  REQUIRE(p != std::string::npos);
  return p;
}

agent_config agent(const std::string& id, const std::string& model = "echo") {
  agent_config a;
  a.id = id;
  a.name = id;
  a.model = model;
  return a;
}

const std::string sample = R"({
  "summarization": {"enabled": true, "ratio": 0.25},
  "gateway": {"host": "127.0.0.1", "mcpProxy": {"x": [1, 2]}},
  "agents": {
    "list": [
      {"id": "main", "default": true, "voice": {"v": 1}},
      {"id": "support", "model": "echo", "custom": "keep me"}
    ],
    "bindings": [{"agentId": "support", "match": {"channel": "webui"}}]
  },
  "hooks": [{"on": "start"}],
  "mcp": {"servers": {}}
})";

} // namespace

TEST_SUITE("protocol/config_edit") {

TEST_CASE("upserting a new agent appends it and keeps unknown keys in order") {
  auto a = agent("coder", "openai:gpt-4o-mini");
  a.prompt = "be brief";
  a.tools = {"shell", "fs"};
  a.echo.chunks = 2;
  auto out = config_upsert_agent(sample, a);
  REQUIRE(out.has_value());
  const auto& text = *out;
  CHECK(pos(text, "\"summarization\"") < pos(text, "\"gateway\""));
  CHECK(pos(text, "\"gateway\"") < pos(text, "\"agents\""));
  CHECK(pos(text, "\"agents\"") < pos(text, "\"hooks\""));
  CHECK(pos(text, "\"hooks\"") < pos(text, "\"mcp\""));
  CHECK(pos(text, "\"support\"") < pos(text, "\"coder\""));
  pos(text, "\"ratio\": 0.25");
  pos(text, "\"keep me\"");
  pos(text, "\"mcpProxy\"");
  auto cfg = reload(text);
  REQUIRE(cfg.agents.size() == 3);
  CHECK(cfg.agents[2].id == "coder");
  CHECK(cfg.agents[2].model == "openai:gpt-4o-mini");
  CHECK(cfg.agents[2].prompt == "be brief");
  CHECK(cfg.agents[2].tools == std::vector<std::string>{"shell", "fs"});
  CHECK(cfg.agents[2].echo.chunks == 2);
  CHECK(cfg.agents[2].workspace == "/home/u/.wingman/outputs/coder");
  CHECK(cfg.default_agent == "main");
}

TEST_CASE("upserting an existing agent replaces its fields in place") {
  auto a = agent("support", "anthropic:claude");
  a.name = "Support desk";
  auto out = config_upsert_agent(sample, a);
  REQUIRE(out.has_value());
  auto cfg = reload(*out);
  REQUIRE(cfg.agents.size() == 2);
  CHECK(cfg.agents[1].id == "support");
  CHECK(cfg.agents[1].name == "Support desk");
  CHECK(cfg.agents[1].model == "anthropic:claude");
  // The entry's own unknown member stays, after the members it had.
  CHECK(pos(*out, "\"model\": \"anthropic:claude\"")
        < pos(*out, "\"custom\": \"keep me\""));
  CHECK(out->find("\"echo\"") == std::string::npos);
}

TEST_CASE("a new default agent clears the other default markers") {
  auto a = agent("support");
  a.is_default = true;
  auto out = config_upsert_agent(sample, a);
  REQUIRE(out.has_value());
  CHECK(reload(*out).default_agent == "support");
  auto named = config_upsert_agent(
    R"({"defaultAgent":"a","agents":{"list":[{"id":"a"},{"id":"b"}]}})",
    [] {
      auto b = agent("b");
      b.is_default = true;
      return b;
    }());
  REQUIRE(named.has_value());
  CHECK(reload(*named).default_agent == "b");
}

TEST_CASE("an empty or missing file starts from an empty object and keeps "
          "the implicit main agent") {
  for (std::string start : {"", "  \n", "{}", R"({"agents":{"list":[]}})"}) {
    auto out = config_upsert_agent(start, agent("x"));
    REQUIRE(out.has_value());
    auto cfg = reload(*out);
    REQUIRE(cfg.agents.size() == 2);
    CHECK(cfg.agents[0].id == "main");
    CHECK(cfg.agents[1].id == "x");
    CHECK(cfg.default_agent == "main");
  }
  auto main_only = config_upsert_agent("{}", agent("main"));
  REQUIRE(main_only.has_value());
  CHECK(reload(*main_only).agents.size() == 1);
}

TEST_CASE("removing an agent keeps everything else") {
  auto added = config_upsert_agent(sample, agent("extra"));
  REQUIRE(added.has_value());
  auto out = config_remove_agent(*added, "extra");
  REQUIRE(out.has_value());
  CHECK(out->find("\"extra\"") == std::string::npos);
  pos(*out, "\"hooks\"");
  CHECK(reload(*out).agents.size() == 2);
  auto absent = config_remove_agent(sample, "nobody");
  REQUIRE(absent.has_value());
  CHECK(*absent == sample);
}

TEST_CASE("removing an agent that a binding names is refused") {
  auto out = config_remove_agent(sample, "support");
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == error_code::forbidden);
  CHECK(out.error().message.find("agents.bindings[0]") != std::string::npos);
}

TEST_CASE("malformed file text is an error, never a rewrite") {
  for (std::string bad : {"{", "[]", "nope", R"({"agents":[]})",
                          R"({"agents":{"list":{}}})"}) {
    auto up = config_upsert_agent(bad, agent("x"));
    REQUIRE_FALSE(up.has_value());
    CHECK(up.error().code == error_code::config_invalid);
    auto voice = config_set_voice(bad, R"({"provider":"web_speech"})");
    if (bad.find("agents") == std::string::npos) {
      REQUIRE_FALSE(voice.has_value());
      CHECK(voice.error().code == error_code::config_invalid);
    }
  }
  auto rm = config_remove_agent("{\"agents\":", "x");
  REQUIRE_FALSE(rm.has_value());
  CHECK(rm.error().message.find("invalid JSON at offset") != std::string::npos);
}

TEST_CASE("setting the voice replaces it in place or appends it") {
  auto out = config_set_voice(sample, R"({"provider":"elevenlabs"})");
  REQUIRE(out.has_value());
  CHECK(pos(*out, "\n  \"mcp\"") < pos(*out, "\n  \"voice\""));
  auto cfg = reload(*out);
  CHECK(cfg.voice_json == R"({"provider":"elevenlabs"})");
  auto again = config_set_voice(
    R"({"voice":{"provider":"x"},"hooks":[]})",
    R"({"provider":"web_speech","defaultPolicy":"auto"})");
  REQUIRE(again.has_value());
  CHECK(pos(*again, "\"voice\"") < pos(*again, "\"hooks\""));
  CHECK(reload(*again).voice_json
        == R"({"provider":"web_speech","defaultPolicy":"auto"})");
  CHECK_FALSE(config_set_voice("{}", "[]").has_value());
}

TEST_CASE("agent bodies decode with precise errors") {
  auto ok = decode_agent_patch(
    R"({"id":"a-1","name":"A","model":"echo","prompt":"p","tools":["t"],)"
    R"("echo":{"delayMs":5,"chunks":3},"default":true,"workspace":"/x"})");
  REQUIRE(ok.has_value());
  CHECK(*ok->id == "a-1");
  CHECK(*ok->name == "A");
  CHECK(*ok->tools == std::vector<std::string>{"t"});
  CHECK(*ok->echo_delay_ms == 5);
  CHECK(*ok->echo_chunks == 3);
  CHECK(*ok->is_default);
  auto err = [](const std::string& body) {
    auto r = decode_agent_patch(body);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == error_code::invalid_request);
    return r.error().message;
  };
  CHECK(err(R"({"id":"bad id"})").rfind("id: ", 0) == 0);
  CHECK(err(R"({"id":5})") == "id: expected an agent id, got 5");
  CHECK(err(R"({"name":true})") == "name: expected a string, got true");
  CHECK(err(R"({"model":""})") == R"(model: expected a non-empty string, got "")");
  CHECK(err(R"({"tools":["a",3]})") == "tools[1]: expected a non-empty string, got 3");
  CHECK(err(R"({"tools":"a"})") == R"(tools: expected an array of strings, got "a")");
  CHECK(err(R"({"echo":{"chunks":0}})")
        == "echo.chunks: expected an integer from 1 to 1000, got 0");
  CHECK(err(R"({"default":"yes"})") == R"(default: expected true or false, got "yes")");
  CHECK(err("[1]") == "body: expected a JSON object, got an array");
  CHECK(err("{").rfind("invalid JSON body", 0) == 0);
}

TEST_CASE("a patch changes only the fields it has") {
  auto a = agent("a");
  a.prompt = "old";
  auto p = decode_agent_patch(R"({"model":"openai:x"})");
  REQUIRE(p.has_value());
  apply_agent_patch(*p, a);
  CHECK(a.model == "openai:x");
  CHECK(a.prompt == "old");
  CHECK(encode_agent(a, true)
        == R"({"id":"a","name":"a","description":"","default":true,)"
           R"("model":"openai:x","prompt":"old","tools":[],"workspace":"",)"
           R"("agentDir":"","echo":{"delayMs":0,"chunks":4}})");
}

TEST_CASE("description is decoded, applied, written and encoded and file "
          "is shown for agent files only") {
  auto a = agent("a");
  auto p = decode_agent_patch(R"({"description":"Helps"})");
  REQUIRE(p.has_value());
  apply_agent_patch(*p, a);
  CHECK(a.description == "Helps");
  auto out = config_upsert_agent("{}", a);
  REQUIRE(out.has_value());
  CHECK(out->find("\"description\"") != std::string::npos);
  CHECK(reload(*out).agents.back().description == "Helps");
  CHECK(encode_agent(a, false).find(R"("description":"Helps")")
        != std::string::npos);
  CHECK(encode_agent(a, false).find(R"("file")") == std::string::npos);
  a.source_file = "/c/agents/a/agent.md";
  CHECK(encode_agent(a, false).find(R"("file":"/c/agents/a/agent.md")")
        != std::string::npos);
  auto bad = decode_agent_patch(R"({"description":1})");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "description: expected a string, got 1");
}

TEST_CASE("without an implicit main (agent files exist) upsert writes only "
          "the agent") {
  auto out = config_upsert_agent("{}", agent("x"), false);
  REQUIRE(out.has_value());
  auto cfg = reload(*out);
  REQUIRE(cfg.agents.size() == 1);
  CHECK(cfg.agents[0].id == "x");
}

TEST_CASE("voice bodies are validated and secrets are never shown") {
  auto v = decode_voice(R"({"provider":"elevenlabs","defaultPolicy":"auto",)"
                        R"("elevenlabs":{"voiceId":"v","apiKey":"sk"}})",
                        "{}");
  REQUIRE(v.has_value());
  auto shown = voice_public_json(*v);
  CHECK(shown.find("sk") == std::string::npos);
  CHECK(shown.find(R"("apiKeyConfigured":true)") != std::string::npos);
  // Echoing the public view back keeps the stored key.
  auto back = decode_voice(shown, *v);
  REQUIRE(back.has_value());
  CHECK(back->find(R"("apiKey":"sk")") != std::string::npos);
  CHECK(back->find("apiKeyConfigured") == std::string::npos);
  CHECK(voice_public_json("{}")
        == R"({"provider":"web_speech","defaultPolicy":"off"})");
  for (std::string bad : {R"({})", R"({"provider":"tts"})",
                          R"({"provider":"web_speech","defaultPolicy":"on"})",
                          R"({"provider":"web_speech","webSpeech":1})"}) {
    auto r = decode_voice(bad, "{}");
    CHECK_FALSE(r.has_value());
  }
}

TEST_CASE("credentials are set and removed keeping other entries") {
  auto one = credentials_set(R"({"other":1,"providers":{"xai":{"apiKey":"k1"}}})",
                             "openai", {"sk-2", ""});
  REQUIRE(one.has_value());
  auto list = read_credentials(*one);
  REQUIRE(list.has_value());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "xai");
  CHECK((*list)[1].name == "openai");
  CHECK((*list)[1].has_key);
  auto url = credentials_set(*one, "openai", {"", "http://h:1/v1"});
  REQUIRE(url.has_value());
  CHECK(url->find("sk-2") != std::string::npos);
  CHECK((*read_credentials(*url))[1].base_url == "http://h:1/v1");
  auto removed = credentials_remove(*url, "xai");
  REQUIRE(removed.has_value());
  CHECK(removed->find("k1") == std::string::npos);
  CHECK(removed->find("\"other\"") != std::string::npos);
  CHECK(read_credentials("")->empty());
  CHECK_FALSE(read_credentials("{\"providers\":[]}").has_value());
  CHECK_FALSE(decode_provider_credentials("{}").has_value());
  CHECK_FALSE(decode_provider_credentials(R"({"apiKey":""})").has_value());
  CHECK_FALSE(decode_provider_credentials(R"({"baseUrl":"ftp://x"})").has_value());
  CHECK(decode_provider_credentials(R"({"apiKey":"k"})")->api_key == "k");
}

TEST_CASE("path bodies need a non-empty path") {
  CHECK(*decode_path_body(R"({"path":"/a"})") == "/a");
  CHECK_FALSE(decode_path_body(R"({"path":""})").has_value());
  CHECK_FALSE(decode_path_body("{}").has_value());
}

} // TEST_SUITE
