// The routine engine on CAF's test coordinator: simulated time drives both
// the timers and the injected wall clock, so "a minute passes" is exact.
#include "actors/routine_actor.hpp"

#include <ctime>
#include <memory>

#include <doctest/doctest.h>

#include "protocol/automation.hpp"
#include "support/actor_fixture.hpp"

using namespace wingman;
using namespace wingman::actors;
using wingman::test::actor_fixture;

namespace {

int64_t utc(int y, int mo, int d, int h, int mi, int s = 0) {
  std::tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = s;
  return static_cast<int64_t>(timegm(&t)) * 1000;
}

struct routine_fixture : actor_fixture {
  /// Wall clock = `wall0` + simulated time elapsed since construction.
  int64_t wall0 = utc(2026, 11, 22, 12, 0, 30);
  caf::actor_clock::time_point t0;
  routines_actor engine;

  routine_fixture() {
    add_agent("main");
    start();
    t0 = sched.clock().now();
    spawn_engine();
  }

  ~routine_fixture() {
    if (engine)
      caf::anon_send_exit(engine, caf::exit_reason::kill);
    run();
  }

  int64_t now() const {
    return wall0 + std::chrono::duration_cast<std::chrono::milliseconds>(
                     sched.clock().now() - t0).count();
  }

  void spawn_engine() {
    routine_env env;
    env.router = router;
    env.storage = storage;
    env.store = store;
    env.now_ms = [this] { return now(); };
    env.max_runs = 5;
    engine = spawn_routines(sys, env);
    run();
  }

  /// A gateway restart after `downtime_ms` of wall-clock time.
  void restart_engine(int64_t downtime_ms) {
    caf::anon_send_exit(engine, caf::exit_reason::kill);
    run();
    wall0 += downtime_ms;
    spawn_engine();
  }

  template <class Message>
  routine_outcome ask(Message msg) {
    auto out = std::make_shared<routine_outcome>();
    out->status = 0;
    auto target = engine;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(target, caf::infinite, msg).then([=](routine_outcome& o) {
        *out = o;
        self->quit();
      });
    });
    run();
    return *out;
  }

  protocol::routine_record make(const std::string& cron = "* * * * *",
                                const std::string& policy = "skip") {
    protocol::routine_record r;
    r.id = "rt_1";
    r.name = "Digest";
    r.agent_id = "main";
    r.cron = cron;
    r.prompt = "summarize";
    r.missed_run_policy = policy;
    r.created_at = now();
    return r;
  }

  protocol::routine_record stored(const std::string& id = "rt_1") {
    auto raw = store->get_object(storage::object_table::routines, id);
    REQUIRE(raw);
    REQUIRE(raw->has_value());
    auto rec = protocol::decode_routine(**raw);
    REQUIRE(rec);
    return *rec;
  }

  std::vector<protocol::routine_run_record> history(const std::string& id = "rt_1") {
    std::vector<protocol::routine_run_record> out;
    auto raw = store->list_objects(storage::object_table::routine_runs, id + "/");
    REQUIRE(raw);
    for (auto& json : *raw) {
      auto run = protocol::decode_routine_run(json);
      REQUIRE(run);
      out.push_back(*run);
    }
    return out;
  }

  size_t session_messages() {
    auto m = store->list_messages("main", "agent:main:routine:rt_1", 100);
    REQUIRE(m);
    return m->size();
  }
};

} // namespace

