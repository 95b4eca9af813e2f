#include "providers/stream_decoder.hpp"

#include <utility>

namespace wingman::providers {

stream_decoder::stream_decoder(std::string provider, stream_limits limits)
  : limits_(limits),
    sse_(limits.max_event_bytes),
    provider_(std::move(provider)) {}

void stream_decoder::feed(std::string_view bytes,
                          std::vector<stream_event>& out) {
  if (done_)
    return;
  std::vector<sse_event> events;
  auto st = sse_.feed(bytes, events);
  for (const auto& ev : events)
    decode(ev, out);
  if (!st)
    fail(st.error().message, out);
}

void stream_decoder::finish(std::vector<stream_event>& out) {
  if (done_)
    return;
  if (sse_.has_partial_event() && !sse_.failed())
    feed("\n\n", out);
  if (!done_)
    on_end(out);
}

void stream_decoder::decode(const sse_event& ev,
                            std::vector<stream_event>& out) {
  if (!done_)
    on_event(ev, out);
}

void stream_decoder::fail(std::string_view what,
                          std::vector<stream_event>& out) {
  if (done_)
    return;
  done_ = true;
  out.push_back(stream_error{provider_ + ": " + std::string{what}});
}

void stream_decoder::complete(finished f, std::vector<stream_event>& out) {
  if (done_)
    return;
  done_ = true;
  out.push_back(std::move(f));
}

} // namespace wingman::providers
