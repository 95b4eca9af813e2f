#include "providers/tools/terminal.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <string>

#include "tests/providers/tools/process_support.hpp"
#include "tests/providers/tools/tool_fixture.hpp"

using namespace wingman::tools;
using namespace wingman::tools::test;
using std::chrono::milliseconds;
using std::chrono::minutes;

namespace {

/// A long wait: reads return as soon as output arrives, this only bounds a
/// broken test.
constexpr milliseconds patience{60000};

const terminal_owner alice{"main", "agent:main:alice"};
const terminal_owner bob{"main", "agent:main:bob"};

/// Reads `id` until the collected output contains `part`.
std::string read_until(terminal_manager& t, const std::string& id,
                       const std::string& part) {
  cancel_flag cancel;
  std::string all;
  while (!has(all, part)) {
    auto out = t.read(alice, id, patience, cancel);
    REQUIRE(out);
    all += out->output;
    if (!out->running)
      break;
  }
  return all;
}

/// Reads `id` until the process has exited; returns the last read.
terminal_output read_until_exit(terminal_manager& t, const std::string& id) {
  cancel_flag cancel;
  std::string all;
  while (true) {
    auto out = t.read(alice, id, patience, cancel);
    REQUIRE(out);
    all += out->output;
    if (!out->running) {
      out->output = all;
      return *out;
    }
  }
}

} // namespace

TEST_SUITE("providers/tools/terminal") {

TEST_CASE("a background process takes input and gives output") {
  tool_fixture f;
  terminal_manager t{tool_limits{}};
  auto id = t.start(alice, "cat; echo bye", f.work);
  REQUIRE(id);
  CHECK(*id == "t1");
  auto n = t.write(alice, *id, "hello\n");
  REQUIRE(n);
  CHECK(*n == 6);
  CHECK(read_until(t, *id, "hello\n") == "hello\n");
  auto rows = t.list(alice);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].id == "t1");
  CHECK(rows[0].status == "running");
  CHECK(rows[0].command == "cat; echo bye");
  CHECK(t.kill(alice, *id));
  CHECK(t.list(alice).empty());
  cancel_flag cancel;
  CHECK(!t.read(alice, *id, milliseconds{0}, cancel));
}

TEST_CASE("an exited process reports its status once, then is forgotten") {
  tool_fixture f;
  terminal_manager t{tool_limits{}};
  auto id = t.start(alice, "pwd; echo oops >&2; exit 4", f.work);
  REQUIRE(id);
  auto last = read_until_exit(t, *id);
  CHECK(has(last.output, f.work + "\n"));
  CHECK(has(last.output, "oops\n"));
  // Output may still trail the exit: read until the process is forgotten.
  cancel_flag cancel;
  while (auto more = t.read(alice, *id, patience, cancel))
    CHECK(more->status == "exited with code 4");
  CHECK(t.list(alice).empty());
  CHECK(has(t.write(alice, *id, "x").error().message, "no background process"));
}

TEST_CASE("another owner's process is not found") {
  tool_fixture f;
  terminal_manager t{tool_limits{}};
  auto id = t.start(alice, "cat", f.work);
  REQUIRE(id);
  cancel_flag cancel;
  auto read = t.read(bob, *id, milliseconds{0}, cancel);
  REQUIRE(!read);
  CHECK(read.error().message
        == "no background process with id \"t1\" (use action list to see "
           "yours)");
  CHECK(!t.write(bob, *id, "x"));
  CHECK(!t.kill(bob, *id));
  CHECK(t.list(bob).empty());
  CHECK(t.list(alice).size() == 1);
  terminal_owner other_agent{"other", alice.session_key};
  CHECK(!t.kill(other_agent, *id));
}

