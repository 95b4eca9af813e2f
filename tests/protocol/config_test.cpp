#include "protocol/config.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

using namespace wingman::protocol;

namespace {

const path_context ctx{"/home/u", "/etc/wingman"};

gateway_config parse_ok(const std::string& text,
                        std::string_view env_token = {}) {
  auto res = parse_config(text, "cfg.json", ctx, env_token);
  INFO("text: " << text);
  if (!res.has_value())
    INFO("error: " << res.error().message);
  REQUIRE(res.has_value());
  return std::move(res).value();
}

std::string parse_err(const std::string& text,
                      std::string_view env_token = {}) {
  auto res = parse_config(text, "cfg.json", ctx, env_token);
  INFO("text: " << text);
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().code == error_code::config_invalid);
  return res.error().message;
}

bool has_warning(const gateway_config& cfg, const std::string& w) {
  return std::find(cfg.warnings.begin(), cfg.warnings.end(), w)
         != cfg.warnings.end();
}

const agent_config* find_agent(const gateway_config& cfg, const char* id) {
  for (const auto& a : cfg.agents)
    if (a.id == id)
      return &a;
  return nullptr;
}

/// `{"agents":{"list":[<list>]}}`.
std::string agents(const std::string& list) {
  return R"({"agents":{"list":[)" + list + "]}}";
}

} // namespace

TEST_SUITE("protocol/config") {

// -- paths --------------------------------------------------------------------

TEST_CASE("expand_path resolves ~ against home and relative paths against "
          "the config folder") {
  CHECK(expand_path("~", ctx) == "/home/u");
  CHECK(expand_path("~/", ctx) == "/home/u");
  CHECK(expand_path("~/.wingman", ctx) == "/home/u/.wingman");
  CHECK(expand_path("~/a/../b/./c", ctx) == "/home/u/b/c");
  CHECK(expand_path("data", ctx) == "/etc/wingman/data");
  CHECK(expand_path("./data/", ctx) == "/etc/wingman/data");
  CHECK(expand_path("../shared", ctx) == "/etc/shared");
  CHECK(expand_path("~user/x", ctx) == "/etc/wingman/~user/x");
}

TEST_CASE("expand_path returns absolute and empty paths unchanged") {
  CHECK(expand_path("/abs/./path", ctx) == "/abs/./path");
  CHECK(expand_path("/", ctx) == "/");
  CHECK(expand_path("", ctx).empty());
}

TEST_CASE("expand_path leaves a path alone when its base is unknown") {
  path_context none;
  CHECK(expand_path("~/x", none) == "~/x");
  CHECK(expand_path("rel", none) == "rel");
  path_context slash{"/home/u/", "/cfg/"};
  CHECK(expand_path("~/x", slash) == "/home/u/x");
  CHECK(expand_path("y", slash) == "/cfg/y");
}

// -- defaults -----------------------------------------------------------------

TEST_CASE("the embedded default is one main echo agent on loopback") {
  auto cfg = default_config(ctx);
  CHECK(cfg.host == "127.0.0.1");
  CHECK(cfg.port == 18789);
  CHECK(cfg.state_dir == "/home/u/.wingman");
  CHECK(cfg.auth == auth_mode::none);
  CHECK(cfg.control_ui_enabled);
  CHECK(cfg.control_ui_port == 18790);
  REQUIRE(cfg.agents.size() == 1);
  CHECK(cfg.agents[0].id == "main");
  CHECK(cfg.agents[0].name == "main");
  CHECK(cfg.agents[0].model == "echo");
  CHECK(cfg.agents[0].workspace == "/home/u/.wingman/outputs/main");
  CHECK(cfg.agents[0].agent_dir == "/home/u/.wingman/agents/main");
  CHECK(cfg.default_agent == "main");
  CHECK(cfg.bindings.empty());
  CHECK(cfg.source.empty());
  CHECK(cfg.warnings.empty());
  CHECK(cfg.fs_roots == std::vector<std::string>{"/home/u/.wingman/outputs"});
}

TEST_CASE("an empty object parses to the defaults") {
  auto cfg = parse_ok("{}");
  auto def = default_config(ctx);
  CHECK(cfg.host == def.host);
  CHECK(cfg.port == def.port);
  CHECK(cfg.state_dir == def.state_dir);
  CHECK(cfg.fs_roots == def.fs_roots);
  CHECK(cfg.auth == auth_mode::none);
  REQUIRE(cfg.agents.size() == 1);
  CHECK(cfg.agents[0].id == "main");
  CHECK(cfg.agents[0].workspace == def.agents[0].workspace);
  CHECK(cfg.default_agent == "main");
  CHECK(cfg.source == "cfg.json");
  CHECK(cfg.warnings.empty());
  CHECK(cfg.limits.max_frame_bytes == 1u << 20);
  CHECK(cfg.limits.session_queue_depth == 100);
  CHECK(cfg.storage.map_size_bytes == 1ull << 32);
  CHECK(cfg.storage.sync);
  CHECK(cfg.io_threads == 1);
  CHECK(cfg.worker_threads == 0);
}

TEST_CASE("an empty agents.list gives the default main agent on echo") {
  auto cfg = parse_ok(R"({"agents":{"list":[]}})");
  REQUIRE(cfg.agents.size() == 1);
  CHECK(cfg.agents[0].id == "main");
  CHECK(cfg.agents[0].model == "echo");
  CHECK(cfg.default_agent == "main");
}

TEST_CASE("JSON null means the key's default") {
  auto cfg = parse_ok(R"({"gateway":{"port":null,"host":null,"auth":null},)"
                      R"("agents":null,"defaultAgent":null})");
  CHECK(cfg.port == 18789);
  CHECK(cfg.host == "127.0.0.1");
  CHECK(cfg.default_agent == "main");
}

// -- the PRD example ----------------------------------------------------------

TEST_CASE("the PRD example parses, with one warning per unused key") {
  auto cfg = parse_ok(R"({
    "gateway": {
      "host": "127.0.0.1", "port": 18789, "stateDir": "~/.wingman",
      "fsRoots": ["~/Projects", "~/.wingman/outputs"],
      "auth": {"mode": "token", "token": "sk-abc", "allowTailscale": true},
      "controlUi": {"enabled": true, "port": 18790, "pairingRequired": true,
                    "allowInsecureAuth": false},
      "dynamicUiEnabled": true,
      "mcpProxy": {"enabled": false, "command": "uvx"},
      "nodes": {"enabled": true, "pairingRequired": true},
      "adapters": {"discord": {"enabled": true, "token": "x"}}
    },
    "agents": {
      "list": [
        {"id": "main", "default": true, "workspace": "~/wingman-main"},
        {"id": "support", "workspace": "~/wingman-support"}
      ],
      "bindings": [
        {"agentId": "support",
         "match": {"channel": "webui",
                   "peer": {"kind": "dm", "id": "user-123"}}},
        {"agentId": "main", "match": {"channel": "webui"}}
      ]
    }
  })");
  CHECK(cfg.host == "127.0.0.1");
  CHECK(cfg.port == 18789);
  CHECK(cfg.state_dir == "/home/u/.wingman");
  CHECK(cfg.fs_roots
        == std::vector<std::string>{"/home/u/Projects",
                                    "/home/u/.wingman/outputs"});
  CHECK(cfg.auth == auth_mode::token);
  CHECK(cfg.token == "sk-abc");
  CHECK(cfg.control_ui_enabled);
  CHECK(cfg.control_ui_port == 18790);
  REQUIRE(cfg.agents.size() == 2);
  CHECK(cfg.agents[0].workspace == "/home/u/wingman-main");
  CHECK(cfg.agents[1].workspace == "/home/u/wingman-support");
  CHECK(cfg.agents[1].agent_dir == "/home/u/.wingman/agents/support");
  CHECK(cfg.default_agent == "main");
  REQUIRE(cfg.bindings.size() == 2);
  CHECK(cfg.bindings[0].agent_id == "support");
  CHECK(cfg.bindings[0].match.channel == "webui");
  REQUIRE(cfg.bindings[0].match.peer);
  CHECK(cfg.bindings[0].match.peer->kind == "dm");
  CHECK(cfg.bindings[0].match.peer->id == "user-123");
  CHECK(cfg.bindings[1].agent_id == "main");
  CHECK_FALSE(cfg.bindings[1].match.peer);
  CHECK(cfg.warnings
        == std::vector<std::string>{
          "unknown key gateway.dynamicUiEnabled (ignored)",
          "unknown key gateway.mcpProxy (ignored)",
          "unknown key gateway.nodes (ignored)",
          "unknown key gateway.adapters (ignored)"});
}

