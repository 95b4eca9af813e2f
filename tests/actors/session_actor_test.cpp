// Deterministic tests of the request path: client -> router -> session ->
// agent -> turn -> storage, on CAF's test coordinator with simulated time.
#include "actors/session_actor.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "support/actor_fixture.hpp"

using namespace wingman;
using test::actor_fixture;
using strings = std::vector<std::string>;

namespace {

protocol::echo_options slow_echo() {
  protocol::echo_options e;
  e.delay_ms = 400;
  e.chunks = 4;
  return e;
}

std::vector<protocol::message_record> history(actor_fixture& f,
                                              const std::string& agent,
                                              const std::string& key) {
  auto msgs = f.mem->list_messages(agent, key);
  REQUIRE(msgs);
  return *msgs;
}

} // namespace

TEST_SUITE("actors/session_actor") {

TEST_CASE("a request streams start, chunks and complete, and is stored") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "hello world");
  CHECK(f.conn(c).events("r1")
        == strings{"agent-start", "agent-stream", "agent-stream", "agent-stream",
                   "agent-stream", "agent-complete"});
  std::string streamed;
  for (auto& v : f.conn(c).about("r1"))
    streamed += v.text;
  CHECK(streamed == "hello world");
  CHECK(f.conn(c).about("r1").back().response == "hello world");
  auto msgs = history(f, "main", "agent:main:main");
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].role == "user");
  CHECK(msgs[0].content == "hello world");
  CHECK(msgs[0].request_id == "r1");
  CHECK(msgs[1].role == "assistant");
  CHECK(msgs[1].content == "hello world");
  auto pending = f.mem->list_all_pending();
  REQUIRE(pending);
  CHECK(pending->empty());
}

TEST_CASE("the user message is durable before agent-start is sent") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto c = f.connect("cli-1");
  caf::anon_send(f.clients[c], actors::inbound_text{
    R"({"type":"req:agent","id":"r1","payload":{"content":"x"},"timestamp":1})"});
  // Step message by message: whenever agent-start has been sent, the user
  // message and the queue entry are already in the store.
  while (f.sched.try_run_once()) {
    if (!f.conn(c).events("r1").empty()) {
      CHECK(history(f, "main", "agent:main:main").size() == 1);
      CHECK(f.mem->list_all_pending()->size() == 1);
      break;
    }
  }
  CHECK(f.conn(c).events("r1") == strings{"agent-start"});
}

TEST_CASE("a second request queues behind the running one and runs after it") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "first");
  f.request(c, "r2", "second");
  f.request(c, "r3", "third");
  CHECK(f.conn(c).events("r2") == strings{"ack:queued", "request-queued"});
  auto acks = f.conn(c).about("r3");
  REQUIRE(acks.size() == 2);
  CHECK(acks[0].event == "queued");
  CHECK(f.conn(c).frames.size() > 0);
  f.advance(400);  // r1 completes, r2 is dequeued and starts
  CHECK(f.conn(c).events("r1").back() == "agent-complete");
  CHECK(f.conn(c).events("r2")
        == strings{"ack:queued", "request-queued", "ack:dequeued", "agent-start"});
  f.advance(400);
  f.advance(400);
  CHECK(f.conn(c).events("r3").back() == "agent-complete");
  auto msgs = history(f, "main", "agent:main:main");
  REQUIRE(msgs.size() == 6);
  strings order;
  for (auto& m : msgs)
    order.push_back(m.role + ":" + m.content);
  // Each request's user message precedes its reply; requests run in order.
  CHECK(order == strings{"user:first", "user:second", "user:third",
                         "assistant:first", "assistant:second",
                         "assistant:third"});
}

TEST_CASE("queue positions count the requests waiting ahead") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a");
  f.request(c, "r2", "b");
  f.request(c, "r3", "c");
  auto has_position = [&](const std::string& id, const std::string& pos) {
    for (auto& fr : f.conn(c).frames)
      if (fr.find("\"id\":\"" + id + "\"") != std::string::npos
          && fr.find("\"position\":" + pos) != std::string::npos)
        return true;
    return false;
  };
  CHECK(has_position("r2", "1"));
  CHECK(has_position("r3", "2"));
}

TEST_CASE("queueIfBusy false on a busy session is refused with an agent-error") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a");
  f.request(c, "r2", "b", R"("queueIfBusy":false)");
  auto r2 = f.conn(c).about("r2");
  REQUIRE(r2.size() == 1);
  CHECK(r2[0].event == "agent-error");
  CHECK(r2[0].message == actors::session_busy_message);
  CHECK(r2[0].code == "SESSION_BUSY");
  f.advance(400);
  CHECK(f.conn(c).events("r1").back() == "agent-complete");
}

