#include "providers/tools/file_tools.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "tests/providers/tools/tool_fixture.hpp"

using namespace wingman::tools;
using namespace wingman::tools::test;
namespace fs = std::filesystem;

TEST_SUITE("providers/tools/file_tools") {

// -- confinement --------------------------------------------------------------

TEST_CASE("paths that leave the working folder are refused by every tool") {
  tool_fixture f;
  fs::create_directory_symlink(f.outside, f.work + "/out-dir");
  fs::create_symlink(f.outside + "/secret.txt", f.work + "/out-file");
  fs::create_symlink("../outside/secret.txt", f.work + "/rel-out");
  using paths = std::vector<std::string>;
  for (std::string p : paths{"../outside/secret.txt", "..", "sub/../../outside",
                        f.outside + "/secret.txt", std::string{"/etc/passwd"},
                        "out-dir/secret.txt", "out-file", "rel-out",
                        f.work + "/../outside/secret.txt"}) {
    CAPTURE(p);
    auto r = f.call("read_file", R"({"path":")" + p + R"("})");
    CHECK(r.is_error);
    CHECK(has(r.content, "path escapes the working folder"));
  }
  CHECK(has(f.call("ls", R"({"path":"out-dir"})").content, "escapes"));
  CHECK(has(f.call("ls", R"({"path":".."})").content, "escapes"));
  CHECK(has(f.call("read_file", R"({"path":"a\u0000b"})").content, "escapes"));
}

TEST_CASE("write_file cannot write through a symlink out, final or parent") {
  tool_fixture f;
  fs::create_directory_symlink(f.outside, f.work + "/out-dir");
  fs::create_symlink(f.outside + "/secret.txt", f.work + "/out-file");
  fs::create_symlink(f.outside + "/new.txt", f.work + "/dangling-out");
  using paths = std::vector<std::string>;
  for (std::string p : paths{"out-file", "out-dir/secret.txt",
                             "out-dir/new.txt",
                        "dangling-out", "out-dir/deep/new.txt",
                        "../outside/new.txt", f.outside + "/new.txt"}) {
    CAPTURE(p);
    auto r = f.call("write_file",
                    R"({"path":")" + p + R"(","content":"pwned"})");
    CHECK(r.is_error);
    CHECK(has(r.content, "path escapes the working folder"));
  }
  CHECK(f.get(f.outside + "/secret.txt") == "secret\n");
  CHECK_FALSE(fs::exists(f.outside + "/new.txt"));
  CHECK_FALSE(fs::exists(f.outside + "/deep"));
  auto e = f.call("edit_file", R"({"path":"out-file","old_string":"secret",)"
                               R"("new_string":"x"})");
  CHECK(has(e.content, "escapes"));
  CHECK(f.get(f.outside + "/secret.txt") == "secret\n");
}

TEST_CASE("symlinks that stay inside are followed") {
  tool_fixture f;
  fs::create_directories(f.work + "/sub");
  f.put(f.work + "/sub/a.txt", "inside\n");
  fs::create_directory_symlink("sub", f.work + "/in-dir");
  fs::create_symlink(f.work + "/sub/a.txt", f.work + "/in-file");
  CHECK(f.call("read_file", R"({"path":"in-dir/a.txt"})").content
        == "1\tinside\n");
  CHECK(f.call("read_file", R"({"path":"in-file"})").content == "1\tinside\n");
  CHECK(f.call("read_file", R"({"path":"sub/../in-file"})").content
        == "1\tinside\n");
  auto w = f.call("write_file", R"({"path":"in-file","content":"new\n"})");
  CHECK_FALSE(w.is_error);
  CHECK(f.get(f.work + "/sub/a.txt") == "new\n");
  CHECK(fs::is_symlink(f.work + "/in-file"));
}

TEST_CASE("absolute paths under the working folder are accepted") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "x\n");
  CHECK(f.call("read_file", R"({"path":")" + f.work + R"(/a.txt"})").content
        == "1\tx\n");
  CHECK_FALSE(f.call("ls", R"({"path":")" + f.work + R"("})").is_error);
}

TEST_CASE("a symlink loop is an error, not a hang") {
  tool_fixture f;
  fs::create_symlink("loop-b", f.work + "/loop-a");
  fs::create_symlink("loop-a", f.work + "/loop-b");
  auto r = f.call("read_file", R"({"path":"loop-a"})");
  CHECK(r.is_error);
  CHECK(has(r.content, "too many levels of symbolic links"));
}

// -- ls -----------------------------------------------------------------------

