// Resolves a model string `provider:model` to everything needed to call the
// provider: wire type, endpoint URL, request headers (auth included),
// timeouts and retry budget. Pure: the environment and the credentials file
// text are inputs, so resolution is testable and does no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/expected.hpp"
#include "providers/model_spec.hpp"
#include "providers/wire.hpp"

namespace wingman::providers {

/// A network provider known without configuration.
struct builtin_provider {
  std::string_view name;
  provider_type type;
  std::string_view base_url;
  std::string_view api_key_env;  ///< Empty: the provider has no key variable.
  bool key_required;             ///< Resolution fails without a key.
};

/// The built-ins: `openai`, `anthropic`, `lmstudio`, `ollama`, `openrouter`,
/// `xai` (the local `echo` model is not a network provider).
const std::vector<builtin_provider>& builtin_providers();

/// The built-in named `name`, or null.
const builtin_provider* find_builtin_provider(std::string_view name) noexcept;

/// Request headers, in order; names as given.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Everything needed to call a provider for one model.
struct resolved_provider {
  std::string name;      ///< E.g. `lmstudio`.
  provider_type type = provider_type::openai;
  std::string base_url;  ///< Without a trailing `/`.
  std::string endpoint;  ///< `<base_url>/chat/completions` or `/messages`.
  /// `content-type: application/json`, `accept: text/event-stream`, the
  /// auth headers (`authorization: Bearer <key>` for openai-type with a
  /// key; `x-api-key: <key>` and `anthropic-version: 2023-06-01` for
  /// anthropic-type), then config `headers` (replacing same-named ones,
  /// case-insensitively). Host and content-length are the client's job.
  header_list headers;
  std::string model;     ///< The part after the first `:`.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds first_byte_timeout{120'000};
  std::chrono::milliseconds idle_timeout{60'000};
  int max_retries = 3;
  stream_limits limits;  ///< For `make_stream_decoder`.
  /// Where the key came from: `env:<VAR>`, `credentials` or `none`.
  std::string key_source;
  /// The config's `nativePdf`; absent: `takes_native_pdf`'s built-in rule.
  std::optional<bool> native_pdf;
};

/// What a listing shows about a provider (never the key).
struct provider_summary {
  std::string name;
  provider_type type = provider_type::openai;
  std::string base_url;
  bool from_config = false;  ///< Declared or overridden under `providers`.
  bool ready = false;        ///< Has a key, or needs none.
  std::string key_source;    ///< `env`, `credentials` or `none`.
};

/// Looks up an environment variable; nullopt when unset.
using env_lookup =
  std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment as an `env_lookup`.
std::optional<std::string> process_env(std::string_view name);

/// The built-in providers plus the config's `providers` entries (an entry
/// named like a built-in overrides it; its empty fields keep the built-in's
/// values). Immutable after construction; safe to share between threads.
class provider_registry {
 public:
  /// Built-ins only.
  provider_registry();

  /// Built-ins overridden and extended by `configured`.
  explicit provider_registry(std::vector<protocol::provider_config> configured);

  /// True for a built-in or configured network provider name.
  bool knows(std::string_view name) const noexcept;

  /// Every known provider name, sorted.
  std::vector<std::string> names() const;

  /// Fails (`config_invalid`) for the first configured entry that is not a
  /// built-in and lacks `type` or `baseUrl`, naming its key path. Call at
  /// startup; `resolve` reports the same problem for that provider.
  protocol::status check() const;

  /// Resolves `model_string` (`provider:model`).
  ///
  /// Base URL: the config entry's `baseUrl`, else the credentials file's
  /// `baseUrl` for that name, else the built-in default. API key: the
  /// environment variable (`apiKeyEnv`, else the built-in's variable), else
  /// `providers.<name>.apiKey` of `credentials_json` (the
  /// `<stateDir>/credentials.json` text written by Settings; empty text =
  /// no file), else none.
  ///
  /// Errors: `invalid_request` for a malformed model string or the `echo`
  /// model; `config_invalid` for an unknown provider (`unknown model
  /// provider "x" (known: ...)`), an incomplete config entry, an unreadable
  /// credentials file, or a missing required key (`anthropic: no API key:
  /// set ANTHROPIC_API_KEY or add it in Settings`). A key is required by
  /// `openai`, `anthropic`, `openrouter`, `xai`, and by any entry that sets
  /// `apiKeyEnv`.
  protocol::expected<resolved_provider>
  resolve(std::string_view model_string, const env_lookup& env,
          std::string_view credentials_json) const;

  /// The listing entry of provider `name` (built-in or configured): type
  /// and base URL as `resolve` would use them, and whether a key is there.
  /// Errors as `resolve` for an unknown or incomplete provider or an
  /// unreadable credentials file; a missing key is `ready == false`.
  protocol::expected<provider_summary>
  describe(std::string_view name, const env_lookup& env,
           std::string_view credentials_json) const;

 private:
  /// Where `name` lives and how it is reached, before any key is looked up.
  struct endpoint {
    const builtin_provider* builtin = nullptr;
    const protocol::provider_config* entry = nullptr;
    provider_type type = provider_type::openai;
    std::string base_url;
    std::string stored_key;
  };
  protocol::expected<endpoint> lookup(std::string_view name,
                                      std::string_view credentials_json) const;

  std::vector<protocol::provider_config> configured_;
};

} // namespace wingman::providers
