#include "providers/tools/search_tools.hpp"

#include <doctest/doctest.h>

#include <filesystem>

#include "tests/providers/tools/tool_fixture.hpp"

using namespace wingman::tools;
using namespace wingman::tools::test;
namespace fs = std::filesystem;

namespace {

/// `work/{a.cpp, b.hpp, src/{x.cpp, deep/y.cpp, z.txt}}` plus a symlinked
/// folder pointing outside (holding `leak.cpp`).
void make_tree(tool_fixture& f) {
  fs::create_directories(f.work + "/src/deep");
  f.put(f.work + "/a.cpp", "int main() {}\n");
  f.put(f.work + "/b.hpp", "#pragma once\nint Main();\n");
  f.put(f.work + "/src/x.cpp", "// TODO: x\nint x = 1;\n");
  f.put(f.work + "/src/deep/y.cpp", "int y = 2; // todo\n");
  f.put(f.work + "/src/z.txt", "nothing\n");
  f.put(f.outside + "/leak.cpp", "int leak; // TODO\n");
  fs::create_directory_symlink(f.outside, f.work + "/src/out");
}

} // namespace

TEST_SUITE("providers/tools/search_tools") {

TEST_CASE("glob patterns match components, classes and any depth") {
  CHECK(glob_match("*.cpp", "a.cpp"));
  CHECK_FALSE(glob_match("*.cpp", "src/a.cpp"));
  CHECK(glob_match("src/*.cpp", "src/a.cpp"));
  CHECK(glob_match("**/*.cpp", "a.cpp"));
  CHECK(glob_match("**/*.cpp", "src/deep/a.cpp"));
  CHECK(glob_match("src/**", "src/deep/a.cpp"));
  CHECK(glob_match("src/**/a.cpp", "src/a.cpp"));
  CHECK_FALSE(glob_match("src/**/a.cpp", "lib/a.cpp"));
  CHECK(glob_match("?.cpp", "a.cpp"));
  CHECK_FALSE(glob_match("?.cpp", "ab.cpp"));
  CHECK(glob_match("[ab].c", "b.c"));
  CHECK_FALSE(glob_match("[ab].c", "c.c"));
  CHECK(glob_match("[a-c]x", "bx"));
  CHECK(glob_match("[!a-c]x", "dx"));
  CHECK_FALSE(glob_match("[^a-c]x", "ax"));
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK_FALSE(glob_match("a\\*b", "axb"));
  CHECK(glob_match("[x", "[x"));
  CHECK(glob_match("*a*b*", "xxaxxbxx"));
}

TEST_CASE("glob lists matches sorted, relative to the working folder") {
  tool_fixture f;
  make_tree(f);
  auto r = f.call("glob", R"({"pattern":"**/*.cpp"})");
  CHECK_FALSE(r.is_error);
  CHECK(r.content == "a.cpp\nsrc/deep/y.cpp\nsrc/x.cpp\n");
  CHECK(r.summary == "3 paths match **/*.cpp");
  CHECK(f.call("glob", R"({"pattern":"*.cpp","path":"src"})").content
        == "src/x.cpp\n");
  CHECK(f.call("glob", R"({"pattern":"*"})").content
        == "a.cpp\nb.hpp\nsrc/\n");
  CHECK(f.call("glob", R"({"pattern":"*.rs"})").content == "no matches\n");
}

TEST_CASE("glob never enters a symlinked folder or leaves the folder") {
  tool_fixture f;
  make_tree(f);
  auto r = f.call("glob", R"({"pattern":"**/leak.cpp"})");
  CHECK(r.content == "no matches\n");
  CHECK(f.call("glob", R"({"pattern":"src/out"})").content == "src/out\n");
  CHECK(has(f.call("glob", R"({"pattern":"*","path":".."})").content,
            "escapes"));
  CHECK(has(f.call("glob", R"({"pattern":"*","path":"src/out"})").content,
            "escapes"));
  CHECK(has(f.call("glob", R"({"pattern":"/etc/*"})").content,
            "must be relative"));
}

TEST_CASE("glob caps its results and its walk") {
  tool_fixture f;
  for (int i = 0; i < 5; ++i)
    f.put(f.work + "/f" + std::to_string(i), "");
  f.ctx.limits.glob_max_results = 2;
  CHECK(f.call("glob", R"({"pattern":"f*"})").content == "f0\nf1\n… 3 more\n");
  f.ctx.limits.walk_max_entries = 3;
  CHECK(has(f.call("glob", R"({"pattern":"f*"})").content,
            "[search stopped after 3 entries; narrow the path]"));
  CHECK(f.call("glob", "{}").content
        == "missing required argument \"pattern\" (a string)");
  f.ctx.limits.max_pattern_bytes = 3;
  CHECK(f.call("glob", R"({"pattern":"f***"})").content
        == "pattern must be 1 to 3 bytes");
  CHECK(f.call("grep", R"({"pattern":"abcd"})").content
        == "pattern must be 1 to 3 bytes");
  CHECK(f.call("grep", R"({"pattern":""})").content
        == "pattern must be 1 to 3 bytes");
}

TEST_CASE("grep finds regex matches as file:line: text") {
  tool_fixture f;
  make_tree(f);
  auto r = f.call("grep", R"({"pattern":"TODO"})");
  CHECK_FALSE(r.is_error);
  CHECK(r.content == "src/x.cpp:1: // TODO: x\n");
  CHECK(f.call("grep", R"({"pattern":"todo","ignore_case":true})").content
        == "src/deep/y.cpp:1: int y = 2; // todo\nsrc/x.cpp:1: // TODO: x\n");
  CHECK(f.call("grep", R"({"pattern":"int [a-z] = \\d"})").content
        == "src/deep/y.cpp:1: int y = 2; // todo\nsrc/x.cpp:2: int x = 1;\n");
  CHECK(f.call("grep", R"({"pattern":"main","ignore_case":true,"glob":"*.hpp"})")
          .content
        == "b.hpp:2: int Main();\n");
  CHECK(f.call("grep", R"({"pattern":"int","glob":"src/deep/*"})").content
        == "src/deep/y.cpp:1: int y = 2; // todo\n");
  CHECK(f.call("grep", R"({"pattern":"x","path":"src/x.cpp"})").content
        == "src/x.cpp:1: // TODO: x\nsrc/x.cpp:2: int x = 1;\n");
  CHECK(f.call("grep", R"({"pattern":"zzz"})").content == "no matches\n");
}

TEST_CASE("grep in literal mode searches plain text") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "a(b\nA(B\nab\n");
  CHECK(f.call("grep", R"({"pattern":"a(b","literal":true})").content
        == "a.txt:1: a(b\n");
  CHECK(f.call("grep", R"({"pattern":"a(b","literal":true,"ignore_case":true})")
          .content
        == "a.txt:1: a(b\na.txt:2: A(B\n");
  auto bad = f.call("grep", R"({"pattern":"a(b"})");
  CHECK(bad.is_error);
  CHECK(has(bad.content, "invalid regular expression"));
}

TEST_CASE("grep skips binary, oversized and outside files") {
  tool_fixture f;
  make_tree(f);
  f.put(f.work + "/bin.dat", std::string{"TODO\0", 5});
  f.put(f.work + "/big.txt", std::string(100, 'a') + " TODO\n");
  f.ctx.limits.grep_max_file_bytes = 50;
  CHECK(f.call("grep", R"({"pattern":"TODO"})").content
        == "src/x.cpp:1: // TODO: x\n");
  CHECK(has(f.call("grep", R"({"pattern":"x","path":"../outside"})").content,
            "escapes"));
}

TEST_CASE("grep caps matches, output bytes and shown line length") {
  tool_fixture f;
  std::string many;
  for (int i = 0; i < 10; ++i)
    many += "hit " + std::to_string(i) + "\n";
  f.put(f.work + "/a.txt", many);
  f.ctx.limits.grep_max_matches = 3;
  auto r = f.call("grep", R"({"pattern":"hit"})");
  CHECK(r.content
        == "a.txt:1: hit 0\na.txt:2: hit 1\na.txt:3: hit 2\n"
           "[stopped after 3 matches; narrow the pattern, path or glob]\n");
  f.ctx.limits.grep_max_matches = 100;
  f.ctx.limits.grep_max_output_bytes = 30;
  CHECK(has(f.call("grep", R"({"pattern":"hit"})").content,
            "a.txt:2: hit 1\n[stopped after 2 matches"));
  f.put(f.work + "/a.txt", "needle " + std::string(20, 'x') + "\n");
  f.ctx.limits.grep_max_line_bytes = 10;
  CHECK(f.call("grep", R"({"pattern":"needle"})").content
        == "a.txt:1: needle xxx …\n");
}

} // TEST_SUITE