TEST_CASE("ls lists entries sorted with their type and size") {
  tool_fixture f;
  fs::create_directories(f.work + "/b-dir");
  f.put(f.work + "/c.txt", "12345");
  f.put(f.work + "/a.txt", "");
  fs::create_symlink("c.txt", f.work + "/d-link");
  auto r = f.call("ls", "{}");
  CHECK_FALSE(r.is_error);
  CHECK(r.content
        == "f  a.txt  0 bytes\nd  b-dir/\nf  c.txt  5 bytes\n"
           "l  d-link -> c.txt\n");
  CHECK(r.summary == "listed 4 entries in .");
  CHECK(f.call("ls", R"({"path":"b-dir"})").content == "(empty folder)\n");
}

TEST_CASE("ls caps the listing with a note") {
  tool_fixture f;
  for (int i = 0; i < 5; ++i)
    f.put(f.work + "/f" + std::to_string(i), "");
  f.ctx.limits.ls_max_entries = 2;
  auto r = f.call("ls", "{}");
  CHECK(r.content == "f  f0  0 bytes\nf  f1  0 bytes\n… 3 more\n");
}

TEST_CASE("ls refuses files, missing folders and bad arguments") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "x");
  CHECK(has(f.call("ls", R"({"path":"a.txt"})").content, "is not a folder"));
  CHECK(f.call("ls", R"({"path":"nope"})").content == "no such folder: nope");
  CHECK(f.call("ls", R"({"path":7})").content
        == "argument \"path\" must be a string");
}

TEST_CASE("the working folder is created on first use") {
  tool_fixture f;
  f.ctx.working_dir = f.work + "/agent/new";
  CHECK(f.call("ls", "{}").content == "(empty folder)\n");
  CHECK(fs::is_directory(f.work + "/agent/new"));
}

// -- read_file ----------------------------------------------------------------

TEST_CASE("read_file numbers lines and honours offset and limit") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "one\ntwo\nthree\nfour");
  CHECK(f.call("read_file", R"({"path":"a.txt"})").content
        == "1\tone\n2\ttwo\n3\tthree\n4\tfour\n");
  auto r = f.call("read_file", R"({"path":"a.txt","offset":2,"limit":2})");
  CHECK(r.content
        == "2\ttwo\n3\tthree\n[more lines follow; continue with offset=4]\n");
  CHECK(r.summary == "read 2 lines of a.txt");
  CHECK(f.call("read_file", R"({"path":"a.txt","offset":4})").content
        == "4\tfour\n");
  CHECK(f.call("read_file", R"({"path":"a.txt","offset":9})").content
        == "(no lines at offset 9; the file has 4 lines)\n");
  CHECK(has(f.call("read_file", R"({"path":"a.txt","offset":0})").content,
            "must be 1 or more"));
  CHECK(has(f.call("read_file", R"({"path":"a.txt","limit":0})").content,
            "must be 1 or more"));
}

TEST_CASE("read_file stops at the byte cap with a note") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "aaaa\nbbbb\ncccc\n");
  f.ctx.limits.read_max_bytes = 12;
  CHECK(f.call("read_file", R"({"path":"a.txt"})").content
        == "1\taaaa\n2\tbbbb\n"
           "[truncated at 12 bytes; continue with offset=3]\n");
  f.put(f.work + "/long.txt", std::string(100, 'x') + "\nyy\n");
  CHECK(f.call("read_file", R"({"path":"long.txt"})").content
        == "1\t" + std::string(12, 'x')
             + "\n[truncated at 12 bytes; continue with offset=2]\n");
}

TEST_CASE("read_file refuses binary files, folders and missing files") {
  tool_fixture f;
  f.put(f.work + "/bin", std::string{"ab\0cd", 5});
  fs::create_directories(f.work + "/sub");
  CHECK(f.call("read_file", R"({"path":"bin"})").content
        == "bin is a binary file; read_file shows text only");
  CHECK(has(f.call("read_file", R"({"path":"sub"})").content, "is a folder"));
  CHECK(f.call("read_file", R"({"path":"nope"})").content
        == "no such file: nope");
  CHECK(f.call("read_file", R"({"path":"nope/deeper"})").content
        == "no such folder: nope");
  CHECK(f.call("read_file", "{}").content
        == "missing required argument \"path\" (a string)");
  f.put(f.work + "/empty", "");
  CHECK(f.call("read_file", R"({"path":"empty"})").content == "(empty file)\n");
}

// -- write_file ---------------------------------------------------------------