TEST_CASE("queueIfBusy false on an idle session runs normally") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a", R"("queueIfBusy":false)");
  CHECK(f.conn(c).events("r1").back() == "agent-complete");
}

TEST_CASE("a full queue refuses with QUEUE_FULL and keeps the others") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start({}, 2);
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a");  // running
  f.request(c, "r2", "b");  // queued 1
  f.request(c, "r3", "c");  // queued 2
  f.request(c, "r4", "d");  // over the depth
  auto r4 = f.conn(c).about("r4");
  REQUIRE(r4.size() == 1);
  CHECK(r4[0].code == "QUEUE_FULL");
  for (int i = 0; i < 3; ++i)
    f.advance(400);
  CHECK(f.conn(c).events("r3").back() == "agent-complete");
  CHECK(history(f, "main", "agent:main:main").size() == 6);
}

TEST_CASE("cancelling the running request ends it and starts the next") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a");
  f.request(c, "r2", "b");
  f.advance(100);  // one chunk of r1
  f.send(c, R"({"type":"req:agent:cancel","id":"k1","payload":{"requestId":"r1"},"timestamp":1})");
  auto k1 = f.conn(c).about("k1");
  REQUIRE(k1.size() == 1);
  CHECK(k1[0].event == "cancelled");
  auto r1 = f.conn(c).about("r1");
  CHECK(r1.back().event == "agent-error");
  CHECK(r1.back().message == "Request cancelled");
  // The ack is on the wire before the terminal event.
  size_t ack_at = 0, err_at = 0;
  for (size_t i = 0; i < f.conn(c).frames.size(); ++i) {
    auto v = protocol::view_frame(f.conn(c).frames[i]);
    if (v->id == "k1")
      ack_at = i;
    if (v->id == "r1" && v->event == "agent-error")
      err_at = i;
  }
  CHECK(ack_at < err_at);
  CHECK(f.conn(c).events("r2").back() == "agent-start");
  f.advance(1000);  // the killed turn sends nothing more
  size_t terminal = 0;
  for (auto& e : f.conn(c).events("r1"))
    terminal += (e == "agent-complete" || e == "agent-error");
  CHECK(terminal == 1);
  CHECK(f.conn(c).events("r2").back() == "agent-complete");
  // Only r2 got an assistant reply; nothing is left pending.
  auto msgs = history(f, "main", "agent:main:main");
  REQUIRE(msgs.size() == 3);
  CHECK(msgs[2].content == "b");
  CHECK(f.mem->list_all_pending()->empty());
}

TEST_CASE("cancelling a queued request answers cancelled_queued") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a");
  f.request(c, "r2", "b");
  f.send(c, R"({"type":"req:agent:cancel","id":"k2","payload":{"requestId":"r2"},"timestamp":1})");
  CHECK(f.conn(c).about("k2")[0].event == "cancelled_queued");
  CHECK(f.conn(c).events("r2").back() == "agent-error");
  f.advance(400);
  CHECK(f.conn(c).events("r1").back() == "agent-complete");
  CHECK(f.conn(c).events("r2").back() == "agent-error");  // never started
  CHECK(f.mem->list_all_pending()->empty());
}

TEST_CASE("cancelling an unknown request answers not_found") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  f.send(c, R"({"type":"req:agent:cancel","id":"k3","payload":{"requestId":"nope"},"timestamp":1})");
  CHECK(f.conn(c).about("k3")[0].event == "not_found");
}

TEST_CASE("cancelling another client's request is FORBIDDEN and changes nothing") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto a = f.connect("alice");
  auto b = f.connect("bob");
  f.request(a, "r1", "a");
  f.send(b, R"({"type":"req:agent:cancel","id":"k4","payload":{"requestId":"r1"},"timestamp":1})");
  auto k4 = f.conn(b).about("k4");
  REQUIRE(k4.size() == 1);
  CHECK(k4[0].type == "error");
  CHECK(k4[0].code == "FORBIDDEN");
  f.advance(400);
  CHECK(f.conn(a).events("r1").back() == "agent-complete");
}

TEST_CASE("subscribers receive every event of a session, whoever sent it") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto a = f.connect("alice");
  auto watcher = f.connect("watch");
  f.subscribe(watcher, "agent:main:main");
  CHECK(f.conn(watcher).about("s")[0].type == "ack");
  f.request(a, "r1", "hi");
  auto seen = f.conn(watcher).events("r1");
  CHECK(seen.front() == "session-message");
  CHECK(seen.back() == "agent-complete");
  CHECK(std::count(seen.begin(), seen.end(), "agent-start") == 1);
  // The requester gets no session-message echo of its own request.
  auto own = f.conn(a).events("r1");
  CHECK(std::count(own.begin(), own.end(), "session-message") == 0);
  // After unsubscribing, nothing more arrives.
  f.send(watcher, R"({"type":"session_unsubscribe","id":"s2","payload":{"sessionId":"agent:main:main"},"timestamp":1})");
  auto before = f.conn(watcher).frames.size();
  f.request(a, "r2", "again");
  CHECK(f.conn(watcher).frames.size() == before + 0);
}

