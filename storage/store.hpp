// The durable store behind a narrow interface (C16), with an LMDB
// implementation (`lmdb_store`) and an in-memory fake (`memory_store`).
//
// Threading: `apply` is called by one writer only (the storage actor); the
// read functions may be called from any thread concurrently with it and see
// only committed data. Key layout: docs/storage.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/records.hpp"

namespace wingman::storage {

using protocol::expected;
using protocol::status;

/// Insert or replace a session record.
struct put_session {
  protocol::session_record record;
};
/// Append or replace a message (key: agent, session, seq).
struct put_message {
  std::string agent_id;
  std::string session_key;
  protocol::message_record message;
};
/// Insert or replace a durable queue entry (key: agent, session, seq).
struct put_pending {
  protocol::pending_request request;
};
/// Remove a queue entry; absent entries are not an error.
struct erase_pending {
  std::string agent_id;
  std::string session_key;
  uint64_t seq = 0;
};
/// Remove every message of a session (the session record stays).
struct clear_messages {
  std::string agent_id;
  std::string session_key;
};
/// Remove a session with its messages and queue entries.
struct erase_session {
  std::string agent_id;
  std::string session_key;
};

/// Registries of JSON objects keyed by id.
enum class object_table : uint8_t {
  webhooks,  ///< The `webhooks` database.
  routines,  ///< The `routines` database.
  routine_runs,  ///< The `routine_runs` database: `<routineId>/<startedAt>-<n>`.
  /// The `webhook_deliveries` database: `<webhookId>/<deliveryId>`, the
  /// GitHub deliveries seen (replay guard).
  webhook_deliveries,
};

/// Number of `object_table` values.
constexpr size_t object_table_count = 4;

/// Insert or replace an object (`json` is stored as given).
struct put_object {
  object_table table = object_table::webhooks;
  std::string id;
  std::string json;
};

/// Remove an object; absent objects are not an error.
struct erase_object {
  object_table table = object_table::webhooks;
  std::string id;
};

/// One write operation.
using write_op = std::variant<put_session, put_message, put_pending,
                              erase_pending, clear_messages, erase_session,
                              put_object, erase_object>;

/// Operations applied atomically in one transaction (group commit).
struct write_batch {
  std::vector<write_op> ops;
};

/// Filter for `list_sessions`.
struct session_query {
  std::string agent_id;  ///< Empty = every agent.
  size_t limit = 0;      ///< 0 = no limit. Applied after sorting.
};

/// Abstract store.
class store {
 public:
  virtual ~store() = default;

  /// Applies every op of `batch` in one transaction, durably (fsync) unless
  /// the store was opened without sync. All or nothing.
  virtual status apply(const write_batch& batch) = 0;

  /// One session record, or nullopt when absent.
  virtual expected<std::optional<protocol::session_record>>
  get_session(const std::string& agent_id, const std::string& session_key) = 0;

  /// Session records sorted by `updated_at` descending (ties: by key).
  virtual expected<std::vector<protocol::session_record>>
  list_sessions(const session_query& q) = 0;

  /// Messages of a session in `seq` order. `limit > 0` keeps the last
  /// `limit` messages.
  virtual expected<std::vector<protocol::message_record>>
  list_messages(const std::string& agent_id, const std::string& session_key,
                size_t limit = 0) = 0;

  /// Raw stored JSON of the messages, in `seq` order (served as-is by HTTP).
  virtual expected<std::vector<std::string>>
  list_message_json(const std::string& agent_id,
                    const std::string& session_key, size_t limit = 0) = 0;

  /// Queue entries of one session in `seq` order.
  virtual expected<std::vector<protocol::pending_request>>
  list_pending(const std::string& agent_id, const std::string& session_key) = 0;

  /// Every queue entry, sorted by (agent, session, seq): the recovery list.
  virtual expected<std::vector<protocol::pending_request>> list_all_pending() = 0;

  /// The stored JSON of object `id`, or nullopt when absent.
  virtual expected<std::optional<std::string>> get_object(object_table table,
                                                         const std::string& id) = 0;

  /// The stored JSON of every object of `table` whose id starts with
  /// `prefix` ("" = all), in id order.
  virtual expected<std::vector<std::string>> list_objects(object_table table,
                                                          const std::string& prefix = "") = 0;
};

/// Options for `open_lmdb_store`.
struct lmdb_options {
  std::string dir;                     ///< Created if missing (mode 0700).
  uint64_t map_size_bytes = 1ull << 32;
  bool sync = true;                    ///< false: MDB_NOSYNC (tests, benchmarks).
};

/// Opens (creating if needed) the LMDB environment in `opts.dir`. Errors name
/// the path and LMDB's reason.
expected<std::unique_ptr<store>> open_lmdb_store(const lmdb_options& opts);

/// A fresh, empty in-memory store (tests).
std::unique_ptr<store> make_memory_store();

} // namespace wingman::storage
