// Value decoding and result shaping shared by `lmdb_store` and `memory_store`
// (private to storage/). Both stores keep the JSON of protocol/records.hpp as
// values, so a stale or corrupt value becomes a `storage_failure` error naming
// its key, never a crash. Pure functions, safe from any thread.
#pragma once

#include "protocol/error.hpp"
#include "protocol/expected.hpp"
#include "protocol/records.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wingman::storage {

/// A `storage_failure` error with message `what`.
protocol::error storage_error(std::string what);

/// Decodes the session record stored under `key`.
protocol::expected<protocol::session_record>
decode_session_value(std::string_view key, std::string_view json);

/// Decodes the message stored under `key`.
protocol::expected<protocol::message_record>
decode_message_value(std::string_view key, std::string_view json);

/// Decodes the queue entry stored under `key`.
protocol::expected<protocol::pending_request>
decode_pending_value(std::string_view key, std::string_view json);

/// Sorts by `updated_at` descending, ties by (agent, session key) ascending,
/// then keeps the first `limit` records (`limit == 0`: all).
void sort_sessions(std::vector<protocol::session_record>& records,
                   size_t limit);

} // namespace wingman::storage
