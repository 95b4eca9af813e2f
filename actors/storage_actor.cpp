#include "actors/storage_actor.hpp"

#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/log.hpp"

namespace wingman::actors {

namespace {

struct parked_write {
  storage::write_batch batch;
  caf::typed_response_promise<write_ack> promise;
};

struct storage_state {
  storage_config cfg;
  std::vector<parked_write> parked;
  bool flush_scheduled = false;
  static inline const char* name = "storage";

  /// Commits every parked write in one transaction and answers each.
  void flush() {
    flush_scheduled = false;
    if (parked.empty())
      return;
    storage::write_batch all;
    size_t ops = 0;
    for (auto& p : parked)
      ops += p.batch.ops.size();
    all.ops.reserve(ops);
    for (auto& p : parked)
      for (auto& op : p.batch.ops)
        all.ops.push_back(std::move(op));
    auto st = cfg.store->apply(all);
    if (cfg.metrics) {
      bump(cfg.metrics->storage_batches, 1);
      bump(cfg.metrics->storage_ops, ops);
    }
    write_ack ack;
    ack.ok = static_cast<bool>(st);
    if (!ack.ok) {
      ack.error = st.error().message;
      log::storage()->error("group commit failed writes={} ops={} error={}",
                            parked.size(), ops, ack.error);
    }
    for (auto& p : parked)
      p.promise.deliver(ack);
    parked.clear();
  }
};

using storage_pointer = storage_actor::stateful_pointer<storage_state>;

storage_actor::behavior_type storage_behavior(storage_pointer self,
                                              storage_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
    [=](write_request& req) -> caf::typed_response_promise<write_ack> {
      auto rp = self->make_response_promise<write_ack>();
      self->state.parked.push_back({std::move(req.batch), rp});
      if (!self->state.flush_scheduled) {
        self->state.flush_scheduled = true;
        self->send(self, flush_atom::value);
      }
      return rp;
    },
    [=](flush_atom) { self->state.flush(); },
  };
}

} // namespace

storage_actor spawn_storage(caf::actor_system& sys, storage_config cfg) {
  if (cfg.detached)
    return sys.spawn<caf::detached>(storage_behavior, std::move(cfg));
  return sys.spawn(storage_behavior, std::move(cfg));
}

} // namespace wingman::actors
