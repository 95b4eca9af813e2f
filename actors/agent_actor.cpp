#include "actors/agent_actor.hpp"

#include <utility>

#include <caf/all.hpp>

#include "actors/turn_actor.hpp"
#include "providers/model_spec.hpp"

namespace wingman::actors {

std::string unsupported_model_error(const std::string& model) {
  auto spec = providers::parse_model_spec(model);
  if (!spec)
    return "Invalid model \"" + model + "\" (expected provider:model)";
  if (!providers::is_supported(*spec))
    return "Model provider \"" + spec->provider
           + "\" is not available in this build (only the built-in echo model)";
  return {};
}

namespace {

struct agent_state {
  protocol::agent_config cfg;
  std::string model_error;  // non-empty: every turn fails with it
  static inline const char* name = "agent";
};

using agent_pointer = agent_actor::stateful_pointer<agent_state>;

agent_actor::behavior_type agent_behavior(agent_pointer self,
                                          protocol::agent_config cfg) {
  self->state.model_error = unsupported_model_error(cfg.model);
  self->state.cfg = std::move(cfg);
  return {
    [=](start_turn& req) -> turn_actor {
      auto& st = self->state;
      if (!st.model_error.empty()) {
        self->send(caf::actor_cast<session_actor>(req.reply_to),
                   turn_failed{req.turn_seq, st.model_error,
                               protocol::error_code::unavailable});
        return {};
      }
      return spawn_echo_turn(self->system(), std::move(req), st.cfg.echo);
    },
    [=](upsert_agent& u) {  // new settings apply to the next turn
      self->state.model_error = unsupported_model_error(u.config.model);
      self->state.cfg = std::move(u.config);
    },
  };
}

} // namespace

agent_actor spawn_agent(caf::actor_system& sys, protocol::agent_config cfg) {
  return sys.spawn(agent_behavior, std::move(cfg));
}

agent_actor spawn_linked_agent(caf::local_actor* parent,
                               protocol::agent_config cfg) {
  return parent->spawn<caf::linked>(agent_behavior, std::move(cfg));
}

} // namespace wingman::actors
