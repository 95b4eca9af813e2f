// Internal: the table ui/embed_assets.cmake generates (assets_data.cpp in
// the build directory). Use ui/assets.hpp instead.
#pragma once

#include <cstddef>

namespace wingman::ui::detail {

struct embedded_asset {
  const char* path;
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};

extern const embedded_asset embedded_assets[];
extern const std::size_t embedded_asset_count;

} // namespace wingman::ui::detail
