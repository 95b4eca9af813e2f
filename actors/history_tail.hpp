// The newest stored messages of one session, kept decoded in memory by the
// session actor for its provider turns: a turn otherwise reads and decodes
// its whole history window from LMDB (measured: ~60 % of the gateway's
// instructions on the provider path). Plain class, owned by one actor.
//
// The session appends every message it stores (in sequence order); a write
// that fails, or a clear, drops the tail, and the next turn reloads it from
// the store. Turns get an immutable snapshot; appending while a turn still
// holds one copies first. A tail over `max_bytes` (large attachments) is
// not kept: turns then read the store as before.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "protocol/records.hpp"
#include "storage/store.hpp"

namespace wingman::actors {

class history_tail {
 public:
  using snapshot = std::shared_ptr<const std::vector<protocol::message_record>>;

  /// `capacity` 0 disables the tail (echo agents need no history).
  history_tail(size_t capacity, size_t max_bytes)
    : capacity_(capacity), max_bytes_(max_bytes) {}

  /// A message the session is storing.
  void append(const protocol::message_record& m);

  /// Forgets everything (a failed write, a clear, a delete): the next `get`
  /// reloads.
  void drop() noexcept {
    messages_.reset();
    bytes_ = 0;
    oversize_ = false;
  }

  /// The newest `capacity` messages, loaded from `store` when not held;
  /// null when disabled, unreadable or over `max_bytes`. With
  /// `writes_in_flight` nothing is loaded (the store does not hold those
  /// writes yet, and their messages were not appended): null.
  snapshot get(storage::store& store, const std::string& agent_id,
               const std::string& session_key, bool writes_in_flight);

 private:
  size_t capacity_;
  size_t max_bytes_;
  std::shared_ptr<std::vector<protocol::message_record>> messages_;
  size_t bytes_ = 0;
  /// The window was over `max_bytes`: turns read the store until a `drop`
  /// (no decoding it on every turn just to throw it away).
  bool oversize_ = false;
};

} // namespace wingman::actors
