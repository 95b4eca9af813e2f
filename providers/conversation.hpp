// The neutral conversation model: what a turn sends to any model provider,
// and the neutral stream events every wire decoder produces. The wire
// codecs (`openai_wire`, `anthropic_wire`) translate between these types
// and each provider's JSON; the turn actor only sees these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/frames.hpp"

namespace wingman::providers {

// -- request side -------------------------------------------------------------

/// What an attachment carries.
enum class attachment_kind : uint8_t {
  image,  ///< `data_url` holds `data:image/...;base64,...` (or an http URL).
  audio,  ///< `data_url` holds `data:audio/...;base64,...`.
  file,   ///< `text` holds the file's text.
  pdf,    ///< `data_url` holds `data:application/pdf;base64,...`.
};

/// One attachment of a user message.
struct content_attachment {
  attachment_kind kind = attachment_kind::file;
  std::string name;       ///< File name, for labels and error messages.
  std::string mime_type;  ///< E.g. `image/png`; empty: taken from the data URL.
  std::string text;       ///< `file`: the content as text.
  std::string data_url;   ///< `image`, `audio`, `pdf`: a data URL.
};

/// A tool call the assistant made.
struct tool_call {
  std::string id;              ///< Provider-assigned call id.
  std::string name;            ///< Tool name.
  std::string arguments_json;  ///< A JSON object as text (`{}` when none).

  friend bool operator==(const tool_call& a, const tool_call& b) {
    return a.id == b.id && a.name == b.name
           && a.arguments_json == b.arguments_json;
  }
};

/// The result of running one tool call.
struct tool_result {
  std::string tool_call_id;  ///< `tool_call::id` it answers.
  std::string name;          ///< Tool name.
  std::string content;       ///< Output text (or error text).
  bool is_error = false;     ///< The tool failed; `content` says why.
};

/// Who sent a message.
enum class message_role : uint8_t { user, assistant, tool };

/// One message of the history.
struct message {
  message_role role = message_role::user;
  std::string text;                             ///< user / assistant text.
  std::vector<content_attachment> attachments;  ///< user only.
  std::vector<tool_call> tool_calls;            ///< assistant only.
  tool_result result;                           ///< tool only.

