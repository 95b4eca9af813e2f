// The real `wingman` binary on loopback port 0, spoken to over the wire
// protocol (PROTOCOL.md §1–4, §7).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "support/gateway_process.hpp"

using namespace wingman;
using test::client;
using test::gateway_process;
using test::temp_dir;
using strings = std::vector<std::string>;

namespace {

const char* slow_agent =
  R"([{"id":"main","default":true,"echo":{"delayMs":300,"chunks":3}}])";

bool is_res(const protocol::client_view& v) { return v.type == "res"; }

} // namespace

TEST_SUITE("integration/handshake") {

TEST_CASE("connect in auth mode none answers gateway-ready") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  auto res = c.connect();
  CHECK(res.ok == true);
  CHECK(res.payload_text == "gateway-ready");
}

TEST_CASE("token mode accepts the token and refuses a wrong one with close 1008") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "s3cret"}};
  client good{gw.port()};
  CHECK(good.connect("a", "cli", R"({"token":"s3cret"})").ok == true);
  client bad{gw.port()};
  auto res = bad.connect("b", "cli", R"({"token":"wrong"})");
  CHECK(res.ok == false);
  CHECK(res.payload_text == "authentication failed");
  CHECK_FALSE(bad.next(std::chrono::seconds{5}));
  CHECK(bad.closed());
  CHECK(bad.close_code() == 1008);
  // the good connection is undisturbed
  good.request("r1", "still here");
  CHECK(good.terminal("r1").event == "agent-complete");
}

TEST_CASE("WINGMAN_GATEWAY_TOKEN supplies the token") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token"},
                     {"WINGMAN_GATEWAY_TOKEN=from-env"}};
  client c{gw.port()};
  CHECK(c.connect("a", "cli", R"({"token":"from-env"})").ok == true);
}

TEST_CASE("password mode checks the password") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "password", "--password", "pw"}};
  client good{gw.port()};
  CHECK(good.connect("a", "cli", R"({"password":"pw"})").ok == true);
  client bad{gw.port()};
  CHECK(bad.connect("b", "cli", R"({"password":"nope"})").ok == false);
}

TEST_CASE("connect without client info is refused and the socket stays open") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  c.send(R"({"type":"connect","id":"c0","auth":{},"timestamp":1})");
  auto res = c.until(is_res);
  CHECK(res.ok == false);
  CHECK(res.payload_text == "missing client info");
  CHECK(c.connect().ok == true);  // same socket, second try
}

TEST_CASE("connect without id is INVALID_CONNECT") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  c.send(R"({"type":"connect","client":{"instanceId":"x","clientType":"cli"},"timestamp":1})");
  auto e = c.until([](auto& v) { return v.type == "error"; });
  CHECK(e.code == "INVALID_CONNECT");
}

TEST_CASE("requests before connect get AUTH_REQUIRED, ping always works") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  c.send(R"({"type":"ping","id":"p1","timestamp":1})");
  CHECK(c.until([](auto& v) { return v.type == "pong"; }).id == "p1");
  c.request("r1", "hi");
  auto e = c.until([](auto& v) { return v.type == "error"; });
  CHECK(e.code == "AUTH_REQUIRED");
  CHECK(e.id == "r1");
}

TEST_CASE("repeated failed logins from one address are rate limited") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    R"("auth":{"mode":"token","token":"t"},"limits":{"authFailuresPerMinute":2})",
    R"([{"id":"main"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  for (int i = 0; i < 2; ++i) {
    client bad{gw.port()};
    CHECK(bad.connect("b", "cli", R"({"token":"x"})").ok == false);
  }
  client blocked{gw.port()};
  blocked.send(R"({"type":"connect","id":"c1","client":{"instanceId":"b","clientType":"cli"},"auth":{"token":"t"},"timestamp":1})");
  auto e = blocked.until([](auto& v) { return v.type == "error"; });
  CHECK(e.code == "RATE_LIMITED");
}

} // TEST_SUITE

