#include "actors/session_actor.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/history_tail.hpp"
#include "actors/log.hpp"
#include "actors/request_queue.hpp"
#include "protocol/codec.hpp"

namespace wingman::actors {

namespace {

using protocol::error_code;

/// Storage and agent requests carry no timeout: a request with one arms a
/// CAF timer per message (measured: ~26,000 timer-thread wake-ups in 3 s at
/// 2,000 turns/s). Both answer every request they take (a failed commit is
/// a `write_ack` with an error), and a request to an actor that is gone
/// fails at once (`request_receiver_down`).
constexpr auto no_timeout = caf::infinite;

/// What a queued request carries besides its queue bookkeeping.
struct request_payload {
  protocol::agent_request req;
  peer from;  ///< Invalid for requests recovered after a restart.
};

using queue_type = request_queue<request_payload>;
using entry = queue_type::entry;

/// The request whose turn is running.
struct running_turn {
  entry req;
  uint64_t turn_seq = 0;
  std::string run_id;
  turn_actor turn;
  bool finishing = false;  ///< Terminal event is being persisted.
  bool cancelled = false;  ///< Cancel arrived before the turn handle.
};

struct session_state {
  session_config cfg;
  protocol::session_record record;
  queue_type queue;
  std::optional<running_turn> running;
  std::vector<peer> subscribers;
  uint64_t turn_counter = 0;
  bool stored = false;  ///< The record exists in the store.
  uint64_t received = 0;       ///< Messages received from the router.
  int writes_in_flight = 0;
  /// When the session last became idle; unset while it is not idle.
  std::optional<caf::actor_clock::time_point> idle_since;
  bool idle_timer = false;     ///< An `idle_atom` timer is on its way.
  /// Decoded newest messages for provider turns (disabled for echo).
  history_tail tail{0, 0};
  static inline const char* name = "session";

  /// Nothing runs, waits, watches or is being written.
  bool is_idle() const {
    return !running && queue.empty() && subscribers.empty()
           && writes_in_flight == 0;
  }

  session_state() = default;
  session_state(const session_state&) = delete;
  session_state& operator=(const session_state&) = delete;

  // Cleanup lives here, not in attach_functor: CAF 0.17 runs attached
  // functors after it destroyed the state.
  ~session_state() {
    if (cfg.metrics)
      bump(cfg.metrics->active_sessions, -1);
    if (running && running->turn)
      caf::anon_send_exit(running->turn, caf::exit_reason::kill);
  }

  // -- encoding ---------------------------------------------------------------

  protocol::event_context ctx(const entry& e) const {
    return {e.request_id, e.payload.from.instance_id, cfg.session_key,
            cfg.agent_id, protocol::now_ms()};
  }

  // -- fan-out ----------------------------------------------------------------

  /// Sends `frame` to the requester and every subscriber, once each.
  void fanout(const transport::shared_frame& frame, const peer& requester) {
    if (requester.valid())
      requester.send(frame);
    for (auto& s : subscribers)
      if (!requester.valid() || s.client != requester.client)
        s.send(frame);
  }

  void send_event(const entry& e, std::string bytes) {
    fanout(transport::make_frame(std::move(bytes)), e.payload.from);
  }

  /// Sends only to the requester (acks, `request-queued`).
  static void to_requester(const entry& e, std::string bytes) {
    if (e.payload.from.valid())
      e.payload.from.send(transport::make_frame(std::move(bytes)));
  }

  // -- records ----------------------------------------------------------------

  /// (Re)loads the record from the store. `next_seq` never goes backwards:
  /// writes still in flight (or a cancelled entry's queue removal) use the
  /// numbers handed out so far, and reusing one would overwrite or erase
  /// another request's keys.
  void load_record() {
    auto floor = record.next_seq;
    auto rec = cfg.store->get_session(cfg.agent_id, cfg.session_key);
    if (rec && rec.value()) {
      record = std::move(*rec.value());
      stored = true;
    } else {
      stored = false;
      if (!rec)
        log::actors()->error("session load failed agent={} session={} error={}",
                             cfg.agent_id, cfg.session_key, rec.error().message);
      record = protocol::session_record{};
      record.agent_id = cfg.agent_id;
      record.id = cfg.session_key;
      record.name = cfg.session_key;
      record.created_at = record.updated_at = protocol::now_ms();
    }
    record.next_seq = std::max(record.next_seq, floor);
  }