  /// A user message with text and attachments.
  static message user(std::string text,
                      std::vector<content_attachment> attachments = {});
  /// An assistant message with text and/or tool calls.
  static message assistant(std::string text,
                           std::vector<tool_call> calls = {});
  /// A tool result message.
  static message tool(tool_result result);
};

/// A tool the model may call.
struct tool_definition {
  std::string name;
  std::string description;
  std::string parameters_json_schema;  ///< JSON Schema object as text;
                                       ///< empty: no parameters.
};

/// Everything a turn sends, besides the request options.
struct conversation {
  std::string system_prompt;              ///< Empty: none.
  std::vector<message> messages;          ///< Oldest first.
  std::vector<tool_definition> tools;     ///< Empty: no tools offered.
};

/// `max_tokens` sent to Anthropic when `request_options::max_tokens` is unset
/// (the Messages API requires the field).
inline constexpr int default_max_tokens = 4096;

/// Per-request settings.
struct request_options {
  std::string model;               ///< Provider's model name (`gpt-4o-mini`).
  /// Output token cap. Unset: Anthropic gets `default_max_tokens`, OpenAI
  /// requests omit the field (the server's default applies).
  std::optional<int> max_tokens;
  std::optional<double> temperature;  ///< Unset: the provider's default.
  bool stream = true;                 ///< Always true for the turn actor.
  bool native_pdf = false;  ///< The model takes PDFs as documents.
};

/// A parsed `data:` URL.
struct data_url_parts {
  std::string mime_type;  ///< E.g. `image/png` (lower case; may be empty).
  std::string_view base64;  ///< The payload after `;base64,` (a view into
                            ///< the input).
};

/// Parses `data:<mime>[;params];base64,<payload>`; nullopt when `url` is not
/// a base64 data URL.
std::optional<data_url_parts> parse_data_url(std::string_view url);

/// Converts a wire attachment (`protocol::attachment`): `pdf`, or `file`
/// with a `data:application/pdf` URL (or mime type `application/pdf`) and a
/// base64 data URL, becomes `pdf`; a PDF that only has `textContent`
/// (converted on the gateway) becomes `file`. Errors (`invalid_request`): an
/// unknown kind, an image/audio/PDF without a data URL, a non-PDF file with
/// a data URL but no `textContent`.
protocol::expected<content_attachment>
to_content_attachment(const protocol::attachment& a);

/// How a `file` attachment is presented to a model as text:
/// `[file: <name> (<mime>)]\n<text>` (name/mime omitted when empty).
std::string file_attachment_text(const content_attachment& a);

// -- stream events ------------------------------------------------------------

/// Text the model produced.
struct text_delta {
  std::string text;
  friend bool operator==(const text_delta& a, const text_delta& b) {
    return a.text == b.text;
  }
};

/// A tool call began; `index` numbers tool calls of one response from 0.
struct tool_call_started {
  size_t index = 0;
  std::string id;
  std::string name;
  friend bool operator==(const tool_call_started& a,
                         const tool_call_started& b) {
    return a.index == b.index && a.id == b.id && a.name == b.name;
  }
};

/// A fragment of a tool call's arguments JSON.
struct tool_call_args_delta {
  size_t index = 0;
  std::string fragment;
  friend bool operator==(const tool_call_args_delta& a,
                         const tool_call_args_delta& b) {
    return a.index == b.index && a.fragment == b.fragment;
  }
};

/// A tool call is complete; `arguments_json` is a JSON object (`{}` when the
/// model sent no arguments).
struct tool_call_done {
  size_t index = 0;
  std::string id;
  std::string name;
  std::string arguments_json;
  friend bool operator==(const tool_call_done& a, const tool_call_done& b) {
    return a.index == b.index && a.id == b.id && a.name == b.name
           && a.arguments_json == b.arguments_json;
  }
};

/// Token counts reported by the provider. Counts are cumulative: when a
/// server reports usage more than once, the last report wins.
struct usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  friend bool operator==(const usage& a, const usage& b) {
    return a.input_tokens == b.input_tokens
           && a.output_tokens == b.output_tokens;
  }
};

/// Why the model stopped.
enum class finish_reason : uint8_t {
  stop,        ///< Natural end (OpenAI `stop`, Anthropic `end_turn`, ...).
  tool_calls,  ///< It wants tool results (`tool_calls`, `tool_use`).
  length,      ///< Output token cap (`length`, `max_tokens`).
  other,       ///< Anything else (content filter, refusal, ...): see `raw`.
};

/// The response is complete (always the last event of a good stream).
struct finished {
  finish_reason reason = finish_reason::stop;
  std::string raw;  ///< The provider's own spelling.
  friend bool operator==(const finished& a, const finished& b) {
    return a.reason == b.reason && a.raw == b.raw;
  }
};

/// The stream failed: a provider-sent error event, malformed data, invalid
/// tool arguments or a stream that ended early. `message` starts with the
/// provider name. Always the last event: decoders ignore later input.
struct stream_error {
  std::string message;
  friend bool operator==(const stream_error& a, const stream_error& b) {
    return a.message == b.message;
  }
};

/// One neutral stream event.
using stream_event = std::variant<text_delta, tool_call_started,
                                  tool_call_args_delta, tool_call_done, usage,
                                  finished, stream_error>;

/// A one-line rendering for logs and test failures, e.g.
/// `text_delta{"Hi"}` or `finished{tool_calls, "tool_use"}`.
std::string to_string(const stream_event& ev);

/// `stop`, `tool_calls`, `length` or `other`.
std::string_view to_string(finish_reason r) noexcept;

} // namespace wingman::providers
