// Per-library loggers (C18): `wingman.actors`, `wingman.storage`,
// `wingman.transport`. Created once by `init_logging` (tools/wingman); until
// then (and in tests) they fall back to a silent logger. Lines carry ids as
// key=value; payloads and secrets never above debug.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace wingman::actors::log {

/// Logger for actor lifecycle and request handling.
std::shared_ptr<spdlog::logger> actors();

/// Logger for storage writes and recovery.
std::shared_ptr<spdlog::logger> storage();

/// Logger for the network edge (connections, HTTP).
std::shared_ptr<spdlog::logger> transport();

/// Options for `init_logging`.
struct log_options {
  std::string level = "info";  ///< trace, debug, info, warn, error, off.
  std::string dir;             ///< Daily file `<dir>/wingman-YYYY-MM-DD.log`; empty = none.
  bool console = true;         ///< Colour console sink on stderr.
};

/// Creates the loggers with a console sink and a daily file sink; returns an
/// error message (e.g. the log folder cannot be created) or "".
std::string init_logging(const log_options& opts);

} // namespace wingman::actors::log
