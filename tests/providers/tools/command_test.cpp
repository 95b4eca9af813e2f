#include "providers/tools/command.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "tests/providers/tools/process_support.hpp"
#include "tests/providers/tools/tool_fixture.hpp"

using namespace wingman::tools;
using namespace wingman::tools::test;

namespace {

/// The first line of `text` as a pid.
pid_t first_line_pid(const std::string& text) {
  return static_cast<pid_t>(std::stol(text.substr(0, text.find('\n'))));
}

} // namespace

TEST_SUITE("providers/tools/command") {

TEST_CASE("output capture keeps head and tail around an omission marker") {
  output_capture small{10};
  small.add("abc");
  CHECK(small.text() == "abc");
  output_capture c{10};
  c.add("0123456789");
  CHECK(c.text() == "0123456789");
  c.add("abcdefghijklmno");
  CHECK(c.total() == 25);
  CHECK(c.text() == "01234\n[… 15 bytes omitted …]\nklmno");
  output_capture pieces{4};
  for (char ch : std::string{"abcdefgh"})
    pieces.add(std::string(1, ch));
  CHECK(pieces.text() == "ab\n[… 4 bytes omitted …]\ngh");
}

TEST_CASE("the block list matches normalized commands at word edges") {
  auto list = default_block_list();
  CHECK(normalize_command("  rm   -rf\t/  ") == "rm -rf /");
  CHECK(normalize_command(": ( ) { : | : & } ; :") == ":(){:|:&};:");
  CHECK(blocked_by("rm   -rf   /", list) == "rm -rf /");
  CHECK(blocked_by("sudo rm -rf /*", list) == "rm -rf /");
  CHECK(blocked_by("cd x && rm -rf / ; ls", list) == "rm -rf /");
  CHECK(blocked_by("mkfs.ext4 /dev/sda1", list) == "mkfs");
  CHECK(blocked_by(":(){ :|:& };:", list) == ":(){ :|:& };:");
  CHECK(blocked_by(": ( ) {  : | : &  } ; :", list) == ":(){ :|:& };:");
  CHECK(blocked_by("ls; shutdown -h now", list) == "shutdown");
  CHECK(blocked_by("rm -rf ~", list) == "rm -rf ~");
  CHECK(blocked_by("rm -rf /tmp/build", list).empty());
  CHECK(blocked_by("rm -rf ~/project/build", list).empty());
  CHECK(blocked_by("echo shutdown-notes.txt", list).empty());
  CHECK(blocked_by("cat halting.md", list).empty());
  CHECK(blocked_by("ls -la", list).empty());
  CHECK(blocked_by("anything", {"", "  "}).empty());
}

TEST_CASE("secrets are kept out of a command's environment") {
  CHECK(is_secret_env("WINGMAN_GATEWAY_TOKEN"));
  CHECK(is_secret_env("OPENAI_API_KEY"));
  CHECK(is_secret_env("FAKEANT_KEY"));  // a config's apiKeyEnv
  CHECK(is_secret_env("GITHUB_TOKEN"));
  CHECK(is_secret_env("AWS_SECRET_ACCESS_KEY"));
  CHECK(is_secret_env("DB_PASSWORD"));
  CHECK(is_secret_env("WINGMAN_GATEWAY_PASSWORD"));
  CHECK_FALSE(is_secret_env("KEY"));
  CHECK_FALSE(is_secret_env("HOME"));
  CHECK_FALSE(is_secret_env("PATH"));
  CHECK_FALSE(is_secret_env("API_KEY_HINT"));
  ::setenv("WINGMAN_GATEWAY_TOKEN", "gateway-secret", 1);
  ::setenv("TEST_PROVIDER_API_KEY", "provider-secret", 1);
  ::setenv("WINGMAN_TOOLS_VISIBLE", "visible", 1);
  tool_fixture f;
  add_command_tool(f.reg);
  auto r = f.call("command_execute", R"({"command":"env"})");
  CHECK_FALSE(r.is_error);
  CHECK(has(r.content, "WINGMAN_TOOLS_VISIBLE=visible"));
  CHECK_FALSE(has(r.content, "gateway-secret"));
  CHECK_FALSE(has(r.content, "provider-secret"));
  ::unsetenv("WINGMAN_GATEWAY_TOKEN");
  ::unsetenv("TEST_PROVIDER_API_KEY");
  ::unsetenv("WINGMAN_TOOLS_VISIBLE");
}

TEST_CASE("command_execute runs in the working folder and reports the exit") {
  tool_fixture f;
  add_command_tool(f.reg);
  auto r = f.call("command_execute",
                  R"({"command":"pwd; echo err >&2; cat; exit 3"})");
  CHECK_FALSE(r.is_error);
  CHECK(r.content == f.work + "\nerr\n[exit code 3]");
  CHECK(r.summary == "exit code 3");
  auto sig = f.call("command_execute", R"({"command":"kill -9 $$"})");
  CHECK(sig.content == "[killed by signal 9 (Killed)]");
}

TEST_CASE("a command inherits no descriptor beyond stdin, stdout, stderr") {
  tool_fixture f;
  add_command_tool(f.reg);
  int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without CLOEXEC
  REQUIRE(leaky > 2);
  auto fd = std::to_string(leaky);
  auto r = f.call("command_execute",
                  R"({"command":"test -e /proc/$$/fd/)" + fd
                    + R"( && echo leaked || echo closed; test -e /proc/$$/fd/2 && echo has-stderr"})");
  ::close(leaky);
  CHECK(r.content == "closed\nhas-stderr\n[exit code 0]");
}