  protocol::message_record add_message(std::string role, std::string content,
                                       std::string request_id,
                                       std::vector<protocol::attachment> atts) {
    protocol::message_record m;
    m.seq = record.next_seq++;
    m.id = cfg.agent_id + "/" + cfg.session_key + "#" + std::to_string(m.seq);
    m.role = std::move(role);
    m.created_at = protocol::now_ms();
    m.request_id = std::move(request_id);
    m.attachments = std::move(atts);
    m.content = std::move(content);
    record.message_count++;
    record.updated_at = m.created_at;
    record.last_message_preview = protocol::preview(m.content, 120);
    return m;
  }

  /// The write of message `m`, which also joins the history tail.
  storage::put_message put(protocol::message_record m) {
    tail.append(m);
    return storage::put_message{cfg.agent_id, cfg.session_key, std::move(m)};
  }

  storage::erase_pending unqueue(uint64_t seq) const {
    return storage::erase_pending{cfg.agent_id, cfg.session_key, seq};
  }

  void finished(const entry& e) {
    caf::anon_send(cfg.router, request_finished{e.request_id, e.owner});
  }
};

using session_pointer = session_actor::stateful_pointer<session_state>;

// -- helpers that send (free functions keep the behavior list short) ---------

/// Passivation: once the session has been idle (nothing runs, waits,
/// watches or is being written) for `idle_timeout`, the router is asked to
/// stop it; the router agrees only if nothing is in flight to it.
///
/// At most one timer is outstanding per session. A busy session goes idle
/// between most turns, and arming a timer each time cost a clock-thread
/// wake-up per turn; instead the timer, when it fires early, is re-armed for
/// what is left of the wait.
void arm_idle_timer(session_pointer self, caf::actor_clock::duration_type wait) {
  self->state.idle_timer = true;
  self->delayed_send(self, wait, idle_atom::value);
}

/// Notes whether the session just became idle or busy (after each message).
void check_idle(session_pointer self) {
  auto& st = self->state;
  if (!st.is_idle()) {
    st.idle_since.reset();
    return;
  }
  if (!st.idle_since)
    st.idle_since = self->clock().now();  // the test coordinator's in tests
  if (!st.idle_timer)
    arm_idle_timer(self, st.cfg.idle_timeout);
}

void on_idle_timer(session_pointer self) {
  auto& st = self->state;
  st.idle_timer = false;
  if (!st.idle_since || !st.is_idle())
    return;  // busy again: check_idle re-arms when it next goes idle
  auto waited = self->clock().now() - *st.idle_since;
  if (waited < st.cfg.idle_timeout) {
    arm_idle_timer(self, st.cfg.idle_timeout - waited);
    return;
  }
  caf::anon_send(st.cfg.router,
                 session_idle{st.cfg.agent_id, st.cfg.session_key, st.received});
}

/// Writes `batch`, then calls `ok()` or `fail(error)` in this actor.
template <class Ok, class Fail>
void write(session_pointer self, storage::write_batch batch, Ok ok, Fail fail) {
  self->state.writes_in_flight++;
  self
    ->request(self->state.cfg.storage, no_timeout,
              write_request{std::move(batch)})
    .then(
      [=](write_ack& ack) mutable {
        self->state.writes_in_flight--;
        if (ack.ok) {
          ok();
        } else {
          self->state.tail.drop();  // it may hold messages the store refused
          fail(ack.error);
        }
        check_idle(self);
      },
      [=](caf::error& err) mutable {
        self->state.writes_in_flight--;
        self->state.tail.drop();
        fail(self->system().render(err));
        check_idle(self);
      });
}

void start_next(session_pointer self);
void on_delta(session_pointer self, uint64_t turn_seq, const std::string& text);
void on_completed(session_pointer self, uint64_t turn_seq, std::string response,
                  const protocol::usage_info& usage);

/// True if `turn_seq` is the running turn and its end is not being written.
bool is_current(session_pointer self, uint64_t turn_seq) {
  auto& st = self->state;
  return st.running && st.running->turn_seq == turn_seq && !st.running->finishing;
}

/// Ends `e` with an agent-error (the request is already out of the queue).
void fail_entry(session_pointer self, const entry& e, std::string message,
                error_code code) {
  auto& st = self->state;
  st.send_event(e, protocol::encode_agent_error(st.ctx(e), message, code));
  st.finished(e);
}

/// Refuses a request before it is queued.
void refuse(session_pointer self, const enqueue_request& m, std::string message,
            error_code code) {
  auto& st = self->state;
  protocol::event_context c{m.request_id, m.from.instance_id, st.cfg.session_key,
                            st.cfg.agent_id, protocol::now_ms()};
  if (m.from.valid())
    m.from.send(transport::make_frame(
      protocol::encode_agent_error(c, message, code)));
  caf::anon_send(st.cfg.router, request_finished{m.request_id, m.owner});
}

/// Sends the `session-message` echo of `e`'s user message to subscribers
/// other than the requester, and to UI clients that are not subscribed
/// (they discover new threads this way). Nothing is encoded when nobody
/// would receive it (the common case: no subscriber, no UI connected).
void echo_user_message(session_pointer self, const entry& e) {
  auto& st = self->state;
  auto& from = e.payload.from;
  auto is_requester = [&](const peer& p) {
    return from.valid() && p.client == from.client;
  };
  bool to_uis = st.cfg.directory.has_ui();
  if (!to_uis && std::all_of(st.subscribers.begin(), st.subscribers.end(), is_requester))
    return;
  auto echo = transport::make_frame(
    protocol::encode_session_message(st.ctx(e), e.payload.req));
  for (auto& s : st.subscribers)
    if (!is_requester(s))
      s.send(echo);
  if (!to_uis)
    return;
  std::vector<caf::actor_addr> exclude;
  exclude.reserve(st.subscribers.size() + 1);
  for (auto& s : st.subscribers)
    exclude.push_back(s.client);
  if (from.valid())
    exclude.push_back(from.client);
  caf::anon_send(st.cfg.directory.actor, echo_to_ui{echo, std::move(exclude)});
}

/// The user message of `seq` is durable: echo it, then start or queue it.
void on_persisted(session_pointer self, uint64_t seq) {
  auto& st = self->state;
  auto* e = st.queue.find(seq);
  if (!e)
    return;
  e->persisted = true;
  if (st.cfg.metrics)
    bump(st.cfg.metrics->requests_accepted, 1);
  echo_user_message(self, *e);
  if (e->cancelled) {
    auto gone = *e;
    st.queue.erase(seq);
    write(self, {{st.unqueue(seq)}},
          [=] { fail_entry(self, gone, "Request cancelled", error_code::cancelled); },
          [=](const std::string&) {
            fail_entry(self, gone, "Request cancelled", error_code::cancelled);
          });
    return;
  }
  if (!st.running && st.queue.position(seq) == 1) {
    start_next(self);
    return;
  }
  auto pos = st.queue.position(seq);
  e->announced = true;
  auto c = st.ctx(*e);
  st.to_requester(*e, protocol::encode_ack_queued(e->request_id, st.cfg.session_key,
                                                  st.cfg.agent_id, pos, c.ts));
  st.to_requester(*e, protocol::encode_request_queued(c, pos));
}

/// Starts the head of the queue if nothing runs and it is durable.
void start_next(session_pointer self) {
  auto& st = self->state;
  if (st.running || !st.queue.head_ready())
    return;
  running_turn rt;
  rt.req = st.queue.pop();
  rt.turn_seq = ++st.turn_counter;
  rt.run_id = st.cfg.session_key + "#" + std::to_string(rt.req.seq);
  auto& e = rt.req;
  auto c = st.ctx(e);
  if (e.announced)
    st.to_requester(e, protocol::encode_ack_dequeued(
                         e.request_id, st.cfg.session_key, st.cfg.agent_id,
                         st.queue.size(), c.ts));
  st.send_event(e, protocol::encode_agent_start(
                     c, st.cfg.agent_name, protocol::preview(e.payload.req.content)));
  start_turn req{rt.turn_seq, rt.run_id, st.cfg.session_key,
                 e.payload.req.content, e.payload.req.attachments,
                 caf::actor_cast<caf::actor_addr>(self), st.record.workdir,
                 e.request_id,
                 e.payload.req.routing ? e.payload.req.routing->channel : std::string{},
                 st.tail.get(*st.cfg.store, st.cfg.agent_id, st.cfg.session_key,
                             st.writes_in_flight > 0)};
  auto turn_seq = rt.turn_seq;
  st.running = std::move(rt);
  self->request(st.cfg.agent, no_timeout, std::move(req))
    .then(
      [=](turn_started& started) {
        auto& st = self->state;
        if (started.answered) {
          // The whole reply came back at once (echo without a delay).
          for (auto& chunk : started.chunks)
            on_delta(self, turn_seq, chunk);
          on_completed(self, turn_seq, std::move(started.response), started.usage);
          return;
        }
        auto& turn = started.turn;
        if (!turn)
          return;  // the agent failed it already (turn_failed is on its way)
        if (!st.running || st.running->turn_seq != turn_seq
            || st.running->cancelled || st.running->finishing) {
          // Its request ended (cancelled, deleted) before the handle came.
          self->send_exit(turn, caf::exit_reason::kill);
          return;
        }
        st.running->turn = turn;
        self->monitor(turn);
      },
      [=](caf::error& err) {
        caf::anon_send(caf::actor_cast<session_actor>(self),
                       turn_failed{turn_seq, self->system().render(err),
                                   error_code::internal});
      });
}

/// Persists the end of the running turn, then emits the terminal frame.
/// `assistant` is empty for failures and cancels.
void finish_running(session_pointer self, std::optional<std::string> assistant,
                    std::string terminal_frame_on_ok,
                    std::string error_message, error_code code) {
  auto& st = self->state;
  auto& rt = *st.running;
  rt.finishing = true;
  storage::write_batch batch;
  batch.ops.reserve(3);  // ops are large: no reallocation moves
  batch.ops.push_back(st.unqueue(rt.req.seq));
  if (assistant) {
    batch.ops.push_back(st.put(st.add_message("assistant", std::move(*assistant),
                                              rt.req.request_id, {})));
    batch.ops.push_back(storage::put_session{st.record});
  }
  auto done = [=](std::string frame, bool completed) {
    auto& st = self->state;
    auto e = std::move(st.running->req);
    st.running.reset();
    st.send_event(e, std::move(frame));
    st.finished(e);
    if (st.cfg.metrics)
      bump(completed ? st.cfg.metrics->turns_completed
                     : st.cfg.metrics->turns_failed, 1);
    start_next(self);
  };
  write(
    self, std::move(batch),
    [=]() mutable {
      auto& st = self->state;
      if (!terminal_frame_on_ok.empty())
        done(std::move(terminal_frame_on_ok), true);
      else
        done(protocol::encode_agent_error(st.ctx(st.running->req),
                                          error_message, code), false);
    },
    [=](const std::string& why) mutable {
      auto& st = self->state;
      log::actors()->error("turn end not persisted agent={} session={} "
                           "request={} error={}", st.cfg.agent_id,
                           st.cfg.session_key, st.running->req.request_id, why);
      // The record counted a reply that was not stored; the queue entry
      // stays, so the request runs again after a restart (at-least-once).
      st.load_record();
      done(protocol::encode_agent_error(st.ctx(st.running->req),
                                        "Storage failure: " + why,
                                        error_code::storage_failure), false);
    });
}

/// Streams a text delta of the running turn.
void on_delta(session_pointer self, uint64_t turn_seq, const std::string& text) {
  auto& st = self->state;
  if (!is_current(self, turn_seq))
    return;
  st.send_event(st.running->req,
                protocol::encode_agent_stream_text(st.ctx(st.running->req),
                                                   st.running->run_id, st.cfg.model,
                                                   text));
}

/// The running turn answered: store the reply, then send agent-complete.
void on_completed(session_pointer self, uint64_t turn_seq, std::string response,
                  const protocol::usage_info& usage) {
  auto& st = self->state;
  if (!is_current(self, turn_seq))
    return;
  auto frame = protocol::encode_agent_complete(st.ctx(st.running->req), response,
                                               usage);
  finish_running(self, std::move(response), std::move(frame), {}, error_code::none);
}

// -- handlers -----------------------------------------------------------------

/// Stores a tool round: the assistant message with its calls, then each
/// result, in one batch (before the turn's final reply, which is written
/// after it by the same storage actor).
void on_step(session_pointer self, turn_step& s) {
  auto& st = self->state;
  if (!is_current(self, s.turn_seq))
    return;
  auto& request_id = st.running->req.request_id;
  storage::write_batch batch;
  batch.ops.reserve(s.results.size() + 2);
  auto a = st.add_message("assistant", std::move(s.assistant_text), request_id, {});
  a.tool_calls = std::move(s.calls);
  batch.ops.push_back(st.put(std::move(a)));
  for (auto& r : s.results) {
    auto m = st.add_message("tool", std::move(r.content), request_id, {});
    m.tool_call_id = std::move(r.tool_call_id);
    m.tool_name = std::move(r.tool_name);
    m.is_error = r.is_error;
    batch.ops.push_back(st.put(std::move(m)));
  }
  batch.ops.push_back(storage::put_session{st.record});
  auto turn_seq = s.turn_seq;
  write(
    self, std::move(batch), [] {},
    [=](const std::string& why) {
      auto& st = self->state;
      log::actors()->error("tool round not persisted agent={} session={} error={}",
                           st.cfg.agent_id, st.cfg.session_key, why);
      st.load_record();
      // The history would lack the round: end the turn rather than go on.
      if (!is_current(self, turn_seq))  // also false once the turn is finishing
        return;
      if (st.running->turn)
        self->send_exit(st.running->turn, caf::exit_reason::user_shutdown);
      finish_running(self, std::nullopt, {}, "The tool round could not be stored: " + why,
                     error_code::storage_failure);
    });
}

void on_enqueue(session_pointer self, enqueue_request& m) {
  auto& st = self->state;
  bool busy = st.running || !st.queue.empty();
  if (busy && !m.req.queue_if_busy)
    return refuse(self, m, session_busy_message, error_code::session_busy);
  if (st.queue.size() >= st.cfg.queue_depth)
    return refuse(self, m,
                  "Session queue is full (" + std::to_string(st.cfg.queue_depth)
                    + " requests waiting); try again later",
                  error_code::queue_full);
  protocol::pending_request p;
  p.seq = st.record.next_seq++;
  p.agent_id = st.cfg.agent_id;
  p.session_key = st.cfg.session_key;
  p.request_id = m.request_id;
  p.owner = m.owner;
  p.accepted_at = protocol::now_ms();
  p.request = m.req;
  auto user = st.add_message("user", m.req.content, m.request_id,
                             m.req.attachments);
  if (!st.stored && !m.session_name.empty())
    st.record.name = m.session_name;  // a new webhook or routine thread
  storage::write_batch batch;
  batch.ops.reserve(3);
  batch.ops.push_back(st.put(std::move(user)));
  batch.ops.push_back(storage::put_pending{p});
  batch.ops.push_back(storage::put_session{st.record});
  bool was_stored = st.stored;
  st.stored = true;  // committed with this batch
  auto seq = p.seq;
  st.queue.push(seq, m.request_id, m.owner,
                request_payload{std::move(m.req), std::move(m.from)});
  write(self, std::move(batch), [=] { on_persisted(self, seq); },
        [=](const std::string& why) {
          auto& st = self->state;
          auto* e = st.queue.find(seq);
          if (!e)
            return;
          auto gone = *e;
          st.queue.erase(seq);
          // Undo what this batch added to the record. Sequence numbers only
          // move forward (a gap is harmless; reuse would overwrite another
          // accepted request's keys).
          if (st.record.message_count > 0)
            st.record.message_count--;
          st.stored = was_stored;
          fail_entry(self, gone, "Storage failure: " + why,
                     error_code::storage_failure);
          start_next(self);
        });
}

void on_cancel(session_pointer self, const cancel_request& c) {
  auto& st = self->state;
  auto ack = [&](const char* status) {
    if (c.from.valid())
      c.from.send(transport::make_frame(protocol::encode_ack_cancel(
        c.ack_id, c.request_id, status, protocol::now_ms())));
  };
  if (st.running && st.running->req.request_id == c.request_id
      && st.running->req.owner == c.owner) {
    if (st.running->finishing)
      return ack("not_found");  // lost the race with its own terminal event
    ack("cancelled");
    if (st.running->turn)
      self->send_exit(st.running->turn, caf::exit_reason::kill);
    else
      st.running->cancelled = true;
    return finish_running(self, std::nullopt, {}, "Request cancelled",
                          error_code::cancelled);
  }
  auto* e = st.queue.find(c.request_id, c.owner);
  if (!e)
    return ack("not_found");
  ack("cancelled_queued");
  if (!e->persisted) {
    e->cancelled = true;  // on_persisted removes it and ends it
    return;
  }
  auto gone = *e;
  st.queue.erase(gone.seq);
  auto end = [=] {
    fail_entry(self, gone, "Request cancelled", error_code::cancelled);
  };
  write(self, {{st.unqueue(gone.seq)}}, end, [=](const std::string&) { end(); });
  start_next(self);
}

void on_subscribe(session_pointer self, subscribe_request& s) {
  auto& st = self->state;
  auto i = std::find_if(st.subscribers.begin(), st.subscribers.end(),
                        [&](const peer& p) { return p.client == s.from.client; });
  if (s.subscribe && i == st.subscribers.end()) {
    self->monitor(s.from.client);
    st.subscribers.push_back(s.from);
  } else if (!s.subscribe && i != st.subscribers.end()) {
    self->demonitor(s.from.client);
    st.subscribers.erase(i);
  }
  s.from.send(transport::make_frame(protocol::encode_ack_subscription(
    s.ack_id, s.subscribe ? "session_subscribe" : "session_unsubscribe",
    st.cfg.session_key, st.cfg.agent_id, protocol::now_ms())));
}

void on_down(session_pointer self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (st.running && st.running->turn
      && dm.source == caf::actor_cast<caf::actor_addr>(st.running->turn)) {
    if (!st.running->finishing && dm.reason)  // died without a terminal message
      finish_running(self, std::nullopt, {},
                     "Turn stopped: " + self->system().render(dm.reason),
                     error_code::internal);
    return;
  }
  st.subscribers.erase(
    std::remove_if(st.subscribers.begin(), st.subscribers.end(),
                   [&](const peer& p) { return p.client == dm.source; }),
    st.subscribers.end());
}

// -- HTTP administration ------------------------------------------------------

transport::http_response json_response(unsigned status, std::string body) {
  transport::http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

transport::http_response error_response(unsigned status, const std::string& msg) {
  return json_response(status, "{\"error\":" + protocol::json_string(msg) + "}");
}

/// Writes the record and answers with it (`status` on success).
void save_record(session_pointer self, transport::http_responder respond,
                 unsigned status) {
  auto& st = self->state;
  st.stored = true;
  write(self, {{storage::put_session{st.record}}},
        [=] {
          respond(json_response(status,
                                protocol::encode_session_record(self->state.record)));
        },
        [=](const std::string& why) {
          self->state.load_record();
          respond(error_response(500, "Storage failure: " + why));
        });
}

/// Ends every request of the session with "Session deleted" and erases it.
void remove_session(session_pointer self, transport::http_responder respond) {
  auto& st = self->state;
  st.tail.drop();  // the key may be reused: no turn may see this history
  std::vector<entry> ended;
  st.queue.remove_if([&](entry& e) {
    if (!e.persisted) {  // still being written: on_persisted ends it
      e.cancelled = true;
      return false;
    }
    ended.push_back(e);
    return true;
  });
  for (auto& e : ended)
    fail_entry(self, e, "Session deleted", error_code::cancelled);
  if (st.running && !st.running->finishing) {
    if (st.running->turn)
      self->send_exit(st.running->turn, caf::exit_reason::kill);
    auto e = std::move(st.running->req);
    st.running.reset();
    fail_entry(self, e, "Session deleted", error_code::cancelled);
  }
  write(self, {{storage::erase_session{st.cfg.agent_id, st.cfg.session_key}}},
        [=] {
          self->state.load_record();  // fresh, unsaved: the key may be reused
          self->state.tail.drop();    // messages put while the erase was on its way
          respond(json_response(200, "{\"ok\":true}"));
        },
        [=](const std::string& why) {
          respond(error_response(500, "Storage failure: " + why));
        });
}

void on_admin(session_pointer self, session_admin& m) {
  auto& st = self->state;
  using op = session_admin::op;
  if (m.what == op::create) {
    if (st.stored)
      return m.respond(json_response(
        200, protocol::encode_session_record(st.record)));
    if (!m.name.empty())
      st.record.name = m.name;
    st.record.created_at = st.record.updated_at = protocol::now_ms();
    return save_record(self, std::move(m.respond), 201);
  }
  if (!st.stored)
    return m.respond(error_response(404, "Session not found: " + st.cfg.session_key));
  switch (m.what) {
    case op::rename:
      st.record.name = m.name;
      break;
    case op::set_workdir:
      st.record.workdir = m.workdir;
      break;
    case op::clear: {
      st.tail.drop();
      st.record.message_count = 0;
      st.record.last_message_preview.clear();
      st.record.updated_at = protocol::now_ms();
      auto respond = std::move(m.respond);
      write(self,
            {{storage::clear_messages{st.cfg.agent_id, st.cfg.session_key},
              storage::put_session{st.record}}},
            [=] {
              respond(json_response(
                200, protocol::encode_session_record(self->state.record)));
            },
            [=](const std::string& why) {
              self->state.load_record();
              respond(error_response(500, "Storage failure: " + why));
            });
      return;
    }
    case op::remove:
      return remove_session(self, std::move(m.respond));
    case op::create:
      break;
  }
  st.record.updated_at = protocol::now_ms();
  save_record(self, std::move(m.respond), 200);
}

/// Loads the durable queue entries of this session (restart or respawn).
void recover(session_pointer self) {
  auto& st = self->state;
  auto pending = st.cfg.store->list_pending(st.cfg.agent_id, st.cfg.session_key);
  if (!pending) {
    log::actors()->error("queue recovery failed agent={} session={} error={}",
                         st.cfg.agent_id, st.cfg.session_key,
                         pending.error().message);
    return;
  }
  for (auto& p : *pending) {
    auto& e = st.queue.push(p.seq, p.request_id, p.owner,
                            request_payload{std::move(p.request), peer{}});
    e.persisted = true;
  }
  if (!pending->empty())
    log::actors()->info("recovered requests agent={} session={} count={}",
                        st.cfg.agent_id, st.cfg.session_key, pending->size());
  start_next(self);
}

session_actor::behavior_type session_behavior(session_pointer self,
                                              session_config cfg) {
  self->state.cfg = std::move(cfg);
  // Attachments can make a window large; past 8 MiB turns read the store.
  self->state.tail = history_tail{self->state.cfg.history_tail, 8u << 20};
  self->state.load_record();
  if (self->state.cfg.metrics)
    bump(self->state.cfg.metrics->active_sessions, 1);
  self->set_down_handler([=](caf::down_msg& dm) {
    on_down(self, dm);
    check_idle(self);
  });
  recover(self);
  check_idle(self);
  // Messages from the router are counted for the passivation handshake.
  return {
    [=](enqueue_request& m) {
      self->state.received++;
      on_enqueue(self, m);
      check_idle(self);
    },
    [=](const cancel_request& c) {
      self->state.received++;
      on_cancel(self, c);
      check_idle(self);
    },
    [=](subscribe_request& m) {
      self->state.received++;
      on_subscribe(self, m);
      check_idle(self);
    },
    [=](turn_delta& d) { on_delta(self, d.turn_seq, d.text); },
    [=](turn_tool& t) {
      auto& st = self->state;
      if (!is_current(self, t.turn_seq))
        return;
      auto c = st.ctx(st.running->req);
      st.send_event(st.running->req,
                    protocol::encode_tool_event(c, t.phase, t.name, t.input_json, t.output));
      st.send_event(st.running->req,
                    protocol::encode_agent_stream_tool(c, t.phase, t.call_id, t.name,
                                                       t.input_json, t.output));
    },
    [=](turn_step& s) { on_step(self, s); },
    [=](turn_completed& d) {
      on_completed(self, d.turn_seq, std::move(d.response), d.usage);
    },
    [=](turn_failed& d) {
      if (is_current(self, d.turn_seq))
        finish_running(self, std::nullopt, {}, std::move(d.message), d.code);
    },
    [=](session_admin& m) {
      self->state.received++;
      on_admin(self, m);
      check_idle(self);
    },
    [=](stop_atom) { self->quit(); },
    [=](idle_atom) { on_idle_timer(self); },
  };
}

} // namespace

session_actor spawn_session(caf::local_actor* parent, session_config cfg) {
  return parent->spawn<caf::linked>(session_behavior, std::move(cfg));
}

} // namespace wingman::actors
