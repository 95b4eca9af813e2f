// The OpenAI Chat Completions wire format (`POST <baseUrl>/chat/completions`
// with `stream: true`), spoken by OpenAI and every OpenAI-compatible server
// (LM Studio, Ollama, OpenRouter, xAI, ...). Pure: request body out,
// neutral stream events in.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "providers/conversation.hpp"
#include "providers/stream_decoder.hpp"

namespace wingman::providers {

/// Encodes a streaming Chat Completions request body:
/// - `model`; `messages`: the system prompt as `{role:"system"}`, user
///   messages as a string or, with attachments, content parts
///   (`text`, `image_url{url}`, `input_audio{data,format}`, `file{filename,
///   file_data}` for native PDFs; `file` attachments as text parts);
///   assistant messages with `tool_calls[{id,type:"function",function{name,
///   arguments}}]` (content null when empty); tool results as
///   `{role:"tool",tool_call_id,content}` (`Error: ` prefixed when
///   `is_error`);
/// - `tools[{type:"function",function{name,description,parameters}}]` when
///   any; `max_tokens` and `temperature` when set; `stream:true` and
///   `stream_options{include_usage:true}`.
/// Errors (`invalid_request`): audio other than wav/mp3, a PDF without
/// `native_pdf`, an attachment without a base64 data URL, a tool schema or
/// assistant tool-call arguments that are not a JSON object, an empty model.
protocol::expected<std::string> encode_openai_request(
  const conversation& conv, const request_options& opts);

/// `<provider>: HTTP <status>: <message>` for a non-2xx response, e.g.
/// `openai: HTTP 401: Incorrect API key provided`. Robust to bodies that are
/// not JSON (plain text is shown, HTML replaced by the reason phrase).
std::string describe_openai_error(std::string_view provider, int status,
                                  std::string_view body);

/// Decodes a Chat Completions stream (`data: {chunk}` events, then
/// `data: [DONE]`).
///
/// - `choices[0].delta.content` → `text_delta`;
/// - `choices[0].delta.tool_calls[]` are assembled by `index` (the id and
///   name arrive in the first delta of an index, arguments in pieces):
///   `tool_call_started` at the first delta, `tool_call_args_delta` per
///   piece, `tool_call_done` for every call (in index order) when
///   `finish_reason` arrives; a missing `index` means the position in the
///   array, a missing id becomes `call_<index>`;
/// - `usage` (the final chunk with empty `choices`) → `usage`;
/// - `finish_reason` is remembered and `finished` is emitted at `[DONE]`
///   (or at the end of the body), so `usage` comes before it. `stop`,
///   `tool_calls` (and legacy `function_call`), `length` map to their
///   reasons, anything else to `other`; `stop` with tool calls counts as
///   `tool_calls` (some local servers send it);
/// - `{"error":{...}}` inside the stream, malformed JSON, invalid tool
///   arguments, `[DONE]` or the end of the body without a `finish_reason` →
///   `stream_error`. Unknown fields are ignored.
class openai_stream_decoder final : public stream_decoder {
 public:
  /// A decoder naming `provider` (e.g. `lmstudio`) in its messages.
  explicit openai_stream_decoder(
    std::string provider = "openai",
    stream_limits limits = {});

  /// A tool call being assembled (public for the implementation's helpers).
  struct pending_call {
    std::string id;
    std::string name;
    std::string args;
  };

 protected:
  void on_event(const sse_event& ev, std::vector<stream_event>& out) override;
  void on_end(std::vector<stream_event>& out) override;

 private:
  void finish_calls(std::vector<stream_event>& out);
  /// One `delta.tool_calls[]` entry (empty strings: field absent).
  void on_tool_delta(size_t index, std::string_view id, std::string_view name,
                     std::string_view args, std::vector<stream_event>& out);

  std::map<size_t, pending_call> calls_;  // by wire index
  std::optional<finished> finish_;
  bool had_calls_ = false;
};

} // namespace wingman::providers