TEST_CASE("known-but-unused top-level sections each give one warning") {
  auto cfg = parse_ok(R"({"voice":{"provider":"x"},"summarization":{},)"
                      R"("modelRetry":{},"toolRetry":{},"hooks":[],)"
                      R"("search":{},"skills":{},"browser":{},"mcp":{},)"
                      R"("rooms":[],"discovery":{"a":{"b":1}},)"
                      R"("$schema":"x"})");
  CHECK(cfg.warnings.size() == 11);
  CHECK_FALSE(has_warning(cfg, "unknown key voice (ignored)"));
  for (const char* key : {"summarization", "modelRetry", "toolRetry",
                          "hooks", "search", "skills", "browser", "mcp",
                          "rooms", "discovery", "$schema"})
    CHECK(has_warning(cfg, std::string{"unknown key "} + key + " (ignored)"));
}

TEST_CASE("unknown nested keys are warnings naming their full path") {
  auto cfg = parse_ok(R"({"gateway":{"foo":1,"auth":{"bar":1},)"
                      R"("controlUi":{"x":1},"limits":{"y":1},)"
                      R"("storage":{"z":1}},)"
                      R"("agents":{"extra":1,"list":[{"id":"a","voice":{},)"
                      R"("echo":{"speed":2}}],"bindings":[{"agentId":"a",)"
                      R"("note":"n","match":{"channel":"c","w":1,)"
                      R"("peer":{"kind":"dm","id":"u","q":1}}}]}})");
  for (const char* w :
       {"unknown key gateway.foo (ignored)",
        "unknown key gateway.auth.bar (ignored)",
        "unknown key gateway.controlUi.x (ignored)",
        "unknown key gateway.limits.y (ignored)",
        "unknown key gateway.storage.z (ignored)",
        "unknown key agents.extra (ignored)",
        "unknown key agents.list[0].voice (ignored)",
        "unknown key agents.list[0].echo.speed (ignored)",
        "unknown key agents.bindings[0].note (ignored)",
        "unknown key agents.bindings[0].match.w (ignored)",
        "unknown key agents.bindings[0].match.peer.q (ignored)"})
    CHECK_MESSAGE(has_warning(cfg, w), w);
  CHECK(cfg.warnings.size() == 11);
}

TEST_CASE("accepted compatibility keys give no warning") {
  auto cfg = parse_ok(R"({"gateway":{"auth":{"allowTailscale":true},)"
                      R"("controlUi":{"pairingRequired":true,)"
                      R"("allowInsecureAuth":false,)"
                      R"("allowUnauthenticatedLoopback":true}}})");
  CHECK(cfg.warnings.empty());
  CHECK(parse_err(R"({"gateway":{"auth":{"allowTailscale":"yes"}}})")
        == R"(cfg.json: gateway.auth.allowTailscale: expected true or false, )"
           R"(got "yes")");
  CHECK(parse_err(R"({"gateway":{"controlUi":)"
                  R"({"allowUnauthenticatedLoopback":1}}})")
        == "cfg.json: gateway.controlUi.allowUnauthenticatedLoopback: "
           "expected true or false, got 1");
}

// -- syntax and top-level errors ----------------------------------------------

TEST_CASE("invalid JSON names the file and the offset") {
  CHECK(parse_err(R"({"gateway":{"port":1,}})")
        == "cfg.json: invalid JSON at offset 21: Missing a name for object "
           "member.");
  CHECK(parse_err("") == "cfg.json: invalid JSON at offset 0: The document "
                         "is empty.");
  CHECK(parse_err("{} // comment").find("cfg.json: invalid JSON at offset 3")
        == 0);
  auto res = parse_config("{", "wingman.config.json", ctx);
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().message.find("wingman.config.json: invalid JSON") == 0);
}

