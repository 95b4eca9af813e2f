// Crash safety: every accepted request survives `kill -9` and runs after
// restart, in order, with exactly one stored reply.
#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>

#include "support/gateway_process.hpp"

using namespace wingman;
using test::client;
using test::gateway_process;
using test::temp_dir;

namespace {

/// (role, requestId) of every stored message of the main session, in order.
std::vector<std::pair<std::string, std::string>> stored(uint16_t port) {
  auto r = test::http(port, "GET", "/api/sessions/agent:main:main/messages?agentId=main");
  REQUIRE(r.status == 200);
  std::vector<std::pair<std::string, std::string>> out;
  std::regex msg{R"re("role":"(user|assistant)"[^{}]*?"requestId":"([^"]+)")re"};
  for (auto it = std::sregex_iterator(r.body.begin(), r.body.end(), msg);
       it != std::sregex_iterator(); ++it)
    out.emplace_back((*it)[1], (*it)[2]);
  return out;
}

} // namespace

TEST_SUITE("integration/durability") {

TEST_CASE("kill -9 during a burst of queued requests loses nothing") {
  temp_dir home;
  auto cfg = home.write("cfg.json", test::config_json(
    "", R"([{"id":"main","echo":{"delayMs":100,"chunks":2}}])"));
  constexpr int burst = 20;
  std::vector<std::string> ids;
  {
    gateway_process gw{home.path(), {"--config", cfg}};
    client c{gw.port()};
    c.connect("burster");
    for (int i = 0; i < burst; ++i) {
      ids.push_back("q" + std::to_string(100 + i));
      c.request(ids.back(), "msg " + std::to_string(i));
    }
    // Crash mid-burst: every request accepted (acked queued, or started),
    // and the first one finished with its reply stored.
    std::set<std::string> accepted;
    bool first_done = false;
    c.until([&](const protocol::client_view& v) {
      if (v.event == "queued" || v.event == "agent-start")
        accepted.insert(v.id);
      if (v.id == ids.front() && v.event == "agent-complete")
        first_done = true;
      return accepted.size() == burst && first_done;
    });
    gw.kill9();
  }
  gateway_process gw{home.path(), {"--config", cfg}};
  // Recovery happened at start-up, before any client asked for the session.
  auto stats = test::http(gw.port(), "GET", "/stats");
  std::smatch recovered;
  REQUIRE(std::regex_search(stats.body, recovered,
                            std::regex{R"("requestsRecovered":(\d+))"}));
  CHECK(std::stoi(recovered[1]) > 0);
  client w{gw.port()};
  w.connect("watcher");
  w.send(R"({"type":"session_subscribe","id":"s","payload":{"sessionId":"agent:main:main"},"timestamp":1})");
  w.until([](auto& v) { return v.type == "ack" && v.id == "s"; });
  // Completed = replies already stored + completions seen from now on.
  std::set<std::string> done;
  for (auto& [role, rid] : stored(gw.port()))
    if (role == "assistant")
      done.insert(rid);
  if (done.size() < burst)
    w.until([&](const protocol::client_view& v) {
      if (v.event == "agent-complete")
        done.insert(v.id);
      return done.size() == burst;
    }, std::chrono::seconds{60});
  // FIFO barrier: once a request sent now completes, everything queued before
  // it has run, so a spurious re-run would be visible below.
  w.request("barrier", "last");
  CHECK(w.terminal("barrier").event == "agent-complete");
  ids.push_back("barrier");
  auto msgs = stored(gw.port());
  std::vector<std::string> users, replies;
  for (auto& [role, rid] : msgs)
    (role == "user" ? users : replies).push_back(rid);
  CHECK(users == ids);    // every accepted request once, in order
  CHECK(replies == ids);  // exactly one reply each, in order
  auto health = test::http(gw.port(), "GET", "/health");
  CHECK(health.status == 200);
}

TEST_CASE("a clean restart keeps the history and the session list") {
  temp_dir home;
  {
    gateway_process gw{home.path()};
    client c{gw.port()};
    c.connect();
    c.request("r1", "remember me", R"("sessionKey":"agent:main:notes")");
    CHECK(c.terminal("r1").event == "agent-complete");
    CHECK(gw.terminate() == 0);
  }
  gateway_process gw{home.path()};
  auto list = test::http(gw.port(), "GET", "/api/sessions");
  CHECK(list.body.find("agent:main:notes") != std::string::npos);
  // FIFO barrier: a finished request must not run again after a restart.
  client c{gw.port()};
  c.connect();
  c.request("r2", "and me", R"("sessionKey":"agent:main:notes")");
  CHECK(c.terminal("r2").event == "agent-complete");
  auto msgs = test::http(gw.port(), "GET", "/api/sessions/agent:main:notes/messages");
  CHECK(msgs.status == 200);
  std::regex role{R"re("role":"(user|assistant)")re"};
  std::vector<std::string> roles;
  for (auto it = std::sregex_iterator(msgs.body.begin(), msgs.body.end(), role);
       it != std::sregex_iterator(); ++it)
    roles.push_back((*it)[1]);
  CHECK(roles == std::vector<std::string>{"user", "assistant", "user", "assistant"});
  CHECK(msgs.body.find("remember me") != std::string::npos);
}

} // TEST_SUITE
