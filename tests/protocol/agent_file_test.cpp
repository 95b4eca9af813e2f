#include "protocol/agent_file.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace wingman::protocol;

namespace {

constexpr std::string_view md_file = "/c/agents/helper/agent.md";
constexpr std::string_view json_file = "/c/agents/helper/agent.json";

agent_file md_ok(const std::string& text, std::string_view id = "helper") {
  auto res = parse_agent_file(text, agent_file_format::md, id, md_file);
  INFO("text: " << text);
  if (!res)
    INFO("error: " << res.error().message);
  REQUIRE(res.has_value());
  return std::move(res).value();
}

std::string md_err(const std::string& text, std::string_view id = "helper") {
  auto res = parse_agent_file(text, agent_file_format::md, id, md_file);
  INFO("text: " << text);
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().code == error_code::config_invalid);
  return res.error().message;
}

agent_file json_ok(const std::string& text) {
  auto res = parse_agent_file(text, agent_file_format::json, "helper",
                              json_file);
  INFO("text: " << text);
  if (!res)
    INFO("error: " << res.error().message);
  REQUIRE(res.has_value());
  return std::move(res).value();
}

std::string json_err(const std::string& text) {
  auto res = parse_agent_file(text, agent_file_format::json, "helper",
                              json_file);
  INFO("text: " << text);
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().code == error_code::config_invalid);
  return res.error().message;
}

using strings = std::vector<std::string>;

} // namespace

