#include "providers/tools/tool_executor.hpp"

#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "providers/tools/tool_args.hpp"
#include "tests/providers/tools/process_support.hpp"
#include "tests/providers/tools/tool_fixture.hpp"

using namespace wingman::tools;
using namespace wingman::tools::test;

namespace {

/// Collects one result and the thread it arrived on.
struct outcome {
  std::promise<std::pair<tool_result, std::thread::id>> promise;
  std::future<std::pair<tool_result, std::thread::id>> future
    = promise.get_future();

  tool_executor::done_fn done() {
    return [this](tool_result r) {
      promise.set_value({std::move(r), std::this_thread::get_id()});
    };
  }
};

} // namespace

TEST_SUITE("providers/tools/tool_executor") {

TEST_CASE("every built-in tool is registered with a JSON object schema") {
  tool_executor ex;
  std::set<std::string> names;
  for (const auto& s : ex.registry().specs()) {
    names.insert(s.name);
    CHECK_FALSE(s.description.empty());
    CAPTURE(s.name);
    CHECK(tool_args::parse(s.parameters_json_schema, 1u << 20));
    CHECK(has(s.parameters_json_schema, R"("type":"object")"));
  }
  CHECK(names
        == std::set<std::string>{"ls", "read_file", "write_file", "edit_file",
                                 "glob", "grep", "command_execute",
                                 "background_terminal"});
}

TEST_CASE("a submitted call completes once, on an executor thread") {
  tool_fixture f;
  tool_executor ex;
  outcome o;
  ex.submit("write_file", R"({"path":"a.txt","content":"hi"})", f.ctx,
            o.done());
  auto [result, thread] = o.future.get();
  CHECK_FALSE(result.is_error);
  CHECK(result.content == "wrote 2 bytes to a.txt");
  CHECK(thread != std::this_thread::get_id());
  CHECK(f.get(f.work + "/a.txt") == "hi");
}

TEST_CASE("many calls each complete exactly once") {
  tool_fixture f;
  tool_executor ex;
  constexpr int calls = 20;
  std::mutex mtx;
  int count = 0;
  std::promise<void> all;
  for (int i = 0; i < calls; ++i)
    ex.submit("ls", "{}", f.ctx, [&](tool_result r) {
      std::lock_guard<std::mutex> guard{mtx};
      CHECK_FALSE(r.is_error);
      if (++count == calls)
        all.set_value();
    });
  all.get_future().get();
  std::lock_guard<std::mutex> guard{mtx};
  CHECK(count == calls);
}

TEST_CASE("errors reach the callback like results") {
  tool_fixture f;
  tool_executor ex;
  outcome unknown;
  ex.submit("nope", "{}", f.ctx, unknown.done());
  CHECK(has(unknown.future.get().first.content, "unknown tool \"nope\""));
  outcome denied;
  f.ctx.allowed_tools = {"ls"};
  ex.submit("command_execute", R"({"command":"true"})", f.ctx,
            denied.done());
  CHECK(denied.future.get().first.content
        == "tool \"command_execute\" is not enabled for this agent");
}

TEST_CASE("cancel stops a running command and a queued call") {
  become_subreaper();
  tool_fixture f;
  tool_limits one_thread;
  one_thread.executor_threads = 1;
  tool_executor ex{one_thread};
  auto fifo = f.base + "/started";
  make_fifo(fifo);
  outcome running;
  outcome queued;
  auto h1 = ex.submit("command_execute",
                      R"({"command":"sleep 1000 & echo $! > )" + fifo
                        + R"(; wait"})",
                      f.ctx, running.done());
  auto h2 = ex.submit("ls", "{}", f.ctx, queued.done());
  auto grandchild = static_cast<pid_t>(std::stol(read_fifo_line(fifo)));
  h2.cancel();
  h1.cancel();
  h1.cancel();  // twice: harmless
  auto first = running.future.get().first;
  CHECK(first.is_error);
  CHECK(first.content == "cancelled");
  CHECK(killed_and_gone(grandchild));
  auto second = queued.future.get().first;
  CHECK(second.is_error);
  CHECK(second.content == "cancelled");
  tool_executor::cancel_handle empty;
  empty.cancel();  // a default handle does nothing
}

TEST_CASE("cancel wakes a waiting terminal read") {
  tool_fixture f;
  tool_executor ex;
  outcome started;
  ex.submit("background_terminal", R"({"action":"start","command":"cat"})",
            f.ctx, started.done());
  REQUIRE_FALSE(started.future.get().first.is_error);
  // The read waits for output that never comes, until cancelled. A read
  // that has not started waiting yet sees the flag before it waits.
  outcome reading;
  auto h = ex.submit("background_terminal",
                     R"({"action":"read","id":"t1","wait_ms":30000})", f.ctx,
                     reading.done());
  h.cancel();
  auto r = reading.future.get().first;
  CHECK(r.is_error);
  CHECK(r.content == "cancelled");
}

TEST_CASE("destroying the executor answers every call and kills processes") {
  become_subreaper();
  tool_fixture f;
  auto fifo = f.base + "/started";
  make_fifo(fifo);
  outcome running;
  outcome queued;
  pid_t grandchild = 0;
  {
    tool_limits one_thread;
    one_thread.executor_threads = 1;
    tool_executor ex{one_thread};
    ex.submit("command_execute",
              R"({"command":"sleep 1000 & echo $! > )" + fifo
                + R"(; wait"})",
              f.ctx, running.done());
    ex.submit("ls", "{}", f.ctx, queued.done());
    grandchild = static_cast<pid_t>(std::stol(read_fifo_line(fifo)));
  }
  CHECK(running.future.get().first.content == "cancelled");
  CHECK(queued.future.get().first.content == "cancelled");
  CHECK(killed_and_gone(grandchild));
}

} // TEST_SUITE
