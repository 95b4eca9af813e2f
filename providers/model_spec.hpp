// Model strings: `provider:model` (e.g. `openai:gpt-4o-mini`) or the bare
// built-in `echo`. Pure parsing, shared by the agent actor and the config
// checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"

namespace wingman::providers {

/// A parsed model string.
struct model_spec {
  std::string provider;  ///< e.g. `echo`, `openai`, `lmstudio`.
  std::string model;     ///< e.g. `gpt-4o-mini`; `echo` for the echo model.
};

/// Parses `provider:model`; `echo` and `echo:<anything>` are the echo model.
/// Returns nullopt for an empty provider or model part.
std::optional<model_spec> parse_model_spec(std::string_view text);

/// True if `spec` names a model this build can run: the echo model or a
/// built-in network provider (`openai`, `anthropic`, `lmstudio`, `ollama`,
/// `openrouter`, `xai`). Whether a key is configured is checked when the
/// provider is resolved (`provider_registry::resolve`), not here.
bool is_supported(const model_spec& spec) noexcept;

/// Like `is_supported(spec)`, also accepting providers declared in the
/// config's `providers` section.
bool is_supported(const model_spec& spec,
                  const std::vector<protocol::provider_config>& configured)
  noexcept;

} // namespace wingman::providers
