// Test fixture of the tool tests: a fresh temporary folder per test with a
// working folder `<base>/work` and a sibling `<base>/outside`, a registry of
// every built-in tool, and helpers to call a tool and write files.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "providers/tools/cancel_flag.hpp"
#include "providers/tools/file_tools.hpp"
#include "providers/tools/search_tools.hpp"
#include "providers/tools/tool_registry.hpp"

namespace wingman::tools::test {

/// A temporary tree removed on destruction.
struct tool_fixture {
  std::string base;     ///< Real path of the temporary folder.
  std::string work;     ///< `<base>/work`: the working folder.
  std::string outside;  ///< `<base>/outside`: must stay untouched.
  tool_registry reg;
  tool_context ctx;
  cancel_flag cancel;

  tool_fixture() {
    namespace fs = std::filesystem;
    std::string tmpl = (fs::temp_directory_path() / "tools-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    base = fs::canonical(tmpl).string();
    work = base + "/work";
    outside = base + "/outside";
    fs::create_directories(work);
    fs::create_directories(outside);
    put(outside + "/secret.txt", "secret\n");
    add_file_tools(reg);
    add_search_tools(reg);
    ctx.working_dir = work;
    ctx.agent_id = "main";
    ctx.session_key = "agent:main:test";
    ctx.allowed_tools = {"*"};
  }

  ~tool_fixture() {
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
  }

  /// Runs `name` with `json` arguments.
  tool_result call(const std::string& name, const std::string& json) {
    return reg.execute(name, json, ctx, cancel);
  }

  /// Writes `content` to the absolute `path`.
  static void put(const std::string& path, const std::string& content) {
    std::ofstream{path, std::ios::binary} << content;
  }

  /// The content of the absolute `path`.
  static std::string get(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

/// True when `text` contains `part`.
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace wingman::tools::test
