#include "actors/turn_actor.hpp"

#include <utility>

#include <caf/all.hpp>

#include "providers/echo_model.hpp"

namespace wingman::actors {

namespace {

struct echo_turn_state {
  providers::echo_plan plan;
  size_t next = 0;
  uint64_t turn_seq = 0;
  session_actor session;
  static inline const char* name = "turn";
};

using turn_pointer = turn_actor::stateful_pointer<echo_turn_state>;

/// Sends the next chunk; returns false when the plan is done.
bool emit_next(turn_pointer self) {
  auto& st = self->state;
  self->send(st.session, turn_delta{st.turn_seq, st.plan.chunks[st.next++]});
  if (st.next < st.plan.chunks.size())
    return true;
  self->send(st.session,
             turn_completed{st.turn_seq, std::move(st.plan.response),
                            st.plan.usage});
  return false;
}

turn_actor::behavior_type echo_turn(turn_pointer self, start_turn req,
                                    providers::echo_plan plan) {
  auto& st = self->state;
  st.plan = std::move(plan);
  st.turn_seq = req.turn_seq;
  st.session = caf::actor_cast<session_actor>(req.reply_to);
  // A turn never outlives its session (shutdown, crash, or a cancel that
  // raced the agent's reply carrying this turn's handle).
  self->monitor(st.session);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  self->delayed_send(self, st.plan.interval, tick_atom::value);
  return {
    [=](tick_atom) {
      if (emit_next(self))
        self->delayed_send(self, self->state.plan.interval, tick_atom::value);
      else
        self->quit();
    },
  };
}

} // namespace

turn_started start_echo_turn(caf::actor_system& sys, start_turn req,
                             protocol::echo_options opts) {
  auto plan = providers::plan_echo(req.content, req.attachments.size(), opts);
  if (plan.interval.count() > 0)
    return {sys.spawn(echo_turn, std::move(req), std::move(plan))};
  turn_started now;
  now.answered = true;
  now.chunks = std::move(plan.chunks);
  now.response = std::move(plan.response);
  now.usage = plan.usage;
  return now;
}

} // namespace wingman::actors