TEST_CASE("a top level that is not an object is an error") {
  CHECK(parse_err("[]") == "cfg.json: top level: expected an object, got an "
                           "array");
  CHECK(parse_err("42") == "cfg.json: top level: expected an object, got 42");
}

TEST_CASE("sections of the wrong type are errors at their path") {
  CHECK(parse_err(R"({"gateway":[]})")
        == "cfg.json: gateway: expected an object, got an array");
  CHECK(parse_err(R"({"agents":"main"})")
        == R"(cfg.json: agents: expected an object, got "main")");
  CHECK(parse_err(R"({"gateway":{"auth":true}})")
        == "cfg.json: gateway.auth: expected an object, got true");
  CHECK(parse_err(R"({"gateway":{"limits":1}})")
        == "cfg.json: gateway.limits: expected an object, got 1");
  CHECK(parse_err(R"({"gateway":{"storage":"big"}})")
        == R"(cfg.json: gateway.storage: expected an object, got "big")");
  CHECK(parse_err(R"({"gateway":{"controlUi":false}})")
        == "cfg.json: gateway.controlUi: expected an object, got false");
  CHECK(parse_err(R"({"agents":{"list":{}}})")
        == "cfg.json: agents.list: expected an array of agents, got an object");
  CHECK(parse_err(R"({"agents":{"bindings":{}}})")
        == "cfg.json: agents.bindings: expected an array of bindings, got an "
           "object");
}

// -- gateway values -----------------------------------------------------------

TEST_CASE("gateway.port must be an integer from 0 to 65535") {
  auto res = parse_config(R"({"gateway":{"port":"abc"}})",
                          "wingman.config.json", ctx);
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().message
        == "wingman.config.json: gateway.port: expected an integer from 0 to "
           "65535, got \"abc\"");
  for (const char* bad : {"70000", "-1", "80.5", "1e3", "true", "[]",
                          "18446744073709551615"}) {
    CHECK(parse_err(std::string{R"({"gateway":{"port":)"} + bad + "}}").find(
            "cfg.json: gateway.port: expected an integer from 0 to 65535, got")
          == 0);
  }
  CHECK(parse_ok(R"({"gateway":{"port":0}})").port == 0);
  CHECK(parse_ok(R"({"gateway":{"port":65535}})").port == 65535);
}

TEST_CASE("long wrong values are cut in error messages") {
  std::string big(500, 'x');
  auto msg = parse_err(R"({"gateway":{"port":")" + big + R"("}})");
  CHECK(msg.size() < 160);
  CHECK(msg.substr(msg.size() - 3) == "...");
}

TEST_CASE("gateway host, paths and threads are read and checked") {
  auto cfg = parse_ok(R"({"gateway":{"host":"localhost","stateDir":"state",)"
                      R"("fsRoots":["/srv","~/code","rel"],"ioThreads":4,)"
                      R"("workerThreads":8}})");
  CHECK(cfg.host == "localhost");
  CHECK(cfg.state_dir == "/etc/wingman/state");
  CHECK(cfg.fs_roots
        == std::vector<std::string>{"/srv", "/home/u/code",
                                    "/etc/wingman/rel"});
  CHECK(cfg.io_threads == 4);
  CHECK(cfg.worker_threads == 8);
  CHECK(cfg.agents[0].workspace == "/etc/wingman/state/outputs/main");
  CHECK(cfg.agents[0].agent_dir == "/etc/wingman/state/agents/main");
  CHECK(parse_ok(R"({"gateway":{"fsRoots":[]}})").fs_roots.empty());
  CHECK(parse_err(R"({"gateway":{"host":""}})")
        == R"(cfg.json: gateway.host: expected a non-empty string, got "")");
  CHECK(parse_err(R"({"gateway":{"host":127}})")
        == "cfg.json: gateway.host: expected a non-empty string, got 127");
  CHECK(parse_err(R"({"gateway":{"stateDir":5}})")
        == "cfg.json: gateway.stateDir: expected a non-empty string, got 5");
  CHECK(parse_err(R"({"gateway":{"fsRoots":"~/x"}})")
        == R"(cfg.json: gateway.fsRoots: expected an array of strings, )"
           R"(got "~/x")");
  CHECK(parse_err(R"({"gateway":{"fsRoots":["/a",3]}})")
        == "cfg.json: gateway.fsRoots[1]: expected a non-empty string, got 3");
  CHECK(parse_err(R"({"gateway":{"ioThreads":0}})")
        == "cfg.json: gateway.ioThreads: expected an integer from 1 to 256, "
           "got 0");
  CHECK(parse_err(R"({"gateway":{"workerThreads":-2}})")
        == "cfg.json: gateway.workerThreads: expected an integer from 0 to "
           "1024, got -2");
}

TEST_CASE("controlUi settings are read and checked") {
  auto cfg = parse_ok(R"({"gateway":{"controlUi":{"enabled":false,)"
                      R"("port":9000}}})");
  CHECK_FALSE(cfg.control_ui_enabled);
  CHECK(cfg.control_ui_port == 9000);
  CHECK(parse_err(R"({"gateway":{"controlUi":{"enabled":"no"}}})")
        == R"(cfg.json: gateway.controlUi.enabled: expected true or false, )"
           R"(got "no")");
  CHECK(parse_err(R"({"gateway":{"controlUi":{"port":99999}}})")
        == "cfg.json: gateway.controlUi.port: expected an integer from 0 to "
           "65535, got 99999");
}