TEST_CASE("per-owner and global caps limit running processes") {
  tool_fixture f;
  tool_limits lim;
  lim.terminal_max_per_owner = 2;
  lim.terminal_max_total = 3;
  terminal_manager t{lim};
  REQUIRE(t.start(alice, "cat", f.work));
  REQUIRE(t.start(alice, "cat", f.work));
  auto third = t.start(alice, "cat", f.work);
  REQUIRE(!third);
  CHECK(has(third.error().message, "already runs 2 background processes"));
  REQUIRE(t.start(bob, "cat", f.work));
  auto fourth = t.start(bob, "cat", f.work);
  REQUIRE(!fourth);
  CHECK(has(fourth.error().message, "gateway already runs 3"));
  CHECK(t.running() == 3);
  REQUIRE(t.kill(alice, "t1"));
  CHECK(t.start(bob, "cat", f.work));
}

TEST_CASE("idle processes are swept by the injected clock") {
  tool_fixture f;
  auto t0 = terminal_manager::clock::time_point{} + std::chrono::hours{1};
  std::atomic<terminal_manager::clock::time_point> now{t0};
  terminal_manager t{tool_limits{}, [&] { return now.load(); }};
  auto a = t.start(alice, "cat", f.work);
  auto b = t.start(alice, "cat", f.work);
  REQUIRE(a);
  REQUIRE(b);
  now = t0 + minutes{20};
  cancel_flag cancel;
  REQUIRE(t.read(alice, *b, milliseconds{0}, cancel));  // b is active at 20
  CHECK(t.sweep(t0 + minutes{29}) == 0);
  CHECK(t.sweep(t0 + minutes{30}) == 1);  // a: idle for 30 minutes
  CHECK(!t.read(alice, *a, milliseconds{0}, cancel));
  CHECK(t.sweep(t0 + minutes{49}) == 0);
  CHECK(t.sweep(t0 + minutes{50}) == 1);
  CHECK(t.list(alice).empty());
}

TEST_CASE("the reader thread sweeps idle processes without being asked") {
  tool_fixture f;
  auto t0 = terminal_manager::clock::time_point{} + std::chrono::hours{1};
  std::atomic<terminal_manager::clock::time_point> now{t0};
  tool_limits lim;
  lim.terminal_idle = milliseconds{5};  // the reader wakes every 5 ms
  terminal_manager t{lim, [&] { return now.load(); }};
  auto a = t.start(alice, "cat", f.work);
  REQUIRE(a);
  now = t0 + std::chrono::hours{1};
  // Nobody calls sweep: the waiting read ends when the reader removes `a`.
  cancel_flag cancel;
  auto gone = t.read(alice, *a, patience, cancel);
  REQUIRE_FALSE(gone);
  CHECK(has(gone.error().message, "no background process"));
  CHECK(t.running() == 0);
}

TEST_CASE("a process that never stops printing does not hold off the sweep") {
  tool_fixture f;
  auto t0 = terminal_manager::clock::time_point{} + std::chrono::hours{1};
  std::atomic<terminal_manager::clock::time_point> now{t0};
  tool_limits lim;
  lim.terminal_idle = milliseconds{5};
  terminal_manager t{lim, [&] { return now.load(); }};
  auto chatty = t.start(alice, "while :; do echo tick; done", f.work);
  auto quiet = t.start(alice, "cat", f.work);
  REQUIRE(chatty);
  REQUIRE(quiet);
  now = t0 + std::chrono::hours{1};
  // The reader is woken by output all the time; the sweep still runs.
  cancel_flag cancel;
  auto gone = t.read(alice, *quiet, patience, cancel);
  REQUIRE_FALSE(gone);
  CHECK(has(gone.error().message, "no background process"));
}

TEST_CASE("the output buffer keeps the newest bytes and counts the rest") {
  tool_fixture f;
  tool_limits lim;
  lim.terminal_buffer_bytes = 10;
  terminal_manager t{lim};
  // One 20-byte write (below PIPE_BUF, so it arrives in one piece).
  auto id = t.start(alice, "printf 0123456789abcdefghij; exec cat", f.work);
  REQUIRE(id);
  cancel_flag cancel;
  auto out = t.read(alice, *id, patience, cancel);
  REQUIRE(out);
  CHECK(out->output == "abcdefghij");
  CHECK(out->dropped == 10);
}

