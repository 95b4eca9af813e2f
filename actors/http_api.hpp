// The gateway's HTTP dispatcher (PROTOCOL.md §7): authentication on every
// `/api/*` route except `/api/health` and `/api/config` (Bearer,
// X-Wingman-Token or X-Wingman-Password; or any loopback peer when
// `gateway.controlUi.allowUnauthenticatedLoopback`), CORS for the allowed
// origins (never `*`), then the route modules: core (health, stats, config),
// sessions (this file), admin (agents, providers, voice, fs), and the
// Control UI's static assets. Runs on io threads; anything that changes a
// session goes through the router to the session actor.
#pragma once

#include <memory>

#include "actors/http_context.hpp"

namespace wingman::actors {

/// Creates the handler.
std::shared_ptr<transport::http_handler> make_http_api(http_context ctx);

} // namespace wingman::actors
