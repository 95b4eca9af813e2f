#include "providers/provider_registry.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace wingman;
using namespace wingman::providers;
using std::chrono::milliseconds;

namespace {

/// An environment holding exactly `vars`.
env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name)
           -> std::optional<std::string> {
    auto it = vars.find(std::string{name});
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

const env_lookup no_env = env_of({});

std::string header(const resolved_provider& p, std::string_view name) {
  for (const auto& [k, v] : p.headers)
    if (k == name)
      return v;
  return "<absent>";
}

protocol::provider_config entry(std::string name) {
  protocol::provider_config c;
  c.name = std::move(name);
  return c;
}

} // namespace

TEST_SUITE("providers/provider_registry") {

TEST_CASE("built-in openai resolves with the env key as a bearer token") {
  provider_registry reg;
  auto p = reg.resolve("openai:gpt-4o-mini", env_of({{"OPENAI_API_KEY", "sk-1"}}),
                       "");
  REQUIRE(p);
  CHECK(p->name == "openai");
  CHECK(p->type == provider_type::openai);
  CHECK(p->model == "gpt-4o-mini");
  CHECK(p->base_url == "https://api.openai.com/v1");
  CHECK(p->endpoint == "https://api.openai.com/v1/chat/completions");
  CHECK(header(*p, "authorization") == "Bearer sk-1");
  CHECK(header(*p, "content-type") == "application/json");
  CHECK(header(*p, "accept") == "text/event-stream");
  CHECK(p->key_source == "env:OPENAI_API_KEY");
  CHECK(p->connect_timeout == milliseconds{10000});
  CHECK(p->first_byte_timeout == milliseconds{120000});
  CHECK(p->idle_timeout == milliseconds{60000});
  CHECK(p->max_retries == 3);
  // the config defaults and the decoder defaults agree
  stream_limits defaults;
  CHECK(p->limits.max_event_bytes == defaults.max_event_bytes);
  CHECK(p->limits.max_tool_args_bytes == defaults.max_tool_args_bytes);
  CHECK(p->limits.max_tool_calls == defaults.max_tool_calls);
}

TEST_CASE("built-in anthropic uses x-api-key and the API version") {
  provider_registry reg;
  auto p = reg.resolve("anthropic:claude-sonnet-4-5",
                       env_of({{"ANTHROPIC_API_KEY", "sk-ant"}}), "");
  REQUIRE(p);
  CHECK(p->type == provider_type::anthropic);
  CHECK(p->endpoint == "https://api.anthropic.com/v1/messages");
  CHECK(header(*p, "x-api-key") == "sk-ant");
  CHECK(header(*p, "anthropic-version") == "2023-06-01");
  CHECK(header(*p, "authorization") == "<absent>");
}

TEST_CASE("every built-in has its documented URL and key rule") {
  provider_registry reg;
  struct row {
    const char* name;
    const char* endpoint;
    bool needs_key;
  };
  for (auto r : {row{"lmstudio", "http://localhost:1234/v1/chat/completions",
                     false},
                 row{"ollama", "http://localhost:11434/v1/chat/completions",
                     false},
                 row{"openrouter",
                     "https://openrouter.ai/api/v1/chat/completions", true},
                 row{"xai", "https://api.x.ai/v1/chat/completions", true},
                 row{"openai", "https://api.openai.com/v1/chat/completions",
                     true},
                 row{"anthropic", "https://api.anthropic.com/v1/messages",
                     true}}) {
    INFO(r.name);
    auto p = reg.resolve(std::string{r.name} + ":m", no_env, "");
    CHECK(p.has_value() == !r.needs_key);
    if (p) {
      CHECK(p->endpoint == r.endpoint);
      CHECK(p->key_source == "none");
      CHECK(header(*p, "authorization") == "<absent>");
    }
  }
  auto lm = reg.resolve("lmstudio:qwen2.5-7b",
                        env_of({{"LMSTUDIO_API_KEY", "lm"}}), "");
  REQUIRE(lm);
  CHECK(header(*lm, "authorization") == "Bearer lm");
  CHECK(reg.names()
        == std::vector<std::string>{"anthropic", "lmstudio", "ollama",
                                    "openai", "openrouter", "xai"});
}

TEST_CASE("a missing required key is a clear error") {
  provider_registry reg;
  auto p = reg.resolve("anthropic:claude", no_env, "");
  REQUIRE_FALSE(p);
  CHECK(p.error().code == protocol::error_code::config_invalid);
  CHECK(p.error().message
        == "anthropic: no API key: set ANTHROPIC_API_KEY or add it in "
           "Settings");
  // an empty variable counts as unset
  CHECK_FALSE(reg.resolve("xai:grok", env_of({{"XAI_API_KEY", ""}}), ""));
}

TEST_CASE("the credentials file supplies keys and base URLs after the env") {
  provider_registry reg;
  const std::string creds =
    R"({"providers":{"openai":{"apiKey":"sk-file"},)"
    R"("lmstudio":{"baseUrl":"http://10.0.0.5:1234/v1/"}}})";
  auto file = reg.resolve("openai:gpt-4o", no_env, creds);
  REQUIRE(file);
  CHECK(header(*file, "authorization") == "Bearer sk-file");
  CHECK(file->key_source == "credentials");
  auto env = reg.resolve("openai:gpt-4o",
                         env_of({{"OPENAI_API_KEY", "sk-env"}}), creds);
  REQUIRE(env);
  CHECK(header(*env, "authorization") == "Bearer sk-env");
  auto lm = reg.resolve("lmstudio:q", no_env, creds);
  REQUIRE(lm);
  CHECK(lm->endpoint == "http://10.0.0.5:1234/v1/chat/completions");
  auto broken = reg.resolve("openai:gpt-4o", no_env, "{not json");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message.find("openai: credentials file: invalid JSON")
        == 0);
  CHECK(reg.resolve("ollama:llama3", no_env, "  \n"));  // blank file: none
}

