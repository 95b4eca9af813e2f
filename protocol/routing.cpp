#include "protocol/routing.hpp"

#include <utility>

namespace wingman::protocol {

namespace {

/// Length in bytes of the UTF-8 sequence starting at `s[i]`, or 0 if it is
/// not a well-formed sequence (overlong forms, surrogates and code points
/// above U+10FFFF are ill-formed). Stores the code point in `cp`.
size_t utf8_sequence(std::string_view s, size_t i, char32_t& cp) noexcept {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

bool is_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool is_agent_id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

} // namespace

// -- binding_table ------------------------------------------------------------

binding_table::binding_table(std::vector<binding> bindings,
                             std::string default_agent)
  : bindings_(std::move(bindings)), default_agent_(std::move(default_agent)) {
  levels_.reserve(bindings_.size());
  for (const auto& b : bindings_)
    levels_.push_back(level_of(b.match));
}

binding_table::resolution
binding_table::resolve(const std::optional<routing_info>& routing) const {
  resolution best;
  best.agent_id = default_agent_;
  if (!routing)
    return best;
  for (size_t i = 0; i < bindings_.size(); ++i) {
    // Strictly lower level only: ties keep the earlier binding.
    if (levels_[i] < best.level && matches(bindings_[i].match, *routing)) {
      best.agent_id = bindings_[i].agent_id;
      best.level = levels_[i];
      best.binding_index = static_cast<int>(i);
    }
  }
  return best;
}

// -- free functions -----------------------------------------------------------

match_level level_of(const binding_match& m) noexcept {
  if (m.peer)
    return match_level::peer;
  if (!m.guild_id.empty() || !m.team_id.empty())
    return match_level::guild_or_team;
  if (!m.account_id.empty())
    return match_level::account;
  return match_level::channel;
}

bool matches(const binding_match& m, const routing_info& r) noexcept {
  auto field_ok = [](const std::string& want, const std::string& have) {
    return want.empty() || want == have;
  };
  if (!field_ok(m.channel, r.channel) || !field_ok(m.account_id, r.account_id)
      || !field_ok(m.guild_id, r.guild_id) || !field_ok(m.team_id, r.team_id))
    return false;
  if (m.peer) {
    if (!r.peer)
      return false;
    return m.peer->kind == r.peer->kind && m.peer->id == r.peer->id;
  }
  return true;
}

std::string derive_session_key(std::string_view agent_id,
                               const std::optional<routing_info>& routing) {
  std::string key = "agent:";
  key.append(agent_id);
  if (!routing || routing->channel.empty()
      || (routing->peer && routing->peer->kind == "dm")) {
    key += ":main";
    return key;
  }
  key += ':';
  key += routing->channel;
  size_t channel_end = key.size();
  if (!routing->account_id.empty()) {
    key += ":account:";
    key += routing->account_id;
  }
  if (routing->peer && !routing->peer->kind.empty()
      && !routing->peer->id.empty()) {
    key += ':';
    key += routing->peer->kind;
    key += ':';
    key += routing->peer->id;
  }
  if (!routing->thread_id.empty()) {
    key += ":thread:";
    key += routing->thread_id;
  }
  if (key.size() == channel_end)
    key += ":main";
  return key;
}

std::string validate_session_key(std::string_view key) {
  if (key.empty())
    return "session key is empty";
  if (key.size() > max_key_bytes)
    return "session key is longer than " + std::to_string(max_key_bytes)
           + " bytes";
  for (size_t i = 0; i < key.size();) {
    char32_t cp = 0;
    size_t len = utf8_sequence(key, i, cp);
    if (len == 0)
      return "session key is not valid UTF-8";
    if (is_control(cp))
      return "session key contains a control character";
    i += len;
  }
  return {};
}

std::string validate_agent_id(std::string_view id) {
  if (id.empty())
    return "agent id is empty";
  if (id.size() > 64)
    return "agent id is longer than 64 characters";
  for (char c : id)
    if (!is_agent_id_char(c))
      return "agent id may only contain A-Z, a-z, 0-9, '_', '.' and '-'";
  return {};
}

std::string agent_of_session_key(std::string_view key) {
  constexpr std::string_view prefix = "agent:";
  if (key.substr(0, prefix.size()) != prefix)
    return {};
  auto rest = key.substr(prefix.size());
  auto colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return {};
  return std::string{rest.substr(0, colon)};
}

} // namespace wingman::protocol
