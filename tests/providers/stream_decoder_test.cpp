#include "providers/stream_decoder.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "providers/wire.hpp"

using namespace wingman::providers;

namespace {

/// Deterministic pseudo-random bytes (a 64-bit LCG).
struct lcg {
  uint64_t state;
  uint32_t next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  }
};

bool terminal(const stream_event& e) {
  return std::holds_alternative<finished>(e)
         || std::holds_alternative<stream_error>(e);
}

/// Exactly one terminal event, and it is the last one.
void check_one_terminal(const std::vector<stream_event>& events) {
  REQUIRE_FALSE(events.empty());
  size_t count = 0;
  for (const auto& e : events)
    count += terminal(e) ? 1 : 0;
  CHECK(count == 1);
  CHECK(terminal(events.back()));
}

const std::string openai_body =
  "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\","
  "\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"ls\","
  "\"arguments\":\"{\\\"p\\\":1}\"}}]},\"finish_reason\":null}]}\n\n"
  "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
  "\"tool_calls\"}]}\n\n"
  "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,"
  "\"completion_tokens\":2}}\n\ndata: [DONE]\n\n";

const std::string anthropic_body =
  "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
  "{\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
  "event: content_block_start\ndata: {\"type\":\"content_block_start\","
  "\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\","
  "\"name\":\"ls\",\"input\":{}}}\n\n"
  "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
  "\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
  "\"{\\\"p\\\":1}\"}}\n\n"
  "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
  "\"index\":0}\n\n"
  "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
  "{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n"
  "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

} // namespace

TEST_SUITE("providers/stream_decoder") {

TEST_CASE("every stream ends with exactly one terminal event") {
  for (auto type : {provider_type::openai, provider_type::anthropic}) {
    const auto& body = type == provider_type::openai ? openai_body
                                                     : anthropic_body;
    INFO("type " << to_string(type));
    // complete: finished
    auto d = make_stream_decoder(type, "p");
    std::vector<stream_event> out;
    d->feed(body, out);
    d->finish(out);
    check_one_terminal(out);
    CHECK(std::holds_alternative<finished>(out.back()));
    // input after the terminal event is ignored
    auto before = out.size();
    d->feed(body, out);
    d->finish(out);
    CHECK(out.size() == before);
    // every truncation: still exactly one terminal event
    for (size_t cut = 0; cut < body.size(); ++cut) {
      auto t = make_stream_decoder(type, "p");
      std::vector<stream_event> ev;
      t->feed(std::string_view{body}.substr(0, cut), ev);
      t->finish(ev);
      INFO("cut at " << cut);
      check_one_terminal(ev);
      CHECK(t->done());
    }
  }
}

TEST_CASE("random bytes never break a decoder") {
  lcg rng{42};
  const std::string alphabet = "data: event:{}[]\"\\,:\r\n ab01[DONE]type";
  for (auto type : {provider_type::openai, provider_type::anthropic}) {
    for (int round = 0; round < 300; ++round) {
      auto d = make_stream_decoder(type, "p", stream_limits{256});
      std::vector<stream_event> out;
      size_t len = rng.next() % 400;
      std::string junk;
      for (size_t i = 0; i < len; ++i)
        junk += (rng.next() % 4 == 0)
                  ? static_cast<char>(rng.next() & 0xFF)
                  : alphabet[rng.next() % alphabet.size()];
      for (size_t i = 0, step = 0; i < junk.size(); i += step) {
        step = 1 + rng.next() % 9;
        d->feed(std::string_view{junk}.substr(i, step), out);
      }
      d->finish(out);
      check_one_terminal(out);
    }
  }
}

}
