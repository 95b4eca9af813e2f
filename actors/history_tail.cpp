#include "actors/history_tail.hpp"

#include <atomic>

#include "providers/history.hpp"

namespace wingman::actors {

void history_tail::append(const protocol::message_record& m) {
  if (!messages_)
    return;  // not loaded: the next `get` reads the store, this one included
  if (messages_.use_count() > 1)  // a turn still reads the old snapshot
    messages_ = std::make_shared<std::vector<protocol::message_record>>(*messages_);
  else  // the last turn that read it released it: order its reads first
    std::atomic_thread_fence(std::memory_order_acquire);
  messages_->push_back(m);
  bytes_ += providers::message_weight(m);
  if (messages_->size() > capacity_) {
    auto extra = messages_->size() - capacity_;
    for (size_t i = 0; i < extra; ++i)
      bytes_ -= providers::message_weight((*messages_)[i]);
    messages_->erase(messages_->begin(), messages_->begin() + static_cast<std::ptrdiff_t>(extra));
  }
  if (bytes_ > max_bytes_) {
    drop();
    oversize_ = true;
  }
}

history_tail::snapshot history_tail::get(storage::store& store, const std::string& agent_id,
                                         const std::string& session_key,
                                         bool writes_in_flight) {
  if (capacity_ == 0)
    return nullptr;
  if (!messages_) {
    if (writes_in_flight || oversize_)
      return nullptr;
    auto loaded = store.list_messages(agent_id, session_key, capacity_);
    if (!loaded)
      return nullptr;
    size_t bytes = 0;
    for (const auto& m : *loaded)
      bytes += providers::message_weight(m);
    if (bytes > max_bytes_) {
      oversize_ = true;
      return nullptr;
    }
    messages_ = std::make_shared<std::vector<protocol::message_record>>(std::move(*loaded));
    bytes_ = bytes;
  }
  return messages_;
}

} // namespace wingman::actors