TEST_SUITE("integration/streaming") {

TEST_CASE("a request streams agent-start, chunks and agent-complete") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  c.connect("cli-7");
  c.request("r1", "hello gateway");
  auto done = c.terminal("r1");
  CHECK(done.event == "agent-complete");
  CHECK(done.response == "hello gateway");
  auto ev = c.events("r1");
  CHECK(ev.front() == "agent-start");
  CHECK(std::count(ev.begin(), ev.end(), "agent-stream") == 4);
  std::string text;
  for (auto& v : c.seen())
    if (v.id == "r1")
      text += v.text;
  CHECK(text == "hello gateway");
}

TEST_CASE("bad frames get precise errors and the connection keeps working") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  c.connect();
  auto error_for = [&](const std::string& frame) {
    c.send(frame);
    return c.until([](auto& v) { return v.type == "error"; });
  };
  CHECK(error_for("not json").code == "INVALID_MESSAGE");
  CHECK(error_for("[1,2]").code == "INVALID_MESSAGE");
  CHECK(error_for(R"({"type":"ping"})").code == "INVALID_MESSAGE");
  CHECK(error_for(R"({"type":"teleport","timestamp":1})").code
        == "UNKNOWN_MESSAGE_TYPE");
  CHECK(error_for(R"({"type":"req:agent","payload":{"content":"x"},"timestamp":1})")
          .code == "INVALID_REQUEST");
  auto typed = error_for(
    R"({"type":"req:agent","id":"r9","payload":{"content":5},"timestamp":1})");
  CHECK(typed.code == "INVALID_REQUEST");
  CHECK(typed.id == "r9");
  CHECK(error_for(R"({"type":"req:agent:cancel","id":"k","payload":{},"timestamp":1})")
          .code == "INVALID_REQUEST");
  c.request("ok1", "still works");
  CHECK(c.terminal("ok1").event == "agent-complete");
}

TEST_CASE("an oversized frame gets PAYLOAD_TOO_LARGE and close 1009, others go on") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    R"("limits":{"maxFrameBytes":4096})", R"([{"id":"main"}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client other{gw.port()};
  other.connect("other");
  client c{gw.port()};
  c.connect("big");
  c.request("big1", std::string(8192, 'x'));
  auto e = c.until([](auto& v) { return v.type == "error"; });
  CHECK(e.code == "PAYLOAD_TOO_LARGE");
  CHECK_FALSE(c.next(std::chrono::seconds{5}));
  CHECK(c.close_code() == 1009);
  other.request("r1", "fine");
  CHECK(other.terminal("r1").event == "agent-complete");
}

TEST_CASE("rooms and nodes answer UNAVAILABLE in-protocol in this build") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  c.connect();
  c.send(R"({"type":"broadcast","id":"b1","roomId":"swarm","payload":{"content":"x"},"timestamp":1})");
  auto e = c.until([](auto& v) { return v.type == "error"; });
  CHECK(e.code == "UNAVAILABLE");
  CHECK(e.id == "b1");
}

} // TEST_SUITE