TEST_CASE("a requester that is also subscribed gets each event once") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto a = f.connect("alice");
  f.subscribe(a, "agent:main:main");
  f.request(a, "r1", "hi");
  auto ev = f.conn(a).events("r1");
  CHECK(std::count(ev.begin(), ev.end(), "agent-start") == 1);
  CHECK(std::count(ev.begin(), ev.end(), "agent-complete") == 1);
}

TEST_CASE("UI clients get session-message echoes of sessions they do not watch") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto ui = f.connect("browser", "webui");
  auto cli = f.connect("other-cli", "cli");
  auto a = f.connect("alice");
  f.request(a, "r1", "new thread");
  CHECK(f.conn(ui).events("r1") == strings{"session-message"});
  CHECK(f.conn(cli).events("r1").empty());
}

TEST_CASE("the directory's UI count follows clients that become and stop being UIs") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto ui_count = [&] { return f.directory.ui_clients->load(); };
  auto ui = f.connect("browser", "webui");
  f.connect("other-cli", "cli");
  CHECK(ui_count() == 1);
  // Connecting again as a UI does not count it twice; as a CLI takes it off.
  f.send(ui, R"({"type":"connect","id":"c2","client":{"instanceId":"browser","clientType":"desktop"},"auth":{},"timestamp":1})");
  CHECK(ui_count() == 1);
  f.send(ui, R"({"type":"connect","id":"c3","client":{"instanceId":"browser","clientType":"cli"},"auth":{},"timestamp":1})");
  CHECK(ui_count() == 0);
  // A UI client that goes away takes itself off, and echoes stop being built.
  auto ui2 = f.connect("browser-2", "webui");
  CHECK(ui_count() == 1);
  caf::anon_send_exit(f.clients[ui2], caf::exit_reason::user_shutdown);
  f.run();
  CHECK(ui_count() == 0);
  auto a = f.connect("alice");
  f.request(a, "r1", "nobody watches");
  CHECK(f.conn(a).events("r1").back() == "agent-complete");
  CHECK(f.conn(ui).events("r1").empty());
  // A UI that connects later gets the echoes of new requests again.
  auto ui3 = f.connect("browser-3", "webui");
  f.request(a, "r2", "a UI watches");
  CHECK(f.conn(ui3).events("r2") == strings{"session-message"});
}

TEST_CASE("a client disconnect cancels nothing") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto a = f.connect("alice");
  auto watcher = f.connect("watch");
  f.subscribe(watcher, "agent:main:main");
  f.request(a, "r1", "one");
  f.request(a, "r2", "two");
  caf::anon_send_exit(f.clients[a], caf::exit_reason::user_shutdown);
  f.conns[a].reset();  // the socket is gone
  f.run();
  f.advance(1000);  // both turns (400 ms each) play out
  auto seen = f.conn(watcher).events("r2");
  CHECK(seen.back() == "agent-complete");
  CHECK(history(f, "main", "agent:main:main").size() == 4);
}

TEST_CASE("bindings pick the agent and the session key is derived") {
  actor_fixture f;
  f.add_agent("main");
  f.add_agent("support");
  protocol::binding b;
  b.agent_id = "support";
  b.match.channel = "webui";
  b.match.peer = protocol::peer_ref{"group", "g1"};
  f.start({b});
  auto c = f.connect("cli-1");
  f.request(c, "r1", "x",
            R"("routing":{"channel":"webui","peer":{"kind":"group","id":"g1"}})");
  f.request(c, "r2", "y", R"("routing":{"channel":"webui"})");
  CHECK(history(f, "support", "agent:support:webui:group:g1").size() == 2);
  CHECK(history(f, "main", "agent:main:webui:main").size() == 2);
}

TEST_CASE("an explicit unknown agent is an agent-error") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "x", R"("agentId":"ghost")");
  auto r1 = f.conn(c).about("r1");
  REQUIRE(r1.size() == 1);
  CHECK(r1[0].message == "Agent \"ghost\" not found");
}

TEST_CASE("empty content without attachments is an agent-error") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "");
  auto r1 = f.conn(c).about("r1");
  REQUIRE(r1.size() == 1);
  CHECK(r1[0].event == "agent-error");
  CHECK(r1[0].message == "Missing agent content");
}

