// `POST /webhooks/<id>` against the real binary: accepted calls become turns
// in the webhook's session; every refusal runs nothing.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <regex>

#include "support/gateway_process.hpp"
#include "transport/client.hpp"

using namespace wingman;
using test::client;
using test::gateway_process;
using test::temp_dir;

namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

transport::http_result call(uint16_t port, const std::string& method,
                            const std::string& target, const std::string& body = {},
                            headers h = {}) {
  return transport::http_call("127.0.0.1", port, method, target, h, body);
}

std::string sign(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string out = "sha256=";
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", mac[i]);
    out += buf;
  }
  return out;
}

struct hook {
  std::string id;
  std::string secret;
};

hook make_hook(uint16_t port, const std::string& body) {
  auto r = call(port, "POST", "/api/webhooks", body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return {test::json_field(r.body, "id"), test::json_field(r.body, "secret")};
}

/// Number of stored messages of a session (0 when it does not exist).
size_t stored(uint16_t port, const std::string& key) {
  auto r = call(port, "GET", "/api/sessions/" + key + "/messages");
  if (r.status == 404)
    return 0;
  size_t n = 0;
  for (size_t at = r.body.find("\"role\":"); at != std::string::npos;
       at = r.body.find("\"role\":", at + 1))
    ++n;
  return n;
}

} // namespace

TEST_SUITE("integration/webhooks") {

TEST_CASE("a call with the right secret runs a turn seen by a subscriber") {
  temp_dir home;
  gateway_process gw{home.path()};
  auto h = make_hook(gw.port(), R"({"name":"Alerts","agentId":"main"})");
  auto key = "agent:main:webhook:" + h.id;
  client watcher{gw.port()};
  watcher.connect("watcher");
  watcher.send(R"({"type":"session_subscribe","id":"s","payload":{"sessionId":")" + key
               + R"("},"timestamp":1})");
  watcher.until([](auto& v) { return v.type == "ack" && v.id == "s"; });
  auto r = call(gw.port(), "POST", "/webhooks/" + h.id, R"({"prompt":"disk almost full"})",
                {{"x-wingman-secret", h.secret}});
  REQUIRE(r.status == 200);
  CHECK(test::json_field(r.body, "ok") == "true");
  CHECK(test::json_field(r.body, "sessionId") == key);
  auto rid = test::json_field(r.body, "requestId");
  auto done = watcher.terminal(rid);
  CHECK(done.event == "agent-complete");
  CHECK(done.response.find("disk almost full") != std::string::npos);
  CHECK(done.response.find("untrusted") != std::string::npos);
  // ?secret= works too, and lastTriggeredAt is set
  CHECK(call(gw.port(), "POST", "/webhooks/" + h.id + "?secret=" + h.secret,
             R"({"message":"again"})").status == 200);
  auto listed = call(gw.port(), "GET", "/api/webhooks/" + h.id);
  CHECK(test::json_field(listed.body, "lastTriggeredAt") != "null");
}

TEST_CASE("refused calls run nothing: secret, disabled, allowlist, unknown, method") {
  temp_dir home;
  gateway_process gw{home.path()};
  auto h = make_hook(gw.port(), R"({"name":"A","agentId":"main"})");
  auto outside = make_hook(gw.port(),
                           R"({"name":"B","agentId":"main","allowlist":["10.0.0.0/8"]})");
  auto path = "/webhooks/" + h.id;
  CHECK(call(gw.port(), "POST", path, "{}").status == 401);
  CHECK(call(gw.port(), "POST", path, "{}", {{"x-wingman-secret", "wrong-secret-123456"}})
          .status == 401);
  CHECK(call(gw.port(), "POST", "/webhooks/" + outside.id, "{}",
             {{"x-wingman-secret", outside.secret}}).status == 403);
  CHECK(call(gw.port(), "POST", "/webhooks/wh_nope", "{}").status == 404);
  CHECK(call(gw.port(), "GET", path).status == 405);
  REQUIRE(call(gw.port(), "PUT", "/api/webhooks/" + h.id, R"({"enabled":false})").status
          == 200);
  CHECK(call(gw.port(), "POST", path, "{}", {{"x-wingman-secret", h.secret}}).status
        == 403);
  CHECK(stored(gw.port(), "agent:main:webhook:" + h.id) == 0);
  CHECK(stored(gw.port(), "agent:main:webhook:" + outside.id) == 0);
}

TEST_CASE("failed authentication is rate limited per address") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    R"("limits":{"authFailuresPerMinute":2})", R"([{"id":"main"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  auto h = make_hook(gw.port(), R"({"name":"A","agentId":"main"})");
  for (int i = 0; i < 2; ++i)
    CHECK(call(gw.port(), "POST", "/webhooks/" + h.id, "{}").status == 401);
  auto limited = call(gw.port(), "POST", "/webhooks/" + h.id, "{}",
                      {{"x-wingman-secret", h.secret}});
  CHECK(limited.status == 429);
}

