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

  storage_state() = default;
  storage_state(const storage_state&) = delete;
  storage_state& operator=(const storage_state&) = delete;

  /// A storage actor that stops (shutdown, or an exception out of the
  /// store) still answers every write it holds: sessions wait for their
  /// acks without a timeout, and CAF 0.17 drops an unanswered promise
  /// silently.
  ~storage_state() {
    for (auto& p : parked)
      p.promise.deliver(write_ack{false, "storage stopped before the write was committed"});
  }

  /// Commits every parked write in one transaction and answers each.
  void flush() {
    flush_scheduled = false;
    if (parked.empty())
      return;
    if (parked.size() > 1 && commit_merged())
      return;
    // A lone write, or a group commit that failed: one bad write must not
    // fail the writes that merely shared its commit, so each is committed
    // (and answered) on its own.
    for (auto& p : parked)
      p.promise.deliver(ack_of(commit(p.batch), 1, p.batch.ops.size()));
    parked.clear();
  }

  /// Commits all parked writes together. On success answers them all; on
  /// failure gives each its ops back and returns false.
  bool commit_merged() {
    storage::write_batch all;
    size_t ops = 0;
    for (auto& p : parked)
      ops += p.batch.ops.size();
    all.ops.reserve(ops);
    for (auto& p : parked)
      for (auto& op : p.batch.ops)
        all.ops.push_back(std::move(op));
    auto st = commit(all);
    if (st) {
      auto ack = ack_of(st, parked.size(), ops);
      for (auto& p : parked)
        p.promise.deliver(ack);
      parked.clear();
      return true;
    }
    log::storage()->warn("group commit failed writes={} ops={} error={}; "
                         "committing them one by one",
                         parked.size(), ops, st.error().message);
    size_t at = 0;
    for (auto& p : parked)
      for (auto& op : p.batch.ops)
        op = std::move(all.ops[at++]);
    return false;
  }

  /// Applies `batch` in one transaction, counted in the metrics.
  protocol::status commit(const storage::write_batch& batch) {
    auto st = cfg.store->apply(batch);
    if (cfg.metrics) {
      bump(cfg.metrics->storage_batches, 1);
      bump(cfg.metrics->storage_ops, batch.ops.size());
    }
    return st;
  }

  /// The answer for a commit of `writes` writes with `ops` ops in all.
  static write_ack ack_of(const protocol::status& st, size_t writes, size_t ops) {
    write_ack ack;
    ack.ok = static_cast<bool>(st);
    if (!ack.ok) {
      ack.error = st.error().message;
      log::storage()->error("commit failed writes={} ops={} error={}", writes, ops,
                            ack.error);
    }
    return ack;
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
