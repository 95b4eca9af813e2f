// Incremental Server-Sent Events parser (WHATWG HTML, "Parsing an event
// stream"). Pure: the HTTP client feeds it body bytes as they arrive, in
// slices of any size; it returns the events completed by each slice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace wingman::providers {

/// One dispatched event.
struct sse_event {
  std::string event = "message";  ///< `event:` field; `message` when absent.
  std::string data;               ///< `data:` lines joined with `\n`.
  std::string id;                 ///< Last event id seen so far (sticky).

  friend bool operator==(const sse_event& a, const sse_event& b) {
    return a.event == b.event && a.data == b.data && a.id == b.id;
  }
};

/// Default bound on one buffered event (the partial line plus the data, event
/// type and id buffers): 4 MiB.
inline constexpr size_t default_max_sse_event_bytes = size_t{4} << 20;

/// Parses an event stream incrementally.
///
/// - Lines end with `\r\n`, `\n` or `\r`; a `\r\n` pair split across two
///   feeds counts as one line ending. A UTF-8 BOM at the very start is
///   dropped (even when split across feeds).
/// - `field: value` lines: one leading space of the value is stripped; a
///   line without a colon is a field with an empty value; lines starting
///   with `:` are comments. Known fields: `event`, `data` (appended, joined
///   with `\n`), `id` (ignored when it contains NUL), `retry` (ASCII digits
///   only). Other fields are ignored.
/// - A blank line dispatches the event unless its data buffer is empty
///   (per spec: such events are dropped, the event type is reset).
/// - When the buffered event exceeds `max_event_bytes`, `feed` fails with
///   `payload_too_large` and the parser stays failed.
/// - At end of stream an unterminated event is discarded (per spec);
///   `has_partial_event()` tells whether that happened.
class sse_parser {
 public:
  /// A parser bounding each buffered event to `max_event_bytes`.
  explicit sse_parser(size_t max_event_bytes = default_max_sse_event_bytes);

  /// Parses `bytes`, appending every completed event to `out`. Events
  /// completed before an error are still appended.
  protocol::status feed(std::string_view bytes, std::vector<sse_event>& out);

  /// True when bytes of an undispatched event are buffered.
  bool has_partial_event() const noexcept;

  /// The last `retry:` value in milliseconds, if any.
  std::optional<uint64_t> retry_ms() const noexcept { return retry_ms_; }

  /// The last event id (sticky across events, as in the spec).
  const std::string& last_event_id() const noexcept { return last_id_; }

  /// True after a feed failed; later feeds fail the same way.
  bool failed() const noexcept { return failed_; }

 private:
  protocol::status line_done(std::vector<sse_event>& out);
  void process_field(std::string_view field, std::string_view value);
  size_t buffered() const noexcept;
  protocol::status too_large();

  size_t max_event_bytes_;
  std::string line_;         // current, unterminated line
  std::string data_;         // data buffer (with trailing '\n' per line)
  std::string event_type_;   // event type buffer
  std::string id_buffer_;    // last event id buffer
  std::string last_id_;      // last event id string (set at dispatch)
  std::optional<uint64_t> retry_ms_;
  std::string bom_prefix_;   // leading bytes while the BOM is undecided
  bool bom_checked_ = false;
  bool skip_lf_ = false;     // the previous slice ended with '\r'
  bool failed_ = false;
  bool seen_field_ = false;  // a field line since the last dispatch
};

} // namespace wingman::providers
