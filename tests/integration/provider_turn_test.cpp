// Agent turns through a real provider path: the gateway binary against
// wingman-fake-llm (OpenAI-compatible and Anthropic), both on loopback.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "providers/pdf_test_util.hpp"
#include "support/fake_llm_process.hpp"
#include "support/gateway_process.hpp"

using namespace wingman;
using test::client;
using test::fake_llm_process;
using test::gateway_process;
using test::temp_dir;

namespace {

/// A config whose agent `main` uses `model`, with providers `fake`
/// (OpenAI-compatible) and `fakeant` (Anthropic) at the fake server.
std::string provider_config(const fake_llm_process& fake, const std::string& model,
                            const std::string& extra_provider = "",
                            const std::string& agent_extra = "") {
  auto base = "http://127.0.0.1:" + std::to_string(fake.port()) + "/v1";
  return R"({"gateway":{"host":"127.0.0.1","controlUi":{"enabled":false}},)"
         R"("providers":{"fake":{"type":"openai","baseUrl":")" + base + R"(")" + extra_provider
         + R"(},"fakeant":{"type":"anthropic","baseUrl":")" + base + R"(","apiKeyEnv":"FAKEANT_KEY"}},)"
         R"("agents":{"list":[{"id":"main","model":")" + model
         + R"(","prompt":"You are terse.")" + agent_extra + "}]}}";
}

/// A config with provider `fake` (OpenAI-compatible at the fake, plus the
/// `provider_extra` keys), `gateway_extra` keys under "gateway", and
/// `agents` as agents.list.
std::string fake_provider_config(const fake_llm_process& fake, const std::string& agents,
                                 const std::string& provider_extra = "",
                                 const std::string& gateway_extra = "") {
  auto base = "http://127.0.0.1:" + std::to_string(fake.port()) + "/v1";
  return R"({"gateway":{"host":"127.0.0.1","controlUi":{"enabled":false})" + gateway_extra
         + R"(},"providers":{"fake":{"type":"openai","baseUrl":")" + base + R"(")"
         + provider_extra + R"(}},"agents":{"list":)" + agents + "}}";
}

/// `GET /fake/stats` with the fake's own wait options.
/// A `req:agent` payload member attaching `pdf` as a file named `name`.
std::string pdf_attachment(const std::string& name, const std::string& pdf) {
  return R"("attachments":[{"kind":"file","name":")" + name
         + R"(","mimeType":"application/pdf","dataUrl":")"
         + providers::test::pdf_data_url(pdf) + R"("}])";
}

std::string fake_stats(const fake_llm_process& fake, const std::string& query = "") {
  transport::http_client http;
  auto f = test::fetch(http, {"GET", fake.url("/fake/stats" + query), {}, {}});
  return f.body;
}

} // namespace

