// Gateway configuration (`wingman.config.json`, PRD "Configuration").
//
// `parse_config` turns file text into a `gateway_config`, expanding `~` and
// relative paths; a known key with a wrong type or value is an error naming
// the file, the key path and the expected form. Unknown keys are reported in
// `warnings` (kept by rewriters, ignored at runtime). Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/routing.hpp"
#include "protocol/tool_limits.hpp"

namespace wingman::protocol {

/// Built-in `echo` model settings (`agents.list[].echo`).
struct echo_options {
  int64_t delay_ms = 0;  ///< Total turn time, spread evenly over the chunks.
  int chunks = 4;        ///< Number of `on_chat_model_stream` chunks (1..1000).
};

/// One agent: an entry of `agents.list` or an agent file
/// (`<configDir>/agents/<id>/agent.md|json`, protocol/agent_file.hpp).
struct agent_config {
  std::string id;
  std::string name;        ///< Display name; defaults to `id`.
  std::string description; ///< One line for people; may be empty.
  bool is_default = false; ///< `default: true`.
  std::string workspace;   ///< Expanded path; defaults to `<stateDir>/outputs/<id>`.
  std::string agent_dir;   ///< Expanded path; defaults to `<stateDir>/agents/<id>`.
  std::string model = "echo";  ///< `provider:model` or `echo`.
  std::string prompt;      ///< System prompt.
  std::vector<std::string> tools;
  echo_options echo;
  /// The agent file it is defined in; empty for `agents.list` entries.
  std::string source_file;
};

/// `gateway.auth.mode`.
enum class auth_mode : uint8_t { none, token, password };

/// Every limit with its default (`gateway.limits.*`, an extension).
struct limits_config {
  size_t max_frame_bytes = 1u << 20;        ///< maxFrameBytes: inbound WS message.
  size_t write_queue_bytes = 16u << 20;     ///< writeQueueBytes: per connection.
  size_t session_queue_depth = 100;         ///< sessionQueueDepth: queued per session.
  int ping_interval_s = 30;                 ///< pingIntervalSeconds.
  int idle_timeout_s = 60;                  ///< idleTimeoutSeconds.
  size_t max_http_body_bytes = 1u << 20;    ///< maxHttpBodyBytes.
  int auth_failures_per_minute = 10;        ///< authFailuresPerMinute, per address.
  int http_timeout_s = 30;                  ///< httpTimeoutSeconds: HTTP read/idle and handler answer.
  int session_idle_s = 60;                  ///< sessionIdleSeconds: idle session actors stop after it.
};

/// `gateway.storage.*` (an extension).
struct storage_config {
  uint64_t map_size_bytes = 1ull << 32;  ///< mapSizeMb; LMDB map size (sparse file).
  bool sync = true;                      ///< sync: fsync each group commit.
};

/// One entry of the top-level `providers` object: a model endpoint used in
/// model strings as `<name>:<model>`. An entry named like a built-in
/// provider (`openai`, `lmstudio`, ...) overrides it; empty fields then keep
/// the built-in's values. Literal API keys are refused (keys come from
/// `apiKeyEnv` or `<stateDir>/credentials.json`).
struct provider_config {
  std::string name;         ///< The key: 1-64 of A-Z a-z 0-9 _ . -
  std::string type;         ///< `type`: `openai` or `anthropic`; empty: built-in's.
  std::string base_url;     ///< `baseUrl`: http(s) URL; empty: built-in's.
  std::string api_key_env;  ///< `apiKeyEnv`: env var holding the key.
  /// `headers`: extra request headers, in file order.
  std::vector<std::pair<std::string, std::string>> headers;
  int connect_timeout_ms = 10'000;      ///< connectTimeoutMs.
  int first_byte_timeout_ms = 120'000;  ///< firstByteTimeoutMs (model load time).
  int idle_timeout_ms = 60'000;         ///< idleTimeoutMs: max gap in the stream.
  int max_retries = 3;                  ///< maxRetries (0..10): 429/5xx/connect.
  size_t max_event_bytes = 4u << 20;      ///< maxEventBytes: one SSE event.
  size_t max_tool_args_bytes = 1u << 20;  ///< maxToolArgsBytes: one call's arguments.
  size_t max_tool_calls = 128;            ///< maxToolCalls: per response.
  /// nativePdf: the models take PDFs as documents (true) or get their text
  /// (false); absent: the built-in rule (`providers::takes_native_pdf`).
  std::optional<bool> native_pdf;
};

/// The whole configuration.
struct gateway_config {
  std::string host = "127.0.0.1";
  uint16_t port = 18789;
  std::string state_dir;            ///< Expanded; default `~/.wingman`.
  std::vector<std::string> fs_roots;
  auth_mode auth = auth_mode::none;
  std::string token;                ///< `gateway.auth.token`.
  std::string password;             ///< `gateway.auth.password`.
  bool control_ui_enabled = true;
  uint16_t control_ui_port = 18790;
  /// `gateway.controlUi.allowUnauthenticatedLoopback`: `/api/*` without
  /// credentials from loopback peers only (older UIs).
  bool allow_unauthenticated_loopback = false;
  /// `gateway.controlUi.allowedOrigins`: CORS origins besides the gateway's
  /// own (`http://<host>:<port>` for both ports). Never `*` with auth on.
  std::vector<std::string> cors_origins;
  /// `voice` (top level): the raw JSON object, `{}` when absent; served and
  /// replaced by `/api/voice`.
  std::string voice_json = "{}";
  int io_threads = 1;               ///< gateway.ioThreads.
  int worker_threads = 0;           ///< gateway.workerThreads; 0 = cores - 1 (at least 1).
  limits_config limits;
  storage_config storage;
  tool_limits tools;                ///< gateway.tools.*
  turn_limits turns;                ///< gateway.turns.*
  std::vector<agent_config> agents;
  std::vector<binding> bindings;
  std::vector<provider_config> providers;  ///< `providers`, in file order.
  std::string default_agent;        ///< Resolved: defaultAgent, else default:true, else first.
  std::string source;               ///< File it came from; empty for the embedded default.
  std::vector<std::string> warnings;///< E.g. "unknown key gateway.mcpProxy (ignored)".
};

/// Where `~` and relative paths point.
struct path_context {
  std::string home;        ///< $HOME.
  std::string config_dir;  ///< Folder holding the config file (or cwd).
};

/// Expands a leading `~` against `home` and a relative path against
/// `config_dir`; absolute paths are returned unchanged.
std::string expand_path(std::string_view path, const path_context& ctx);

/// The embedded default: one `main` agent on `echo`, state in `~/.wingman`,
/// loopback bind, auth `none`.
gateway_config default_config(const path_context& ctx);

/// Parses config text. Errors read
/// `<file>: <key.path>: <what is wrong> (expected <form>)`.
/// Validates: agent ids (unique, `validate_agent_id`), bindings name existing
/// agents and set `match.channel`, `defaultAgent` exists, ports in range,
/// auth mode known, `token` mode has a token (or `WINGMAN_GATEWAY_TOKEN` is
/// given in `env_token`), `none` only on a loopback host, limits positive.
///
/// `file_agents` (parsed agent files, see protocol/agent_file.hpp) are added
/// after the `agents.list` entries, with the same path defaults; an id in
/// both is an error at `agents.list[i].id` naming the agent file. Bindings
/// and `defaultAgent` may name them. The implicit `main` exists only when
/// there is no agent at all.
expected<gateway_config> parse_config(
  std::string_view text, std::string_view file_name, const path_context& ctx,
  std::string_view env_token = {},
  const std::vector<agent_config>& file_agents = {});

/// Moves `cfg` to state folder `dir` (the `--state-dir` override): every
/// path that was derived from the old state folder (the default `fsRoots`
/// entry, agents' default `workspace` and `agentDir`) follows it; paths the
/// config set explicitly stay.
void set_state_dir(gateway_config& cfg, std::string dir);

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host) noexcept;

} // namespace wingman::protocol
