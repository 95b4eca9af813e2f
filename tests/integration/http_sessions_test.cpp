// Session routes of the HTTP API (PROTOCOL.md §7), CORS and the
// unauthenticated-loopback switch, against the real binary.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include "support/gateway_process.hpp"
#include "transport/client.hpp"

using namespace wingman;
using test::client;
using test::gateway_process;
using test::temp_dir;

namespace {

transport::http_result call(uint16_t port, const std::string& method,
                            const std::string& target, const std::string& body = {},
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
  if (!body.empty())
    headers.emplace_back("Content-Type", "application/json");
  return transport::http_call("127.0.0.1", port, method, target, headers, body);
}

std::string enc(const std::string& key) {  // ':' -> %3A, as browsers do
  return std::regex_replace(key, std::regex{":"}, "%3A");
}

} // namespace

TEST_SUITE("integration/http_sessions") {

TEST_CASE("sessions are created, renamed, cleared and deleted over HTTP") {
  temp_dir home;
  gateway_process gw{home.path()};
  auto created = call(gw.port(), "POST", "/api/sessions", R"({"agentId":"main","name":"Plan"})");
  REQUIRE(created.status == 201);
  auto id = test::json_field(created.body, "id");
  CHECK(id.rfind("agent:main:webui:thread:", 0) == 0);
  CHECK(test::json_field(created.body, "name") == "Plan");
  CHECK(test::json_field(created.body, "messageCount") == "0");
  CHECK(test::json_field(created.body, "workdir") == "null");
  // idempotent create with an explicit id
  auto again = call(gw.port(), "POST", "/api/sessions",
                    R"({"agentId":"main","sessionId":")" + id + R"("})");
  CHECK(again.status == 200);
  CHECK(test::json_field(again.body, "name") == "Plan");
  auto list = call(gw.port(), "GET", "/api/sessions?agentId=main");
  CHECK(list.body.find(id) != std::string::npos);
  auto renamed = call(gw.port(), "PUT", "/api/sessions/" + enc(id) + "?agentId=main",
                      R"({"name":"Launch plan"})");
  CHECK(renamed.status == 200);
  CHECK(test::json_field(renamed.body, "name") == "Launch plan");
  CHECK(test::json_field(call(gw.port(), "GET", "/api/sessions/" + enc(id)).body, "name")
        == "Launch plan");
  // a turn in it, then clear the messages
  client c{gw.port()};
  c.connect();
  c.request("r1", "hello", R"("sessionKey":")" + id + "\"");
  CHECK(c.terminal("r1").event == "agent-complete");
  CHECK(test::json_field(call(gw.port(), "GET", "/api/sessions/" + enc(id)).body, "messageCount")
        == "2");
  auto cleared = call(gw.port(), "DELETE", "/api/sessions/" + enc(id) + "/messages");
  CHECK(cleared.status == 200);
  CHECK(test::json_field(cleared.body, "messageCount") == "0");
  CHECK(call(gw.port(), "GET", "/api/sessions/" + enc(id) + "/messages").body == "[]");
  // delete
  auto deleted = call(gw.port(), "DELETE", "/api/sessions/" + enc(id));
  CHECK(deleted.status == 200);
  CHECK(deleted.body == R"({"ok":true})");
  CHECK(call(gw.port(), "GET", "/api/sessions/" + enc(id)).status == 404);
  CHECK(call(gw.port(), "GET", "/api/sessions").body.find(id) == std::string::npos);
  CHECK(call(gw.port(), "PUT", "/api/sessions/" + enc(id), R"({"name":"x"})").status
        == 404);
}

TEST_CASE("deleting a busy session ends its requests with an agent-error") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    "", R"([{"id":"main","echo":{"delayMs":2000,"chunks":2}}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect();
  c.request("r1", "long", R"("sessionKey":"agent:main:busy")");
  c.request("r2", "queued", R"("sessionKey":"agent:main:busy")");
  c.until([](auto& v) { return v.id == "r2" && v.event == "queued"; });
  CHECK(call(gw.port(), "DELETE", "/api/sessions/agent:main:busy").status == 200);
  CHECK(c.terminal("r1").message == "Session deleted");
  CHECK(c.terminal("r2").message == "Session deleted");
  CHECK(call(gw.port(), "GET", "/api/sessions/agent:main:busy").status == 404);
  // the key can be used again
  c.request("r3", "fresh", R"("sessionKey":"agent:main:busy")");
  CHECK(c.terminal("r3").event == "agent-complete");
}

TEST_CASE("bad session requests get precise JSON errors") {
  temp_dir home;
  gateway_process gw{home.path()};
  CHECK(call(gw.port(), "POST", "/api/sessions", R"({"agentId":"ghost"})").status == 404);
  auto bad = call(gw.port(), "POST", "/api/sessions", "{nope");
  CHECK(bad.status == 400);
  CHECK(test::json_field(bad.body, "error").rfind("body is not valid JSON", 0) == 0);
  CHECK(call(gw.port(), "POST", "/api/sessions", R"({"name":7})").status == 400);
  CHECK(call(gw.port(), "PUT", "/api/sessions/agent:main:main", "{}").status == 400);
  CHECK(call(gw.port(), "PATCH", "/api/sessions/agent:main:main").status == 405);
  CHECK(call(gw.port(), "GET", "/api/sessions/bad%01key").status == 400);
}

