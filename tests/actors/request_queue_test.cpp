#include "actors/request_queue.hpp"

#include <doctest/doctest.h>

using queue = wingman::actors::request_queue<int>;

TEST_SUITE("actors/request_queue") {

TEST_CASE("entries keep arrival order and report 1-based positions") {
  queue q;
  q.push(10, "a", "o", 1);
  q.push(11, "b", "o", 2);
  q.push(12, "c", "o", 3);
  CHECK(q.size() == 3);
  CHECK(q.position(10) == 1);
  CHECK(q.position(12) == 3);
  CHECK(q.position(99) == 0);
}

TEST_CASE("only a persisted, not cancelled head is ready") {
  queue q;
  CHECK_FALSE(q.head_ready());
  auto& e = q.push(1, "a", "o", 0);
  CHECK_FALSE(q.head_ready());
  e.persisted = true;
  CHECK(q.head_ready());
  e.cancelled = true;
  CHECK_FALSE(q.head_ready());
}

TEST_CASE("find by request id matches the owner and skips cancelled entries") {
  queue q;
  auto& first = q.push(1, "r", "alice", 0);
  q.push(2, "r", "bob", 0);
  CHECK(q.find("r", "alice")->seq == 1);
  CHECK(q.find("r", "bob")->seq == 2);
  CHECK(q.find("r", "carol") == nullptr);
  first.cancelled = true;
  CHECK(q.find("r", "alice") == nullptr);
}

TEST_CASE("erase and pop remove entries and shift positions") {
  queue q;
  q.push(1, "a", "o", 0);
  q.push(2, "b", "o", 0);
  q.push(3, "c", "o", 0);
  CHECK(q.erase(2));
  CHECK_FALSE(q.erase(2));
  CHECK(q.position(3) == 2);
  CHECK(q.pop().seq == 1);
  CHECK(q.position(3) == 1);
}

TEST_CASE("remove_if keeps order and may mark the entries it keeps") {
  queue q;
  q.push(1, "a", "o", 0).persisted = true;
  q.push(2, "b", "o", 0);
  q.push(3, "c", "o", 0).persisted = true;
  auto n = q.remove_if([](queue::entry& e) {
    if (!e.persisted) {
      e.cancelled = true;
      return false;
    }
    return true;
  });
  CHECK(n == 2);
  REQUIRE(q.size() == 1);
  CHECK(q.find(2)->cancelled);
}

} // TEST_SUITE
