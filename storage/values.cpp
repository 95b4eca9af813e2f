#include "storage/values.hpp"

#include "storage/keys.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace wingman::storage {

namespace {

template <class T>
protocol::expected<T> check_decoded(protocol::expected<T> decoded,
                                    const char* db, std::string_view key) {
  if (decoded)
    return decoded;
  return storage_error("corrupt value in " + std::string{db} + " at '"
                       + keys::describe(key)
                       + "': " + decoded.error().message);
}

} // namespace

protocol::error storage_error(std::string what) {
  return protocol::error{protocol::error_code::storage_failure,
                         std::move(what)};
}

protocol::expected<protocol::session_record>
decode_session_value(std::string_view key, std::string_view json) {
  return check_decoded(protocol::decode_session_record(json), "sessions", key);
}

protocol::expected<protocol::message_record>
decode_message_value(std::string_view key, std::string_view json) {
  return check_decoded(protocol::decode_message_record(json), "messages", key);
}

protocol::expected<protocol::pending_request>
decode_pending_value(std::string_view key, std::string_view json) {
  return check_decoded(protocol::decode_pending_request(json), "queue", key);
}

void sort_sessions(std::vector<protocol::session_record>& records,
                   size_t limit) {
  std::sort(records.begin(), records.end(),
            [](const protocol::session_record& a,
               const protocol::session_record& b) {
              if (a.updated_at != b.updated_at)
                return a.updated_at > b.updated_at;
              // Same order as the stored keys (`agent \0 session`).
              return std::tie(a.agent_id, a.id) < std::tie(b.agent_id, b.id);
            });
  if (limit > 0 && records.size() > limit)
    records.resize(limit);
}

} // namespace wingman::storage