TEST_CASE("command_execute refuses blocked and malformed commands") {
  tool_fixture f;
  add_command_tool(f.reg);
  auto r = f.call("command_execute", R"({"command":"rm  -rf  /"})");
  CHECK(r.is_error);
  CHECK(r.content
        == "command refused: it matches the blocked pattern \"rm -rf /\"");
  f.ctx.limits.block_list = {"touch"};
  CHECK(f.call("command_execute", R"({"command":"touch x"})").is_error);
  CHECK(f.call("command_execute", R"({"command":"  "})").content
        == "command is empty");
  CHECK(f.call("command_execute", R"({"command":"ls","timeout_ms":"5"})")
          .content
        == "argument \"timeout_ms\" must be an integer");
  CHECK(f.call("command_execute", R"({"command":"ls","timeout_ms":0})").content
        == "argument \"timeout_ms\" must be 1 or more");
  CHECK(f.call("command_execute", "{}").content
        == "missing required argument \"command\" (a string)");
}

TEST_CASE("a timeout stops the command's whole process group") {
  become_subreaper();
  tool_fixture f;
  add_command_tool(f.reg);
  f.ctx.limits.command_max_timeout = std::chrono::milliseconds{200};
  auto r = f.call("command_execute",
                  R"({"command":"sleep 1000 & echo $!; wait",)"
                  R"("timeout_ms":100000000})");
  CHECK(r.is_error);
  CHECK(r.summary == "timed out");
  CHECK(has(r.content, "[timed out after 200 ms; the command and its child "
                       "processes were stopped]"));
  CHECK(killed_and_gone(first_line_pid(r.content)));
}

TEST_CASE("the default timeout applies and SIGKILL follows an ignored TERM") {
  become_subreaper();
  tool_fixture f;
  add_command_tool(f.reg);
  f.ctx.limits.command_timeout = std::chrono::milliseconds{100};
  f.ctx.limits.kill_grace = std::chrono::milliseconds{50};
  // Ignored signals stay ignored across exec: sleep ignores SIGTERM too.
  auto r = f.call("command_execute",
                  R"({"command":"trap '' TERM; sleep 1000 & echo $!; wait"})");
  CHECK(r.is_error);
  CHECK(has(r.content, "[timed out after 100 ms;"));
  CHECK(killed_by(first_line_pid(r.content)) == SIGKILL);
}

TEST_CASE("processes left in the background end with the command") {
  become_subreaper();
  tool_fixture f;
  add_command_tool(f.reg);
  auto r = f.call("command_execute", R"({"command":"sleep 1000 & echo $!"})");
  CHECK_FALSE(r.is_error);
  CHECK(has(r.content, "[exit code 0]"));
  CHECK(killed_and_gone(first_line_pid(r.content)));
}

TEST_CASE("long output keeps its head and tail") {
  tool_fixture f;
  add_command_tool(f.reg);
  f.ctx.limits.command_max_output_bytes = 1000;
  auto r = f.call("command_execute",
                  R"({"command":"echo start; head -c 100000 /dev/zero | tr '\\0' a; echo; echo end"})");
  CHECK_FALSE(r.is_error);
  CHECK(r.content.rfind("start\naaaa", 0) == 0);
  CHECK(has(r.content, "[… 99011 bytes omitted …]"));
  CHECK(has(r.content, "aaaa\nend\n[exit code 0]"));
}

TEST_CASE("cancelling a running command kills its group at once") {
  become_subreaper();
  tool_fixture f;
  auto fifo = f.base + "/started";
  make_fifo(fifo);
  command_request req;
  req.command = "sleep 1000 & echo $! > " + fifo + "; wait";
  req.cwd = f.work;
  req.timeout = std::chrono::hours{1};
  cancel_flag cancel;
  auto done = std::async(std::launch::async,
                         [&] { return run_command(req, cancel); });
  auto grandchild = static_cast<pid_t>(std::stol(read_fifo_line(fifo)));
  cancel.cancel();
  auto res = done.get();
  CHECK(res.cancelled);
  CHECK_FALSE(res.timed_out);
  CHECK(res.signal == SIGKILL);
  CHECK(killed_and_gone(grandchild));
}

TEST_CASE("a command that cannot start says why") {
  tool_fixture f;
  command_request req;
  req.command = "true";
  req.cwd = f.work + "/missing";
  req.timeout = std::chrono::seconds{5};
  cancel_flag cancel;
  auto res = run_command(req, cancel);
  CHECK(has(res.spawn_error, "cannot start /bin/sh in " + f.work + "/missing"));
}

} // TEST_SUITE