TEST_SUITE("actors/routines") {

TEST_CASE("an every-minute routine fires once a minute into its session") {
  routine_fixture f;
  auto created = f.ask(routine_put{f.make(), true, true});
  CHECK(created.status == 201);
  CHECK(f.stored().next_run_at == utc(2026, 11, 22, 12, 1));
  f.advance(29'000);
  CHECK(f.history().empty());  // 12:00:59.5: not yet
  f.advance(1'000);
  auto runs = f.history();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == "ok");
  CHECK(runs[0].trigger == "schedule");
  CHECK(runs[0].scheduled_at == utc(2026, 11, 22, 12, 1));
  CHECK(runs[0].session_id == "agent:main:routine:rt_1");
  CHECK(f.session_messages() == 2);  // the prompt and the reply
  CHECK(f.stored().last_run_at == utc(2026, 11, 22, 12, 1));
  CHECK(f.stored().next_run_at == utc(2026, 11, 22, 12, 2));
  f.advance(60'000);
  runs = f.history();
  REQUIRE(runs.size() == 2);
  CHECK(runs[1].scheduled_at == utc(2026, 11, 22, 12, 2));
  CHECK(f.session_messages() == 4);
}

TEST_CASE("disabling stops the fires, re-enabling does not catch up") {
  routine_fixture f;
  f.ask(routine_put{f.make(), true, true});
  f.advance(30'000);
  REQUIRE(f.history().size() == 1);
  auto off = f.make();
  off.enabled = false;
  CHECK(f.ask(routine_put{off, false, false}).status == 200);
  CHECK(f.stored().next_run_at == 0);
  f.advance(180'000);
  CHECK(f.history().size() == 1);
  CHECK(f.ask(routine_put{f.make(), false, true}).status == 200);
  CHECK(f.history().size() == 1);
  CHECK(f.stored().next_run_at == utc(2026, 11, 22, 12, 5));
}

TEST_CASE("a restart neither repeats nor loses a fire") {
  routine_fixture f;
  f.ask(routine_put{f.make("* * * * *", "run-once"), true, true});
  f.advance(30'000);  // fired for 12:01
  REQUIRE(f.history().size() == 1);
  f.restart_engine(0);  // back at once, 12:01:00
  CHECK(f.history().size() == 1);
  f.advance(60'000);
  auto runs = f.history();
  REQUIRE(runs.size() == 2);
  CHECK(runs[1].scheduled_at == utc(2026, 11, 22, 12, 2));
  CHECK(runs[1].trigger == "schedule");
}

TEST_CASE("after downtime, run-once catches up once") {
  routine_fixture f;
  f.ask(routine_put{f.make("* * * * *", "run-once"), true, true});
  f.restart_engine(10 * 60'000);  // down for ten minutes: ten fires missed
  auto runs = f.history();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].trigger == "catch-up");
  CHECK(runs[0].scheduled_at == utc(2026, 11, 22, 12, 1));
  CHECK(runs[0].status == "ok");
  CHECK(f.stored().next_run_at == utc(2026, 11, 22, 12, 11));
}

TEST_CASE("after downtime, skip records the miss and runs nothing") {
  routine_fixture f;
  f.ask(routine_put{f.make("* * * * *", "skip"), true, true});
  f.restart_engine(10 * 60'000);
  auto runs = f.history();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == "skipped");
  CHECK(f.session_messages() == 0);
  CHECK(f.stored().next_run_at == utc(2026, 11, 22, 12, 11));
}

TEST_CASE("run now works on a disabled routine and answers with the request") {
  routine_fixture f;
  auto r = f.make();
  r.enabled = false;
  f.ask(routine_put{r, true, true});
  auto out = f.ask(routine_run_now{"rt_1"});
  CHECK(out.status == 200);
  CHECK(out.body.find("\"sessionId\":\"agent:main:routine:rt_1\"") != std::string::npos);
  auto runs = f.history();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].trigger == "manual");
  CHECK(runs[0].status == "ok");
  CHECK(out.body.find(runs[0].request_id) != std::string::npos);
  CHECK(f.ask(routine_run_now{"rt_missing"}).status == 404);
}

TEST_CASE("run now with wait answers with the stored outcome") {
  routine_fixture f;
  f.ask(routine_put{f.make(), true, true});
  auto out = f.ask(routine_run_now{"rt_1", true});
  CHECK(out.status == 200);
  auto run = protocol::decode_routine_run(out.body);
  REQUIRE(run);
  CHECK(run->status == "ok");
  CHECK(run->finished_at >= run->started_at);
  auto runs = f.history();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == "ok");  // stored before the answer
  auto ghost = f.make();
  ghost.id = "rt_2";
  ghost.agent_id = "ghost";
  f.ask(routine_put{ghost, true, true});
  auto failed = f.ask(routine_run_now{"rt_2", true});
  CHECK(failed.status == 502);
  CHECK(failed.body.find("\"status\":\"error\"") != std::string::npos);
}

TEST_CASE("a fire that cannot be recorded is not sent, and is retried") {
  routine_fixture f;
  f.ask(routine_put{f.make(), true, true});
  f.store->fail_writes = true;
  f.advance(30'000);
  CHECK(f.session_messages() == 0);  // nothing sent without its record
  f.store->fail_writes = false;
  f.advance(5'000);
  auto runs = f.history();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].scheduled_at == utc(2026, 11, 22, 12, 1));
  CHECK(f.session_messages() == 2);
}

TEST_CASE("a run for a removed agent is recorded as an error") {
  routine_fixture f;
  auto r = f.make();
  r.agent_id = "ghost";
  f.ask(routine_put{r, true, true});
  f.advance(30'000);
  auto runs = f.history();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == "error");
  CHECK_FALSE(runs[0].error.empty());
  CHECK(runs[0].finished_at > 0);
}

TEST_CASE("history is capped, erase removes the routine and its runs") {
  routine_fixture f;
  f.ask(routine_put{f.make(), true, true});
  f.advance(30'000 + 7 * 60'000);
  auto runs = f.history();
  CHECK(runs.size() == 5);  // env.max_runs
  CHECK(runs.back().scheduled_at == utc(2026, 11, 22, 12, 8));
  CHECK(f.ask(routine_erase{"rt_1"}).status == 200);
  CHECK(f.history().empty());
  CHECK_FALSE(f.store->get_object(storage::object_table::routines, "rt_1")->has_value());
  f.advance(120'000);
  CHECK(f.history().empty());
  CHECK(f.ask(routine_erase{"rt_1"}).status == 404);
}

}
