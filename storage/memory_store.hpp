// The in-memory implementation of `store` (private to storage/; others use
// `make_memory_store` from store.hpp). It keeps the same keys and JSON values
// as `lmdb_store` in three `std::map`s, so both behave alike in tests.
//
// Threading: one mutex guards the maps; `apply` holds it for the whole batch,
// so readers on other threads see a batch entirely or not at all.
#pragma once

#include "storage/store.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wingman::storage {

/// A `store` that lives in memory and is lost when destroyed.
class memory_store final : public store {
 public:
  /// An empty store.
  memory_store() = default;

  // -- store ---------------------------------------------------------------

  /// See `store::apply`. Validates the whole batch before changing anything.
  status apply(const write_batch& batch) override;

  /// See `store::get_session`.
  expected<std::optional<protocol::session_record>>
  get_session(const std::string& agent_id,
              const std::string& session_key) override;

  /// See `store::list_sessions`.
  expected<std::vector<protocol::session_record>>
  list_sessions(const session_query& q) override;

  /// See `store::list_messages`.
  expected<std::vector<protocol::message_record>>
  list_messages(const std::string& agent_id, const std::string& session_key,
                size_t limit) override;

  /// See `store::list_message_json`.
  expected<std::vector<std::string>>
  list_message_json(const std::string& agent_id,
                    const std::string& session_key, size_t limit) override;

  /// See `store::list_pending`.
  expected<std::vector<protocol::pending_request>>
  list_pending(const std::string& agent_id,
               const std::string& session_key) override;

  /// See `store::list_all_pending`.
  expected<std::vector<protocol::pending_request>> list_all_pending() override;

  /// See `store::get_object`.
  expected<std::optional<std::string>> get_object(object_table table,
                                                 const std::string& id) override;

  /// See `store::list_objects`.
  expected<std::vector<std::string>> list_objects(object_table table,
                                                  const std::string& prefix = "") override;

 private:
  /// Key (storage/keys.hpp) to stored JSON, in bytewise key order.
  using table = std::map<std::string, std::string, std::less<>>;

  /// Applies one already validated op. Requires: `mtx_` held.
  void apply_op(const write_op& op);

  /// Copies the values of `t` whose key starts with `prefix`, in key order;
  /// `limit > 0` keeps the last `limit`. Requires: `mtx_` held.
  static std::vector<std::pair<std::string, std::string>>
  range(const table& t, std::string_view prefix, size_t limit);

  /// Erases the entries of `t` whose key starts with `prefix`.
  /// Requires: `mtx_` held.
  static void erase_range(table& t, std::string_view prefix);

  /// Guards `sessions_`, `messages_` and `queue_`. Taken by every member
  /// function for its whole run; no other lock is ever taken while holding it.
  std::mutex mtx_;
  table sessions_;  ///< Guarded by `mtx_`.
  table messages_;  ///< Guarded by `mtx_`.
  table queue_;     ///< Guarded by `mtx_`.
  table objects_[object_table_count];  ///< Per `object_table`; guarded by `mtx_`.
};

} // namespace wingman::storage