TEST_CASE("controlUi loopback and CORS settings are read and checked") {
  auto defaults = parse_ok("{}");
  CHECK_FALSE(defaults.allow_unauthenticated_loopback);
  CHECK(defaults.cors_origins.empty());
  auto cfg = parse_ok(R"({"gateway":{"controlUi":{)"
                      R"("allowUnauthenticatedLoopback":true,)"
                      R"("allowedOrigins":["http://a:1","https://b"]}}})");
  CHECK(cfg.allow_unauthenticated_loopback);
  CHECK(cfg.cors_origins
        == std::vector<std::string>{"http://a:1", "https://b"});
  CHECK(cfg.warnings.empty());
  CHECK(parse_err(R"({"gateway":{"controlUi":{"allowedOrigins":"*"}}})")
        == R"(cfg.json: gateway.controlUi.allowedOrigins: expected an array )"
           R"(of strings, got "*")");
  CHECK(parse_err(R"({"gateway":{"controlUi":{"allowedOrigins":["a",1]}}})")
        == "cfg.json: gateway.controlUi.allowedOrigins[1]: expected a "
           "non-empty string, got 1");
}

TEST_CASE("the top-level voice object is kept as compact JSON") {
  CHECK(parse_ok("{}").voice_json == "{}");
  auto cfg = parse_ok(R"({"voice": {"provider": "elevenlabs",)"
                      R"( "elevenlabs": {"voiceId": "v"}, "x": [1, 2.5]}})");
  CHECK(cfg.voice_json
        == R"({"provider":"elevenlabs","elevenlabs":{"voiceId":"v"},)"
           R"("x":[1,2.5]})");
  CHECK(cfg.warnings.empty());
  CHECK(parse_ok(R"({"voice":null})").voice_json == "{}");
  CHECK(parse_err(R"({"voice":"web_speech"})")
        == R"(cfg.json: voice: expected an object, got "web_speech")");
}

TEST_CASE("every limit is read and must be positive") {
  auto cfg = parse_ok(R"({"gateway":{"limits":{"maxFrameBytes":2048,)"
                      R"("writeQueueBytes":4096,"sessionQueueDepth":3,)"
                      R"("pingIntervalSeconds":5,"idleTimeoutSeconds":9,)"
                      R"("maxHttpBodyBytes":777,"authFailuresPerMinute":2,)"
                      R"("httpTimeoutSeconds":7,"sessionIdleSeconds":11}}})");
  CHECK(cfg.limits.max_frame_bytes == 2048);
  CHECK(cfg.limits.write_queue_bytes == 4096);
  CHECK(cfg.limits.session_queue_depth == 3);
  CHECK(cfg.limits.ping_interval_s == 5);
  CHECK(cfg.limits.idle_timeout_s == 9);
  CHECK(cfg.limits.max_http_body_bytes == 777);
  CHECK(cfg.limits.auth_failures_per_minute == 2);
  CHECK(cfg.limits.http_timeout_s == 7);
  CHECK(cfg.limits.session_idle_s == 11);
  for (const char* key : {"maxFrameBytes", "writeQueueBytes",
                          "sessionQueueDepth", "pingIntervalSeconds",
                          "idleTimeoutSeconds", "maxHttpBodyBytes",
                          "authFailuresPerMinute", "httpTimeoutSeconds",
                          "sessionIdleSeconds"}) {
    auto msg = parse_err(std::string{R"({"gateway":{"limits":{")"} + key
                         + R"(":0}}})");
    CHECK(msg.find(std::string{"cfg.json: gateway.limits."} + key
                   + ": expected an integer from 1 to ")
          == 0);
    CHECK(msg.substr(msg.size() - 7) == ", got 0");
  }
  CHECK(parse_err(R"({"gateway":{"limits":{"maxFrameBytes":"1MB"}}})")
        == "cfg.json: gateway.limits.maxFrameBytes: expected an integer from "
           "1 to 1099511627776, got \"1MB\"");
}

TEST_CASE("storage settings convert megabytes to bytes") {
  auto cfg = parse_ok(R"({"gateway":{"storage":{"mapSizeMb":64,)"
                      R"("sync":false}}})");
  CHECK(cfg.storage.map_size_bytes == 64ull << 20);
  CHECK_FALSE(cfg.storage.sync);
  CHECK(parse_err(R"({"gateway":{"storage":{"mapSizeMb":0}}})")
        == "cfg.json: gateway.storage.mapSizeMb: expected an integer from 1 "
           "to 16777216, got 0");
  CHECK(parse_err(R"({"gateway":{"storage":{"sync":"always"}}})")
        == R"(cfg.json: gateway.storage.sync: expected true or false, )"
           R"(got "always")");
}

TEST_CASE("tool limits are read with their units and checked") {
  auto cfg = parse_ok(
    R"({"gateway":{"tools":{"readMaxBytes":100,"commandTimeoutSeconds":5,)"
    R"("commandMaxTimeoutSeconds":50,"killGraceMs":250,"blockList":["sudo"],)"
    R"("executorThreads":3,"terminal":{"maxPerOwner":2,"idleMinutes":7}}}})");
  CHECK(cfg.tools.read_max_bytes == 100);
  CHECK(cfg.tools.command_timeout == std::chrono::seconds{5});
  CHECK(cfg.tools.command_max_timeout == std::chrono::seconds{50});
  CHECK(cfg.tools.kill_grace == std::chrono::milliseconds{250});
  CHECK(cfg.tools.block_list == std::vector<std::string>{"sudo"});
  CHECK(cfg.tools.executor_threads == 3);
  CHECK_FALSE(cfg.tools.webhook_commands);
  CHECK(parse_ok(R"({"gateway":{"tools":{"webhookCommands":true}}})").tools.webhook_commands);
  CHECK(cfg.tools.terminal_max_per_owner == 2);
  CHECK(cfg.tools.terminal_idle == std::chrono::minutes{7});
  // Untouched keys keep their defaults.
  CHECK(cfg.tools.grep_max_matches == tool_limits{}.grep_max_matches);
  CHECK(cfg.tools.terminal_max_total == tool_limits{}.terminal_max_total);

  CHECK(parse_err(R"({"gateway":{"tools":{"lsMaxEntries":0}}})")
        == "cfg.json: gateway.tools.lsMaxEntries: expected an integer from 1 "
           "to 4294967296, got 0");
  CHECK(parse_err(R"({"gateway":{"tools":{"terminal":{"idleMinutes":"1h"}}}})")
        == "cfg.json: gateway.tools.terminal.idleMinutes: expected an integer "
           "from 1 to 525600, got \"1h\"");
  CHECK(parse_err(R"({"gateway":{"tools":{"commandTimeoutSeconds":700}}})")
        == "cfg.json: gateway.tools.commandTimeoutSeconds: must not exceed "
           "commandMaxTimeoutSeconds");
  CHECK(parse_err(R"({"gateway":{"tools":{"blockList":"rm"}}})")
        == R"(cfg.json: gateway.tools.blockList: expected an array of strings, got "rm")");
  auto warned = parse_ok(R"({"gateway":{"tools":{"sandbox":true,"terminal":{"x":1}}}})");
  CHECK(has_warning(warned, "unknown key gateway.tools.sandbox (ignored)"));
  CHECK(has_warning(warned, "unknown key gateway.tools.terminal.x (ignored)"));
}

