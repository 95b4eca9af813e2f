// JSON codecs for wire frames: one decode for inbound text, one encode per
// outbound frame kind. RapidJSON is used only in the `*_json.cpp` files.
//
// Encoders return the complete frame text; the caller shares the bytes with
// every recipient (encode once, send many). All functions are pure and
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/error.hpp"
#include "protocol/expected.hpp"
#include "protocol/frames.hpp"

namespace wingman::protocol {

// -- decoding -----------------------------------------------------------------

/// Why a frame could not be decoded: the wire error plus the frame's `id` if
/// it could be read (so the error frame can echo it).
struct decode_error {
  error_code code = error_code::invalid_message;
  std::string message;
  std::string id;
};

/// Result of `decode_inbound`.
struct decode_result {
  bool ok = false;
  inbound_frame frame;  ///< Valid when `ok`.
  decode_error error;   ///< Valid when `!ok`.
};

/// Decodes one inbound text frame. Rules (tested in tests/protocol):
/// - not JSON or not an object → `INVALID_MESSAGE` ("Invalid JSON: ...");
/// - `type` missing or not a string → `INVALID_MESSAGE`;
/// - `timestamp` missing or not a number → `INVALID_MESSAGE`;
/// - `type` unknown → `UNKNOWN_MESSAGE_TYPE`;
/// - `connect` without string `id` → `INVALID_CONNECT`;
/// - `req:agent` without `id` → `INVALID_REQUEST` "Missing request id";
///   payload not an object or a field of the wrong type → `INVALID_REQUEST`
///   naming the field (e.g. "payload.content must be a string");
/// - `req:agent:cancel` without `payload.requestId` → `INVALID_REQUEST`;
/// - `session_subscribe`/`session_unsubscribe` without `payload.sessionId`
///   → `INVALID_REQUEST`;
/// - a `sessionKey`/`sessionId` that fails `validate_session_key` →
///   `INVALID_REQUEST`.
/// Unknown keys are ignored. Never returns a half-filled frame.
decode_result decode_inbound(std::string_view text);

/// Returns an error message if the request cannot run (e.g. "Missing agent
/// content" for empty content without attachments), else an empty string.
std::string check_agent_request(const agent_request& req);

/// Short preview of a prompt for `agent-start.prompt` and session listings:
/// at most `max_chars` UTF-8 code points, never splitting a code point.
std::string preview(std::string_view text, size_t max_chars = 200);

// -- encoding: envelope-level frames ------------------------------------------

/// `{"type":"res","id":id,"ok":ok,"payload":payload,"timestamp":ts}`
/// with a string payload.
std::string encode_res(std::string_view id, bool ok, std::string_view payload,
                       int64_t ts);

/// `{"type":"error","id":id?,"payload":{"code":..,"message":..,
/// "retryAfterMs"?},"timestamp":ts}`; `id` omitted when empty;
/// `retryAfterMs` included when `retry_after_ms >= 0`.
std::string encode_error(std::string_view id, error_code code,
                         std::string_view message, int64_t ts,
                         int64_t retry_after_ms = -1);

/// `{"type":"pong","id":id?,"timestamp":ts}`.
std::string encode_pong(std::string_view id, int64_t ts);

/// Queue acks for `req:agent` (PROTOCOL.md §3.3).
std::string encode_ack_queued(std::string_view request_id,
                              std::string_view session_id,
                              std::string_view agent_id, size_t position,
                              int64_t ts);
std::string encode_ack_dequeued(std::string_view request_id,
                                std::string_view session_id,
                                std::string_view agent_id, size_t remaining,
                                int64_t ts);

/// Ack for `req:agent:cancel`: status is cancelled | cancelled_queued |
/// not_found.
std::string encode_ack_cancel(std::string_view id, std::string_view request_id,
                              std::string_view status, int64_t ts);

/// Ack for `session_subscribe`/`session_unsubscribe` (`action` is the type).
std::string encode_ack_subscription(std::string_view id, std::string_view action,
                                    std::string_view session_id,
                                    std::string_view agent_id, int64_t ts);

// -- encoding: event:agent ----------------------------------------------------

/// Envelope fields shared by every `event:agent` frame of one request.
struct event_context {
  std::string_view request_id;  ///< Frame `id`.
  std::string_view client_id;   ///< Requester's instanceId; omitted if empty.
  std::string_view session_id;  ///< `payload.sessionId`.
  std::string_view agent_id;    ///< `payload.agentId`.
  int64_t ts = 0;               ///< Envelope `timestamp` (ms).
};

/// `agent-start`: `agent` (name), `prompt` (preview), `timestamp` (ISO-8601).
std::string encode_agent_start(const event_context& ctx,
                               std::string_view agent_name,
                               std::string_view prompt_preview);

/// `agent-stream` carrying an `on_chat_model_stream` chunk with `delta`.
/// `run_id` is the turn id, `model` the model name.
std::string encode_agent_stream_text(const event_context& ctx,
                                     std::string_view run_id,
                                     std::string_view model,
                                     std::string_view delta);

/// The phase of a tool call on the wire.
enum class tool_phase : uint8_t { start, end, error };

/// `tool-start` (`toolName`, `toolInput`: `input_json`, a JSON object),
/// `tool-end` (`toolName`, `toolOutput`) or, for `error`, `tool-end` with
/// `isError: true`. Each goes with `encode_agent_stream_tool`'s chunk.
std::string encode_tool_event(const event_context& ctx, tool_phase phase,
                              std::string_view tool_name, std::string_view input_json,
                              std::string_view output);

/// `agent-stream` carrying an `on_tool_start` (`data.input`), `on_tool_end`
/// (`data.output`) or `on_tool_error` (`data.error`) chunk; `run_id` is the
/// tool call id.
std::string encode_agent_stream_tool(const event_context& ctx, tool_phase phase,
                                     std::string_view call_id, std::string_view tool_name,
                                     std::string_view input_json, std::string_view output);

/// Token usage of a turn.
struct usage_info {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;
};

/// `agent-complete` with `result:{response, streaming:true, usage}`.
std::string encode_agent_complete(const event_context& ctx,
                                  std::string_view response,
                                  const usage_info& usage);

/// `agent-error` with `error` and optional `code` (wire name; omitted when
/// `code == error_code::none`).
std::string encode_agent_error(const event_context& ctx,
                               std::string_view message, error_code code);

/// `request-queued` with 1-based `position`.
std::string encode_request_queued(const event_context& ctx, size_t position);

/// `session-message`: `role:"user"`, `content`, `attachments`, `routing?`.
std::string encode_session_message(const event_context& ctx,
                                   const agent_request& req);

/// Milliseconds since the Unix epoch, from the system clock.
int64_t now_ms() noexcept;

/// ISO-8601 UTC with milliseconds, e.g. `2026-11-22T03:04:05.123Z`.
std::string iso8601(int64_t ms);

} // namespace wingman::protocol
