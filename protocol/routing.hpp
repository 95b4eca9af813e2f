// Routing rules (PROTOCOL.md §4): bindings matched most specific first, and
// session-key derivation. Pure data structures, owned by the router actor and
// tested without an actor system.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/frames.hpp"

namespace wingman::protocol {

/// `agents.bindings[].match`. Empty strings / unset `peer` are wildcards.
struct binding_match {
  std::string channel;  ///< Required in config; matches `routing.channel`.
  std::string account_id;
  std::string guild_id;
  std::string team_id;
  std::optional<peer_ref> peer;
};

/// One binding: route matching messages to `agent_id`.
struct binding {
  std::string agent_id;
  binding_match match;
};

/// How specific a matching binding is; lower is more specific.
enum class match_level : uint8_t {
  peer = 1,         ///< Sets a peer, which matched exactly.
  guild_or_team = 2,
  account = 3,
  channel = 4,
  default_agent = 5,
};

/// Binding table. Matching rules:
/// - A binding matches only if every field it sets equals the routing's field
///   (a set `peer` needs equal kind and id).
/// - Among matches, the most specific level wins: peer, then guild/team, then
///   account, then channel (a binding's level is the most specific field it sets).
/// - Ties at one level go to the earlier binding in the list.
/// - No routing or no match: the default agent.
class binding_table {
 public:
  binding_table() = default;
  binding_table(std::vector<binding> bindings, std::string default_agent);

  /// Result of `resolve`.
  struct resolution {
    std::string agent_id;
    match_level level = match_level::default_agent;
    int binding_index = -1;  ///< Index in the list, -1 for the default.
  };

  /// Picks the agent for `routing` (nullopt = no routing given).
  resolution resolve(const std::optional<routing_info>& routing) const;

  const std::vector<binding>& bindings() const noexcept { return bindings_; }
  const std::string& default_agent() const noexcept { return default_agent_; }

 private:
  std::vector<binding> bindings_;
  std::vector<match_level> levels_;  // per binding, precomputed
  std::string default_agent_;
};

/// The level of a binding (the most specific field it sets).
match_level level_of(const binding_match& m) noexcept;

/// True if every field `m` sets equals the routing's.
bool matches(const binding_match& m, const routing_info& r) noexcept;

/// Derives the session key (PROTOCOL.md §4):
/// `agent:<agentId>:<channel>[:account:<accountId>][:<peer.kind>:<peer.id>][:thread:<threadId>]`,
/// `:main` appended when nothing follows the channel; no routing (or an empty
/// channel) gives `agent:<agentId>:main`; a DM peer (`kind == "dm"`)
/// collapses to `agent:<agentId>:main`.
std::string derive_session_key(std::string_view agent_id,
                               const std::optional<routing_info>& routing);

/// Maximum length in bytes of a session key or agent id.
inline constexpr size_t max_key_bytes = 256;

/// Empty if `key` is a valid session key (1..max_key_bytes bytes, no control
/// characters, valid UTF-8), else a message saying what is wrong.
std::string validate_session_key(std::string_view key);

/// Empty if `id` is a valid agent id (1..64 chars of `[A-Za-z0-9_.-]`), else
/// a message saying what is wrong.
std::string validate_agent_id(std::string_view id);

/// If `key` has the form `agent:<id>:...`, returns `<id>`, else empty.
std::string agent_of_session_key(std::string_view key);

} // namespace wingman::protocol