TEST_CASE("a session workdir must be inside gateway.fsRoots") {
  temp_dir home;
  auto root = home.path() + "/projects";
  std::filesystem::create_directories(root + "/app");
  std::filesystem::create_directories(home.path() + "/secret");
  std::filesystem::create_symlink(home.path() + "/secret", root + "/escape");
  auto cfg = home.write("cfg.json", test::config_json(
    R"("fsRoots":[")" + root + R"("])", R"([{"id":"main"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  REQUIRE(call(gw.port(), "POST", "/api/sessions", R"({"sessionId":"agent:main:w"})")
            .status == 201);
  auto set = [&](const std::string& body) {
    return call(gw.port(), "POST", "/api/sessions/agent:main:w/workdir", body);
  };
  auto ok = set(R"({"workdir":")" + root + R"(/app"})");
  CHECK(ok.status == 200);
  CHECK(test::json_field(ok.body, "workdir") == root + "/app");
  CHECK(set(R"({"workdir":"/etc"})").status == 403);
  CHECK(set(R"({"workdir":")" + root + R"(/../secret"})").status == 403);
  CHECK(set(R"({"workdir":")" + root + R"(/escape"})").status == 403);
  CHECK(set(R"({"workdir":")" + root + R"(/missing"})").status == 404);
  auto cleared = set(R"({"workdir":null})");
  CHECK(cleared.status == 200);
  CHECK(test::json_field(cleared.body, "workdir") == "null");
}

TEST_CASE("a session workdir cannot reach another agent's folders") {
  temp_dir home;
  auto root = home.path() + "/projects";
  std::filesystem::create_directories(root + "/shared");
  std::filesystem::create_directories(root + "/b-work/inner");
  auto cfg = home.write("cfg.json", test::config_json(
    R"("fsRoots":[")" + root + R"("])",
    R"([{"id":"a"},{"id":"b","workspace":")" + root + R"(/b-work"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  REQUIRE(call(gw.port(), "POST", "/api/sessions", R"({"sessionId":"agent:a:w"})")
            .status == 201);
  auto set = [&](const std::string& dir) {
    return call(gw.port(), "POST", "/api/sessions/agent:a:w/workdir",
                R"({"workdir":")" + dir + R"("})");
  };
  auto inside = set(root + "/b-work/inner");  // inside b's workspace
  CHECK(inside.status == 403);
  CHECK(inside.body.find(R"(agent \"b\")") != std::string::npos);
  CHECK(set(root).status == 403);  // holds b's workspace
  CHECK(set(root + "/shared").status == 200);
  // Agent b may work in its own workspace.
  REQUIRE(call(gw.port(), "POST", "/api/sessions",
               R"({"sessionId":"agent:b:w","agentId":"b"})")
            .status == 201);
  CHECK(call(gw.port(), "POST", "/api/sessions/agent:b:w/workdir",
             R"({"workdir":")" + root + R"(/b-work/inner"})")
          .status == 200);
}

TEST_CASE("CORS answers allowed origins, refuses others, never *") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    R"("auth":{"mode":"token","token":"t"},"controlUi":{"enabled":false,"allowedOrigins":["https://ui.example"]})",
    R"([{"id":"main"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  auto pre = call(gw.port(), "OPTIONS", "/api/sessions", {},
                  {{"Origin", "https://ui.example"},
                   {"Access-Control-Request-Method", "GET"}});
  CHECK(pre.status == 204);
  std::string allow;
  for (auto& [k, v] : pre.headers)
    if (k == "access-control-allow-origin")
      allow = v;
  CHECK(allow == "https://ui.example");
  auto evil = call(gw.port(), "OPTIONS", "/api/sessions", {}, {{"Origin", "https://evil.example"}});
  CHECK(evil.status == 403);
  auto own = call(gw.port(), "GET", "/api/sessions", {},
                  {{"Origin", "http://127.0.0.1:" + std::to_string(gw.port())},
                   {"Authorization", "Bearer t"}});
  CHECK(own.status == 200);
  for (auto& [k, v] : own.headers)
    if (k == "access-control-allow-origin")
      CHECK(v != "*");
}

TEST_CASE("allowUnauthenticatedLoopback opens /api to loopback peers") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    R"("auth":{"mode":"token","token":"t"},"controlUi":{"enabled":false,"allowUnauthenticatedLoopback":true})",
    R"([{"id":"main"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  CHECK(call(gw.port(), "GET", "/api/sessions").status == 200);
  client c{gw.port()};  // the WebSocket still needs the token
  CHECK(c.connect("x", "cli", R"({"token":"nope"})").ok == false);
}

} // TEST_SUITE