TEST_CASE("github: signature checked, replays ignored, events summarized") {
  temp_dir home;
  gateway_process gw{home.path()};
  auto h = make_hook(gw.port(), R"({"name":"Repo","agentId":"main","preset":"github"})");
  std::string body =
    R"({"ref":"refs/heads/main","repository":{"full_name":"acme/app"},)"
    R"("sender":{"login":"dev"},"commits":[{"message":"Fix the build"}]})";
  auto path = "/webhooks/" + h.id + "?wait=true";
  CHECK(call(gw.port(), "POST", path, body,
             {{"x-hub-signature-256", "sha256=00"}, {"x-github-event", "push"}})
          .status == 401);
  CHECK(call(gw.port(), "POST", path, body, {{"x-github-event", "push"}}).status == 401);
  headers good{{"x-hub-signature-256", sign(h.secret, body)},
               {"x-github-event", "push"},
               {"x-github-delivery", "d-1"}};
  auto r = call(gw.port(), "POST", path, body, good);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(test::json_field(r.body, "ok") == "true");
  CHECK(r.body.find("GitHub push in acme/app by dev") != std::string::npos);
  CHECK(r.body.find("Fix the build") != std::string::npos);
  auto again = call(gw.port(), "POST", path, body, good);
  CHECK(again.status == 200);
  CHECK(test::json_field(again.body, "duplicate") == "true");
  CHECK(stored(gw.port(), "agent:main:webhook:" + h.id) == 2);  // one turn only
  auto thread = call(gw.port(), "GET", "/api/sessions/agent:main:webhook:" + h.id, "", {});
  CHECK(test::json_field(thread.body, "name") == "Webhook: Repo");
  // A delivery id that is not GUID-like is refused before anything is stored.
  headers odd = good;
  odd[2].second = std::string(300, 'a');
  auto refused = call(gw.port(), "POST", path, body, odd);
  CHECK(refused.status == 400);
  CHECK(test::json_field(refused.body, "error").find("X-GitHub-Delivery") == 0);
  odd[2].second = "d/../x";
  CHECK(call(gw.port(), "POST", path, body, odd).status == 400);
  CHECK(stored(gw.port(), "agent:main:webhook:" + h.id) == 2);
}

TEST_CASE("github: a replay is refused after a restart too") {
  temp_dir home;
  std::string body = R"({"action":"opened","issue":{"number":7,"title":"Crash"},)"
                     R"("repository":{"full_name":"acme/app"},"sender":{"login":"dev"}})";
  hook h;
  headers good;
  {
    gateway_process gw{home.path()};
    h = make_hook(gw.port(), R"({"name":"Repo","agentId":"main","preset":"github"})");
    good = {{"x-hub-signature-256", sign(h.secret, body)},
            {"x-github-event", "issues"},
            {"x-github-delivery", "d-restart"}};
    auto r = call(gw.port(), "POST", "/webhooks/" + h.id + "?wait=true", body, good);
    REQUIRE_MESSAGE(r.status == 200, r.body);
  }
  gateway_process gw{home.path()};
  auto again = call(gw.port(), "POST", "/webhooks/" + h.id + "?wait=true", body, good);
  CHECK(again.status == 200);
  CHECK(test::json_field(again.body, "duplicate") == "true");
  CHECK(stored(gw.port(), "agent:main:webhook:" + h.id) == 2);  // still one turn
  // A new delivery id runs.
  good[2].second = "d-next";
  auto next = call(gw.port(), "POST", "/webhooks/" + h.id + "?wait=true", body, good);
  CHECK(next.status == 200);
  CHECK(test::json_field(next.body, "duplicate") != "true");
  CHECK(stored(gw.port(), "agent:main:webhook:" + h.id) == 4);
}

TEST_CASE("github: a delivery refused with 409 runs when it is delivered again") {
  temp_dir home;
  gateway_process gw{home.path()};
  REQUIRE(call(gw.port(), "POST", "/api/agents", R"({"id":"helper"})").status == 201);
  auto h = make_hook(gw.port(), R"({"name":"Repo","agentId":"helper","preset":"github"})");
  REQUIRE(call(gw.port(), "DELETE", "/api/agents/helper").status == 200);
  std::string body = R"({"zen":"Keep it simple."})";
  headers good{{"x-hub-signature-256", sign(h.secret, body)},
               {"x-github-event", "ping"},
               {"x-github-delivery", "d-409"}};
  auto path = "/webhooks/" + h.id + "?wait=true";
  CHECK(call(gw.port(), "POST", path, body, good).status == 409);
  REQUIRE(call(gw.port(), "POST", "/api/agents", R"({"id":"helper"})").status == 201);
  auto again = call(gw.port(), "POST", path, body, good);
  CHECK(again.status == 200);
  CHECK(test::json_field(again.body, "duplicate") != "true");
  CHECK(stored(gw.port(), "agent:helper:webhook:" + h.id) == 2);
}

TEST_CASE("two calls to one webhook thread run one after the other") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    "", R"([{"id":"main","echo":{"delayMs":300,"chunks":3}}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  auto h = make_hook(gw.port(), R"({"name":"A","agentId":"main"})");
  auto key = "agent:main:webhook:" + h.id;
  client watcher{gw.port()};
  watcher.connect("watcher");
  watcher.send(R"({"type":"session_subscribe","id":"s","payload":{"sessionId":")" + key
               + R"("},"timestamp":1})");
  watcher.until([](auto& v) { return v.type == "ack" && v.id == "s"; });
  auto first = test::json_field(call(gw.port(), "POST", "/webhooks/" + h.id, R"({"prompt":"one"})",
                          {{"x-wingman-secret", h.secret}}).body, "requestId");
  auto second = test::json_field(call(gw.port(), "POST", "/webhooks/" + h.id, R"({"prompt":"two"})",
                           {{"x-wingman-secret", h.secret}}).body, "requestId");
  watcher.terminal(second);
  // On the wire: the second starts only after the first completed.
  std::vector<std::string> order;
  for (auto& v : watcher.seen())
    if ((v.id == first || v.id == second)
        && (v.event == "agent-start" || v.event == "agent-complete"))
      order.push_back((v.id == first ? "1:" : "2:") + v.event);
  CHECK(order == std::vector<std::string>{"1:agent-start", "1:agent-complete",
                                          "2:agent-start", "2:agent-complete"});
}

} // TEST_SUITE