TEST_CASE("config entries add providers by name") {
  auto fake = entry("fake");
  fake.type = "openai";
  fake.base_url = "http://127.0.0.1:9999/v1";
  fake.api_key_env = "FAKE_KEY";
  fake.headers = {{"X-Test", "1"}, {"Accept", "application/x-ndjson"}};
  fake.connect_timeout_ms = 100;
  fake.first_byte_timeout_ms = 200;
  fake.idle_timeout_ms = 300;
  fake.max_retries = 1;
  fake.max_event_bytes = 10;
  fake.max_tool_args_bytes = 20;
  fake.max_tool_calls = 2;
  auto claude = entry("proxy");
  claude.type = "anthropic";
  claude.base_url = "https://llm.example.com/anthropic/v1";
  provider_registry reg{{fake, claude}};
  CHECK(reg.knows("fake"));
  CHECK(reg.knows("proxy"));
  CHECK(reg.knows("openai"));
  CHECK_FALSE(reg.knows("echo"));
  CHECK_FALSE(reg.knows("nosuch"));
  CHECK(reg.check());
  auto p = reg.resolve("fake:some-model", env_of({{"FAKE_KEY", "k"}}), "");
  REQUIRE(p);
  CHECK(p->endpoint == "http://127.0.0.1:9999/v1/chat/completions");
  CHECK(p->model == "some-model");
  CHECK(header(*p, "authorization") == "Bearer k");
  CHECK(header(*p, "X-Test") == "1");
  CHECK(header(*p, "Accept") == "application/x-ndjson");  // replaced
  CHECK(header(*p, "accept") == "<absent>");
  CHECK(p->connect_timeout == milliseconds{100});
  CHECK(p->first_byte_timeout == milliseconds{200});
  CHECK(p->idle_timeout == milliseconds{300});
  CHECK(p->max_retries == 1);
  CHECK(p->limits.max_event_bytes == 10);
  CHECK(p->limits.max_tool_args_bytes == 20);
  CHECK(p->limits.max_tool_calls == 2);
  // apiKeyEnv makes the key required
  CHECK(reg.resolve("fake:m", no_env, "").error().message
        == "fake: no API key: set FAKE_KEY or add it in Settings");
  // without apiKeyEnv a key is optional
  auto px = reg.resolve("proxy:claude-x", no_env, "");
  REQUIRE(px);
  CHECK(px->endpoint == "https://llm.example.com/anthropic/v1/messages");
  CHECK(header(*px, "x-api-key") == "<absent>");
}

