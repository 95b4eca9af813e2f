#include "actors/agent_actor.hpp"

#include <fstream>
#include <sstream>
#include <utility>

#include <caf/all.hpp>

#include "actors/turn_actor.hpp"
#include "providers/model_spec.hpp"

namespace wingman::actors {

std::string unsupported_model_error(const std::string& model,
                                    const providers::provider_registry* registry) {
  auto spec = providers::parse_model_spec(model);
  if (!spec)
    return "Invalid model \"" + model + "\" (expected provider:model)";
  if (spec->provider == "echo")
    return {};
  if (!registry)
    return "Model provider \"" + spec->provider
           + "\" is not available here (only the built-in echo model)";
  if (!registry->knows(spec->provider))
    return "Unknown model provider \"" + spec->provider
           + "\" (declare it under \"providers\" in the config)";
  return {};
}

namespace {

struct agent_state {
  protocol::agent_config cfg;
  agent_env env;
  std::string model_error;  // non-empty: every turn fails with it
  static inline const char* name = "agent";
};

using agent_pointer = agent_actor::stateful_pointer<agent_state>;

std::string read_credentials(const std::string& state_dir) {
  std::ifstream in{state_dir + "/credentials.json"};
  if (!in)
    return "{}";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

turn_started start(agent_pointer self, start_turn& req) {
  auto& st = self->state;
  auto session = caf::actor_cast<session_actor>(req.reply_to);
  if (!st.model_error.empty()) {
    self->send(session, turn_failed{req.turn_seq, st.model_error,
                                    protocol::error_code::unavailable});
    return {};
  }
  auto spec = providers::parse_model_spec(st.cfg.model);
  if (spec->provider == "echo")
    return start_echo_turn(self->system(), std::move(req), st.cfg.echo);
  if (!st.env.turns.http || !st.env.turns.store) {
    self->send(session, turn_failed{req.turn_seq, "Model providers are not available here",
                                    protocol::error_code::unavailable});
    return {};
  }
  auto p = st.env.providers->resolve(st.cfg.model, providers::process_env,
                                     read_credentials(st.env.state_dir));
  if (!p) {
    self->send(session, turn_failed{req.turn_seq, p.error().message,
                                    protocol::error_code::unavailable});
    return {};
  }
  return {spawn_provider_turn(self->system(), std::move(req), st.cfg, std::move(*p),
                              st.env.turns)};
}

agent_actor::behavior_type agent_behavior(agent_pointer self, protocol::agent_config cfg,
                                          agent_env env) {
  self->state.env = std::move(env);
  self->state.model_error = unsupported_model_error(cfg.model,
                                                    self->state.env.providers.get());
  self->state.cfg = std::move(cfg);
  return {
    [=](start_turn& req) -> turn_started { return start(self, req); },
    [=](upsert_agent& u) {  // new settings apply to the next turn
      self->state.model_error = unsupported_model_error(u.config.model,
                                                        self->state.env.providers.get());
      self->state.cfg = std::move(u.config);
    },
  };
}

} // namespace

agent_actor spawn_agent(caf::actor_system& sys, protocol::agent_config cfg,
                        agent_env env) {
  return sys.spawn(agent_behavior, std::move(cfg), std::move(env));
}

agent_actor spawn_linked_agent(caf::local_actor* parent, protocol::agent_config cfg,
                               agent_env env) {
  return parent->spawn<caf::linked>(agent_behavior, std::move(cfg), std::move(env));
}

} // namespace wingman::actors
