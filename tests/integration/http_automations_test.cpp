// `/api/webhooks` and `/api/routines` CRUD against the real binary.
#include <doctest/doctest.h>

#include <algorithm>
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
                            std::vector<std::pair<std::string, std::string>> h = {}) {
  h.emplace_back("Authorization", "Bearer tok");
  return transport::http_call("127.0.0.1", port, method, target, h, body);
}

} // namespace

TEST_SUITE("integration/http_automations") {

TEST_CASE("webhooks: secret shown once, masked after, rotate, update, delete") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "tok"}};
  CHECK(transport::http_call("127.0.0.1", gw.port(), "GET", "/api/webhooks").status
        == 401);
  auto made = call(gw.port(), "POST", "/api/webhooks",
                   R"({"name":"Mail","agentId":"main","preset":"gog-gmail","allowlist":["10.0.0.0/8","::1"]})");
  REQUIRE(made.status == 201);
  auto id = test::json_field(made.body, "id");
  auto secret = test::json_field(made.body, "secret");
  CHECK(id.rfind("wh_", 0) == 0);
  CHECK(secret.rfind("whsec_", 0) == 0);
  CHECK(test::json_field(made.body, "url") == "/webhooks/" + id);
  CHECK(test::json_field(made.body, "enabled") == "true");
  auto listed = call(gw.port(), "GET", "/api/webhooks");
  CHECK(listed.status == 200);
  CHECK(listed.body.find(id) != std::string::npos);
  CHECK(listed.body.find(secret) == std::string::npos);  // masked from now on
  auto one = call(gw.port(), "GET", "/api/webhooks/" + id);
  CHECK(test::json_field(one.body, "secret") == "••••" + secret.substr(secret.size() - 4));
  auto off = call(gw.port(), "PUT", "/api/webhooks/" + id, R"({"enabled":false})");
  CHECK(off.status == 200);
  CHECK(test::json_field(off.body, "enabled") == "false");
  CHECK(test::json_field(off.body, "name") == "Mail");
  auto rotated = call(gw.port(), "POST", "/api/webhooks/" + id + "/rotate");
  CHECK(rotated.status == 200);
  CHECK(test::json_field(rotated.body, "secret") != secret);
  CHECK(test::json_field(rotated.body, "secret").rfind("whsec_", 0) == 0);
  CHECK(call(gw.port(), "DELETE", "/api/webhooks/" + id).status == 200);
  CHECK(call(gw.port(), "GET", "/api/webhooks/" + id).status == 404);
}

TEST_CASE("webhook bodies are validated") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "tok"}};
  auto post = [&](const std::string& body) {
    return call(gw.port(), "POST", "/api/webhooks", body);
  };
  CHECK(post(R"({"name":"x","agentId":"ghost"})").status == 400);
  CHECK(post(R"({"name":"x","agentId":"main","preset":"zapier"})").status == 400);
  auto cidr = post(R"({"name":"x","agentId":"main","allowlist":["300.1.1.1/8"]})");
  CHECK(cidr.status == 400);
  CHECK(test::json_field(cidr.body, "error").rfind("allowlist: ", 0) == 0);
  CHECK(post(R"({"agentId":"main"})").status == 400);
  CHECK(post("{bad").status == 400);
  CHECK(call(gw.port(), "PATCH", "/api/webhooks").status == 405);
  CHECK(call(gw.port(), "GET", "/api/webhooks/wh_missing").status == 404);
}

