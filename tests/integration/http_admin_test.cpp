// HTTP administration routes (actors/http_admin.cpp) against the real
// binary: agents, providers, voice and the confined file browser.
#include <doctest/doctest.h>

#include <sys/stat.h>

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

using headers = std::vector<std::pair<std::string, std::string>>;

std::string header_value(const transport::http_result& r,
                         const std::string& name) {
  for (auto& [k, v] : r.headers)
    if (k == name)
      return v;
  return {};
}

/// A gateway with a config file holding keys it ignores, a token, and one
/// file root `<home>/root` (plus `<home>/rootX` and `<home>/outside` next
/// to it, which must stay unreachable).
struct admin_fixture {
  temp_dir home;
  std::string root;
  std::string cfg_path;
  std::optional<gateway_process> gw;
  headers auth{{"Authorization", "Bearer tk"}};

  explicit admin_fixture(std::vector<std::string> env = {}) {
    root = fs::canonical(home.path()).string() + "/root";
    fs::create_directories(root + "/docs");
    fs::create_directories(fs::path{root}.parent_path() / "rootX");
    fs::create_directories(fs::path{root}.parent_path() / "outside");
    std::ofstream{root + "/docs/readme.txt"} << "hello files";
    std::ofstream{root + "/a.txt"} << "a";
    std::ofstream{fs::path{root}.parent_path() / "outside" / "secret.txt"}
      << "secret";
    fs::create_directory_symlink(fs::path{root}.parent_path() / "outside",
                                 root + "/escape");
    cfg_path = home.write(
      "wingman.config.json",
      R"({"summarization":{"enabled":true,"ratio":0.5},)"
      R"("gateway":{"host":"127.0.0.1","controlUi":{"enabled":false},)"
      R"("auth":{"mode":"token","token":"tk"},"fsRoots":[")"
        + root + R"("]},)"
      R"("agents":{"list":[{"id":"main","default":true}]},)"
      R"("hooks":[{"on":"start"}]})");
    gw.emplace(home.path(), std::vector<std::string>{"--config", cfg_path},
               std::move(env));
  }

  uint16_t port() const { return gw->port(); }

  transport::http_result call(const std::string& method,
                              const std::string& target,
                              const std::string& body = {}) {
    return body.empty() ? test::http(port(), method, target, auth)
                        : test::http(port(), method, target, auth, body);
  }
};

} // namespace