TEST_CASE("a waiting read returns when cancelled") {
  tool_fixture f;
  terminal_manager t{tool_limits{}};
  auto id = t.start(alice, "cat", f.work);
  REQUIRE(id);
  cancel_flag cancel;
  // Waits for output that never comes; the cancel either precedes the wait
  // (seen at once) or wakes it. Without the wake-up it would wait an hour.
  auto reading = std::async(std::launch::async, [&] {
    return t.read(alice, *id, std::chrono::hours{1}, cancel);
  });
  cancel.cancel();
  t.wake_waiters();
  auto out = reading.get();
  REQUIRE(out);
  CHECK(out->output.empty());
  CHECK(out->running);
  REQUIRE(t.write(alice, *id, "after\n"));
  CHECK(read_until(t, *id, "after") == "after\n");
}

TEST_CASE("destroying the manager kills every process group") {
  become_subreaper();
  tool_fixture f;
  pid_t grandchild = 0;
  {
    terminal_manager t{tool_limits{}};
    auto id = t.start(alice, "sleep 1000 & echo $!; wait", f.work);
    REQUIRE(id);
    auto line = read_until(t, *id, "\n");
    grandchild = static_cast<pid_t>(std::stol(line));
  }
  CHECK(killed_and_gone(grandchild));
}

TEST_CASE("background_terminal drives the manager through its actions") {
  tool_fixture f;
  terminal_manager t{tool_limits{}};
  add_terminal_tool(f.reg, t);
  auto start = f.call("background_terminal",
                      R"({"action":"start","command":"cat"})");
  CHECK_FALSE(start.is_error);
  CHECK(start.content
        == "started process t1; use action read with this id to see its "
           "output");
  CHECK(f.call("background_terminal",
               R"({"action":"write","id":"t1","input":"ping\n"})")
          .content
        == "wrote 5 of 5 bytes to t1");
  std::string seen;
  while (!has(seen, "ping"))
    seen += f.call("background_terminal",
                   R"({"action":"read","id":"t1","wait_ms":30000})")
              .content;
  CHECK(has(seen, "ping\n[t1 running]"));
  CHECK(has(f.call("background_terminal", R"({"action":"list"})").content,
            "t1  running  0 bytes unread  cat"));
  f.ctx.session_key = "agent:main:other";
  CHECK(has(f.call("background_terminal", R"({"action":"read","id":"t1"})")
              .content,
            "no background process with id \"t1\""));
  CHECK(f.call("background_terminal", R"({"action":"list"})").content
        == "no background processes\n");
  f.ctx.session_key = "agent:main:test";
  CHECK(f.call("background_terminal", R"({"action":"kill","id":"t1"})").content
        == "killed t1");
}

TEST_CASE("background_terminal rejects bad actions and arguments") {
  tool_fixture f;
  terminal_manager t{tool_limits{}};
  add_terminal_tool(f.reg, t);
  auto call = [&](const std::string& json) {
    return f.call("background_terminal", json).content;
  };
  CHECK(call(R"({"action":"dance"})")
        == "argument \"action\" must be one of start, write, read, kill, "
           "list");
  CHECK(call("{}") == "missing required argument \"action\" (a string)");
  CHECK(call(R"({"action":"read"})") == "action read needs argument \"id\"");
  CHECK(call(R"({"action":"start"})")
        == "missing required argument \"command\" (a string)");
  CHECK(call(R"({"action":"start","command":"shutdown now"})")
        == "command refused: it matches the blocked pattern \"shutdown\"");
  f.ctx.limits.terminal_max_input_bytes = 2;
  REQUIRE_FALSE(f.call("background_terminal",
                       R"({"action":"start","command":"cat"})")
                  .is_error);
  CHECK(call(R"({"action":"write","id":"t1","input":"abc"})")
        == "input is over the limit of 2 bytes");
  CHECK(call(R"({"action":"write","id":"t1"})")
        == "missing required argument \"input\" (a string)");
}

} // TEST_SUITE