TEST_CASE("config entries override built-ins and keep their defaults") {
  auto lm = entry("lmstudio");
  lm.base_url = "http://gpu:1234/v1";
  auto oa = entry("openai");
  oa.api_key_env = "MY_OPENAI";
  oa.max_retries = 0;
  provider_registry reg{{lm, oa}};
  const std::string creds =
    R"({"providers":{"lmstudio":{"baseUrl":"http://other:1/v1"}}})";
  auto p = reg.resolve("lmstudio:q", no_env, creds);
  REQUIRE(p);
  CHECK(p->type == provider_type::openai);
  CHECK(p->endpoint == "http://gpu:1234/v1/chat/completions");  // config wins
  auto o = reg.resolve("openai:gpt", env_of({{"MY_OPENAI", "x"},
                                            {"OPENAI_API_KEY", "y"}}),
                       "");
  REQUIRE(o);
  CHECK(header(*o, "authorization") == "Bearer x");
  CHECK(o->base_url == "https://api.openai.com/v1");
  CHECK(o->max_retries == 0);
  CHECK(reg.names().size() == 6);
}

TEST_CASE("unknown providers, echo and incomplete entries are errors") {
  auto bad = entry("half");
  bad.base_url = "http://x/v1";
  provider_registry reg{{bad}};
  auto unknown = reg.resolve("gemini:pro", no_env, "");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == protocol::error_code::config_invalid);
  CHECK(unknown.error().message
        == "unknown model provider \"gemini\" (known: anthropic, half, "
           "lmstudio, ollama, openai, openrouter, xai; others can be added "
           "under \"providers\" in the config)");
  CHECK(reg.resolve("echo", no_env, "").error().code
        == protocol::error_code::invalid_request);
  CHECK(reg.resolve("nocolon", no_env, "").error().message
        == "invalid model \"nocolon\" (expected provider:model)");
  auto half = reg.resolve("half:m", no_env, "");
  REQUIRE_FALSE(half);
  CHECK(half.error().message
        == "providers.half.type: required for a provider that is not built "
           "in (\"openai\" or \"anthropic\")");
  CHECK(reg.check().error().message == half.error().message);
  auto no_url = entry("nourl");
  no_url.type = "openai";
  CHECK(provider_registry{{no_url}}.check().error().message
        == "providers.nourl.baseUrl: required for a provider that is not "
           "built in");
}

TEST_CASE("describe shows what resolve would use, and whether a key is there") {
  auto fake = entry("fake");
  fake.type = "anthropic";
  fake.base_url = "http://127.0.0.1:9/v1/";
  fake.api_key_env = "FAKE_KEY";
  provider_registry reg{{fake}};
  auto lm = reg.describe("lmstudio", no_env, "");
  REQUIRE(lm);
  CHECK(lm->type == provider_type::openai);
  CHECK(lm->base_url == "http://localhost:1234/v1");
  CHECK(lm->ready);  // needs no key
  CHECK(lm->key_source == "none");
  CHECK_FALSE(lm->from_config);
  auto ant = reg.describe("anthropic", env_of({{"ANTHROPIC_API_KEY", "k"}}), "");
  REQUIRE(ant);
  CHECK(ant->ready);
  CHECK(ant->key_source == "env");
  auto missing = reg.describe("fake", no_env, "");
  REQUIRE(missing);
  CHECK_FALSE(missing->ready);
  CHECK(missing->from_config);
  CHECK(missing->type == provider_type::anthropic);
  CHECK(missing->base_url == "http://127.0.0.1:9/v1");
  auto stored = reg.describe("fake", no_env, R"({"providers":{"fake":{"apiKey":"s"}}})");
  REQUIRE(stored);
  CHECK(stored->ready);
  CHECK(stored->key_source == "credentials");
  CHECK_FALSE(reg.describe("nowhere", no_env, ""));
}

TEST_CASE("model names keep everything after the first colon") {
  provider_registry reg;
  auto p = reg.resolve("ollama:llama3.1:8b", no_env, "");
  REQUIRE(p);
  CHECK(p->model == "llama3.1:8b");
}

TEST_CASE("is_supported accepts echo, built-ins and configured providers") {
  CHECK(is_supported(*parse_model_spec("echo")));
  CHECK(is_supported(*parse_model_spec("lmstudio:x")));
  CHECK_FALSE(is_supported(*parse_model_spec("fake:x")));
  std::vector<protocol::provider_config> cfg{entry("fake")};
  CHECK(is_supported(*parse_model_spec("fake:x"), cfg));
  CHECK_FALSE(is_supported(*parse_model_spec("other:x"), cfg));
}

}