TEST_SUITE("integration/http_admin") {

TEST_CASE("agents are listed, created, updated and removed with the "
          "documented shapes and errors") {
  admin_fixture f;
  auto list = f.call("GET", "/api/agents");
  CHECK(list.status == 200);
  for (auto key : {R"("id":"main")", R"("name":"main")", R"("default":true)",
                   R"("model":"echo")", R"("prompt":"")", R"("tools":[])",
                   R"("workspace":)", R"("agentDir":)",
                   R"("echo":{"delayMs":0,"chunks":4})"})
    CHECK_MESSAGE(has(list.body, key), key);
  CHECK(list.body.front() == '[');
  CHECK(test::http(f.port(), "GET", "/api/agents").status == 401);

  auto made = f.call("POST", "/api/agents",
                     R"({"id":"coder","name":"Coder","prompt":"be brief",)"
                     R"("tools":["shell"],"echo":{"chunks":2}})");
  CHECK(made.status == 201);
  CHECK(has(made.body, R"("id":"coder")"));
  CHECK(has(made.body, R"("default":false)"));
  CHECK(has(made.body, R"("model":"echo")"));
  CHECK(has(made.body, "/outputs/coder\""));
  CHECK(has(made.body, "/agents/coder\""));
  CHECK(f.call("POST", "/api/agents", R"({"id":"coder"})").status == 409);
  auto bad_id = f.call("POST", "/api/agents", R"({"id":"no spaces"})");
  CHECK(bad_id.status == 400);
  CHECK(has(bad_id.body, R"("error":"id: )"));
  CHECK(f.call("POST", "/api/agents", R"({"name":"x"})").status == 400);
  auto bad_model = f.call("POST", "/api/agents", R"({"id":"m","model":"gpt"})");
  CHECK(bad_model.status == 400);
  CHECK(has(bad_model.body, "model: expected provider:model"));
  auto bad_type = f.call("POST", "/api/agents", R"({"id":"t","tools":"x"})");
  CHECK(bad_type.status == 400);
  CHECK(has(bad_type.body, "tools: expected an array of strings"));
  CHECK(f.call("POST", "/api/agents", "{nope").status == 400);

  auto one = f.call("GET", "/api/agents/coder");
  CHECK(one.status == 200);
  CHECK(has(one.body, R"("prompt":"be brief")"));
  CHECK(f.call("GET", "/api/agents/ghost").status == 404);
  auto put = f.call("PUT", "/api/agents/coder",
                    R"({"model":"openai:gpt-4o-mini","name":"C2"})");
  CHECK(put.status == 200);
  CHECK(has(put.body, R"("model":"openai:gpt-4o-mini")"));
  CHECK(has(put.body, R"("prompt":"be brief")"));
  CHECK(f.call("PUT", "/api/agents/ghost", R"({"name":"x"})").status == 404);
  CHECK(f.call("PUT", "/api/agents/coder", R"({"id":"other"})").status == 400);
  CHECK(f.call("PUT", "/api/agents/main", R"({"default":false})").status
        == 409);

  auto wrong = f.call("PATCH", "/api/agents");
  CHECK(wrong.status == 405);
  CHECK(header_value(wrong, "allow") == "GET, POST");
  CHECK(f.call("POST", "/api/agents/coder", "{}").status == 405);

  auto file = read_file(f.cfg_path);
  CHECK(has(file, "\"summarization\""));
  CHECK(has(file, "\"ratio\": 0.5"));
  CHECK(has(file, "\"hooks\""));
  CHECK(has(file, "\"coder\""));
  CHECK(has(file, "openai:gpt-4o-mini"));

  CHECK(f.call("DELETE", "/api/agents/main").status == 409);
  auto del = f.call("DELETE", "/api/agents/coder");
  CHECK(del.status == 200);
  CHECK(del.body == R"({"ok":true})");
  CHECK(f.call("GET", "/api/agents/coder").status == 404);
  CHECK(f.call("DELETE", "/api/agents/coder").status == 404);
  file = read_file(f.cfg_path);
  CHECK_FALSE(has(file, "\"coder\""));
  CHECK(has(file, "\"summarization\""));
}

TEST_CASE("a created agent answers over WebSocket at once and a removed one "
          "is not found") {
  admin_fixture f;
  CHECK(f.call("POST", "/api/agents", R"({"id":"helper"})").status == 201);
  client c{f.port()};
  c.connect("test-cli", "cli", R"({"token":"tk"})");
  c.request("r1", "hello helper", R"("agentId":"helper")");
  auto done = c.terminal("r1");
  CHECK(done.event == "agent-complete");
  CHECK(done.response == "hello helper");
  CHECK(f.call("DELETE", "/api/agents/helper").status == 200);
  c.request("r2", "still there?", R"("agentId":"helper")");
  auto gone = c.until([](const auto& v) {
    return v.id == "r2" && (v.type == "error" || v.event == "agent-error");
  });
  CHECK(gone.code == "AGENT_NOT_FOUND");
}

TEST_CASE("a new default agent takes over and the old one can be removed") {
  admin_fixture f;
  CHECK(f.call("POST", "/api/agents", R"({"id":"next","default":true})")
          .status == 201);
  CHECK(has(f.call("GET", "/api/agents/next").body, R"("default":true)"));
  CHECK(has(f.call("GET", "/api/agents/main").body, R"("default":false)"));
  CHECK(f.call("DELETE", "/api/agents/next").status == 409);
  CHECK(f.call("DELETE", "/api/agents/main").status == 200);
  auto file = read_file(f.cfg_path);
  CHECK_FALSE(has(file, "\"main\""));
  CHECK(has(file, "\"default\": true"));
}

TEST_CASE("providers report configuration without ever showing a secret") {
  admin_fixture f{{"ANTHROPIC_API_KEY=from-env"}};
  auto list = f.call("GET", "/api/providers");
  CHECK(list.status == 200);
  for (auto name : {"openai", "anthropic", "lmstudio", "ollama", "openrouter",
                    "xai"})
    CHECK_MESSAGE(has(list.body, std::string{"\"name\":\""} + name + "\""),
                  name);
  CHECK(has(list.body, R"("name":"anthropic","type":"anthropic",)"));
  CHECK(has(list.body, R"("configured":true,"source":"env")"));
  CHECK(has(list.body, R"("name":"lmstudio")"));
  CHECK_FALSE(has(list.body, "from-env"));

  auto saved = f.call("POST", "/api/providers/xai",
                      R"({"apiKey":"sk-very-secret","baseUrl":"https://x.test/v1"})");
  CHECK(saved.status == 200);
  CHECK(has(saved.body, R"("name":"xai")"));
  CHECK(has(saved.body, R"("configured":true)"));
  CHECK(has(saved.body, R"("baseUrl":"https://x.test/v1")"));
  CHECK_FALSE(has(saved.body, "sk-very-secret"));
  CHECK_FALSE(has(f.call("GET", "/api/providers").body, "sk-very-secret"));
  CHECK(f.call("POST", "/api/providers/openai", R"({"apiKey":"sk-2"})").status
        == 200);

  auto creds = f.home.path() + "/credentials.json";
  struct stat st {};
  REQUIRE(::stat(creds.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto text = read_file(creds);
  CHECK(has(text, "sk-very-secret"));
  CHECK(has(text, "sk-2"));

  CHECK(f.call("DELETE", "/api/providers/xai").status == 200);
  text = read_file(creds);
  CHECK_FALSE(has(text, "sk-very-secret"));
  CHECK(has(text, "sk-2"));

  CHECK(f.call("POST", "/api/providers/nope", R"({"apiKey":"k"})").status
        == 404);
  CHECK(f.call("POST", "/api/providers/xai", R"({"apiKey":5})").status == 400);
  CHECK(f.call("POST", "/api/providers/xai", "[]").status == 400);
  auto wrong = f.call("PUT", "/api/providers/xai", R"({"apiKey":"k"})");
  CHECK(wrong.status == 405);
  CHECK(header_value(wrong, "allow") == "POST, DELETE");
  CHECK(f.call("POST", "/api/providers").status == 405);
}

TEST_CASE("voice settings default, validate and persist") {
  admin_fixture f;
  auto v = f.call("GET", "/api/voice");
  CHECK(v.status == 200);
  CHECK(v.body == R"({"provider":"web_speech","defaultPolicy":"off"})");
  auto put = f.call("PUT", "/api/voice",
                    R"({"provider":"elevenlabs","defaultPolicy":"auto",)"
                    R"("elevenlabs":{"voiceId":"v1","apiKey":"xi-secret"}})");
  CHECK(put.status == 200);
  CHECK(has(put.body, R"("provider":"elevenlabs")"));
  CHECK(has(put.body, R"("apiKeyConfigured":true)"));
  CHECK_FALSE(has(put.body, "xi-secret"));
  auto again = f.call("GET", "/api/voice");
  CHECK(again.body == put.body);
  auto file = read_file(f.cfg_path);
  CHECK(has(file, "\"voice\""));
  CHECK(has(file, "\"voiceId\": \"v1\""));
  CHECK(has(file, "\"summarization\""));
  auto bad = f.call("PUT", "/api/voice", R"({"provider":"robot"})");
  CHECK(bad.status == 400);
  CHECK(has(bad.body, "provider"));
  CHECK(f.call("PUT", "/api/voice", R"({"provider":"web_speech",)"
                                    R"("defaultPolicy":"sometimes"})")
          .status == 400);
  auto speak = f.call("POST", "/api/voice/speak", R"({"text":"hi"})");
  CHECK(speak.status == 501);
  CHECK(has(speak.body, "not available in this build"));
  CHECK(f.call("DELETE", "/api/voice").status == 405);
}

TEST_CASE("the file browser lists, reads and creates inside the roots") {
  admin_fixture f;
  auto roots = f.call("GET", "/api/fs/roots");
  CHECK(roots.status == 200);
  CHECK(roots.body == "{\"roots\":[\"" + f.root + "\"]}");

  auto list = f.call("GET", "/api/fs/list?path=" + f.root);
  CHECK(list.status == 200);
  CHECK(has(list.body, "\"path\":\"" + f.root + "\""));
  auto docs = list.body.find(R"("name":"docs")");
  auto a = list.body.find(R"("name":"a.txt")");
  REQUIRE(docs != std::string::npos);
  REQUIRE(a != std::string::npos);
  CHECK(docs < a);  // folders first
  CHECK(has(list.body, R"("type":"dir")"));
  CHECK(has(list.body, R"("name":"a.txt","path":")" + f.root
                         + R"(/a.txt","type":"file","size":1,"modifiedAt":)"));

  auto file = f.call("GET", "/api/fs/file?path=" + f.root + "/docs/readme.txt");
  CHECK(file.status == 200);
  CHECK(has(file.body, R"("content":"hello files","size":11)"));

  auto made = f.call("POST", "/api/fs/mkdir",
                     "{\"path\":\"" + f.root + "/docs/new\"}");
  CHECK(made.status == 201);
  CHECK(fs::is_directory(f.root + "/docs/new"));
  CHECK(f.call("POST", "/api/fs/mkdir", "{\"path\":\"" + f.root + "/docs/new\"}")
          .status == 409);
  CHECK(f.call("POST", "/api/fs/mkdir", R"({"path":5})").status == 400);
  CHECK(f.call("GET", "/api/fs/list?path=" + f.root + "/nope").status == 404);
  CHECK(f.call("GET", "/api/fs/file?path=" + f.root + "/nope.txt").status
        == 404);
  CHECK(f.call("GET", "/api/fs/list?path=" + f.root + "/a.txt").status == 400);
  auto wrong = f.call("POST", "/api/fs/list");
  CHECK(wrong.status == 405);
  CHECK(header_value(wrong, "allow") == "GET");
  CHECK(f.call("GET", "/api/fs/elsewhere").status == 404);
}

TEST_CASE("large and binary files are refused with 413 and 415") {
  admin_fixture f;
  {
    std::ofstream big{f.root + "/big.txt"};
    big << std::string((1u << 20) + 1, 'x');
    std::ofstream bin{f.root + "/bin.dat", std::ios::binary};
    bin << std::string{"ab\0cd", 5};
  }
  auto big = f.call("GET", "/api/fs/file?path=" + f.root + "/big.txt");
  CHECK(big.status == 413);
  CHECK(has(big.body, "\"error\""));
  CHECK(f.call("GET", "/api/fs/file?path=" + f.root + "/bin.dat").status
        == 415);
}

TEST_CASE("traversal attempts are refused with 403") {
  admin_fixture f;
  auto parent = fs::path{f.root}.parent_path().string();
  for (const std::string& path :
       {f.root + "/..", f.root + "/../outside/secret.txt",
        f.root + "/%2E%2E/outside/secret.txt", f.root + "/escape/secret.txt",
        f.root + "/escape", std::string{"/etc/passwd"}, parent + "/rootX",
        std::string{"../outside"}, std::string{}}) {
    auto list = f.call("GET", "/api/fs/list?path=" + path);
    CHECK_MESSAGE(list.status == 403, path);
    CHECK(list.body == R"({"error":"path is outside the allowed roots"})");
    CHECK_MESSAGE(f.call("GET", "/api/fs/file?path=" + path).status == 403,
                  path);
  }
  CHECK(f.call("GET", "/api/fs/file?path=" + f.root + "%00/a.txt").status
        == 403);
  CHECK(f.call("POST", "/api/fs/mkdir", "{\"path\":\"" + parent + "/made\"}")
          .status == 403);
  CHECK(f.call("POST", "/api/fs/mkdir",
               "{\"path\":\"" + f.root + "/escape/made\"}")
          .status == 403);
  CHECK(f.call("POST", "/api/fs/mkdir", "{\"path\":\"" + f.root + "/..\"}")
          .status == 403);
  CHECK_FALSE(fs::exists(parent + "/made"));
  CHECK_FALSE(fs::exists(parent + "/outside/made"));
}

} // TEST_SUITE
