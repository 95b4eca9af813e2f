// Agent files (`<configDir>/agents/<id>/agent.md|json`) and `wingman init`
// against the real binary.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/gateway_process.hpp"

using namespace wingman;
using test::client;
using test::gateway_process;
using test::temp_dir;
using test::has;
using test::read_file;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path{path}.parent_path());
  std::ofstream{path} << text;
}

/// `wingman gateway run` expected to fail at startup; returns its stderr.
std::string startup_error(const temp_dir& home, const std::string& config) {
  auto r = test::run_wingman({"gateway", "run", "--config", config, "--port",
                              "0", "--state-dir", home.path() + "/state"},
                             home.path());
  CHECK(r.exit_code == 1);
  CHECK_FALSE(has(r.out, "listening"));
  return r.err;
}

} // namespace

TEST_SUITE("integration/agent_files") {

TEST_CASE("wingman init writes a config and agent main that the gateway "
          "serves") {
  temp_dir home;
  auto dir = home.path() + "/cfg";
  auto init = test::run_wingman({"init", "--dir", dir}, home.path());
  REQUIRE(init.exit_code == 0);
  auto config = dir + "/wingman.config.json";
  auto agent_md = dir + "/agents/main/agent.md";
  CHECK(has(init.out, "wrote " + config));
  CHECK(has(init.out, "wrote " + agent_md));
  CHECK(has(init.out, "wingman gateway run --config " + config));
  CHECK(has(read_file(agent_md), "model: echo"));
  CHECK(has(read_file(agent_md), "lmstudio:"));

  {
    gateway_process gw{home.path(), {"--config", config}};
    auto agents = test::http(gw.port(), "GET", "/api/agents");
    REQUIRE(agents.status == 200);
    CHECK(has(agents.body, R"("id":"main")"));
    CHECK(has(agents.body, R"("file":")" + agent_md + "\""));
    CHECK(has(agents.body, R"("description":"The starter agent.)"));
    CHECK(has(agents.body, R"("prompt":"You are Wingman)"));
    CHECK(has(agents.body, R"("tools":["ls","read_file","glob","grep"])"));
    client c{gw.port()};
    c.connect();
    c.request("r1", "hello from agent.md", R"("agentId":"main")");
    auto done = c.terminal("r1");
    CHECK(done.event == "agent-complete");
    CHECK(done.response == "hello from agent.md");
    // The config has no agents.list: adding one must not write the
    // implicit main, which agent.md defines.
    CHECK(test::http(gw.port(), "POST", "/api/agents", {}, R"({"id":"more"})")
            .status == 201);
  }
  CHECK_FALSE(has(read_file(config), "\"main\""));
  gateway_process again{home.path(), {"--config", config}};
  auto agents = test::http(again.port(), "GET", "/api/agents");
  CHECK(has(agents.body, R"("id":"more")"));
  CHECK(has(agents.body, R"("file":")" + agent_md + "\""));
}

TEST_CASE("wingman init refuses to overwrite without --force") {
  temp_dir home;
  auto dir = home.path() + "/cfg";
  REQUIRE(test::run_wingman({"init", "--dir", dir}, home.path()).exit_code
          == 0);
  auto agent_md = dir + "/agents/main/agent.md";
  write_file(agent_md, "---\nmodel: echo\n---\nmine\n");
  auto again = test::run_wingman({"init", "--dir", dir}, home.path());
  CHECK(again.exit_code == 1);
  CHECK(has(again.err, dir + "/wingman.config.json already exists (use "
                             "--force to overwrite it)"));
  CHECK(has(again.err, agent_md + " already exists"));
  CHECK(read_file(agent_md) == "---\nmodel: echo\n---\nmine\n");
  auto forced = test::run_wingman({"init", "--dir", dir, "--force"},
                                  home.path());
  CHECK(forced.exit_code == 0);
  CHECK(has(read_file(agent_md), "You are Wingman"));
}

TEST_CASE("wingman init defaults to ~/.wingman and checks its options") {
  temp_dir home;
  auto r = test::run_wingman({"init", "--agent", "helper", "--model",
                              "lmstudio:qwen2.5-7b-instruct"},
                             home.path());
  REQUIRE(r.exit_code == 0);
  auto md = read_file(home.path() + "/.wingman/agents/helper/agent.md");
  CHECK(has(md, "model: lmstudio:qwen2.5-7b-instruct\n"));
  CHECK(has(r.out, "  wingman gateway run\n"));
  CHECK(fs::exists(home.path() + "/.wingman/wingman.config.json"));
  auto bad_model = test::run_wingman({"init", "--dir", home.path() + "/x",
                                      "--model", "qwen"},
                                     home.path());
  CHECK(bad_model.exit_code == 1);
  CHECK(has(bad_model.err, "--model: expected provider:model"));
  auto bad_id = test::run_wingman({"init", "--dir", home.path() + "/x",
                                   "--agent", "a b"},
                                  home.path());
  CHECK(bad_id.exit_code == 1);
  CHECK(has(bad_id.err, "--agent: agent id may only contain"));
  CHECK_FALSE(fs::exists(home.path() + "/x"));
}

TEST_CASE("a broken agent file stops the gateway with a message naming it") {
  temp_dir home;
  auto dir = home.path() + "/cfg";
  REQUIRE(test::run_wingman({"init", "--dir", dir}, home.path()).exit_code
          == 0);
  auto config = dir + "/wingman.config.json";
  SUBCASE("bad front matter in agent.md") {
    write_file(dir + "/agents/main/agent.md",
               "---\nmodel: echo\ntools: shell\n---\nP\n");
    CHECK(has(startup_error(home, config),
              "config error: " + dir + "/agents/main/agent.md:3: tools: "
              "expected a list"));
  }
  SUBCASE("bad agent.json") {
    write_file(dir + "/agents/ops/agent.json", R"({"model":"gpt-4o"})");
    CHECK(has(startup_error(home, config),
              dir + "/agents/ops/agent.json: model: expected provider:model"));
  }
  SUBCASE("both files for one agent") {
    write_file(dir + "/agents/main/agent.json", "{}");
    CHECK(has(startup_error(home, config),
              "both define agent \"main\"; keep one of them"));
  }
  SUBCASE("an id in agents.list and in an agent file") {
    write_file(config, R"({"agents":{"list":[{"id":"main"}]}})");
    CHECK(has(startup_error(home, config),
              config + ": agents.list[0].id: agent \"main\" is also defined "
                       "in " + dir + "/agents/main/agent.md"));
  }
}

TEST_CASE("list and file agents run side by side and the API leaves file "
          "agents alone") {
  temp_dir home;
  auto dir = home.path() + "/cfg";
  auto config = dir + "/wingman.config.json";
  write_file(config, R"({"agents":{"list":[{"id":"listed"}],
    "bindings":[{"agentId":"ops","match":{"channel":"ops"}}]}})");
  write_file(dir + "/agents/ops/agent.json",
             R"({"name":"Ops","model":"echo","default":true})");
  fs::create_directories(dir + "/agents/state-only");  // no agent file
  {
    gateway_process gw{home.path(), {"--config", config}};
    auto agents = test::http(gw.port(), "GET", "/api/agents");
    CHECK(has(agents.body, R"("id":"listed")"));
    CHECK(has(agents.body, R"("id":"ops","name":"Ops")"));
    CHECK_FALSE(has(agents.body, "state-only"));
    auto put = test::http(gw.port(), "PUT", "/api/agents/ops", {},
                          R"({"prompt":"x"})");
    CHECK(put.status == 409);
    CHECK(has(put.body, "agents/ops/agent.json; edit that file"));
    CHECK(test::http(gw.port(), "DELETE", "/api/agents/ops").status == 409);
    auto post = test::http(gw.port(), "POST", "/api/agents", {},
                           R"({"id":"added","description":"via API"})");
    CHECK(post.status == 201);
    client c{gw.port()};
    c.connect();
    c.request("r1", "to ops", R"("routing":{"channel":"ops"})");
    CHECK(c.terminal("r1").event == "agent-complete");
  }
  auto text = read_file(config);
  CHECK_FALSE(has(text, R"("id": "ops")"));
  CHECK_FALSE(has(text, R"("id":"ops")"));
  // The edited config still loads next to the agent file.
  gateway_process again{home.path(), {"--config", config}};
  auto agents = test::http(again.port(), "GET", "/api/agents");
  CHECK(has(agents.body, R"("id":"added")"));
  CHECK(has(agents.body, R"("description":"via API")"));
  CHECK(has(agents.body, R"("id":"ops")"));
}

} // TEST_SUITE
