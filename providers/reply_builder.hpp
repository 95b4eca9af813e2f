// Collects one response's neutral stream events into what the turn keeps:
// the assistant message (text plus finished tool calls) to append to the
// history, the usage and the finish reason. Pure.
#pragma once

#include <optional>
#include <string>

#include "providers/conversation.hpp"

namespace wingman::providers {

/// Accumulates the events of one streamed response.
class reply_builder {
 public:
  /// Applies one event: text is appended, `tool_call_done` adds a call
  /// (started/args events only matter for live display), the last `usage`
  /// wins, `finished`/`stream_error` end the reply.
  void add(const stream_event& ev);

  /// True once `finished` or `stream_error` was added.
  bool complete() const noexcept { return finish_.has_value() || failed_; }

  /// The assistant message so far: all text and every finished tool call.
  const message& assistant_message() const noexcept { return reply_; }

  /// The finish event, once the response finished normally.
  const std::optional<finished>& finish() const noexcept { return finish_; }

  /// The error message, once the stream failed (empty otherwise).
  const std::string& error() const noexcept { return error_; }

  /// The last reported usage (zeros when none was reported).
  const usage& tokens() const noexcept { return usage_; }

  /// True when the model asked for tools: it finished with tool calls.
  bool wants_tools() const noexcept {
    return finish_ && !reply_.tool_calls.empty();
  }

 private:
  message reply_ = message::assistant("");
  std::optional<finished> finish_;
  usage usage_;
  std::string error_;
  bool failed_ = false;
};

} // namespace wingman::providers
