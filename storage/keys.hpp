// Key encoding shared by `lmdb_store` and `memory_store` (private to
// storage/). Keys compare bytewise, so a prefix scan over
// `agentId\0sessionKey\0` yields one session's entries in `seq` order.
// Layout: docs/storage.md. Pure functions, safe from any thread.
#pragma once

#include "protocol/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wingman::storage::keys {

/// Longest key LMDB accepts with its default build (`MDB_MAXKEYSIZE`); both
/// stores reject longer keys so that they behave alike.
constexpr size_t max_key_size = 511;

/// Size of the big-endian sequence number that ends message and queue keys.
constexpr size_t seq_size = 8;

/// Key of a session record: `agentId \0 sessionKey`.
std::string session(std::string_view agent_id, std::string_view session_key);

/// Prefix of every session key of one agent: `agentId \0`.
std::string agent_prefix(std::string_view agent_id);

/// Prefix of one session's message or queue keys: `agentId \0 sessionKey \0`.
std::string entry_prefix(std::string_view agent_id,
                         std::string_view session_key);

/// Key of a message or queue entry: `entry_prefix` + 8-byte big-endian `seq`.
std::string entry(std::string_view agent_id, std::string_view session_key,
                  uint64_t seq);

/// The smallest key greater than every key that starts with `prefix`, or an
/// empty string when there is none (`prefix` empty or all `0xff` bytes).
std::string prefix_end(std::string_view prefix);

/// True when `key` starts with `prefix`.
bool has_prefix(std::string_view key, std::string_view prefix) noexcept;

/// A printable form for error messages: `agent/session` for session keys,
/// `agent/session/seq` for entry keys; other bytes are shown escaped.
std::string describe(std::string_view key);

/// Checks that `agent_id` and `session_key` contain no `\0` and that the
/// longest key built from them fits `max_key_size`; otherwise returns a
/// `storage_failure` error naming them.
protocol::status check_ids(std::string_view agent_id,
                           std::string_view session_key);

} // namespace wingman::storage::keys