TEST_SUITE("protocol/agent_file") {

// -- agent.md -----------------------------------------------------------------

TEST_CASE("agent.md: front matter sets the fields and the body is the "
          "trimmed prompt") {
  auto f = md_ok("---\n"
                 "name: Helper Bot\n"
                 "description: Answers questions about the docs\n"
                 "model: lmstudio:qwen2.5-7b-instruct\n"
                 "tools: [read_file, \"grep\", 'ls']\n"
                 "default: true\n"
                 "---\n"
                 "\n"
                 "You are helpful.\n"
                 "\n"
                 "Be brief.\n\n");
  const auto& a = f.agent;
  CHECK(a.id == "helper");
  CHECK(a.name == "Helper Bot");
  CHECK(a.description == "Answers questions about the docs");
  CHECK(a.model == "lmstudio:qwen2.5-7b-instruct");
  CHECK(a.tools == strings{"read_file", "grep", "ls"});
  CHECK(a.is_default);
  CHECK(a.prompt == "You are helpful.\n\nBe brief.");
  CHECK(a.source_file == md_file);
  CHECK(a.workspace.empty());
  CHECK(a.agent_dir.empty());
  CHECK(f.warnings.empty());
}

TEST_CASE("agent.md: absent keys keep the defaults") {
  auto f = md_ok("---\n---\n");
  CHECK(f.agent.id == "helper");
  CHECK(f.agent.name.empty());  // parse_config makes it the id
  CHECK(f.agent.model == "echo");
  CHECK(f.agent.tools.empty());
  CHECK_FALSE(f.agent.is_default);
  CHECK(f.agent.prompt.empty());
}

TEST_CASE("agent.md: tools as a block list, indented or not, with comments") {
  SUBCASE("indented") {
    auto f = md_ok("---\ntools:\n  - read_file\n  - \"grep\"  # search\n"
                   "\n  # more later\n  - ls\nmodel: echo\n---\nP");
    CHECK(f.agent.tools == strings{"read_file", "grep", "ls"});
    CHECK(f.agent.model == "echo");
  }
  SUBCASE("at the start of the line") {
    auto f = md_ok("---\ntools:\n- a\n- b\nname: x\n---\n");
    CHECK(f.agent.tools == strings{"a", "b"});
    CHECK(f.agent.name == "x");
  }
  SUBCASE("empty") {
    CHECK(md_ok("---\ntools:\nname: x\n---\n").agent.tools.empty());
    CHECK(md_ok("---\ntools: []\n---\n").agent.tools.empty());
  }
}

TEST_CASE("agent.md: a flow list may span lines and end with a comma") {
  auto f = md_ok("---\ntools: [a,\n  b, c,\n]  # done\n---\n");
  CHECK(f.agent.tools == strings{"a", "b", "c"});
}

TEST_CASE("agent.md: quoting, comments, CRLF, a BOM and block scalars") {
  SUBCASE("quotes and comments") {
    auto f = md_ok("---\n"
                   "# a comment line\n"
                   "name: \"Say \\\"hi\\\" # not a comment\"\n"
                   "description: it's plain # but this is a comment\n"
                   "model: 'echo'\n"
                   "---\nbody");
    CHECK(f.agent.name == "Say \"hi\" # not a comment");
    CHECK(f.agent.description == "it's plain");
    CHECK(f.agent.model == "echo");
  }
  SUBCASE("single quotes double to escape") {
    CHECK(md_ok("---\nname: 'it''s'\n---\n").agent.name == "it's");
  }
  SUBCASE("CRLF and BOM") {
    auto f = md_ok("\xEF\xBB\xBF---\r\nname: x\r\ntools: [a]\r\n---\r\n"
                   "Hello\r\n");
    CHECK(f.agent.name == "x");
    CHECK(f.agent.tools == strings{"a"});
    CHECK(f.agent.prompt == "Hello");
  }
  SUBCASE("folded and literal blocks") {
    auto f = md_ok("---\n"
                   "description: >\n"
                   "  Helps with\n"
                   "  the docs.\n"
                   "\n"
                   "  Second paragraph.\n"
                   "name: |\n"
                   "  line one\n"
                   "    line two\n"
                   "model: echo\n"
                   "---\n");
    CHECK(f.agent.description == "Helps with the docs.\nSecond paragraph.");
    CHECK(f.agent.name == "line one\n  line two");
    CHECK(f.agent.model == "echo");
  }
  SUBCASE("null means the default") {
    auto f = md_ok("---\nmodel: ~\nname: null\ndefault:\n---\n");
    CHECK(f.agent.model == "echo");
    CHECK(f.agent.name.empty());
    CHECK_FALSE(f.agent.is_default);
  }
}

TEST_CASE("agent.md: unknown keys are warnings naming the file and line") {
  auto f = md_ok("---\nname: x\ncolor: blue\nprompt: hi\n---\nP");
  REQUIRE(f.warnings.size() == 2);
  CHECK(f.warnings[0] == "/c/agents/helper/agent.md:3: unknown key \"color\" "
                         "(ignored)");
  CHECK(f.warnings[1].find(":4: unknown key \"prompt\" (ignored; the prompt "
                           "is the text after the front matter)")
        != std::string::npos);
  CHECK(f.agent.prompt == "P");
}

TEST_CASE("agent.md: id may repeat the folder name, nothing else") {
  CHECK(md_ok("---\nid: helper\n---\n").agent.id == "helper");
  CHECK(md_err("---\nid: other\n---\n")
        == "/c/agents/helper/agent.md:2: id: \"other\" differs from the "
           "folder name \"helper\" (the folder name is the agent id; rename "
           "the folder or remove id)");
}

TEST_CASE("agent.md: errors name the file, the line and the field") {
  SUBCASE("no front matter") {
    CHECK(md_err("You are helpful.\n").rfind(
            "/c/agents/helper/agent.md:1: expected front matter", 0)
          == 0);
    CHECK(md_err("").rfind("/c/agents/helper/agent.md:1: expected front "
                           "matter", 0)
          == 0);
  }
  SUBCASE("front matter not closed") {
    CHECK(md_err("---\nname: x\n")
          == "/c/agents/helper/agent.md:1: the front matter is not closed "
             "(expected a \"---\" line after it)");
  }
  SUBCASE("tools not a list") {
    CHECK(md_err("---\nname: x\ntools: shell\n---\n")
          == "/c/agents/helper/agent.md:3: tools: expected a list ([a, b] or "
             "\"- a\" lines), got \"shell\"");
  }
  SUBCASE("unknown model form") {
    for (auto bad : {"lmstudio", "lmstudio:", ":qwen", "open ai:gpt"})
      CHECK(md_err(std::string{"---\nmodel: "} + bad + "\n---\n")
            == std::string{"/c/agents/helper/agent.md:2: model: expected "
                           "provider:model (e.g. lmstudio:qwen2.5-7b-instruct)"
                           " or echo, got \""} + bad + "\"");
    CHECK(md_err("---\nmodel: [a]\n---\n").find("model: expected provider")
          != std::string::npos);
  }
  SUBCASE("default not a bool") {
    CHECK(md_err("---\ndefault: yes\n---\n")
          == "/c/agents/helper/agent.md:2: default: expected true or false, "
             "got \"yes\"");
    CHECK(md_err("---\ndefault: \"true\"\n---\n").find("default: expected")
          != std::string::npos);
  }
  SUBCASE("a string field given a list") {
    CHECK(md_err("---\nname: [a]\n---\n")
          == "/c/agents/helper/agent.md:2: name: expected a string, got a "
             "list");
  }
  SUBCASE("bad lines") {
    CHECK(md_err("---\nname x\n---\n")
          == "/c/agents/helper/agent.md:2: expected \"key: value\", got "
             "\"name x\"");
    CHECK(md_err("---\n  name: x\n---\n").find(":2: unexpected indented line")
          != std::string::npos);
    CHECK(md_err("---\n- a\n---\n").find(":2: unexpected list item")
          != std::string::npos);
    CHECK(md_err("---\nname: a\nname: b\n---\n")
          == "/c/agents/helper/agent.md:3: name: duplicate key");
    CHECK(md_err("---\ntools:\n  read_file\n---\n").find(
            ":3: tools: expected \"- item\" lines")
          != std::string::npos);
    CHECK(md_err("---\nname: {a: b}\n---\n").find(
            ":2: name: nested mappings are not supported")
          != std::string::npos);
  }
  SUBCASE("bad lists") {
    CHECK(md_err("---\ntools: [a, b\n---\n").find(":2: tools: unclosed list")
          != std::string::npos);
    CHECK(md_err("---\ntools: [a,, b]\n---\n")
          == "/c/agents/helper/agent.md:2: tools[1]: expected a non-empty "
             "string");
    CHECK(md_err("---\ntools: [a b c] x\n---\n").find(
            ":2: tools: unexpected text after ]")
          != std::string::npos);
    CHECK(md_err("---\ntools: [\"a\" b]\n---\n").find(
            ":2: tools: expected , or ] after item 0")
          != std::string::npos);
    CHECK(md_err("---\ntools:\n  - a\n  -\n---\n")
          == "/c/agents/helper/agent.md:4: tools[1]: expected a non-empty "
             "string");
  }
  SUBCASE("bad quotes") {
    CHECK(md_err("---\nname: \"abc\n---\n").find(
            ":2: name: unclosed double quote")
          != std::string::npos);
    CHECK(md_err("---\nname: \"a\\qb\"\n---\n").find(
            ":2: name: unknown escape \\q")
          != std::string::npos);
    CHECK(md_err("---\nname: 'a' b\n---\n").find(
            ":2: name: unexpected text after the closing quote")
          != std::string::npos);
  }
}

TEST_CASE("agent files: the folder name must be a valid agent id") {
  CHECK(md_err("---\n---\n", "")
        == "/c/agents/helper/agent.md: agent id \"\" (the folder name): "
           "agent id is empty");
  CHECK(md_err("---\n---\n", "my agent").find(
          "agent id \"my agent\" (the folder name): agent id may only contain")
        != std::string::npos);
}

TEST_CASE("agent files: a file over max_agent_file_bytes is refused") {
  std::string big = "---\n---\n" + std::string(max_agent_file_bytes, 'x');
  CHECK(md_err(big).find("larger than 1048576 bytes") != std::string::npos);
}

// -- agent.json ---------------------------------------------------------------

TEST_CASE("agent.json: the same fields plus prompt") {
  auto f = json_ok(R"({"name":"Helper","description":"d","model":"openai:gpt-4o-mini",
    "tools":["read_file","grep"],"default":true,"prompt":"Be brief.",
    "id":"helper","workspace":"/w"})");
  const auto& a = f.agent;
  CHECK(a.id == "helper");
  CHECK(a.name == "Helper");
  CHECK(a.description == "d");
  CHECK(a.model == "openai:gpt-4o-mini");
  CHECK(a.tools == strings{"read_file", "grep"});
  CHECK(a.is_default);
  CHECK(a.prompt == "Be brief.");
  CHECK(a.source_file == json_file);
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0] == "/c/agents/helper/agent.json: unknown key "
                         "\"workspace\" (ignored)");
  auto empty = json_ok(R"({"model":null})");
  CHECK(empty.agent.model == "echo");
}