TEST_CASE("the same agent and key under two agents are two sessions") {
  actor_fixture f;
  f.add_agent("main");
  f.add_agent("other");
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "m", R"("sessionKey":"shared")");
  f.request(c, "r2", "o", R"("sessionKey":"shared","agentId":"other")");
  CHECK(history(f, "main", "shared").size() == 2);
  CHECK(history(f, "other", "shared").size() == 2);
}

TEST_CASE("a storage failure answers STORAGE_FAILURE and the session recovers") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  f.store->fail_writes = true;
  f.request(c, "r1", "lost?");
  auto r1 = f.conn(c).about("r1");
  REQUIRE(r1.size() == 1);
  CHECK(r1[0].code == "STORAGE_FAILURE");
  f.store->fail_writes = false;
  f.request(c, "r2", "works");
  CHECK(f.conn(c).events("r2").back() == "agent-complete");
  auto msgs = history(f, "main", "agent:main:main");
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].content == "works");
}

TEST_CASE("durable queue entries run again, in order, when the router starts") {
  actor_fixture f;
  f.add_agent("main");
  // Simulate a crash that left two accepted requests in the store.
  storage::write_batch b;
  for (uint64_t seq : {5, 7}) {
    protocol::pending_request p;
    p.seq = seq;
    p.agent_id = "main";
    p.session_key = "agent:main:main";
    p.request_id = "q" + std::to_string(seq);
    p.owner = "alice";
    p.request.content = "recovered " + std::to_string(seq);
    b.ops.push_back(storage::put_pending{p});
  }
  protocol::session_record rec;
  rec.agent_id = "main";
  rec.id = "agent:main:main";
  rec.next_seq = 8;
  b.ops.push_back(storage::put_session{rec});
  REQUIRE(f.mem->apply(b));
  f.start();
  auto msgs = history(f, "main", "agent:main:main");
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].content == "recovered 5");
  CHECK(msgs[1].content == "recovered 7");
  CHECK(f.mem->list_all_pending()->empty());
}

TEST_CASE("a duplicate pending request id from one client is refused") {
  actor_fixture f;
  f.add_agent("main", slow_echo());
  f.start();
  auto c = f.connect("cli-1");
  f.request(c, "r1", "a");
  f.request(c, "r1", "again");
  auto r1 = f.conn(c).about("r1");
  bool refused = false;
  for (auto& v : r1)
    refused |= (v.type == "error" && v.code == "INVALID_REQUEST");
  CHECK(refused);
}

TEST_CASE("an idle session actor stops after the idle timeout and comes back") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  for (int i = 0; i < 20; ++i) {  // subscribe and leave: 20 session actors
    f.subscribe(c, "agent:main:k" + std::to_string(i));
    f.subscribe(c, "agent:main:k" + std::to_string(i), false);
  }
  CHECK(f.metrics->active_sessions.load() == 20);
  f.advance(59'000);
  CHECK(f.metrics->active_sessions.load() == 20);  // not before the timeout
  f.advance(2'000);
  CHECK(f.metrics->active_sessions.load() == 0);
  f.request(c, "r1", "still works", R"("sessionKey":"agent:main:k3")");
  CHECK(f.conn(c).events("r1").back() == "agent-complete");
}

TEST_CASE("the idle timeout counts from when the session last went idle") {
  actor_fixture f;
  f.add_agent("main");
  f.start();
  auto c = f.connect("cli-1");
  f.subscribe(c, "agent:main:k");
  f.subscribe(c, "agent:main:k", false);
  CHECK(f.metrics->active_sessions.load() == 1);
  f.advance(30'000);
  f.request(c, "r1", "busy for a moment", R"("sessionKey":"agent:main:k")");
  CHECK(f.conn(c).events("r1").back() == "agent-complete");
  f.advance(31'000);  // the first timer fires 60 s after the unsubscribe
  CHECK(f.metrics->active_sessions.load() == 1);  // idle for 31 s only
  f.advance(30'000);  // 61 s after the turn
  CHECK(f.metrics->active_sessions.load() == 0);
}

TEST_CASE("a session with a subscriber or a queued request does not stop") {
  actor_fixture f;
  protocol::echo_options slow;
  slow.delay_ms = 120'000;  // a two-minute turn
  slow.chunks = 2;
  f.add_agent("main", slow);
  f.start();
  auto c = f.connect("cli-1");
  f.subscribe(c, "agent:main:watched");
  f.request(c, "r1", "long", R"("sessionKey":"agent:main:busy")");
  f.advance(90'000);
  CHECK(f.metrics->active_sessions.load() == 2);
  f.advance(31'000);  // the turn ends at 120 s; idle from then on
  CHECK(f.conn(c).events("r1").back() == "agent-complete");
  f.advance(61'000);
  CHECK(f.metrics->active_sessions.load() == 1);  // the watched one stays
}

} // TEST_SUITE
