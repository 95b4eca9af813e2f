#include "actors/routine_actor.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

#include <caf/all.hpp>

#include "actors/auth.hpp"
#include "actors/log.hpp"
#include "protocol/client_view.hpp"
#include "protocol/codec.hpp"
#include "protocol/routine_plan.hpp"

namespace wingman::actors {

namespace {

using protocol::routine_record;
using protocol::routine_run_record;
using storage::object_table;

/// Longest timer: the wall clock is re-read at least this often.
constexpr int64_t max_timer_ms = 60'000;
/// Retry delay after a failed storage write of a fire.
constexpr int64_t retry_ms = 5'000;

/// Receives the frames of one run (it is the run's requester connection)
/// and forwards what the routine needs to know.
class run_watcher final : public transport::connection {
 public:
  run_watcher(caf::actor_addr routine, std::string request_id)
    : routine_(std::move(routine)), request_id_(std::move(request_id)) {}

  void send(transport::shared_frame frame) override {
    auto v = protocol::view_frame(*frame);
    if (!v || v->id != request_id_)
      return;
    std::string event;
    if (v->type == "error" || (v->type == "res" && v->ok == false))
      event = "refused";
    else if (v->event == "agent-start" || v->event == "agent-complete"
             || v->event == "agent-error")
      event = v->event;
    else
      return;
    if (auto hdl = caf::actor_cast<routine_actor>(routine_))
      caf::anon_send(hdl, routine_run_event{request_id_, std::move(event),
                                            v->message.empty() ? v->payload_text
                                                               : v->message});
  }
  void close(uint16_t, std::string) override {}
  uint64_t id() const noexcept override { return 0; }
  const std::string& remote_address() const noexcept override { return addr_; }

 private:
  caf::actor_addr routine_;  // weak: the routine owns the watcher
  std::string request_id_;
  std::string addr_ = "routine";
};

struct routine_state {
  routine_env env;
  routine_record rec;
  uint64_t generation = 0;          ///< Of the armed timer; stale ticks are ignored.
  std::deque<std::string> run_ids;  ///< Storage ids of the history, oldest first.
  std::unordered_map<std::string, routine_run_record> active;  ///< By request id.
  std::unordered_map<std::string, std::shared_ptr<run_watcher>> watchers;
  /// `run now` callers waiting for the end of a run, by request id.
  std::unordered_map<std::string, std::function<void(routine_outcome)>> waiters;
  static inline const char* name = "routine";

  std::string session() const {
    return rec.session_id.empty() ? "agent:" + rec.agent_id + ":routine:" + rec.id
                                  : rec.session_id;
  }

  storage::put_object record_op() const {
    return {object_table::routines, rec.id, protocol::encode_routine(rec)};
  }

  static storage::put_object run_op(const routine_run_record& run) {
    return {object_table::routine_runs, run.storage_id(),
            protocol::encode_routine_run(run)};
  }