TEST_CASE("agent.json: errors name the file and the field") {
  CHECK(json_err("{\"name\":}").rfind(
          "/c/agents/helper/agent.json: invalid JSON at offset 8", 0)
        == 0);
  CHECK(json_err("[]")
        == "/c/agents/helper/agent.json: top level: expected an object, got "
           "an array");
  CHECK(json_err(R"({"tools":"shell"})")
        == "/c/agents/helper/agent.json: tools: expected an array of "
           "strings, got \"shell\"");
  CHECK(json_err(R"({"tools":["a",""]})")
        == "/c/agents/helper/agent.json: tools[1]: expected a non-empty "
           "string, got \"\"");
  CHECK(json_err(R"({"model":"gpt"})")
        == "/c/agents/helper/agent.json: model: expected provider:model "
           "(e.g. lmstudio:qwen2.5-7b-instruct) or echo, got \"gpt\"");
  CHECK(json_err(R"({"name":3})")
        == "/c/agents/helper/agent.json: name: expected a string, got 3");
  CHECK(json_err(R"({"default":"yes"})")
        == "/c/agents/helper/agent.json: default: expected true or false, "
           "got \"yes\"");
  CHECK(json_err(R"({"id":"other"})").find(
          "id: \"other\" differs from the folder name \"helper\"")
        != std::string::npos);
}

