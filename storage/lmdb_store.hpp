// The LMDB implementation of `store` (private to storage/; others use
// `open_lmdb_store` from store.hpp). One environment with the named databases
// `sessions`, `messages` and `queue`; layout in docs/storage.md.
//
// Threading: `apply` from one writer thread only (the storage actor); reads
// from any thread, each in its own read-only transaction (`MDB_NOTLS`).
#pragma once

#include "storage/store.hpp"

#include <lmdb.h>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wingman::storage {

/// A `store` backed by one LMDB environment, which it owns and closes.
class lmdb_store final : public store {
 public:
  /// Opens (creating if needed) the environment in `opts.dir`.
  static expected<std::unique_ptr<store>> open(const lmdb_options& opts);

  /// Flushes (when opened without sync) and closes the environment.
  /// Requires: no call into this store is running.
  ~lmdb_store() override;

  /// Not copyable: owns the environment.
  lmdb_store(const lmdb_store&) = delete;
  /// Not copyable: owns the environment.
  lmdb_store& operator=(const lmdb_store&) = delete;

  // -- store ---------------------------------------------------------------

  /// See `store::apply`; one write transaction per batch.
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
  /// Takes ownership of an open `env` whose databases are already open.
  lmdb_store(MDB_env* env, bool sync, MDB_dbi sessions, MDB_dbi messages,
             MDB_dbi queue, std::array<MDB_dbi, object_table_count> objects);

  // -- write path (inside the batch's write transaction) -------------------

  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const put_session& op);
  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const put_message& op);
  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const put_pending& op);
  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const erase_pending& op);
  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const clear_messages& op);
  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const erase_session& op);
  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const put_object& op);
  /// Applies one op inside `txn`; on error the caller aborts `txn`.
  status apply_op(MDB_txn* txn, const erase_object& op);

  /// The database of `t`.
  MDB_dbi dbi_of(object_table t) const noexcept {
    return objects_[static_cast<size_t>(t)];
  }

  /// Removes every entry of `dbi` whose key starts with `prefix`.
  status erase_range(MDB_txn* txn, MDB_dbi dbi, const std::string& prefix);

  // -- state (set once by `open`, read-only afterwards) --------------------

  MDB_env* env_;       ///< Owned; closed by the destructor.
  bool sync_;          ///< False: opened with MDB_NOSYNC.
  MDB_dbi sessions_;   ///< The `sessions` database.
  MDB_dbi messages_;   ///< The `messages` database.
  MDB_dbi queue_;      ///< The `queue` database.
  /// The object databases, indexed by `object_table` (see `object_names`).
  std::array<MDB_dbi, object_table_count> objects_;
};

} // namespace wingman::storage