TEST_SUITE("integration/queue") {

TEST_CASE("queue acks, ordering and all four cancel outcomes on the wire") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json("", slow_agent));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect("owner");
  client intruder{gw.port()};
  intruder.connect("intruder");
  c.request("r1", "one");
  c.until([](auto& v) { return v.id == "r1" && v.event == "agent-start"; });
  c.request("r2", "two");
  c.request("r3", "three");
  c.request("r4", "four", R"("queueIfBusy":false)");
  CHECK(c.terminal("r4").message
        == "Session already has an in-flight request. Set queueIfBusy=true to enqueue.");
  c.until([](auto& v) { return v.id == "r3" && v.event == "request-queued"; });
  // FORBIDDEN: another client's request
  intruder.send(R"({"type":"req:agent:cancel","id":"x1","payload":{"requestId":"r3"},"timestamp":1})");
  CHECK(intruder.until([](auto& v) { return v.type == "error"; }).code == "FORBIDDEN");
  // cancelled_queued
  c.send(R"({"type":"req:agent:cancel","id":"k3","payload":{"requestId":"r3"},"timestamp":1})");
  CHECK(c.until([](auto& v) { return v.id == "k3"; }).event == "cancelled_queued");
  CHECK(c.terminal("r3").message == "Request cancelled");
  // cancelled (running)
  c.send(R"({"type":"req:agent:cancel","id":"k1","payload":{"requestId":"r1"},"timestamp":1})");
  CHECK(c.until([](auto& v) { return v.id == "k1"; }).event == "cancelled");
  CHECK(c.terminal("r1").message == "Request cancelled");
  // not_found
  c.send(R"({"type":"req:agent:cancel","id":"k9","payload":{"requestId":"zzz"},"timestamp":1})");
  CHECK(c.until([](auto& v) { return v.id == "k9"; }).event == "not_found");
  // r2 was dequeued and completes
  CHECK(c.terminal("r2").event == "agent-complete");
  auto r2 = c.events("r2");
  CHECK(r2[0] == "ack:queued");
  CHECK(r2[1] == "request-queued");
  CHECK(std::find(r2.begin(), r2.end(), "ack:dequeued") != r2.end());
}

TEST_CASE("subscribers see another client's turn, a disconnect cancels nothing") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json("", slow_agent));
  gateway_process gw{home.path(), {"--config", cfg}};
  client watcher{gw.port()};
  watcher.connect("watcher");
  watcher.send(R"({"type":"session_subscribe","id":"s1","payload":{"sessionId":"agent:main:main"},"timestamp":1})");
  watcher.until([](auto& v) { return v.type == "ack" && v.id == "s1"; });
  {
    client sender{gw.port()};
    sender.connect("sender");
    sender.request("r1", "first");
    sender.request("r2", "second");
    sender.until([](auto& v) { return v.id == "r2" && v.type == "ack"; });
  }  // sender disconnects with both requests accepted
  CHECK(watcher.terminal("r1").event == "agent-complete");
  CHECK(watcher.terminal("r2").event == "agent-complete");
  CHECK(watcher.events("r1").front() == "session-message");
}

TEST_CASE("UI clients receive session-message for sessions they do not watch") {
  temp_dir home;
  gateway_process gw{home.path()};
  client ui{gw.port()};
  ui.connect("browser", "webui");
  client cli{gw.port()};
  cli.connect("cli");
  cli.request("r1", "new thread", R"("routing":{"channel":"webui"})");
  auto m = ui.until([](auto& v) { return v.event == "session-message"; });
  CHECK(m.id == "r1");
}

} // TEST_SUITE

TEST_SUITE("integration/routing") {

TEST_CASE("bindings route most specific first and derive the session keys") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    "",
    R"([{"id":"main","default":true},{"id":"support"},{"id":"guild"}])",
    R"([{"agentId":"main","match":{"channel":"discord"}},
        {"agentId":"guild","match":{"channel":"discord","guildId":"g1"}},
        {"agentId":"support","match":{"channel":"discord","peer":{"kind":"channel","id":"c9"}}}])"));
  gateway_process gw{home.path(), {"--config", cfg}};
  client c{gw.port()};
  c.connect();
  c.request("a", "x", R"("routing":{"channel":"discord","guildId":"g1","peer":{"kind":"channel","id":"c9"}})");
  c.request("b", "x", R"("routing":{"channel":"discord","guildId":"g1","accountId":"bot"})");
  c.request("d", "x", R"("routing":{"channel":"discord","accountId":"bot","threadId":"t7"})");
  for (auto id : {"a", "b", "d"})
    CHECK(c.terminal(id).event == "agent-complete");
  auto sessions = test::http(gw.port(), "GET", "/api/sessions");
  REQUIRE(sessions.status == 200);
  CHECK(sessions.body.find(R"("agent:support:discord:channel:c9")") != std::string::npos);
  CHECK(sessions.body.find(R"("agent:guild:discord:account:bot")") != std::string::npos);
  CHECK(sessions.body.find(R"("agent:main:discord:account:bot:thread:t7")") != std::string::npos);
}

} // TEST_SUITE
