#include "providers/reply_builder.hpp"

#include <doctest/doctest.h>

#include "providers/openai_wire.hpp"

using namespace wingman::providers;

TEST_SUITE("providers/reply_builder") {

TEST_CASE("a reply collects text, finished tool calls, usage and finish") {
  reply_builder r;
  CHECK_FALSE(r.complete());
  for (const stream_event& e :
       {stream_event{text_delta{"Let me "}}, stream_event{text_delta{"look."}},
        stream_event{tool_call_started{0, "c1", "ls"}},
        stream_event{tool_call_args_delta{0, "{}"}},
        stream_event{tool_call_done{0, "c1", "ls", "{}"}},
        stream_event{usage{5, 1}}, stream_event{usage{5, 7}},
        stream_event{finished{finish_reason::tool_calls, "tool_calls"}},
        stream_event{text_delta{"late"}}})
    r.add(e);
  CHECK(r.complete());
  CHECK(r.assistant_message().role == message_role::assistant);
  CHECK(r.assistant_message().text == "Let me look.");  // "late" ignored
  REQUIRE(r.assistant_message().tool_calls.size() == 1);
  CHECK(r.assistant_message().tool_calls[0] == tool_call{"c1", "ls", "{}"});
  CHECK(r.tokens() == usage{5, 7});
  CHECK(r.wants_tools());
  CHECK(r.error().empty());
  REQUIRE(r.finish());
  CHECK(r.finish()->reason == finish_reason::tool_calls);
}

TEST_CASE("a failed stream keeps the partial text and the error") {
  reply_builder r;
  r.add(text_delta{"Hal"});
  r.add(stream_error{"openai: stream ended before the response was complete"});
  r.add(finished{});
  CHECK(r.complete());
  CHECK_FALSE(r.finish());
  CHECK_FALSE(r.wants_tools());
  CHECK(r.assistant_message().text == "Hal");
  CHECK(r.error() == "openai: stream ended before the response was complete");
}

TEST_CASE("a decoded stream builds the same reply however it is fed") {
  const std::string body =
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hi \"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"there\"},"
    "\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";
  for (size_t step : {size_t{1}, size_t{5}, body.size()}) {
    openai_stream_decoder d{"lmstudio"};
    reply_builder r;
    std::vector<stream_event> out;
    for (size_t i = 0; i < body.size(); i += step)
      d.feed(std::string_view{body}.substr(i, step), out);
    d.finish(out);
    for (const auto& e : out)
      r.add(e);
    CHECK(r.assistant_message().text == "Hi there");
    CHECK_FALSE(r.wants_tools());
    CHECK(r.finish()->reason == finish_reason::stop);
  }
}

}
