#include "actors/history_tail.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace wingman;
using wingman::actors::history_tail;

namespace {

protocol::message_record msg(uint64_t seq, std::string content = "x") {
  protocol::message_record m;
  m.seq = seq;
  m.id = "a/s#" + std::to_string(seq);
  m.role = "user";
  m.request_id = "r" + std::to_string(seq);
  m.content = std::move(content);
  return m;
}

/// A memory store holding messages 1..n of session `s` of agent `a`.
std::shared_ptr<storage::store> store_with(uint64_t n) {
  auto store = storage::make_memory_store();
  storage::write_batch b;
  for (uint64_t i = 1; i <= n; ++i)
    b.ops.push_back(storage::put_message{"a", "s", msg(i)});
  REQUIRE(store->apply(b));
  return store;
}

std::string seqs(const history_tail::snapshot& s) {
  std::string out;
  for (const auto& m : *s)
    out += (out.empty() ? "" : ",") + std::to_string(m.seq);
  return out;
}

} // namespace

TEST_SUITE("actors/history_tail") {

TEST_CASE("the tail loads the newest messages, then follows appends") {
  auto store = store_with(5);
  history_tail tail{3, 1u << 20};
  auto first = tail.get(*store, "a", "s", false);
  REQUIRE(static_cast<bool>(first));
  CHECK(seqs(first) == "3,4,5");
  tail.append(msg(6));
  CHECK(seqs(first) == "3,4,5");  // a snapshot never changes
  auto second = tail.get(*store, "a", "s", false);
  CHECK(seqs(second) == "4,5,6");
}

TEST_CASE("appends before the first load are read from the store, not lost") {
  auto store = store_with(2);
  history_tail tail{10, 1u << 20};
  tail.append(msg(3));  // not loaded: ignored, the store will have it
  CHECK_FALSE(static_cast<bool>(tail.get(*store, "a", "s", true)));  // a write is in flight
  storage::write_batch b{{storage::put_message{"a", "s", msg(3)}}};
  REQUIRE(store->apply(b));
  CHECK(seqs(tail.get(*store, "a", "s", false)) == "1,2,3");
}

TEST_CASE("drop forgets the tail and the next get reloads") {
  auto store = store_with(2);
  history_tail tail{10, 1u << 20};
  REQUIRE(static_cast<bool>(tail.get(*store, "a", "s", false)));
  tail.append(msg(3));  // say its write failed: the store never got it
  tail.drop();
  CHECK(seqs(tail.get(*store, "a", "s", false)) == "1,2");
}

TEST_CASE("a tail over its byte limit is not kept, and echo agents keep none") {
  auto store = store_with(2);
  history_tail small{10, 100};
  REQUIRE(static_cast<bool>(small.get(*store, "a", "s", false)));
  small.append(msg(3, std::string(200, 'y')));
  CHECK_FALSE(static_cast<bool>(small.get(*store, "a", "s", true)));  // dropped; nothing loaded now
  history_tail none{0, 1u << 20};
  CHECK_FALSE(static_cast<bool>(none.get(*store, "a", "s", false)));
}

} // TEST_SUITE