TEST_CASE("routines: cron validated, edited, deleted, kept across restarts") {
  temp_dir home;
  std::string id;
  {
    gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "tok"}};
    auto bad = call(gw.port(), "POST", "/api/routines",
                    R"({"name":"x","agentId":"main","cron":"99 99 99 99 99","prompt":"p"})");
    CHECK(bad.status == 400);
    CHECK(test::json_field(bad.body, "error") == "cron field 1 (minute): 99 is out of range 0-59");
    auto made = call(gw.port(), "POST", "/api/routines",
                     R"({"name":"Digest","agentId":"main","cron":"0 8 * * mon-fri","prompt":"Summarize","missedRunPolicy":"run-once"})");
    REQUIRE(made.status == 201);
    id = test::json_field(made.body, "id");
    CHECK(id.rfind("rt_", 0) == 0);
    CHECK(test::json_field(made.body, "missedRunPolicy") == "run-once");
    auto edited = call(gw.port(), "PUT", "/api/routines/" + id,
                       R"({"cron":"@hourly","enabled":false})");
    CHECK(edited.status == 200);
    CHECK(test::json_field(edited.body, "cron") == "@hourly");
    CHECK(test::json_field(edited.body, "prompt") == "Summarize");
    CHECK(call(gw.port(), "PUT", "/api/routines/" + id, R"({"cron":"* *"})").status
          == 400);
    CHECK(gw.terminate() == 0);
  }
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "tok"}};
  auto listed = call(gw.port(), "GET", "/api/routines");
  CHECK(listed.body.find(id) != std::string::npos);
  CHECK(test::json_field(listed.body, "cron") == "@hourly");
  CHECK(call(gw.port(), "DELETE", "/api/routines/" + id).status == 200);
  CHECK(call(gw.port(), "GET", "/api/routines").body == "[]");
}

TEST_CASE("routines: run now reaches subscribers, history and preview") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "tok"}};
  auto made = call(gw.port(), "POST", "/api/routines",
                   R"({"name":"Digest","agentId":"main","cron":"0 8 * * *","prompt":"morning report","timezone":"Europe/Paris"})");
  REQUIRE(made.status == 201);
  auto id = test::json_field(made.body, "id");
  CHECK(test::json_field(made.body, "nextRunAt") != "null");
  auto key = "agent:main:routine:" + id;
  client watcher{gw.port()};
  watcher.connect("watcher", "cli", R"({"token":"tok"})");
  watcher.send(R"({"type":"session_subscribe","id":"s","payload":{"sessionId":")" + key
               + R"("},"timestamp":1})");
  watcher.until([](auto& v) { return v.type == "ack" && v.id == "s"; });
  auto ran = call(gw.port(), "POST", "/api/routines/" + id + "/run");
  REQUIRE(ran.status == 200);
  CHECK(test::json_field(ran.body, "sessionId") == key);
  auto rid = test::json_field(ran.body, "requestId");
  auto done = watcher.terminal(rid);
  CHECK(done.event == "agent-complete");
  CHECK(done.response.find("morning report") != std::string::npos);
  // The thread is named after the routine, not its key.
  auto thread = call(gw.port(), "GET", "/api/sessions/" + key + "?agentId=main");
  CHECK(test::json_field(thread.body, "name") == "Routine: Digest");
  // ?wait=true answers once the run has finished and is in the history.
  auto waited = call(gw.port(), "POST", "/api/routines/" + id + "/run?wait=true");
  REQUIRE(waited.status == 200);
  CHECK(test::json_field(waited.body, "status") == "ok");
  CHECK(test::json_field(waited.body, "trigger") == "manual");
  auto runs = call(gw.port(), "GET", "/api/routines/" + id + "/runs?limit=1");
  REQUIRE(runs.status == 200);
  CHECK(test::json_field(runs.body, "requestId")
        == test::json_field(waited.body, "requestId"));  // newest first
  CHECK(test::json_field(runs.body, "durationMs") != "null");
  CHECK(call(gw.port(), "GET", "/api/routines/" + id + "/runs?limit=0").status == 400);
  CHECK(call(gw.port(), "GET", "/api/routines/" + id + "/run").status == 405);
  CHECK(call(gw.port(), "POST", "/api/routines/rt_missing/run").status == 404);
  auto preview = call(gw.port(), "GET",
                      "/api/routines/preview?cron=0%209%20*%20*%20mon&timezone=Asia/Tokyo");
  REQUIRE(preview.status == 200);
  CHECK(std::count(preview.body.begin(), preview.body.end(), ',') == 4);  // five times
  auto bad = call(gw.port(), "GET", "/api/routines/preview?cron=99%20*%20*%20*%20*");
  CHECK(bad.status == 400);
  CHECK(test::json_field(bad.body, "error").rfind("cron field 1 (minute)", 0) == 0);
  CHECK(call(gw.port(), "GET", "/api/routines/preview?cron=*%20*%20*%20*%20*&timezone=Mars/Base")
          .status == 400);
  CHECK(call(gw.port(), "DELETE", "/api/routines/" + id).status == 200);
  CHECK(call(gw.port(), "GET", "/api/routines/" + id + "/runs").status == 404);
}

} // TEST_SUITE
