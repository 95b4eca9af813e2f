#include "storage/keys.hpp"

#include <cstdio>

namespace wingman::storage::keys {

namespace {

// Appends `s` to `out`, escaping bytes that would make a log line unreadable.
void append_printable(std::string& out, std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
}

} // namespace

std::string session(std::string_view agent_id, std::string_view session_key) {
  std::string key;
  key.reserve(agent_id.size() + 1 + session_key.size());
  key.append(agent_id);
  key.push_back('\0');
  key.append(session_key);
  return key;
}

std::string agent_prefix(std::string_view agent_id) {
  std::string key(agent_id);
  key.push_back('\0');
  return key;
}

std::string entry_prefix(std::string_view agent_id,
                         std::string_view session_key) {
  std::string key = session(agent_id, session_key);
  key.push_back('\0');
  return key;
}

std::string entry(std::string_view agent_id, std::string_view session_key,
                  uint64_t seq) {
  std::string key = entry_prefix(agent_id, session_key);
  // Big-endian, so that bytewise order is numeric order.
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((seq >> shift) & 0xff));
  return key;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

bool has_prefix(std::string_view key, std::string_view prefix) noexcept {
  return key.size() >= prefix.size()
         && key.compare(0, prefix.size(), prefix) == 0;
}

std::string describe(std::string_view key) {
  std::string out;
  auto sep1 = key.find('\0');
  if (sep1 == std::string_view::npos) {
    append_printable(out, key);
    return out;
  }
  append_printable(out, key.substr(0, sep1));
  out += '/';
  auto rest = key.substr(sep1 + 1);
  auto sep2 = rest.find('\0');
  // An entry key ends in `\0` plus exactly eight sequence bytes.
  if (sep2 == std::string_view::npos || rest.size() - sep2 - 1 != seq_size) {
    append_printable(out, rest);
    return out;
  }
  append_printable(out, rest.substr(0, sep2));
  uint64_t seq = 0;
  for (char c : rest.substr(sep2 + 1))
    seq = (seq << 8) | static_cast<unsigned char>(c);
  out += '/';
  out += std::to_string(seq);
  return out;
}

protocol::status check_ids(std::string_view agent_id,
                           std::string_view session_key) {
  auto fail = [&](const char* why) {
    std::string msg = "invalid storage key '";
    append_printable(msg, agent_id);
    msg += '/';
    append_printable(msg, session_key);
    msg += "': ";
    msg += why;
    return protocol::error{protocol::error_code::storage_failure,
                           std::move(msg)};
  };
  if (agent_id.find('\0') != std::string_view::npos
      || session_key.find('\0') != std::string_view::npos)
    return fail("contains a NUL byte");
  if (agent_id.size() + session_key.size() + 2 + seq_size > max_key_size)
    return fail("longer than the key size limit");
  return protocol::ok();
}

} // namespace wingman::storage::keys
