// HTTP routes of the core, the CLI and the daemon lifecycle.
#include <doctest/doctest.h>

#include <regex>

#include "support/gateway_process.hpp"

using namespace wingman;
using test::client;
using test::gateway_process;
using test::temp_dir;

TEST_SUITE("integration/http") {

TEST_CASE("health has the documented shape and needs no auth") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "t"}};
  auto h = test::http(gw.port(), "GET", "/health");
  CHECK(h.status == 200);
  for (auto key : {"\"status\":\"healthy\"", "\"version\"", "\"uptime\"",
                   "\"messagesProcessed\"", "\"startedAt\"", "\"activeSessions\"",
                   "\"timestamp\""})
    CHECK_MESSAGE(h.body.find(key) != std::string::npos, key);
  CHECK(test::http(gw.port(), "GET", "/api/health").status == 200);
  CHECK(test::http(gw.port(), "GET", "/api/config").status == 200);
}

TEST_CASE("api routes refuse unauthenticated calls and accept the token") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "t0k"}};
  auto anon = test::http(gw.port(), "GET", "/api/sessions");
  CHECK(anon.status == 401);
  CHECK(anon.body.find("\"error\"") != std::string::npos);
  CHECK(test::http(gw.port(), "GET", "/stats").status == 401);
  CHECK(test::http(gw.port(), "GET", "/api/sessions",
                   {{"Authorization", "Bearer nope"}}).status == 401);
  CHECK(test::http(gw.port(), "GET", "/api/sessions",
                   {{"Authorization", "Bearer t0k"}}).status == 200);
  CHECK(test::http(gw.port(), "GET", "/api/sessions",
                   {{"X-Wingman-Token", "t0k"}}).status == 200);
  CHECK(test::http(gw.port(), "GET", "/stats",
                   {{"X-Wingman-Token", "t0k"}}).status == 200);
}

TEST_CASE("session history is served as stored, unknown sessions are 404") {
  temp_dir home;
  gateway_process gw{home.path()};
  client c{gw.port()};
  c.connect();
  c.request("r1", "what is stored?");
  c.terminal("r1");
  auto list = test::http(gw.port(), "GET", "/api/sessions?limit=10");
  CHECK(list.status == 200);
  CHECK(list.body.find(R"("messageCount":2)") != std::string::npos);
  auto msgs = test::http(gw.port(), "GET",
                         "/api/sessions/agent%3Amain%3Amain/messages?agentId=main");
  CHECK(msgs.status == 200);
  CHECK(msgs.body.find(R"("role":"user")") != std::string::npos);
  CHECK(msgs.body.find(R"("role":"assistant")") != std::string::npos);
  CHECK(test::http(gw.port(), "GET", "/api/sessions/agent:main:nope/messages")
          .status == 404);
  CHECK(test::http(gw.port(), "POST", "/health").status == 405);
  CHECK(test::http(gw.port(), "GET", "/nothing-here").status == 404);
  CHECK(test::http(gw.port(), "GET", "/ws").status == 400);
}

} // TEST_SUITE

TEST_SUITE("integration/cli") {

TEST_CASE("wingman agent streams the reply and exits 0") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "k"}};
  auto url = "ws://127.0.0.1:" + std::to_string(gw.port()) + "/ws";
  auto r = test::run_wingman({"agent", "--gateway", url, "--token", "k",
                              "hello from the cli"}, home.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hello from the cli\n");
  auto bad = test::run_wingman({"agent", "--gateway", url, "--token", "wrong",
                                "x"}, home.path());
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("authentication failed") != std::string::npos);
}

TEST_CASE("wingman webhooks: create prints the secret once, list, rotate, delete") {
  temp_dir home;
  gateway_process gw{home.path(), {"--auth-mode", "token", "--token", "k"}};
  auto url = "http://127.0.0.1:" + std::to_string(gw.port());
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--gateway", url});
    return test::run_wingman(args, home.path(), {"WINGMAN_GATEWAY_TOKEN=k"});
  };
  auto made = cli({"webhooks", "create", "--name", "Alerts", "--agent", "main",
                   "--allow", "10.0.0.0/8"});
  REQUIRE(made.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(made.out, m, std::regex{"webhook (wh_[0-9a-f]+)"}));
  std::string id = m[1];
  REQUIRE(std::regex_search(made.out, m, std::regex{"secret: (whsec_[0-9a-f]+)"}));
  std::string secret = m[1];
  auto listed = cli({"webhooks", "list"});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find(id) != std::string::npos);
  CHECK(listed.out.find("Alerts") != std::string::npos);
  CHECK(listed.out.find(secret) == std::string::npos);  // never shown again
  auto rotated = cli({"webhooks", "rotate", id});
  CHECK(rotated.exit_code == 0);
  CHECK(rotated.out.find("secret: whsec_") != std::string::npos);
  CHECK(rotated.out.find(secret) == std::string::npos);
  auto bad = cli({"webhooks", "create", "--name", "x", "--agent", "ghost"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("agentId must name a configured agent") != std::string::npos);
  CHECK(cli({"webhooks", "delete", id}).exit_code == 0);
  auto gone = cli({"webhooks", "delete", id});
  CHECK(gone.exit_code == 1);
  CHECK(gone.err.find("HTTP 404") != std::string::npos);
  auto unauthorized = test::run_wingman({"webhooks", "list", "--gateway", url}, home.path());
  CHECK(unauthorized.exit_code == 1);
  CHECK(unauthorized.err.find("HTTP 401") != std::string::npos);
}