TEST_CASE("write_file creates parents and replaces files atomically") {
  tool_fixture f;
  auto r = f.call("write_file", R"({"path":"a/b/c.txt","content":"hi\n"})");
  CHECK_FALSE(r.is_error);
  CHECK(r.summary == "created a/b/c.txt");
  CHECK(r.content == "wrote 3 bytes to a/b/c.txt");
  CHECK(f.get(f.work + "/a/b/c.txt") == "hi\n");
  ::chmod((f.work + "/a/b/c.txt").c_str(), 0600);
  r = f.call("write_file", R"({"path":"a/b/c.txt","content":"bye"})");
  CHECK(r.summary == "overwrote a/b/c.txt");
  CHECK(f.get(f.work + "/a/b/c.txt") == "bye");
  struct stat st {};
  REQUIRE(::stat((f.work + "/a/b/c.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // No temporary file is left behind.
  size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(f.work + "/a/b"))
    ++n;
  CHECK(n == 1);
}

TEST_CASE("write_file refuses folders, oversized content and bad arguments") {
  tool_fixture f;
  fs::create_directories(f.work + "/sub");
  f.put(f.work + "/file", "x");
  CHECK(f.call("write_file", R"({"path":"sub","content":""})").content
        == "sub is a folder");
  CHECK(f.call("write_file", R"({"path":".","content":""})").content
        == ". is a folder");
  CHECK(f.call("write_file", R"({"path":"file/x","content":""})").content
        == "not a folder: file");
  f.ctx.limits.write_max_bytes = 3;
  CHECK(f.call("write_file", R"({"path":"big","content":"1234"})").content
        == "content is 4 bytes, over the limit of 3");
  CHECK(f.call("write_file", R"({"path":"x"})").content
        == "missing required argument \"content\" (a string)");
  CHECK_FALSE(fs::exists(f.work + "/big"));
}

// -- edit_file ----------------------------------------------------------------

TEST_CASE("edit_file replaces one exact match") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "alpha beta gamma\n");
  auto r = f.call("edit_file", R"({"path":"a.txt","old_string":"beta",)"
                               R"("new_string":"BETA"})");
  CHECK_FALSE(r.is_error);
  CHECK(r.content == "replaced 1 occurrence in a.txt");
  CHECK(f.get(f.work + "/a.txt") == "alpha BETA gamma\n");
}

TEST_CASE("edit_file refuses missing and ambiguous matches") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "x y x y x\n");
  auto none = f.call("edit_file", R"({"path":"a.txt","old_string":"z",)"
                                  R"("new_string":"w"})");
  CHECK(none.is_error);
  CHECK(has(none.content, "old_string was not found in a.txt"));
  auto many = f.call("edit_file", R"({"path":"a.txt","old_string":"x",)"
                                  R"("new_string":"w"})");
  CHECK(many.is_error);
  CHECK(has(many.content, "old_string occurs 3 times in a.txt"));
  CHECK(f.get(f.work + "/a.txt") == "x y x y x\n");
  auto all = f.call("edit_file", R"({"path":"a.txt","old_string":"x",)"
                                 R"("new_string":"xx","replace_all":true})");
  CHECK(all.content == "replaced 3 occurrences in a.txt");
  CHECK(f.get(f.work + "/a.txt") == "xx y xx y xx\n");
  CHECK(has(f.call("edit_file", R"({"path":"a.txt","old_string":"",)"
                                R"("new_string":"w"})").content,
            "must not be empty"));
  CHECK(f.call("edit_file", R"({"path":"a.txt","old_string":"y",)"
                            R"("new_string":"w","replace_all":"yes"})").content
        == "argument \"replace_all\" must be true or false");
  CHECK(f.call("edit_file", R"({"path":"nope","old_string":"a",)"
                            R"("new_string":"b"})").content
        == "no such file: nope");
}

TEST_CASE("edit_file respects the size cap") {
  tool_fixture f;
  f.put(f.work + "/a.txt", "aaaa");
  f.ctx.limits.write_max_bytes = 6;
  auto r = f.call("edit_file", R"({"path":"a.txt","old_string":"a",)"
                               R"("new_string":"bb","replace_all":true})");
  CHECK(r.content == "the edited file would be 8 bytes, over the limit of 6");
  CHECK(f.get(f.work + "/a.txt") == "aaaa");
}

TEST_CASE("binary detection looks for NUL in the first 8 KiB") {
  CHECK(looks_binary(std::string{"a\0", 2}));
  CHECK_FALSE(looks_binary("plain text"));
  CHECK_FALSE(looks_binary(std::string(8192, 'a') + std::string(1, '\0')));
}

} // TEST_SUITE
