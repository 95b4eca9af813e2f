// The Anthropic Messages wire format (`POST <baseUrl>/messages` with
// `stream: true`). Pure: request body out, neutral stream events in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "providers/conversation.hpp"
#include "providers/stream_decoder.hpp"

namespace wingman::providers {

/// Encodes a streaming Messages request body:
/// - `model`, `max_tokens` (`default_max_tokens` when unset), `system` when
///   non-empty, `temperature` when set, `stream:true`;
/// - `messages`, alternating roles as the API requires: consecutive
///   messages of the same API role are merged into one message (tool
///   results are `tool_result{tool_use_id,content,is_error}` blocks of a
///   user message, so consecutive results become one message); messages
///   without content are skipped. Blocks per message: user attachments
///   first (`image{source{type:base64,media_type,data}}` or
///   `image{source{type:url,url}}`, `document{source{type:base64,
///   media_type:"application/pdf",data}}` for PDFs, `text` for files), then
///   the `text`; assistant `text` then `tool_use{id,name,input}`; empty text
///   blocks are never sent;
/// - `tools[{name,description,input_schema}]` when any.
/// Errors (`invalid_request`): audio attachments (not supported), a PDF
/// without `native_pdf`, images other than jpeg/png/gif/webp or without a
/// data or http(s) URL, tool schemas or assistant tool-call arguments that
/// are not JSON objects, no messages, an empty model.
protocol::expected<std::string> encode_anthropic_request(
  const conversation& conv, const request_options& opts);

/// `<provider>: HTTP <status>: <message> (<error type>)` for a non-2xx
/// response, e.g. `anthropic: HTTP 401: invalid x-api-key
/// (authentication_error)`. Robust to bodies that are not JSON.
std::string describe_anthropic_error(std::string_view provider, int status,
                                     std::string_view body);

/// Decodes a Messages stream (`event: <type>` / `data: {...}` pairs; the
/// JSON `type` member decides, the SSE event name is the fallback):
/// - `message_start`: remembers `message.usage.input_tokens`;
/// - `content_block_start`: `text` (non-empty initial text →
///   `text_delta`) or `tool_use` → `tool_call_started` (tool calls are
///   numbered from 0 in order of appearance, whatever their block index);
/// - `content_block_delta`: `text_delta` → `text_delta`, `input_json_delta`
///   → `tool_call_args_delta`; other delta types (thinking, signatures) are
///   ignored;
/// - `content_block_stop` of a tool block → `tool_call_done` (blank input
///   → `{}`, else it must be a JSON object);
/// - `message_delta`: remembers `delta.stop_reason`, emits `usage` with the
///   input tokens and the cumulative `usage.output_tokens`;
/// - `message_stop` → `finished` (`end_turn`/`stop_sequence` → stop,
///   `tool_use` → tool_calls, `max_tokens` → length, else other);
/// - `ping` and unknown types are ignored; `error` events, malformed JSON
///   and a body that ends before `message_stop` → `stream_error`.
class anthropic_stream_decoder final : public stream_decoder {
 public:
  /// A decoder naming `provider` in its messages.
  explicit anthropic_stream_decoder(
    std::string provider = "anthropic",
    stream_limits limits = {});

  /// A tool-use block being assembled (public for the implementation).
  struct pending_call {
    size_t ordinal = 0;
    std::string id;
    std::string name;
    std::string args;
    std::string initial_input;  // `content_block.input` when non-empty
  };

 protected:
  void on_event(const sse_event& ev, std::vector<stream_event>& out) override;
  void on_end(std::vector<stream_event>& out) override;

 private:
  void stop_block(size_t block, std::vector<stream_event>& out);
  void start_call(size_t block, std::string_view id, std::string_view name,
                  std::string initial_input, std::vector<stream_event>& out);
  void append_args(size_t block, std::string_view part,
                   std::vector<stream_event>& out);

  std::map<size_t, pending_call> calls_;  // by content block index
  size_t next_call_ = 0;
  int64_t input_tokens_ = 0;
  int64_t output_tokens_ = 0;
  std::string stop_reason_;
};

} // namespace wingman::providers
