// Echo turns: answered in the agent's reply when the whole reply is known
// at once, streamed by a turn actor when the agent has a delay.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include "actors/turn_actor.hpp"
#include "support/actor_fixture.hpp"

using namespace wingman;
using test::actor_fixture;

TEST_SUITE("actors/turn_actor") {

TEST_CASE("an echo turn without a delay is answered at once, without an actor") {
  actor_fixture f;
  actors::start_turn req;
  req.turn_seq = 7;
  req.content = "abcdefgh";
  protocol::echo_options opts;  // no delay, 4 chunks
  auto started = actors::start_echo_turn(f.sys, req, opts);
  CHECK(started.answered);
  CHECK_FALSE(started.turn);
  CHECK(started.chunks == std::vector<std::string>{"ab", "cd", "ef", "gh"});
  CHECK(started.response == "abcdefgh");
  CHECK(started.usage.output_tokens == 2);
}

TEST_CASE("an echo turn with a delay is streamed by a turn actor") {
  actor_fixture f;
  actors::start_turn req;
  req.content = "abcd";
  req.reply_to = caf::actor_cast<caf::actor_addr>(f.directory.actor);  // watched
  protocol::echo_options opts;
  opts.delay_ms = 400;
  auto started = actors::start_echo_turn(f.sys, req, opts);
  CHECK_FALSE(started.answered);
  CHECK(started.turn);
  CHECK(started.chunks.empty());
  caf::anon_send_exit(started.turn, caf::exit_reason::kill);
  f.run();
}

} // TEST_SUITE
