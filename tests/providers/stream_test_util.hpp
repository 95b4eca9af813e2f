// Test helpers for the stream decoders: run a body through a decoder whole,
// byte by byte and at awkward split points, and render events for messages.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "providers/stream_decoder.hpp"

namespace wingman::providers::test {

using decoder_factory = std::function<std::unique_ptr<stream_decoder>()>;

/// Events of `body` fed in slices of `step` bytes (0: in one piece), then
/// `finish()`.
inline std::vector<stream_event> run(const decoder_factory& make,
                                     std::string_view body, size_t step = 0) {
  auto d = make();
  std::vector<stream_event> out;
  if (step == 0) {
    d->feed(body, out);
  } else {
    for (size_t i = 0; i < body.size(); i += step)
      d->feed(body.substr(i, step), out);
  }
  d->finish(out);
  return out;
}

/// Renders events one per line, for readable failures.
inline std::string show(const std::vector<stream_event>& events) {
  std::string out;
  for (const auto& e : events)
    out += to_string(e) + "\n";
  return out;
}

/// Decodes `body` whole, byte by byte, in 7-byte slices and split at every
/// single position; all must give the same events, which are returned.
inline std::vector<stream_event> run_all_ways(const decoder_factory& make,
                                              std::string_view body) {
  auto whole = run(make, body);
  CHECK(show(run(make, body, 1)) == show(whole));
  CHECK(show(run(make, body, 7)) == show(whole));
  for (size_t cut = 1; cut < body.size(); ++cut) {
    auto d = make();
    std::vector<stream_event> out;
    d->feed(body.substr(0, cut), out);
    d->feed(body.substr(cut), out);
    d->finish(out);
    if (show(out) != show(whole)) {
      INFO("split at byte " << cut);
      CHECK(show(out) == show(whole));
      break;
    }
  }
  return whole;
}

} // namespace wingman::providers::test
