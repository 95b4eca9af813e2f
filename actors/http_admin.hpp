// HTTP administration routes: agents (`/api/agents*`), provider
// credentials (`/api/providers*`), voice settings (`/api/voice*`) and the
// confined file browser (`/api/fs/*`). Called by the HTTP dispatcher on io
// threads after authentication and CORS; answers synchronously.
//
// Writers of the config file and of `<stateDir>/credentials.json` (and the
// in-memory voice object) are serialized by one mutex private to
// http_admin.cpp (`admin_mutex`, listed in docs/locks.md); it is taken
// before `agent_catalog`'s own mutex, never after.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "actors/http_context.hpp"

namespace wingman::actors {

/// Largest file `GET /api/fs/file` returns; larger files get 413.
inline constexpr size_t max_fs_file_bytes = size_t{1} << 20;

/// Handles the administration routes. Returns false when `req.path` is not
/// one of them (and leaves `respond` alone); otherwise calls `respond`
/// exactly once and returns true.
bool handle_admin(const http_context& ctx, const transport::http_request& req,
                  transport::http_responder& respond);

/// The current voice object as `GET /api/voice` shows it (defaults filled
/// in, secrets hidden): for `/api/config`, which must not serve the startup
/// snapshot after a `PUT /api/voice`. Thread-safe.
std::string current_voice_json(const http_context& ctx);

/// Replaces `path` with `content` atomically: writes a temporary file in the
/// same folder with mode 0600, fsyncs it, renames it over `path`. Creates
/// missing parent folders. Returns "" on success, else an error message.
std::string write_file_atomically(const std::string& path,
                                  std::string_view content);

} // namespace wingman::actors
