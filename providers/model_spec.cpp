#include "providers/model_spec.hpp"

#include "providers/provider_registry.hpp"

namespace wingman::providers {

std::optional<model_spec> parse_model_spec(std::string_view text) {
  if (text == "echo")
    return model_spec{"echo", "echo"};
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return std::nullopt;
  return model_spec{std::string{text.substr(0, colon)},
                    std::string{text.substr(colon + 1)}};
}

bool is_supported(const model_spec& spec) noexcept {
  return spec.provider == "echo"
         || find_builtin_provider(spec.provider) != nullptr;
}

bool is_supported(const model_spec& spec,
                  const std::vector<protocol::provider_config>& configured)
  noexcept {
  if (is_supported(spec))
    return true;
  for (const auto& c : configured)
    if (c.name == spec.provider)
      return true;
  return false;
}

} // namespace wingman::providers
