// The built-in `echo` model: streams the user's text back in a fixed number
// of chunks spread over a fixed total time. Used by tests, demos and
// benchmarks. A pure planner: the turn actor executes the plan with timers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/config.hpp"

namespace wingman::providers {

/// What the echo model will stream for one turn.
struct echo_plan {
  std::vector<std::string> chunks;     ///< Deltas, in order; concatenated = response.
  std::chrono::milliseconds interval;  ///< Wait before each chunk.
  std::string response;                ///< Full text.
  protocol::usage_info usage;
};

/// Plans an echo turn for `content` (plus a note per attachment):
/// - the response is `content`, or `(N attachments)` when content is empty;
/// - it is split into `min(opts.chunks, code points)` chunks of near-equal
///   code-point length, never splitting a UTF-8 sequence;
/// - `interval = opts.delay_ms / chunks` (total turn time = delay_ms);
/// - usage counts are the input and output lengths in 4-byte "tokens",
///   rounded up (the echo model has no tokenizer).
echo_plan plan_echo(std::string_view content, size_t attachment_count,
                    const protocol::echo_options& opts);

/// Splits `text` into at most `n` pieces of near-equal code-point length
/// (n >= 1); empty text gives one empty piece.
std::vector<std::string> split_utf8(std::string_view text, size_t n);

} // namespace wingman::providers