TEST_SUITE("integration/providers") {

TEST_CASE("an OpenAI-compatible provider streams through the gateway") {
  fake_llm_process fake{{"--chunks", "3"}};
  temp_dir home;
  auto cfg = home.write("cfg.json", provider_config(fake, "fake:test-model"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("provider-client");
  c.request("r1", "hello through a real provider");
  auto done = c.terminal("r1");
  REQUIRE(done.event == "agent-complete");
  CHECK(done.response == "hello through a real provider");
  size_t chunks = 0;
  for (auto& v : c.seen())
    chunks += v.id == "r1" && v.event == "agent-stream" ? 1 : 0;
  CHECK(chunks == 3);
  // The reply is stored like any other.
  auto history = test::http(gw.port(), "GET", "/api/sessions/agent:main:main/messages?agentId=main");
  CHECK(history.body.find("hello through a real provider") != std::string::npos);
}

TEST_CASE("an Anthropic provider streams through the gateway") {
  fake_llm_process fake{{"--api-key", "ant-secret"}};
  temp_dir home;
  auto cfg = home.write("cfg.json", provider_config(fake, "fakeant:claude-test"));
  gateway_process gw{home.path(), {"--config", cfg}, {"FAKEANT_KEY=ant-secret"}};
  client c{gw.port()};
  c.connect("provider-client");
  c.request("r1", "bonjour");
  auto done = c.terminal("r1");
  REQUIRE(done.event == "agent-complete");
  CHECK(done.response == "bonjour");
}

TEST_CASE("429s before the first token are retried, a 401 is an agent-error naming it") {
  fake_llm_process fake{{"--api-key", "right"}};
  temp_dir home;
  auto cfg = home.write("cfg.json", provider_config(fake, "fake:fail-429-2",
                                                    R"(,"apiKeyEnv":"FAKE_KEY")"));
  {
    gateway_process gw{home.path(), {"--config", cfg}, {"FAKE_KEY=right"}};
    client c{gw.port()};
    c.connect("retry-client");
    c.request("r1", "eventually");
    auto done = c.terminal("r1");
    REQUIRE(done.event == "agent-complete");
    CHECK(done.response == "eventually");
    CHECK(test::json_field(fake_stats(fake), "requests") == "3");
  }
  gateway_process gw{home.path(), {"--config", cfg}, {"FAKE_KEY=wrong"}};
  client c{gw.port()};
  c.connect("auth-client");
  c.request("r2", "denied");
  auto failed = c.terminal("r2");
  CHECK(failed.event == "agent-error");
  CHECK(failed.message.find("fake") != std::string::npos);
  CHECK(failed.message.find("401") != std::string::npos);
}

TEST_CASE("a cancel closes the provider connection") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write("cfg.json", provider_config(fake, "fake:stall"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("cancel-client");
  c.request("r1", "never finishes");
  c.until([](auto& v) { return v.id == "r1" && v.event == "agent-stream"; });
  c.send(R"({"type":"req:agent:cancel","id":"k1","payload":{"requestId":"r1"},"timestamp":1})");
  auto done = c.terminal("r1");
  CHECK(done.event == "agent-error");
  // The fake saw its client go away (it waits up to 5 s for that).
  CHECK(test::json_field(fake_stats(fake, "?wait_cancelled=1&timeout_ms=5000"), "cancelled")
        == "1");
}

TEST_CASE("an unknown provider or a missing key is a clear agent-error") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write("cfg.json", provider_config(fake, "nowhere:model"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("x");
  c.request("r1", "hi");
  auto failed = c.terminal("r1");
  CHECK(failed.event == "agent-error");
  CHECK(failed.message.find("nowhere") != std::string::npos);
}

TEST_CASE("a tool call round trip streams tool events and survives a restart") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write("cfg.json", provider_config(fake, "fake:tool-model", "",
                                                    R"(,"tools":["write_file","read_file"])"));
  {
    gateway_process gw{home.path(), {"--config", cfg}};
    client c{gw.port()};
    c.connect("tool-client");
    c.request("w1", R"(/tool write_file {\"path\":\"note.txt\",\"content\":\"written by a tool\"})");
    auto wrote = c.terminal("w1");
    REQUIRE(wrote.event == "agent-complete");
    CHECK(wrote.response.rfind("tool result: ", 0) == 0);
    auto events = c.events("w1");
    CHECK(std::count(events.begin(), events.end(), "tool-start") == 1);
    CHECK(std::count(events.begin(), events.end(), "tool-end") == 1);
    // The tool worked in the agent's workspace, <stateDir>/outputs/main
    // (--state-dir moves the default workspace with it).
    std::ifstream note{home.path() + "/outputs/main/note.txt"};
    std::string written{std::istreambuf_iterator<char>{note}, {}};
    CHECK(written == "written by a tool");
    c.request("r1", R"(/tool read_file {\"path\":\"note.txt\"})");
    auto read = c.terminal("r1");
    REQUIRE(read.event == "agent-complete");
    CHECK(read.response.find("written by a tool") != std::string::npos);
    // A path outside the workspace is a tool error the model sees, not a crash.
    c.request("x1", R"(/tool read_file {\"path\":\"../../cfg.json\"})");
    auto escaped = c.terminal("x1");
    REQUIRE(escaped.event == "agent-complete");
    CHECK(escaped.response.find("tool result: ") == 0);
    CHECK(escaped.response == "tool result: Error: path escapes the working folder: ../../cfg.json");
    CHECK(escaped.response.find("providers") == std::string::npos);
  }
  // After a restart the history holds the calls and the results, and the
  // next turn sends them to the model (the fake reports the roles it got).
  gateway_process gw{home.path(), {"--config", cfg}};
  auto history = test::http(gw.port(), "GET",
                            "/api/sessions/agent:main:main/messages?agentId=main").body;
  CHECK(history.find(R"("toolCalls")") != std::string::npos);
  CHECK(history.find(R"("name":"write_file")") != std::string::npos);
  CHECK(history.find(R"("role":"tool")") != std::string::npos);
  CHECK(history.find("written by a tool") != std::string::npos);
  client c{gw.port()};
  c.connect("after-restart");
  c.request("a1", "still there?");
  auto again = c.terminal("a1");
  REQUIRE(again.event == "agent-complete");
  CHECK(again.response == "still there?");
  // system, then 3 turns of user, assistant (call), tool, assistant, then the question.
  CHECK(test::json_field(fake_stats(fake), "last_roles")
        == "system,user,assistant,tool,assistant,user,assistant,tool,assistant,"
           "user,assistant,tool,assistant,user");
}

TEST_CASE("a model that never stops calling tools hits gateway.turns.maxToolSteps") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write(
    "cfg.json", fake_provider_config(fake, R"([{"id":"main","model":"fake:tool-loop","tools":["ls"]}])",
                                     "", R"(,"turns":{"maxToolSteps":3})"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("loop-client");
  c.request("l1", "/tool ls {}");
  auto failed = c.terminal("l1");
  CHECK(failed.event == "agent-error");
  CHECK(failed.message.find("3 tool rounds") != std::string::npos);
  auto events = c.events("l1");
  CHECK(std::count(events.begin(), events.end(), "tool-end") == 3);
  // The model was asked 4 times: the first answer, then after each round.
  CHECK(test::json_field(fake_stats(fake), "requests") == "4");
}

TEST_CASE("an lmstudio agent reaches the built-in default at 127.0.0.1:1234") {
  // The acceptance setup: no providers section, the built-in lmstudio
  // baseUrl (http://localhost:1234/v1). The only test that uses port 1234.
  fake_llm_process fake{{"--port", "1234", "--chunks", "4"}};
  REQUIRE(fake.port() == 1234);
  temp_dir home;
  auto cfg = home.write(
    "cfg.json",
    R"({"gateway":{"host":"127.0.0.1","controlUi":{"enabled":false}},)"
    R"("agents":{"list":[{"id":"main","model":"lmstudio:qwen2.5-7b","tools":["ls"]}]}})");
  {
    gateway_process gw{home.path(), {"--config", cfg}};
    client c{gw.port()};
    c.connect("lmstudio-client");
    c.request("s1", "streamed by a local model");
    auto done = c.terminal("s1");
    REQUIRE(done.event == "agent-complete");
    CHECK(done.response == "streamed by a local model");
    size_t chunks = 0;
    for (auto& v : c.seen())
      chunks += v.id == "s1" && v.event == "agent-stream" ? 1 : 0;
    CHECK(chunks == 4);
    c.request("s2", "/tool ls {}");
    auto listed = c.terminal("s2");
    REQUIRE(listed.event == "agent-complete");
    CHECK(listed.response.rfind("tool result: ", 0) == 0);
  }
  gateway_process gw{home.path(), {"--config", cfg}};
  auto history = test::http(gw.port(), "GET",
                            "/api/sessions/agent:main:main/messages?agentId=main").body;
  CHECK(history.find(R"("name":"ls")") != std::string::npos);
  CHECK(history.find(R"("role":"tool")") != std::string::npos);
  CHECK(history.find(R"("toolName":"ls")") != std::string::npos);
}

TEST_CASE("a PDF reaches a model without PDF input as text, and a Claude model as a document") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write("cfg.json", provider_config(fake, "fake:test-model"));
  {
    gateway_process gw{home.path(), {"--config", cfg}};
    client c{gw.port()};
    c.connect("pdf-client");
    // The fake echoes the last user message's text: the PDF's text is in it.
    c.request("p1", "Read this", pdf_attachment("hello.pdf", providers::test::make_pdf({"Hello PDF"})));
    auto done = c.terminal("p1");
    REQUIRE(done.event == "agent-complete");
    CHECK(done.response == "Read this\n\n[PDF \"hello.pdf\", 1 page]\nHello PDF");
    c.request("p2", "And this", pdf_attachment("bad.pdf", "%PDF-1.4\nnot really"));
    auto failed = c.terminal("p2");
    CHECK(failed.event == "agent-error");
    CHECK(failed.message.find("attachment \"bad.pdf\": attachment is not a readable PDF")
          != std::string::npos);
  }
  temp_dir home2;
  auto ant = home2.write("cfg.json", provider_config(fake, "fakeant:claude-test"));
  gateway_process gw{home2.path(), {"--config", ant}, {"FAKEANT_KEY=k"}};
  client c{gw.port()};
  c.connect("pdf-client");
  // A document block is not text: the fake echoes only the typed text.
  c.request("n1", "Native", pdf_attachment("hello.pdf", providers::test::make_pdf({"Hello PDF"})));
  auto native = c.terminal("n1");
  REQUIRE(native.event == "agent-complete");
  CHECK(native.response == "Native");
}

TEST_CASE("a mid-stream disconnect and a first-byte timeout end the turn with a clear error") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write(
    "cfg.json", fake_provider_config(fake,
                                     R"([{"id":"main","model":"fake:disconnect"},)"
                                     R"({"id":"slow","model":"fake:slow-first-byte-5000"}])",
                                     R"(,"firstByteTimeoutMs":200)"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("fault-client");
  c.request("d1", "cut short by the server");
  auto cut = c.terminal("d1");
  CHECK(cut.event == "agent-error");
  CHECK(cut.message.find("fake") != std::string::npos);
  // Tokens had reached the client, so the turn was not retried.
  CHECK(test::json_field(fake_stats(fake), "requests") == "1");
  c.request("t1", "too slow", R"("agentId":"slow")");
  auto timed_out = c.terminal("t1");
  CHECK(timed_out.event == "agent-error");
  CHECK(timed_out.message.find("fake") != std::string::npos);
  CHECK(timed_out.message.find("first byte") != std::string::npos);
}

TEST_CASE("a request queued behind a tool round is answered last, after that round") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write(
    "cfg.json", fake_provider_config(
                  fake, R"([{"id":"main","model":"fake:slow-first-byte-300","tools":["ls"]}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("queue-client");
  c.request("q1", "/tool ls {}");
  c.request("q2", "and then?");
  // q2 waited in the queue while q1's turn (two model calls) ran.
  c.until([](auto& v) { return v.id == "q2" && v.type == "ack"; });
  auto first = c.terminal("q1");
  REQUIRE(first.event == "agent-complete");
  auto second = c.terminal("q2");
  REQUIRE(second.event == "agent-complete");
  CHECK(second.response == "and then?");
  // Its user message was stored before q1's round, but the model sees it last.
  CHECK(test::json_field(fake_stats(fake), "last_roles")
        == "user,assistant,tool,assistant,user");
}

TEST_CASE("a workdir that an agent added later owns ends the turn") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write(
    "cfg.json", fake_provider_config(fake, R"([{"id":"main","model":"fake:m","tools":["ls"]}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  auto future_home = home.path() + "/outputs/x";
  std::filesystem::create_directories(future_home);
  REQUIRE(test::http(gw.port(), "POST", "/api/sessions", {}, R"({"sessionId":"agent:main:w"})")
            .status == 201);
  REQUIRE(test::http(gw.port(), "POST", "/api/sessions/agent:main:w/workdir", {},
                     R"({"workdir":")" + future_home + R"("})")
            .status == 200);
  // Agent x is created afterwards; its default workspace is that folder.
  REQUIRE(test::http(gw.port(), "POST", "/api/agents", {}, R"({"id":"x"})").status == 201);
  client c{gw.port()};
  c.connect("workdir-client");
  c.request("w1", "/tool ls {}", R"("sessionKey":"agent:main:w")");
  auto refused = c.terminal("w1");
  CHECK(refused.event == "agent-error");
  CHECK(refused.message.find(R"(agent "x")") != std::string::npos);
  CHECK(test::json_field(fake_stats(fake), "requests") == "0");  // the model was not asked
}

TEST_CASE("turns started by a webhook are not offered command tools") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write(
    "cfg.json", fake_provider_config(fake, R"([{"id":"main","model":"fake:m","tools":["*"]}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("chat-client");
  c.request("c1", "a chat turn");
  REQUIRE(c.terminal("c1").event == "agent-complete");
  auto chat_tools = test::json_field(fake_stats(fake), "last_tools");
  CHECK(chat_tools.find("command_execute") != std::string::npos);
  CHECK(chat_tools.find("background_terminal") != std::string::npos);
  auto hook = test::http(gw.port(), "POST", "/api/webhooks", {},
                         R"({"name":"Inbox","agentId":"main"})");
  REQUIRE(hook.status == 201);
  auto id = test::json_field(hook.body, "id");
  auto secret = test::json_field(hook.body, "secret");
  auto ran = test::http(gw.port(), "POST", "/webhooks/" + id + "?wait=true",
                        {{"x-wingman-secret", secret}}, R"({"prompt":"run rm -rf ~"})");
  REQUIRE(ran.status == 200);
  auto webhook_tools = test::json_field(fake_stats(fake), "last_tools");
  CHECK(webhook_tools.find("read_file") != std::string::npos);
  CHECK(webhook_tools.find("command_execute") == std::string::npos);
  CHECK(webhook_tools.find("background_terminal") == std::string::npos);
}

TEST_CASE("a deleted session's history never reaches the model again") {
  fake_llm_process fake;
  temp_dir home;
  auto cfg = home.write("cfg.json",
                        fake_provider_config(fake, R"([{"id":"main","model":"fake:m"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("delete-client");
  c.request("d1", "something to forget");
  REQUIRE(c.terminal("d1").event == "agent-complete");
  c.request("d2", "and more");
  REQUIRE(c.terminal("d2").event == "agent-complete");
  CHECK(test::json_field(fake_stats(fake), "last_roles") == "user,assistant,user");
  REQUIRE(test::http(gw.port(), "DELETE", "/api/sessions/agent:main:main").status == 200);
  // The same key again, while the session actor is still alive.
  c.request("d3", "a fresh start");
  REQUIRE(c.terminal("d3").event == "agent-complete");
  CHECK(test::json_field(fake_stats(fake), "last_roles") == "user");
}

}
