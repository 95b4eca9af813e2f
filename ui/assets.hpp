// The Control UI's static files, embedded into the binary at build time
// (ui/embed_assets.cmake). No network access is needed at run time.
#pragma once

#include <string_view>

namespace wingman::ui {

/// One embedded file.
struct asset {
  std::string_view path;          ///< URL path, e.g. "/app.js".
  std::string_view content_type;  ///< E.g. "text/javascript; charset=utf-8".
  std::string_view body;          ///< The file's bytes.
};

/// The asset served at `path` ("/" is index.html; a query string is not
/// part of `path`); nullptr when there is none.
const asset* find_asset(std::string_view path);

} // namespace wingman::ui