TEST_CASE("is_model_string accepts echo and provider:model only") {
  CHECK(is_model_string("echo"));
  CHECK(is_model_string("lmstudio:qwen2.5-7b-instruct"));
  CHECK(is_model_string("openrouter:meta/llama:free"));
  CHECK_FALSE(is_model_string(""));
  CHECK_FALSE(is_model_string("gpt-4o"));
  CHECK_FALSE(is_model_string("openai:"));
  CHECK_FALSE(is_model_string(":x"));
  CHECK_FALSE(is_model_string("openai: gpt"));
}

// -- with parse_config -------------------------------------------------------

namespace {

const path_context ctx{"/home/u", "/c"};

agent_config file_agent(const std::string& id, bool is_default = false) {
  agent_config a;
  a.id = id;
  a.source_file = "/c/agents/" + id + "/agent.md";
  a.is_default = is_default;
  return a;
}

const agent_config* find_agent(const gateway_config& cfg,
                               const std::string& id) {
  for (const auto& a : cfg.agents)
    if (a.id == id)
      return &a;
  return nullptr;
}

} // namespace

TEST_CASE("parse_config adds file agents after agents.list with the list's "
          "path defaults") {
  auto cfg = parse_config(
    R"({"gateway":{"stateDir":"/s"},"agents":{"list":[{"id":"a"}]}})",
    "cfg.json", ctx, {}, {file_agent("helper")});
  REQUIRE(cfg.has_value());
  REQUIRE(cfg->agents.size() == 2);
  CHECK(cfg->agents[0].id == "a");
  const auto& h = cfg->agents[1];
  CHECK(h.id == "helper");
  CHECK(h.name == "helper");
  CHECK(h.workspace == "/s/outputs/helper");
  CHECK(h.agent_dir == "/s/agents/helper");
  CHECK(h.source_file == "/c/agents/helper/agent.md");
  CHECK(cfg->default_agent == "a");
}

TEST_CASE("file agents replace the implicit main and may be the default and "
          "bound") {
  auto cfg = parse_config(
    R"({"agents":{"bindings":[{"agentId":"helper","match":{"channel":"x"}}]}})",
    "cfg.json", ctx, {}, {file_agent("bot"), file_agent("helper", true)});
  REQUIRE(cfg.has_value());
  CHECK(find_agent(*cfg, "main") == nullptr);
  CHECK(cfg->agents.size() == 2);
  CHECK(cfg->default_agent == "helper");
  REQUIRE(cfg->bindings.size() == 1);
  CHECK(cfg->bindings[0].agent_id == "helper");
  auto named = parse_config(R"({"defaultAgent":"bot"})", "cfg.json", ctx, {},
                            {file_agent("bot"), file_agent("helper", true)});
  REQUIRE(named.has_value());
  CHECK(named->default_agent == "bot");
}

TEST_CASE("a second default among file agents is a warning naming the file") {
  auto cfg = parse_config("{}", "cfg.json", ctx, {},
                          {file_agent("a", true), file_agent("b", true)});
  REQUIRE(cfg.has_value());
  CHECK(cfg->default_agent == "a");
  REQUIRE(cfg->warnings.size() == 1);
  CHECK(cfg->warnings[0] == "/c/agents/b/agent.md: default: another agent is "
                            "already the default (using \"a\")");
}

TEST_CASE("an id in agents.list and in an agent file is an error naming both") {
  auto cfg = parse_config(R"({"agents":{"list":[{"id":"x"},{"id":"main"}]}})",
                          "cfg.json", ctx, {}, {file_agent("main")});
  REQUIRE_FALSE(cfg.has_value());
  CHECK(cfg.error().code == error_code::config_invalid);
  CHECK(cfg.error().message
        == "cfg.json: agents.list[1].id: agent \"main\" is also defined in "
           "/c/agents/main/agent.md (define each agent in one place)");
}

TEST_CASE("agents.list entries may have a description") {
  auto cfg = parse_config(
    R"({"agents":{"list":[{"id":"a","description":"Does things"}]}})",
    "cfg.json", ctx);
  REQUIRE(cfg.has_value());
  CHECK(cfg->agents[0].description == "Does things");
  CHECK(cfg->warnings.empty());
  auto bad = parse_config(R"({"agents":{"list":[{"id":"a","description":1}]}})",
                          "cfg.json", ctx);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "cfg.json: agents.list[0].description: "
                               "expected a string, got 1");
}

} // TEST_SUITE
