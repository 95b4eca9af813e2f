// Model strings: `provider:model` (e.g. `openai:gpt-4o-mini`) or the bare
// built-in `echo`. Pure parsing, shared by the agent actor and the config
// checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wingman::providers {

/// A parsed model string.
struct model_spec {
  std::string provider;  ///< e.g. `echo`, `openai`, `lmstudio`.
  std::string model;     ///< e.g. `gpt-4o-mini`; `echo` for the echo model.
};

/// Parses `provider:model`; `echo` and `echo:<anything>` are the echo model.
/// Returns nullopt for an empty provider or model part.
std::optional<model_spec> parse_model_spec(std::string_view text);

/// True if this build can run turns for `spec` (today: the echo model only;
/// network providers arrive with the providers issue).
bool is_supported(const model_spec& spec) noexcept;

} // namespace wingman::providers
