// The per-session FIFO of accepted requests (C9, C10): a plain class owned by
// the session actor and tested without an actor system. An entry is first
// `persisting` (its user message is being committed), then `persisted`; only
// persisted entries may start. Entries keep arrival order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace wingman::actors {

/// FIFO of requests waiting for their turn. `Payload` carries what the owner
/// needs to run the request (the request, its requester).
template <class Payload>
class request_queue {
 public:
  /// One waiting request.
  struct entry {
    uint64_t seq = 0;          ///< Durable queue key; unique in the session.
    std::string request_id;
    std::string owner;
    bool persisted = false;    ///< Its user message is committed.
    bool announced = false;    ///< A `queued` ack was sent (so `dequeued` follows).
    bool cancelled = false;    ///< Cancelled while persisting.
    Payload payload;
  };

  /// Appends an entry in the persisting state.
  entry& push(uint64_t seq, std::string request_id, std::string owner,
              Payload payload) {
    entries_.push_back(entry{seq, std::move(request_id), std::move(owner),
                             false, false, false, std::move(payload)});
    return entries_.back();
  }

  /// Number of waiting entries.
  size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

  /// The entry with `seq`, or nullptr.
  entry* find(uint64_t seq) {
    auto i = std::find_if(entries_.begin(), entries_.end(),
                          [&](const entry& e) { return e.seq == seq; });
    return i == entries_.end() ? nullptr : &*i;
  }

  /// The first not-cancelled entry for `request_id` owned by `owner`, or nullptr.
  entry* find(const std::string& request_id, const std::string& owner) {
    auto i = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) {
      return !e.cancelled && e.request_id == request_id && e.owner == owner;
    });
    return i == entries_.end() ? nullptr : &*i;
  }

  /// 1-based position of `seq` among the waiting entries (0 if absent).
  size_t position(uint64_t seq) const noexcept {
    for (size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].seq == seq)
        return i + 1;
    return 0;
  }

  /// True if the head exists, is persisted and not cancelled: it may start.
  bool head_ready() const noexcept {
    return !entries_.empty() && entries_.front().persisted
           && !entries_.front().cancelled;
  }

  /// Removes and returns the head. Requires: `!empty()`.
  entry pop() {
    entry e = std::move(entries_.front());
    entries_.pop_front();
    return e;
  }

  /// Removes every entry for which `pred(entry&)` is true (it may modify
  /// the entries it keeps), preserving order; returns the count removed.
  template <class Pred>
  size_t remove_if(Pred pred) {
    auto before = entries_.size();
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), pred),
                   entries_.end());
    return before - entries_.size();
  }

  /// Removes the entry with `seq`; returns true if it was present.
  bool erase(uint64_t seq) {
    auto i = std::find_if(entries_.begin(), entries_.end(),
                          [&](const entry& e) { return e.seq == seq; });
    if (i == entries_.end())
      return false;
    entries_.erase(i);
    return true;
  }

 private:
  std::deque<entry> entries_;
};

} // namespace wingman::actors
