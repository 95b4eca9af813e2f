// A turn against a model provider (OpenAI-compatible or Anthropic): the
// session's history (trimmed to a budget) plus the agent's system prompt go
// out as one streaming HTTP request through `transport::http_client`; the
// response's SSE events are decoded (`providers/wire.hpp`) into text deltas
// for the session, then `turn_completed` with the usage.
//
// Tool loop: the agent's allowed tools are offered to the model; when it
// answers with tool calls, each runs on the tool executor (its own threads;
// its result comes back as a message), `tool-start`/`tool-end` go to the
// session, the round (assistant calls + results) is stored through the
// session, and the model is asked again, up to `max_steps` rounds. Tools
// work in the session's workdir or the agent's workspace.
//
// PDFs for models that do not read them are turned into text on a detached
// thread before the first request (poppler is CPU-bound).
//
// No CAF worker waits on a socket: the client's own thread delivers headers,
// body bytes and the end of the request to this actor as messages. Failures
// before the first token (connect errors, 429, 5xx) are retried with backoff
// (`providers/retry_policy.hpp`); anything else is a `turn_failed` naming the
// provider and the HTTP status. A cancel kills the actor, whose state
// destructor cancels the HTTP stream: the provider connection is closed at
// once.
#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "actors/agent_catalog.hpp"
#include "actors/handles.hpp"
#include "providers/history.hpp"
#include "providers/pdf_text.hpp"
#include "providers/provider_registry.hpp"
#include "providers/tools/tool_executor.hpp"
#include "storage/store.hpp"
#include "transport/http_stream_client.hpp"

namespace wingman::actors {

/// What provider turns share.
struct provider_turn_env {
  std::shared_ptr<transport::http_client> http;
  std::shared_ptr<storage::store> store;  ///< History reads.
  providers::history_budget budget;
  std::shared_ptr<tools::tool_executor> tools;  ///< Null: no tools offered.
  /// The live agent list: a session workdir that now overlaps another
  /// agent's folders (an agent added since it was set) ends the turn.
  std::shared_ptr<const agent_catalog> agents;
  tools::tool_limits tool_limits;
  providers::pdf_limits pdf;  ///< gateway.turns.pdfMax*.
  int max_steps = 10;  ///< Tool rounds per turn before it fails (gateway.turns.maxToolSteps).
};

/// Messages read beyond the history budget (`historyMaxMessages`), and kept
/// beyond it by a session's history tail: the user messages of requests
/// queued behind the running one, which the turn leaves out.
inline constexpr size_t history_slack = 8;

/// Spawns the turn for `req` of agent `agent` against provider `p`.
turn_actor spawn_provider_turn(caf::actor_system& sys, start_turn req,
                               protocol::agent_config agent,
                               providers::resolved_provider p, provider_turn_env env);

} // namespace wingman::actors