TEST_CASE("turn limits are read and checked") {
  auto cfg = parse_ok(R"({"gateway":{"turns":{"maxToolSteps":4,)"
                      R"("historyMaxMessages":20,"historyMaxChars":5000}}})");
  CHECK(cfg.turns.max_tool_steps == 4);
  CHECK(cfg.turns.history_max_messages == 20);
  CHECK(cfg.turns.history_max_chars == 5000);
  CHECK(parse_ok("{}").turns.max_tool_steps == 10);
  auto pdf = parse_ok(R"({"gateway":{"turns":{"pdfMaxBytes":1000,"pdfMaxPages":2,"pdfMaxChars":50}},)"
                      R"("providers":{"lmstudio":{"nativePdf":true}}})");
  CHECK(pdf.turns.pdf_max_bytes == 1000);
  CHECK(pdf.turns.pdf_max_pages == 2);
  CHECK(pdf.turns.pdf_max_chars == 50);
  REQUIRE(pdf.providers.size() == 1);
  CHECK(pdf.providers[0].native_pdf == std::optional<bool>{true});
  CHECK(parse_err(R"({"providers":{"x":{"type":"openai","baseUrl":"http://h/v1","nativePdf":"yes"}}})")
        == R"(cfg.json: providers.x.nativePdf: expected true or false, got "yes")");
  CHECK(parse_err(R"({"gateway":{"turns":{"maxToolSteps":0}}})")
        == "cfg.json: gateway.turns.maxToolSteps: expected an integer from 1 "
           "to 1000, got 0");
}

TEST_CASE("set_state_dir moves the derived paths and keeps explicit ones") {
  auto cfg = parse_ok(R"({"gateway":{"stateDir":"/srv/old"},"agents":{"list":[)"
                      R"({"id":"a"},{"id":"b","workspace":"/data/b","agentDir":"/srv/old/agents/b"}]}})");
  set_state_dir(cfg, "/srv/new");
  CHECK(cfg.state_dir == "/srv/new");
  CHECK(cfg.fs_roots == std::vector<std::string>{"/srv/new/outputs"});
  REQUIRE(find_agent(cfg, "a"));
  CHECK(find_agent(cfg, "a")->workspace == "/srv/new/outputs/a");
  CHECK(find_agent(cfg, "a")->agent_dir == "/srv/new/agents/a");
  CHECK(find_agent(cfg, "b")->workspace == "/data/b");           // explicit
  CHECK(find_agent(cfg, "b")->agent_dir == "/srv/new/agents/b");  // equal to the default
  auto def = default_config(ctx);
  set_state_dir(def, "/tmp/s");
  CHECK(def.agents.at(0).workspace == "/tmp/s/outputs/main");
}

// -- auth ---------------------------------------------------------------------

TEST_CASE("auth mode defaults to none without a token and token with one") {
  CHECK(parse_ok("{}").auth == auth_mode::none);
  auto with_token = parse_ok(R"({"gateway":{"auth":{"token":"sk-1"}}})");
  CHECK(with_token.auth == auth_mode::token);
  CHECK(with_token.token == "sk-1");
  auto from_env = parse_ok("{}", "sk-env");
  CHECK(from_env.auth == auth_mode::token);
  CHECK(from_env.token == "sk-env");
  auto with_password = parse_ok(R"({"gateway":{"auth":{"password":"pw"}}})");
  CHECK(with_password.auth == auth_mode::password);
  CHECK(with_password.password == "pw");
}

TEST_CASE("token mode needs a token from the config or the environment") {
  CHECK(parse_err(R"({"gateway":{"auth":{"mode":"token"}}})")
        == "cfg.json: gateway.auth.token: auth mode token needs a token (set "
           "gateway.auth.token or WINGMAN_GATEWAY_TOKEN)");
  CHECK(parse_err(R"({"gateway":{"auth":{"mode":"token","token":""}}})")
          .find("cfg.json: gateway.auth.token:")
        == 0);
  auto cfg = parse_ok(R"({"gateway":{"auth":{"mode":"token"}}})", "sk-env");
  CHECK(cfg.auth == auth_mode::token);
  CHECK(cfg.token == "sk-env");
}

TEST_CASE("the environment token overrides the configured token") {
  auto cfg = parse_ok(R"({"gateway":{"auth":{"mode":"token","token":"a"}}})",
                      "b");
  CHECK(cfg.token == "b");
  CHECK(parse_ok(R"({"gateway":{"auth":{"mode":"token","token":"a"}}})")
          .token
        == "a");
}

TEST_CASE("password mode needs a password") {
  CHECK(parse_err(R"({"gateway":{"auth":{"mode":"password"}}})")
        == "cfg.json: gateway.auth.password: auth mode password needs a "
           "password");
  auto cfg = parse_ok(R"({"gateway":{"auth":{"mode":"password",)"
                      R"("password":"pw"}}})");
  CHECK(cfg.auth == auth_mode::password);
}

TEST_CASE("an unknown auth mode or wrongly typed secret is an error") {
  CHECK(parse_err(R"({"gateway":{"auth":{"mode":"oauth"}}})")
        == R"(cfg.json: gateway.auth.mode: expected one of "token", )"
           R"("password", "none", got "oauth")");
  CHECK(parse_err(R"({"gateway":{"auth":{"mode":1}}})").find(
          "cfg.json: gateway.auth.mode: expected one of")
        == 0);
  CHECK(parse_err(R"({"gateway":{"auth":{"token":123}}})")
        == "cfg.json: gateway.auth.token: expected a string, got 123");
  CHECK(parse_err(R"({"gateway":{"auth":{"password":[]}}})")
        == "cfg.json: gateway.auth.password: expected a string, got an array");
}

TEST_CASE("auth mode none is only allowed on a loopback host") {
  const char* msg = "cfg.json: gateway.auth.mode: auth mode none is only "
                    "allowed on a loopback host";
  CHECK(parse_err(R"({"gateway":{"host":"0.0.0.0","auth":{"mode":"none"}}})")
        == msg);
  // An unset mode without a secret is none, so the same rule applies.
  CHECK(parse_err(R"({"gateway":{"host":"192.168.1.5"}})") == msg);
  CHECK(parse_ok(R"({"gateway":{"host":"::1","auth":{"mode":"none"}}})").auth
        == auth_mode::none);
  CHECK(parse_ok(R"({"gateway":{"host":"0.0.0.0","auth":{"token":"t"}}})")
          .auth
        == auth_mode::token);
  CHECK(parse_ok(R"({"gateway":{"host":"0.0.0.0"}})", "env").auth
        == auth_mode::token);
  // An explicit none keeps none even when a token is configured.
  auto cfg = parse_ok(R"({"gateway":{"auth":{"mode":"none","token":"t"}}})");
  CHECK(cfg.auth == auth_mode::none);
}

TEST_CASE("loopback hosts are 127.0.0.0/8, ::1 and localhost") {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1",
                           "[::1]", "0:0:0:0:0:0:0:1", "localhost",
                           "LocalHost", "localhost.", "::ffff:127.0.0.1"})
    CHECK_MESSAGE(is_loopback_host(host), host);
  for (const char* host : {"", "0.0.0.0", "128.0.0.1", "10.0.0.1", "::",
                           "example.com", "127.0.0.1.evil.com",
                           "localhost.evil.com", "127.0.0.256", "127.1",
                           "::2", "[::1", "::ffff:10.0.0.1", "evil-localhost"})
    CHECK_FALSE_MESSAGE(is_loopback_host(host), host);
  CHECK_FALSE(is_loopback_host(std::string(300, '1')));
}

