// `wingman gateway run|start|stop|restart|status|health`: the foreground
// server with signal handling, and the daemon lifecycle around it (pid file
// `<stateDir>/gateway.pid`, port file `<stateDir>/gateway.port`, output in
// `<stateDir>/logs/`).
#pragma once

#include <string>

#include "protocol/config.hpp"

namespace wingman::tools {

/// Runs the gateway in the foreground until SIGINT/SIGTERM. When
/// `ready_fd >= 0`, writes "ok <port>\n" or "error <message>\n" to it once
/// the listener is bound (used by `start`). Returns the exit code.
int run_gateway(const protocol::gateway_config& cfg, const std::string& log_level,
                int ready_fd = -1);

/// Forks a daemon running the gateway; returns once it is listening (or
/// failed). Exit code.
int start_daemon(const protocol::gateway_config& cfg, const std::string& log_level);

/// Sends SIGTERM to the daemon and waits for it to exit. Exit code.
int stop_daemon(const protocol::gateway_config& cfg);

/// Prints whether the daemon runs (pid, port) and its health. Exit code:
/// 0 running and healthy, 1 otherwise.
int daemon_status(const protocol::gateway_config& cfg);

/// GET /health on host:port; prints the body. Exit code.
int check_health(const std::string& host, uint16_t port);

/// A fresh random token (`wm_` + 48 hex chars from /dev/urandom).
std::string generate_token();

} // namespace wingman::tools