TEST_CASE("wingman routines: create, list, run --wait, delete, bad cron explained") {
  temp_dir home;
  gateway_process gw{home.path()};
  auto url = "http://127.0.0.1:" + std::to_string(gw.port());
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--gateway", url});
    return test::run_wingman(args, home.path());
  };
  auto bad = cli({"routines", "create", "--name", "x", "--agent", "main", "--cron",
                  "99 99 99 99 99", "--prompt", "p"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("cron field 1 (minute): 99 is out of range 0-59") != std::string::npos);
  auto made = cli({"routines", "create", "--name", "Digest", "--agent", "main", "--cron",
                   "0 8 * * mon-fri", "--prompt", "daily digest", "--timezone",
                   "Europe/Paris"});
  REQUIRE(made.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(made.out, m, std::regex{"routine (rt_[0-9a-f]+)"}));
  std::string id = m[1];
  auto listed = cli({"routines", "list"});
  CHECK(listed.out.find("0 8 * * mon-fri") != std::string::npos);
  CHECK(listed.out.find("Europe/Paris") != std::string::npos);
  auto ran = cli({"routines", "run", id, "--wait"});
  CHECK(ran.exit_code == 0);
  CHECK(ran.out.find(": ok in ") != std::string::npos);
  auto json = cli({"routines", "list", "--json"});
  CHECK(json.out.find("\"lastRunAt\":null") == std::string::npos);
  CHECK(cli({"routines", "delete", id}).exit_code == 0);
  CHECK(cli({"routines", "run", id}).exit_code == 1);
}

TEST_CASE("wingman agent exits non-zero on agent-error") {
  temp_dir home;
  gateway_process gw{home.path()};
  auto url = "ws://127.0.0.1:" + std::to_string(gw.port()) + "/ws";
  auto r = test::run_wingman({"agent", "--gateway", url, "--agent", "ghost", "x"},
                             home.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Agent \"ghost\" not found") != std::string::npos);
}

TEST_CASE("wingman agent --local runs a turn without a gateway") {
  temp_dir home;
  auto r = test::run_wingman({"agent", "--local", "local echo"}, home.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "local echo\n");
}

TEST_CASE("a config error names the file and the key and the gateway refuses to start") {
  temp_dir home;
  auto cfg = home.write("bad.json", R"({"gateway":{"port":"not-a-port"}})");
  auto r = test::run_wingman({"gateway", "run", "--config", cfg}, home.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("bad.json") != std::string::npos);
  CHECK(r.err.find("gateway.port") != std::string::npos);
}

TEST_CASE("a second gateway on the same state dir refuses to start") {
  temp_dir home;
  gateway_process gw{home.path()};
  auto r = test::run_wingman({"gateway", "run", "--port", "0", "--state-dir",
                              home.path()}, home.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("another gateway (pid " + std::to_string(gw.pid()) + ")")
        != std::string::npos);
  CHECK(test::http(gw.port(), "GET", "/health").status == 200);  // undisturbed
}

TEST_CASE("gateway start, status and stop manage a daemon") {
  temp_dir home;
  auto state = home.path() + "/deep/er/state";  // parents are created
  auto start = test::run_wingman({"gateway", "start", "--port", "0",
                                  "--state-dir", state}, home.path());
  REQUIRE_MESSAGE(start.exit_code == 0, start.err);
  CHECK(start.out.find("started") != std::string::npos);
  auto status = test::run_wingman({"gateway", "status", "--state-dir", state},
                                  home.path());
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("healthy") != std::string::npos);
  auto twice = test::run_wingman({"gateway", "start", "--port", "0",
                                  "--state-dir", state}, home.path());
  CHECK(twice.exit_code == 1);
  CHECK(twice.err.find("already running") != std::string::npos);
  auto stop = test::run_wingman({"gateway", "stop", "--state-dir", state},
                                home.path());
  CHECK(stop.exit_code == 0);
  auto after = test::run_wingman({"gateway", "status", "--state-dir", state},
                                 home.path());
  CHECK(after.exit_code == 1);
}

TEST_CASE("token --generate prints a fresh token") {
  temp_dir home;
  auto a = test::run_wingman({"gateway", "token", "--generate"}, home.path());
  auto b = test::run_wingman({"gateway", "token", "--generate"}, home.path());
  CHECK(a.exit_code == 0);
  CHECK(a.out.size() == 52);  // "wm_" + 48 hex + newline
  CHECK(a.out != b.out);
}

} // TEST_SUITE