// -- agents -------------------------------------------------------------------

TEST_CASE("agents are read with defaults for name and paths") {
  auto cfg = parse_ok(agents(
    R"({"id":"main"},{"id":"ops","name":"Ops","default":true,)"
    R"("workspace":"/w/ops","agentDir":"agents/ops","model":"openai:gpt-4o",)"
    R"("prompt":"Be brief.","tools":["read_file","git_status"],)"
    R"("echo":{"delayMs":500,"chunks":10}})"));
  REQUIRE(cfg.agents.size() == 2);
  const auto& main = cfg.agents[0];
  CHECK(main.name == "main");
  CHECK(main.model == "echo");
  CHECK(main.workspace == "/home/u/.wingman/outputs/main");
  CHECK(main.agent_dir == "/home/u/.wingman/agents/main");
  CHECK(main.echo.delay_ms == 0);
  CHECK(main.echo.chunks == 4);
  const auto& ops = cfg.agents[1];
  CHECK(ops.name == "Ops");
  CHECK(ops.is_default);
  CHECK(ops.workspace == "/w/ops");
  CHECK(ops.agent_dir == "/etc/wingman/agents/ops");
  CHECK(ops.model == "openai:gpt-4o");
  CHECK(ops.prompt == "Be brief.");
  CHECK(ops.tools == std::vector<std::string>{"read_file", "git_status"});
  CHECK(ops.echo.delay_ms == 500);
  CHECK(ops.echo.chunks == 10);
  CHECK(cfg.default_agent == "ops");
}

TEST_CASE("agent ids are required, valid and unique") {
  CHECK(parse_err(agents(R"({"name":"x"})"))
        == "cfg.json: agents.list[0].id: required key is missing");
  CHECK(parse_err(agents(R"({"id":"main"},{"id":"main"})"))
        == R"(cfg.json: agents.list[1].id: duplicate agent id "main")");
  CHECK(parse_err(agents(R"({"id":"bad id"})"))
        == "cfg.json: agents.list[0].id: expected an agent id (1 to 64 "
           "characters of A-Z a-z 0-9 _ . -), got \"bad id\"");
  CHECK(parse_err(agents(R"({"id":7})")).find("cfg.json: agents.list[0].id: "
                                               "expected an agent id")
        == 0);
  CHECK(parse_err(agents(R"({"id":""})")).find("agents.list[0].id")
        != std::string::npos);
  CHECK(parse_err(agents(R"("main")"))
        == R"(cfg.json: agents.list[0]: expected an object, got "main")");
}

TEST_CASE("agent fields of the wrong type are errors at their path") {
  struct row {
    const char* agent;
    const char* message;
  };
  row rows[] = {
    {R"({"id":"a","name":1})",
     "cfg.json: agents.list[0].name: expected a string, got 1"},
    {R"({"id":"a","default":"yes"})",
     R"(cfg.json: agents.list[0].default: expected true or false, got "yes")"},
    {R"({"id":"a","workspace":""})",
     R"(cfg.json: agents.list[0].workspace: expected a non-empty string, )"
     R"(got "")"},
    {R"({"id":"a","agentDir":{}})",
     "cfg.json: agents.list[0].agentDir: expected a non-empty string, got an "
     "object"},
    {R"({"id":"a","model":""})",
     R"(cfg.json: agents.list[0].model: expected a non-empty string, got "")"},
    {R"({"id":"a","prompt":false})",
     "cfg.json: agents.list[0].prompt: expected a string, got false"},
    {R"({"id":"a","tools":"all"})",
     R"(cfg.json: agents.list[0].tools: expected an array of strings, )"
     R"(got "all")"},
    {R"({"id":"a","tools":["x",null]})",
     "cfg.json: agents.list[0].tools[1]: expected a non-empty string, got "
     "null"},
    {R"({"id":"a","echo":3})",
     "cfg.json: agents.list[0].echo: expected an object, got 3"},
    {R"({"id":"a","echo":{"chunks":0}})",
     "cfg.json: agents.list[0].echo.chunks: expected an integer from 1 to "
     "1000, got 0"},
    {R"({"id":"a","echo":{"chunks":1001}})",
     "cfg.json: agents.list[0].echo.chunks: expected an integer from 1 to "
     "1000, got 1001"},
    {R"({"id":"a","echo":{"delayMs":-1}})",
     "cfg.json: agents.list[0].echo.delayMs: expected an integer from 0 to "
     "2147483647, got -1"},
    {R"({"id":"a","echo":{"delayMs":1.5}})",
     "cfg.json: agents.list[0].echo.delayMs: expected an integer from 0 to "
     "2147483647, got 1.5"},
  };
  for (const auto& r : rows)
    CHECK(parse_err(agents(r.agent)) == r.message);
}

