#include "ui/assets.hpp"

#include <cstddef>
#include <vector>

#include "ui/embedded_asset.hpp"

namespace wingman::ui {

namespace {

const std::vector<asset>& table() {
  static const std::vector<asset> t = [] {
    std::vector<asset> v;
    v.reserve(detail::embedded_asset_count);
    for (std::size_t i = 0; i < detail::embedded_asset_count; ++i) {
      auto& e = detail::embedded_assets[i];
      v.push_back(asset{e.path, e.content_type,
                        std::string_view{reinterpret_cast<const char*>(e.data), e.size}});
    }
    return v;
  }();
  return t;
}

} // namespace

const asset* find_asset(std::string_view path) {
  if (path.empty() || path == "/")
    path = "/index.html";
  for (auto& a : table())
    if (a.path == path)
      return &a;
  return nullptr;
}

} // namespace wingman::ui
