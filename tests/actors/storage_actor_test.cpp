// The storage actor's group commit: writes that arrive together share one
// transaction, and one bad write fails alone.
#include "actors/storage_actor.hpp"

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "support/actor_fixture.hpp"

using namespace wingman;
using namespace wingman::actors;
using wingman::test::actor_fixture;

namespace {

storage::write_batch put(const std::string& id) {
  return {{storage::put_object{storage::object_table::webhooks, id, "{\"id\":\"" + id + "\"}"}}};
}

/// Sends every batch to the storage actor at once (one group commit) and
/// collects the acks in send order.
std::shared_ptr<std::vector<write_ack>> write_together(actor_fixture& f,
                                                       std::vector<storage::write_batch> batches) {
  auto acks = std::make_shared<std::vector<write_ack>>(batches.size());
  f.sys.spawn([acks, batches, storage = f.storage](caf::event_based_actor* self) {
    for (size_t i = 0; i < batches.size(); ++i)
      self->request(storage, caf::infinite, write_request{batches[i]})
        .then([acks, i](write_ack& ack) { (*acks)[i] = ack; });
  });
  f.run();
  return acks;
}

bool stored(actor_fixture& f, const std::string& id) {
  auto got = f.mem->get_object(storage::object_table::webhooks, id);
  return got && got->has_value();
}

} // namespace

TEST_SUITE("actors/storage") {

TEST_CASE("writes that share a commit are all stored") {
  actor_fixture f;
  auto acks = write_together(f, {put("a"), put("b"), put("c")});
  for (auto& ack : *acks)
    CHECK(ack.ok);
  CHECK(stored(f, "a"));
  CHECK(stored(f, "c"));
  CHECK(f.metrics->storage_batches.load() == 1);  // one transaction
}

TEST_CASE("one bad write fails alone, not the writes that shared its commit") {
  actor_fixture f;
  f.store->poison_id = "bad";
  auto acks = write_together(f, {put("a"), put("bad"), put("c")});
  CHECK((*acks)[0].ok);
  CHECK_FALSE((*acks)[1].ok);
  CHECK((*acks)[1].error == "poisoned write (test)");
  CHECK((*acks)[2].ok);
  CHECK(stored(f, "a"));
  CHECK_FALSE(stored(f, "bad"));
  CHECK(stored(f, "c"));
  CHECK(f.metrics->storage_batches.load() == 4);  // the group, then each alone
}

TEST_CASE("a failed store fails every write with its error") {
  actor_fixture f;
  f.store->fail_writes = true;
  auto acks = write_together(f, {put("a"), put("b")});
  for (auto& ack : *acks) {
    CHECK_FALSE(ack.ok);
    CHECK(ack.error == "disk on fire (test)");
  }
  CHECK_FALSE(stored(f, "a"));
}

} // TEST_SUITE