TEST_CASE("the default agent is defaultAgent, else default:true, else first") {
  CHECK(parse_ok(agents(R"({"id":"a"},{"id":"b"})")).default_agent == "a");
  CHECK(parse_ok(agents(R"({"id":"a"},{"id":"b","default":true})"))
          .default_agent
        == "b");
  auto named = parse_ok(R"({"defaultAgent":"c","agents":{"list":[{"id":"a"},)"
                        R"({"id":"b","default":true},{"id":"c"}]}})");
  CHECK(named.default_agent == "c");
  CHECK(parse_err(R"({"defaultAgent":"zz"})")
        == R"(cfg.json: defaultAgent: unknown agent "zz")");
  CHECK(parse_err(R"({"defaultAgent":5})")
        == "cfg.json: defaultAgent: expected an agent id, got 5");
  CHECK(parse_err(R"({"defaultAgent":""})")
        == R"(cfg.json: defaultAgent: expected an agent id, got "")");
  CHECK(parse_ok(R"({"defaultAgent":"main"})").default_agent == "main");
}

TEST_CASE("a second default:true agent is a warning and the first one wins") {
  auto cfg = parse_ok(agents(R"({"id":"a"},{"id":"b","default":true},)"
                             R"({"id":"c","default":true})"));
  CHECK(cfg.default_agent == "b");
  REQUIRE(cfg.warnings.size() == 1);
  CHECK(cfg.warnings[0].find("agents.list[2].default") == 0);
}

// -- bindings -----------------------------------------------------------------

TEST_CASE("bindings are read in list order with every match field") {
  auto cfg = parse_ok(R"({"agents":{"list":[{"id":"main"},{"id":"ops"}],)"
                      R"("bindings":[{"agentId":"ops","match":{)"
                      R"("channel":"discord","accountId":"bot","guildId":"g",)"
                      R"("teamId":"t","peer":{"kind":"channel","id":"42"}}},)"
                      R"({"agentId":"main","match":{"channel":"webui"}}]}})");
  REQUIRE(cfg.bindings.size() == 2);
  const auto& m = cfg.bindings[0].match;
  CHECK(cfg.bindings[0].agent_id == "ops");
  CHECK(m.channel == "discord");
  CHECK(m.account_id == "bot");
  CHECK(m.guild_id == "g");
  CHECK(m.team_id == "t");
  REQUIRE(m.peer);
  CHECK(m.peer->kind == "channel");
  CHECK(m.peer->id == "42");
  CHECK(cfg.bindings[1].agent_id == "main");
  binding_table table{cfg.bindings, cfg.default_agent};
  routing_info r;
  r.channel = "webui";
  CHECK(table.resolve(r).agent_id == "main");
}

TEST_CASE("binding errors name the binding and the field") {
  auto bindings = [](const std::string& list) {
    return R"({"agents":{"list":[{"id":"main"}],"bindings":[)" + list + "]}}";
  };
  CHECK(parse_err(bindings(R"({"agentId":"nope","match":{"channel":"x"}})"))
        == R"(cfg.json: agents.bindings[0].agentId: unknown agent "nope")");
  CHECK(parse_err(bindings(R"({"match":{"channel":"x"}})"))
        == "cfg.json: agents.bindings[0].agentId: required key is missing");
  CHECK(parse_err(bindings(R"({"agentId":1,"match":{"channel":"x"}})"))
        == "cfg.json: agents.bindings[0].agentId: expected an agent id, got 1");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":{"channel":"x"}},)"
                           R"({"agentId":"main"})"))
        == "cfg.json: agents.bindings[1].match: required key is missing");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":"webui"})"))
        == R"(cfg.json: agents.bindings[0].match: expected an object, )"
           R"(got "webui")");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":{}})"))
        == "cfg.json: agents.bindings[0].match.channel: required key is "
           "missing");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":{"channel":""}})"))
        == R"(cfg.json: agents.bindings[0].match.channel: expected a )"
           R"(non-empty string, got "")");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":{"channel":"x",)"
                           R"("guildId":5}})"))
        == "cfg.json: agents.bindings[0].match.guildId: expected a string, "
           "got 5");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":{"channel":"x",)"
                           R"("peer":{"kind":"dm"}}})"))
        == "cfg.json: agents.bindings[0].match.peer.id: required key is "
           "missing");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":{"channel":"x",)"
                           R"("peer":{"kind":"","id":"u"}}})"))
        == R"(cfg.json: agents.bindings[0].match.peer.kind: expected a )"
           R"(non-empty string, got "")");
  CHECK(parse_err(bindings(R"({"agentId":"main","match":{"channel":"x",)"
                           R"("peer":[]}})"))
        == "cfg.json: agents.bindings[0].match.peer: expected an object, got "
           "an array");
  CHECK(parse_err(bindings("3"))
        == "cfg.json: agents.bindings[0]: expected an object, got 3");
}

TEST_CASE("bindings may name the implicit main agent") {
  auto cfg = parse_ok(R"({"agents":{"bindings":[{"agentId":"main",)"
                      R"("match":{"channel":"webui"}}]}})");
  CHECK(cfg.bindings.size() == 1);
  CHECK(find_agent(cfg, "main") != nullptr);
}

TEST_CASE("the first error in document order is reported") {
  CHECK(parse_err(R"({"gateway":{"port":-1},"agents":{"list":[{"id":"a"},)"
                  R"({"id":"a"}]}})")
          .find("gateway.port")
        != std::string::npos);
}