  /// Adds `run` to the history; appends the ops (the run and the evictions
  /// beyond the cap) to `batch`.
  void add_run(const routine_run_record& run, storage::write_batch& batch) {
    batch.ops.emplace_back(run_op(run));
    run_ids.push_back(run.storage_id());
    while (run_ids.size() > std::max<size_t>(env.max_runs, 1)) {
      batch.ops.emplace_back(storage::erase_object{object_table::routine_runs,
                                                   run_ids.front()});
      run_ids.pop_front();
    }
  }
};

using routine_pointer = routine_actor::stateful_pointer<routine_state>;

/// Writes `batch`, then calls `done(ok, error)`.
template <class F>
void write(routine_pointer self, storage::write_batch batch, F done) {
  self->request(self->state.env.storage, std::chrono::seconds{30},
                write_request{std::move(batch)})
    .then([=](write_ack& ack) mutable { done(ack.ok, ack.error); },
          [=](caf::error& err) mutable { done(false, self->system().render(err)); });
}

/// Arms the timer for `nextRunAt` (if enabled and scheduled).
void arm(routine_pointer self, int64_t delay_override = -1) {
  auto& st = self->state;
  ++st.generation;
  if (!st.rec.enabled || st.rec.next_run_at <= 0)
    return;
  auto delay = delay_override >= 0 ? delay_override
                                   : st.rec.next_run_at - st.env.now_ms();
  delay = std::clamp<int64_t>(delay, 0, max_timer_ms);
  self->delayed_send(self, std::chrono::milliseconds{delay}, tick_atom::value,
                     st.generation);
}

std::string run_json(const std::string& session, const std::string& request_id) {
  return "{\"ok\":true,\"sessionId\":" + protocol::json_string(session)
         + ",\"requestId\":" + protocol::json_string(request_id) + "}";
}

/// Records a fire, then sends it to the session; `reply` (may be empty)
/// gets the outcome. `trigger`: schedule, catch-up or manual.
void fire(routine_pointer self, std::string trigger, int64_t scheduled_at,
          std::function<void(routine_outcome)> reply, bool wait = false) {
  auto& st = self->state;
  auto now = st.env.now_ms();
  routine_run_record run;
  run.routine_id = st.rec.id;
  run.request_id = "rt-" + random_hex(8);
  run.session_id = st.session();
  run.trigger = trigger;
  run.status = "queued";
  run.scheduled_at = trigger == "manual" ? 0 : scheduled_at;
  run.started_at = now;
  auto before = st.rec;
  st.rec.last_run_at = trigger == "manual" ? now : scheduled_at;
  if (trigger != "manual") {
    std::string err;
    st.rec.next_run_at = st.rec.enabled ? protocol::plan_next_fire(st.rec, scheduled_at,
                                                                   now, err)
                                        : 0;
    if (!err.empty())
      log::actors()->warn("routine={} cannot schedule: {}", st.rec.id, err);
  }
  storage::write_batch batch;
  batch.ops.emplace_back(st.record_op());
  st.add_run(run, batch);
  ++st.generation;  // no tick while the fire is being recorded
  write(self, std::move(batch), [=](bool ok, const std::string& error) {
    auto& st = self->state;
    if (!ok) {
      log::actors()->error("routine={} fire not recorded, not sent: {}", st.rec.id,
                           error);
      // Nothing was sent: restore the schedule and try again shortly.
      st.rec.last_run_at = before.last_run_at;
      st.rec.next_run_at = before.next_run_at;
      if (!st.run_ids.empty() && st.run_ids.back() == run.storage_id())
        st.run_ids.pop_back();
      arm(self, trigger == "manual" ? -1 : retry_ms);
      if (reply)
        reply({500, "{\"error\":" + protocol::json_string("Storage failure: " + error)
                      + "}"});
      return;
    }
    auto watcher = std::make_shared<run_watcher>(
      caf::actor_cast<caf::actor_addr>(self), run.request_id);
    st.watchers.emplace(run.request_id, watcher);
    st.active.emplace(run.request_id, run);
    route_request r;
    r.request_id = run.request_id;
    r.req.agent_id = st.rec.agent_id;
    r.req.session_key = run.session_id;
    r.req.content = st.rec.prompt;
    protocol::routing_info routing;
    routing.channel = "routine";
    routing.account_id = st.rec.id;
    r.req.routing = routing;
    r.from.instance_id = "routine:" + st.rec.id;
    r.session_name = "Routine: " + st.rec.name;
    r.from.client = caf::actor_cast<caf::actor_addr>(self);
    r.from.conn = watcher;
    self->send(st.env.router, std::move(r));
    log::actors()->info("routine={} fired trigger={} request={}", st.rec.id, trigger,
                        run.request_id);
    arm(self);
    if (reply && wait)
      st.waiters.emplace(run.request_id, std::move(reply));
    else if (reply)
      reply({200, run_json(run.session_id, run.request_id)});
  });
}

/// A run's frame arrived: move its status on; persist it.
void on_run_event(routine_pointer self, const routine_run_event& e) {
  auto& st = self->state;
  auto i = st.active.find(e.request_id);
  if (i == st.active.end())
    return;
  auto& run = i->second;
  bool terminal = true;
  if (e.event == "agent-start") {
    run.status = "running";
    terminal = false;
  } else if (e.event == "agent-complete") {
    run.status = "ok";
  } else {
    run.status = "error";
    run.error = e.message.empty() ? "the run failed" : e.message;
  }
  if (terminal)
    run.finished_at = std::max(st.env.now_ms(), run.started_at);
  storage::write_batch batch;
  batch.ops.emplace_back(routine_state::run_op(run));
  auto id = st.rec.id;
  std::function<void(routine_outcome)> waiter;
  if (auto w = st.waiters.find(e.request_id); terminal && w != st.waiters.end()) {
    waiter = std::move(w->second);
    st.waiters.erase(w);
  }
  write(self, std::move(batch), [id, run, waiter](bool ok, const std::string& error) {
    if (!ok)
      log::actors()->warn("routine={} run status not stored: {}", id, error);
    if (waiter)  // answered once the outcome is stored
      waiter({static_cast<uint16_t>(run.status == "ok" ? 200 : 502),
              protocol::encode_routine_run(run)});
  });
  if (terminal) {
    st.active.erase(i);
    st.watchers.erase(e.request_id);
  }
}

/// Loads the history; marks the previous process's unfinished runs
/// interrupted; applies the missed-run policy; arms the timer.
void start(routine_pointer self) {
  auto& st = self->state;
  auto now = st.env.now_ms();
  storage::write_batch batch;
  if (auto runs = st.env.store->list_objects(object_table::routine_runs,
                                             st.rec.id + "/")) {
    for (auto& json : *runs) {
      auto run = protocol::decode_routine_run(json);
      if (!run)
        continue;
      st.run_ids.push_back(run->storage_id());
      if (run->status == "queued" || run->status == "running") {
        run->status = "interrupted";
        run->error = "the gateway stopped during this run; the session resumes "
                     "its durable requests";
        batch.ops.emplace_back(routine_state::run_op(*run));
      }
    }
  } else {
    log::actors()->warn("routine={} history not read: {}", st.rec.id,
                        runs.error().message);
  }
  auto plan = protocol::plan_routine_start(st.rec, now);
  if (!plan.error.empty())
    log::actors()->warn("routine={} cannot schedule: {}", st.rec.id, plan.error);
  if (plan.missed_at > 0 && plan.catch_up) {
    if (!batch.ops.empty())
      write(self, std::move(batch), [](bool, const std::string&) {});
    fire(self, "catch-up", plan.missed_at, {});
    return;
  }
  if (plan.missed_at > 0) {
    routine_run_record skipped;
    skipped.routine_id = st.rec.id;
    skipped.request_id = "missed";
    skipped.session_id = st.session();
    skipped.trigger = "schedule";
    skipped.status = "skipped";
    skipped.error = "missed while the gateway was down (missedRunPolicy skip)";
    skipped.scheduled_at = plan.missed_at;
    skipped.started_at = now;
    skipped.finished_at = now;
    st.add_run(skipped, batch);
  }
  if (plan.next_run_at != st.rec.next_run_at) {
    st.rec.next_run_at = plan.next_run_at;
    batch.ops.emplace_back(st.record_op());
  }
  if (!batch.ops.empty()) {
    auto id = st.rec.id;
    write(self, std::move(batch), [id](bool ok, const std::string& error) {
      if (!ok)
        log::actors()->warn("routine={} start state not stored: {}", id, error);
    });
  }
  arm(self);
}

routine_actor::behavior_type routine_behavior(routine_pointer self, routine_env env,
                                              routine_record rec) {
  self->state.env = std::move(env);
  self->state.rec = std::move(rec);
  start(self);
  return {
    [=](routine_put& p) -> caf::typed_response_promise<routine_outcome> {
      auto rp = self->make_response_promise<routine_outcome>();
      auto& st = self->state;
      auto& in = p.record;
      st.rec.name = in.name;
      st.rec.agent_id = in.agent_id;
      st.rec.cron = in.cron;
      st.rec.prompt = in.prompt;
      st.rec.enabled = in.enabled;
      st.rec.session_id = in.session_id;
      st.rec.timezone = in.timezone;
      st.rec.missed_run_policy = in.missed_run_policy;
      if (p.created)
        st.rec.created_at = in.created_at;
      std::string err;
      if (!st.rec.enabled)
        st.rec.next_run_at = 0;
      else if (p.reschedule || st.rec.next_run_at <= 0)
        st.rec.next_run_at = protocol::plan_next_fire(st.rec, 0, st.env.now_ms(), err);
      if (!err.empty())
        log::actors()->warn("routine={} cannot schedule: {}", st.rec.id, err);
      uint16_t status = p.created ? 201 : 200;
      write(self, {{st.record_op()}},
            [=](bool ok, const std::string& error) mutable {
              if (ok)
                rp.deliver(routine_outcome{status,
                                           protocol::encode_routine(self->state.rec)});
              else
                rp.deliver(routine_outcome{500, "{\"error\":"
                                                  + protocol::json_string(
                                                    "Storage failure: " + error)
                                                  + "}"});
            });
      arm(self);
      return rp;
    },
    [=](routine_run_now& r) -> caf::typed_response_promise<routine_outcome> {
      auto rp = self->make_response_promise<routine_outcome>();
      fire(self, "manual", 0,
           [rp](routine_outcome o) mutable { rp.deliver(std::move(o)); }, r.wait);
      return rp;
    },
    [=](routine_erase&) -> caf::typed_response_promise<routine_outcome> {
      auto rp = self->make_response_promise<routine_outcome>();
      auto& st = self->state;
      ++st.generation;  // no more fires
      storage::write_batch batch;
      batch.ops.emplace_back(storage::erase_object{object_table::routines, st.rec.id});
      if (auto runs = st.env.store->list_objects(object_table::routine_runs,
                                                 st.rec.id + "/"))
        for (auto& json : *runs)
          if (auto run = protocol::decode_routine_run(json))
            batch.ops.emplace_back(storage::erase_object{object_table::routine_runs,
                                                         run->storage_id()});
      for (auto& id : st.run_ids)
        batch.ops.emplace_back(storage::erase_object{object_table::routine_runs, id});
      write(self, std::move(batch), [=](bool ok, const std::string& error) mutable {
        if (!ok) {
          rp.deliver(routine_outcome{500, "{\"error\":"
                                            + protocol::json_string("Storage failure: "
                                                                    + error)
                                            + "}"});
          arm(self);
          return;
        }
        rp.deliver(routine_outcome{200, "{\"ok\":true}"});
        self->quit();
      });
      return rp;
    },
    [=](tick_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.generation || !st.rec.enabled || st.rec.next_run_at <= 0)
        return;
      if (st.env.now_ms() >= st.rec.next_run_at)
        fire(self, "schedule", st.rec.next_run_at, {});
      else
        arm(self);
    },
    [=](routine_run_event& e) { on_run_event(self, e); },
  };
}

// -- the registry ---------------------------------------------------------------

struct routines_state {
  routine_env env;
  std::unordered_map<std::string, routine_actor> routines;
  static inline const char* name = "routines";
};

using routines_pointer = routines_actor::stateful_pointer<routines_state>;

routine_actor add(routines_pointer self, routine_record rec) {
  auto id = rec.id;
  auto hdl = spawn_routine(self->system(), self->state.env, std::move(rec));
  self->monitor(hdl);
  self->link_to(hdl);  // routines stop with the engine
  self->state.routines[id] = hdl;
  return hdl;
}

routine_outcome not_found(const std::string& id) {
  return {404, "{\"error\":" + protocol::json_string("Routine not found: " + id) + "}"};
}

routines_actor::behavior_type routines_behavior(routines_pointer self,
                                                routine_env env) {
  self->state.env = std::move(env);
  if (auto all = self->state.env.store->list_objects(object_table::routines)) {
    for (auto& json : *all) {
      if (auto rec = protocol::decode_routine(json))
        add(self, std::move(*rec));
      else
        log::actors()->error("routine record unreadable: {}", rec.error().message);
    }
  } else {
    log::actors()->error("routines not loaded: {}", all.error().message);
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& m = self->state.routines;
    for (auto i = m.begin(); i != m.end(); ++i)
      if (caf::actor_cast<caf::actor_addr>(i->second) == dm.source) {
        if (dm.reason)
          log::actors()->error("routine={} stopped: {}", i->first,
                               self->system().render(dm.reason));
        m.erase(i);
        return;
      }
  });
  // Routines are linked so that they stop with the engine; one that fails
  // stops alone (the down handler forgets it) and the engine keeps running.
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (!em.reason || em.reason == caf::exit_reason::normal)
      return;  // e.g. an erased routine
    for (auto& entry : self->state.routines)
      if (caf::actor_cast<caf::actor_addr>(entry.second) == em.source)
        return;
    self->quit(em.reason);
  });
  return {
    [=](routine_put& p) -> caf::result<routine_outcome> {
      auto& m = self->state.routines;
      auto i = m.find(p.record.id);
      auto hdl = i != m.end() ? i->second : add(self, p.record);
      return self->delegate(hdl, std::move(p));
    },
    [=](routine_run_now& r) -> caf::result<routine_outcome> {
      auto& m = self->state.routines;
      auto i = m.find(r.routine_id);
      if (i == m.end())
        return not_found(r.routine_id);
      return self->delegate(i->second, std::move(r));
    },
    [=](routine_erase& r) -> caf::result<routine_outcome> {
      auto& m = self->state.routines;
      auto i = m.find(r.routine_id);
      if (i == m.end())
        return not_found(r.routine_id);
      return self->delegate(i->second, std::move(r));
    },
  };
}

} // namespace

routine_actor spawn_routine(caf::actor_system& sys, routine_env env,
                            routine_record rec) {
  return sys.spawn(routine_behavior, std::move(env), std::move(rec));
}

routines_actor spawn_routines(caf::actor_system& sys, routine_env env) {
  return sys.spawn(routines_behavior, std::move(env));
}

} // namespace wingman::actors
