// Regression tests for races found in review: a cancel that arrives before
// the agent's reply carrying the turn handle, and a failed storage write
// followed by requests that must not reuse another request's sequence numbers.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include "support/actor_fixture.hpp"

using namespace wingman;
using test::actor_fixture;

namespace {
int ticks = 0;
caf::actor the_turn;
using delay_atom = caf::atom_constant<caf::atom("delay")>;

actors::turn_actor::behavior_type fake_turn(actors::turn_actor::pointer self) {
  self->delayed_send(self, std::chrono::milliseconds{50}, actors::tick_atom::value);
  return {[=](actors::tick_atom) {
    ++ticks;
    if (ticks < 100)
      self->delayed_send(self, std::chrono::milliseconds{50}, actors::tick_atom::value);
  }};
}

} // namespace

TEST_SUITE("regress/session_races") {

TEST_CASE("a turn whose request was cancelled before its handle arrived is stopped") {
  actor_fixture f;
  protocol::agent_config a; a.id = "main"; a.name = "main";
  // A typed agent cannot accept delay_atom, so use a plain actor behind an actor_cast.
  auto agent = f.sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    auto rp = std::make_shared<caf::response_promise>();
    return {
      [=](actors::start_turn&) {
        *rp = self->make_response_promise();
        self->delayed_send(self, std::chrono::milliseconds{500}, delay_atom::value);
        return *rp;
      },
      [=](delay_atom) {
        auto t = self->system().spawn(fake_turn);
        the_turn = caf::actor_cast<caf::actor>(t);
        rp->deliver(actors::turn_started{t});
      },
    };
  });
  f.agents.push_back({a, caf::actor_cast<actors::agent_actor>(agent)});
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a");
  f.send(c, R"({"type":"req:agent:cancel","id":"k1","payload":{"requestId":"r1"},"timestamp":1})");
  auto r1 = f.conn(c).events("r1");
  CHECK(r1.back() == "agent-error");
  f.advance(600);   // the agent replies with the turn handle now
  int at_reply = ticks;
  f.advance(1000);
  CHECK(ticks == at_reply);  // fails if the turn was never stopped
  caf::anon_send_exit(agent, caf::exit_reason::kill);
  if (the_turn) caf::anon_send_exit(the_turn, caf::exit_reason::kill);
  the_turn = nullptr;
}

namespace {
bool queued(actor_fixture& f, const caf::abstract_actor* a) {
  for (auto* j : f.sched.jobs)
    if (dynamic_cast<caf::abstract_actor*>(j) == a)
      return true;
  return false;
}
std::string req(const std::string& id, const std::string& content) {
  return R"({"type":"req:agent","id":")" + id + R"(","payload":{"content":")"
         + content + R"("},"timestamp":1})";
}
} // namespace

TEST_CASE("a failed write does not let later requests reuse sequence numbers") {
  actor_fixture f;
  protocol::echo_options slow; slow.delay_ms = 400; slow.chunks = 4;
  f.add_agent("main", slow);
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r0", "zero");  // runs (no time passes): the rest queue
  auto* storage = caf::actor_cast<caf::abstract_actor*>(f.storage);
  auto* client = caf::actor_cast<caf::abstract_actor*>(f.clients[c]);
  auto* router = caf::actor_cast<caf::abstract_actor*>(f.router);
  caf::anon_send(f.clients[c], actors::inbound_text{req("rF", "fails")});
  while (!queued(f, storage)) {
    f.sched.run_once();              // client -> router -> session -> storage
  }
  caf::anon_send(f.clients[c], actors::inbound_text{req("rS", "survivor")});
  f.sched.prioritize(client); f.sched.run_once();
  f.sched.prioritize(router); f.sched.run_once();  // enqueue rS waits in the session
  f.store->fail_writes = true;
  while (queued(f, storage)) { f.sched.prioritize(storage); f.sched.run_once(); } // flush of rF fails
  f.store->fail_writes = false;
  f.run();
  CHECK(f.conn(c).about("rF").back().code == "STORAGE_FAILURE");
  f.request(c, "r3", "three");
  f.request(c, "r4", "four");
  auto msgs = f.mem->list_messages("main", "agent:main:main", 100);
  REQUIRE(msgs);
  std::string contents;
  for (auto& m : *msgs) contents += m.content + "|";
  auto pend = f.mem->list_all_pending();
  CHECK(contents.find("survivor") != std::string::npos);
  CHECK(pend->size() == 4);  // r0 (running), rS, r3, r4
}

} // TEST_SUITE
