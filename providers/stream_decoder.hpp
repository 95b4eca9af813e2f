// The common shape of the provider stream decoders: raw HTTP body bytes in,
// neutral `stream_event`s out. SSE framing is handled here; each wire format
// (`openai_stream_decoder`, `anthropic_stream_decoder`) interprets events.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "providers/conversation.hpp"
#include "providers/sse.hpp"

namespace wingman::providers {

/// Bounds on what one streamed response may buffer (per provider:
/// `providers.<name>.maxEventBytes`, `maxToolArgsBytes`, `maxToolCalls`).
struct stream_limits {
  /// One SSE event (4 MiB).
  size_t max_event_bytes = default_max_sse_event_bytes;
  /// One tool call's arguments (1 MiB).
  size_t max_tool_args_bytes = size_t{1} << 20;
  /// Tool calls per response.
  size_t max_tool_calls = 128;
};

/// Turns one streamed response body into neutral events.
///
/// Every stream ends with exactly one terminal event: `finished` (success)
/// or `stream_error`; after it, input is ignored and `done()` is true. Not
/// thread-safe; one decoder per HTTP response.
class stream_decoder {
 public:
  virtual ~stream_decoder() = default;
  stream_decoder(const stream_decoder&) = delete;
  stream_decoder& operator=(const stream_decoder&) = delete;

  /// Feeds body bytes in slices of any size; appends the resulting events.
  /// An SSE framing error (event over the size bound) becomes a
  /// `stream_error`.
  void feed(std::string_view bytes, std::vector<stream_event>& out);

  /// The body ended (the connection closed or the chunked body completed).
  /// A last event missing its blank line is still decoded; then, without a
  /// terminal event so far, a `stream_error` says the stream ended early.
  void finish(std::vector<stream_event>& out);

  /// Decodes one already-framed SSE event.
  void decode(const sse_event& ev, std::vector<stream_event>& out);

  /// True once the terminal event was emitted.
  bool done() const noexcept { return done_; }

  /// The provider name used in messages (e.g. `lmstudio`).
  const std::string& provider() const noexcept { return provider_; }

 protected:
  /// A decoder naming `provider` in its messages, within `limits`.
  stream_decoder(std::string provider, stream_limits limits);

  /// The limits this decoder enforces.
  const stream_limits& limits() const noexcept { return limits_; }

  /// Interprets one SSE event (only called before the terminal event).
  virtual void on_event(const sse_event& ev, std::vector<stream_event>& out)
    = 0;

  /// The body ended before a terminal event: emit one (`complete` or `fail`).
  virtual void on_end(std::vector<stream_event>& out) = 0;

  /// Emits `stream_error{"<provider>: <what>"}` and ends the stream.
  void fail(std::string_view what, std::vector<stream_event>& out);

  /// Emits `f` and ends the stream.
  void complete(finished f, std::vector<stream_event>& out);

 private:
  stream_limits limits_;
  sse_parser sse_;
  std::string provider_;
  bool done_ = false;
};

} // namespace wingman::providers
