// Edits of the configuration file and of `<stateDir>/credentials.json`, and
// the decoders of the HTTP administration bodies (agents, providers, voice,
// files) that feed them.
//
// Every rewrite takes the current file text and returns the new text; it
// keeps every key it does not own (summarization, hooks, mcp, ...) with its
// value and position, and changes known keys in place. Pure functions: the
// caller (actors/http_admin.cpp) reads, serializes writers and writes the
// file atomically. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/expected.hpp"

namespace wingman::protocol {

// -- agents -------------------------------------------------------------------

/// The fields of an agent given in `POST /api/agents` or `PUT
/// /api/agents/<id>`; an absent field leaves the agent's value unchanged.
struct agent_patch {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> model;  ///< Not checked here (see providers).
  std::optional<std::string> prompt;
  std::optional<std::vector<std::string>> tools;
  std::optional<int64_t> echo_delay_ms;
  std::optional<int> echo_chunks;
  std::optional<bool> is_default;  ///< `default`.
};

/// Decodes an agent body: a JSON object whose known members have the types
/// of `agents.list[]` (`id` must pass `validate_agent_id`, `model` must be a
/// non-empty string, `echo.delayMs` >= 0, `echo.chunks` 1..1000). Unknown
/// members, `workspace` and `agentDir` (read-only) are ignored. Errors
/// (`invalid_request`) name the field, e.g. `tools[1]: expected a string,
/// got 3`.
expected<agent_patch> decode_agent_patch(std::string_view body);

/// Applies the present fields of `patch` (except `id`) to `agent`.
void apply_agent_patch(const agent_patch& patch, agent_config& agent);

/// The API view of an agent: `{id, name, description, default, model,
/// prompt, tools, workspace, agentDir, echo:{delayMs, chunks}}`, plus
/// `file` (the agent file's path) for an agent defined by an agent file.
std::string encode_agent(const agent_config& agent, bool is_default);

/// Inserts `agent` at the end of `agents.list` or updates the entry with its
/// id in place (members it does not know are kept). Writes `id`, `name`,
/// `description`, `model`, `prompt`, `tools`, `echo` (each only when
/// non-default or already present), `workspace`/`agentDir` only when
/// non-empty, and `default`: when `agent.is_default`, every other entry's
/// `default` becomes false and a top-level `defaultAgent` is set to its id.
/// When the file has no agents and `implicit_main` (no agent files either:
/// the gateway then runs the implicit `main`), `{"id":"main"}` is written
/// first so that agent survives. Empty text counts as `{}`.
/// Errors: `config_invalid` when the text is not a JSON object or
/// `agents`/`agents.list` has the wrong type.
expected<std::string> config_upsert_agent(std::string_view file_text,
                                          const agent_config& agent,
                                          bool implicit_main = true);

/// Removes the `agents.list` entry `id` (no change when absent). Errors:
/// `config_invalid` as above; `forbidden` when `agents.bindings` names the
/// agent (the file would no longer load).
expected<std::string> config_remove_agent(std::string_view file_text,
                                          std::string_view id);

// -- voice --------------------------------------------------------------------

/// Decodes a `PUT /api/voice` body into the compact JSON object to store:
/// `provider` is required (`web_speech` or `elevenlabs`), `defaultPolicy`
/// is `off` or `auto`, `webSpeech` and `elevenlabs` are objects; other
/// members are kept. When the body's `elevenlabs` has no `apiKey` and
/// `current_json` has one, it is carried over (clients never see it).
/// Errors: `invalid_request`, naming the field.
expected<std::string> decode_voice(std::string_view body,
                                   std::string_view current_json);

/// The API view of a stored voice object: `provider` defaults to
/// `web_speech`, `defaultPolicy` to `off`; `elevenlabs.apiKey` is replaced
/// by `elevenlabs.apiKeyConfigured: true`. Malformed input gives the
/// defaults.
std::string voice_public_json(std::string_view voice_json);

/// Sets the top-level `voice` of the config file to `voice_json` (an
/// object), in place when present. Errors: `config_invalid` for a file that
/// is not a JSON object, `invalid_request` for `voice_json`.
expected<std::string> config_set_voice(std::string_view file_text,
                                       std::string_view voice_json);

// -- provider credentials -----------------------------------------------------

/// A `POST /api/providers/<name>` body: `{apiKey?, baseUrl?}`.
struct provider_credentials {
  std::string api_key;   ///< Non-empty when given.
  std::string base_url;  ///< `http://` or `https://` URL when given.
};

/// Decodes a provider body; at least one of `apiKey` (a non-empty string)
/// and `baseUrl` (an http(s) URL) is required. Errors: `invalid_request`.
expected<provider_credentials> decode_provider_credentials(
  std::string_view body);

/// One entry of the credentials file, without its secret.
struct stored_provider {
  std::string name;
  bool has_key = false;
  std::string base_url;
};

/// The entries of a credentials file
/// (`{"providers":{"<name>":{"apiKey":..,"baseUrl":..}}}`), in file order.
/// Empty text gives none. Errors: `config_invalid`.
expected<std::vector<stored_provider>> read_credentials(
  std::string_view file_text);

/// Sets entry `name` (fields of `creds` that are non-empty replace the
/// stored ones); other entries and keys are kept. Errors: `config_invalid`.
expected<std::string> credentials_set(std::string_view file_text,
                                      std::string_view name,
                                      const provider_credentials& creds);

/// Removes entry `name` (no change when absent). Errors: `config_invalid`.
expected<std::string> credentials_remove(std::string_view file_text,
                                         std::string_view name);

// -- files --------------------------------------------------------------------

/// Decodes `{"path": "<non-empty string>"}` (`POST /api/fs/mkdir`).
/// Errors: `invalid_request`.
expected<std::string> decode_path_body(std::string_view body);

} // namespace wingman::protocol