TEST_CASE("unicode in values survives parsing") {
  auto cfg = parse_ok(agents(R"({"id":"a","name":"Caf\u00e9 \ud83d\ude00",)"
                             R"("prompt":"\u4e16\u754c"})"));
  CHECK(cfg.agents[0].name == "Caf\xc3\xa9 \xf0\x9f\x98\x80");
  CHECK(cfg.agents[0].prompt == "\xe4\xb8\x96\xe7\x95\x8c");
}

TEST_CASE("providers entries are parsed with defaults for every limit") {
  auto cfg = parse_ok(
    R"({"providers":{"fake":{"type":"openai",)"
    R"("baseUrl":"http://127.0.0.1:9999/v1","apiKeyEnv":"FAKE_KEY"},)"
    R"("lmstudio":{"baseUrl":"http://gpu-box:1234/v1","headers":)"
    R"({"X-Org":"lab","x-trace":""},"connectTimeoutMs":500,)"
    R"("firstByteTimeoutMs":2000,"idleTimeoutMs":3000,"maxRetries":0,)"
    R"("maxEventBytes":1000,"maxToolArgsBytes":500,"maxToolCalls":4}}})");
  REQUIRE(cfg.providers.size() == 2);
  const auto& fake = cfg.providers[0];
  CHECK(fake.name == "fake");
  CHECK(fake.type == "openai");
  CHECK(fake.base_url == "http://127.0.0.1:9999/v1");
  CHECK(fake.api_key_env == "FAKE_KEY");
  CHECK(fake.headers.empty());
  CHECK(fake.connect_timeout_ms == 10000);
  CHECK(fake.first_byte_timeout_ms == 120000);
  CHECK(fake.idle_timeout_ms == 60000);
  CHECK(fake.max_retries == 3);
  CHECK(fake.max_event_bytes == 4u << 20);
  CHECK(fake.max_tool_args_bytes == 1u << 20);
  CHECK(fake.max_tool_calls == 128);
  CHECK_FALSE(fake.native_pdf.has_value());
  const auto& lm = cfg.providers[1];
  CHECK(lm.name == "lmstudio");
  CHECK(lm.type.empty());  // inherits the built-in's type
  CHECK(lm.headers
        == std::vector<std::pair<std::string, std::string>>{{"X-Org", "lab"},
                                                            {"x-trace", ""}});
  CHECK(lm.connect_timeout_ms == 500);
  CHECK(lm.first_byte_timeout_ms == 2000);
  CHECK(lm.idle_timeout_ms == 3000);
  CHECK(lm.max_retries == 0);
  CHECK(lm.max_event_bytes == 1000);
  CHECK(lm.max_tool_args_bytes == 500);
  CHECK(lm.max_tool_calls == 4);
  CHECK(cfg.warnings.empty());
  CHECK(parse_ok("{}").providers.empty());
}

TEST_CASE("bad providers entries name the key path") {
  auto prov = [](const std::string& entry) {
    return R"({"providers":{"p":)" + entry + "}}";
  };
  CHECK(parse_err(prov(R"({"type":"gemini"})"))
        == "cfg.json: providers.p.type: expected \"openai\" or "
           "\"anthropic\", got \"gemini\"");
  CHECK(parse_err(prov(R"({"baseUrl":"ftp://x"})"))
        == "cfg.json: providers.p.baseUrl: expected an http:// or https:// "
           "URL, got \"ftp://x\"");
  CHECK(parse_err(prov(R"({"baseUrl":"http://"})")).find("providers.p.baseUrl")
        != std::string::npos);
  CHECK(parse_err(prov(R"({"apiKey":"sk-123"})"))
        == "cfg.json: providers.p.apiKey: API keys are not allowed in the "
           "config file (use apiKeyEnv, or Settings, which stores keys in "
           "<stateDir>/credentials.json)");
  CHECK(parse_err(prov(R"({"apiKeyEnv":"1BAD-NAME"})"))
        == "cfg.json: providers.p.apiKeyEnv: expected an environment "
           "variable name (A-Z a-z 0-9 _), got \"1BAD-NAME\"");
  CHECK(parse_err(prov(R"({"maxRetries":11})"))
        == "cfg.json: providers.p.maxRetries: expected an integer from 0 to "
           "10, got 11");
  CHECK(parse_err(prov(R"({"maxToolCalls":0})"))
        == "cfg.json: providers.p.maxToolCalls: expected an integer from 1 to "
           "100000, got 0");
  CHECK(parse_err(prov(R"({"idleTimeoutMs":0})")).find(
          "providers.p.idleTimeoutMs: expected an integer from 1")
        != std::string::npos);
  CHECK(parse_err(prov(R"({"headers":{"X-A":1}})"))
        == "cfg.json: providers.p.headers.X-A: expected a string, got 1");
  CHECK(parse_err(prov(R"({"headers":{"Bad Name":"v"}})"))
        == "cfg.json: providers.p.headers.Bad Name: expected an HTTP header "
           "name");
  CHECK(parse_err(prov(R"({"headers":{"X-A":"a\r\nX-B: b"}})"))
        == "cfg.json: providers.p.headers.X-A: a header value cannot contain "
           "CR, LF or NUL");
  CHECK(parse_err(prov(R"({"headers":[]})"))
        == "cfg.json: providers.p.headers: expected an object, got an array");
  CHECK(parse_err(prov("[]"))
        == "cfg.json: providers.p: expected an object, got an array");
  CHECK(parse_err(R"({"providers":{"a:b":{}}})")
        == "cfg.json: providers.a:b: expected a provider name of 1 to 64 "
           "characters of A-Z a-z 0-9 _ . -");
  CHECK(parse_err(R"({"providers":[]})")
        == "cfg.json: providers: expected an object, got an array");
}

TEST_CASE("unknown keys in a providers entry warn") {
  auto cfg = parse_ok(R"({"providers":{"p":{"type":"anthropic","region":1}}})");
  CHECK(has_warning(cfg, "unknown key providers.p.region (ignored)"));
}

} // TEST_SUITE
