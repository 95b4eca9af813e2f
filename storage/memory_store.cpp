#include "storage/memory_store.hpp"

#include "storage/keys.hpp"
#include "storage/values.hpp"

#include <iterator>
#include <type_traits>

namespace wingman::storage {

namespace {

// Checks the (agent, session) pair that `op` addresses.
template <class Op>
status check_op(const Op& op) {
  if constexpr (std::is_same_v<Op, put_session>)
    return keys::check_ids(op.record.agent_id, op.record.id);
  else if constexpr (std::is_same_v<Op, put_pending>)
    return keys::check_ids(op.request.agent_id, op.request.session_key);
  else if constexpr (std::is_same_v<Op, put_object>) {
    if (op.id.empty() || op.id.size() > 256)
      return protocol::error{protocol::error_code::storage_failure,
                             "invalid object id"};
    return protocol::ok();
  } else if constexpr (std::is_same_v<Op, erase_object>)
    return protocol::ok();
  else
    return keys::check_ids(op.agent_id, op.session_key);
}

// Decodes `(key, json)` pairs with `decode`, stopping at the first error.
template <class T, class Decode>
expected<std::vector<T>>
decode_all(const std::vector<std::pair<std::string, std::string>>& entries,
           Decode decode) {
  std::vector<T> out;
  out.reserve(entries.size());
  for (const auto& [key, json] : entries) {
    auto x = decode(key, json);
    if (!x)
      return x.error();
    out.push_back(std::move(*x));
  }
  return out;
}

} // namespace

std::unique_ptr<store> make_memory_store() {
  return std::make_unique<memory_store>();
}

// -- write path ---------------------------------------------------------------

status memory_store::apply(const write_batch& batch) {
  // Validation is the only way an op can fail here, so checking every op
  // first makes the batch all or nothing.
  for (const auto& op : batch.ops) {
    auto st = std::visit([](const auto& x) { return check_op(x); }, op);
    if (!st)
      return st;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  for (const auto& op : batch.ops)
    apply_op(op);
  return protocol::ok();
}

void memory_store::apply_op(const write_op& op) {
  if (auto x = std::get_if<put_session>(&op)) {
    const auto& r = x->record;
    sessions_[keys::session(r.agent_id, r.id)]
      = protocol::encode_session_record(r);
  } else if (auto x = std::get_if<put_message>(&op)) {
    messages_[keys::entry(x->agent_id, x->session_key, x->message.seq)]
      = protocol::encode_message_record(x->message);
  } else if (auto x = std::get_if<put_pending>(&op)) {
    const auto& p = x->request;
    queue_[keys::entry(p.agent_id, p.session_key, p.seq)]
      = protocol::encode_pending_request(p);
  } else if (auto x = std::get_if<erase_pending>(&op)) {
    queue_.erase(keys::entry(x->agent_id, x->session_key, x->seq));
  } else if (auto x = std::get_if<clear_messages>(&op)) {
    erase_range(messages_, keys::entry_prefix(x->agent_id, x->session_key));
  } else if (auto x = std::get_if<put_object>(&op)) {
    objects_[static_cast<size_t>(x->table)][x->id] = x->json;
  } else if (auto x = std::get_if<erase_object>(&op)) {
    objects_[static_cast<size_t>(x->table)].erase(x->id);
  } else if (auto x = std::get_if<erase_session>(&op)) {
    sessions_.erase(keys::session(x->agent_id, x->session_key));
    auto prefix = keys::entry_prefix(x->agent_id, x->session_key);
    erase_range(messages_, prefix);
    erase_range(queue_, prefix);
  }
}

void memory_store::erase_range(table& t, std::string_view prefix) {
  auto first = t.lower_bound(prefix);
  auto last = first;
  while (last != t.end() && keys::has_prefix(last->first, prefix))
    ++last;
  t.erase(first, last);
}

// -- read path ----------------------------------------------------------------

expected<std::optional<std::string>>
memory_store::get_object(object_table table, const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& t = objects_[static_cast<size_t>(table)];
  auto i = t.find(id);
  if (i == t.end())
    return std::optional<std::string>{};
  return std::optional<std::string>{i->second};
}

expected<std::vector<std::string>> memory_store::list_objects(object_table table,
                                                              const std::string& prefix) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::string> out;
  auto& t = objects_[static_cast<size_t>(table)];
  for (auto i = t.lower_bound(prefix); i != t.end() && keys::has_prefix(i->first, prefix); ++i)
    out.push_back(i->second);
  return out;
}

std::vector<std::pair<std::string, std::string>>
memory_store::range(const table& t, std::string_view prefix, size_t limit) {
  auto first = t.lower_bound(prefix);
  auto last = first;
  size_t n = 0;
  for (; last != t.end() && keys::has_prefix(last->first, prefix); ++last)
    ++n;
  if (limit > 0 && n > limit)
    std::advance(first, static_cast<std::ptrdiff_t>(n - limit));
  return {first, last};
}

expected<std::optional<protocol::session_record>>
memory_store::get_session(const std::string& agent_id,
                          const std::string& session_key) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  auto key = keys::session(agent_id, session_key);
  std::string json;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = sessions_.find(key);
    if (i == sessions_.end())
      return std::optional<protocol::session_record>{};
    json = i->second;
  }
  auto rec = decode_session_value(key, json);
  if (!rec)
    return rec.error();
  return std::optional<protocol::session_record>{std::move(*rec)};
}

expected<std::vector<protocol::session_record>>
memory_store::list_sessions(const session_query& q) {
  std::string prefix;
  if (!q.agent_id.empty()) {
    if (auto st = keys::check_ids(q.agent_id, ""); !st)
      return st.error();
    prefix = keys::agent_prefix(q.agent_id);
  }
  std::vector<std::pair<std::string, std::string>> entries;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    entries = range(sessions_, prefix, 0);
  }
  auto out = decode_all<protocol::session_record>(entries,
                                                  decode_session_value);
  if (out)
    sort_sessions(*out, q.limit);
  return out;
}

expected<std::vector<protocol::message_record>>
memory_store::list_messages(const std::string& agent_id,
                            const std::string& session_key, size_t limit) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  std::vector<std::pair<std::string, std::string>> entries;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    entries = range(messages_, keys::entry_prefix(agent_id, session_key),
                    limit);
  }
  return decode_all<protocol::message_record>(entries, decode_message_value);
}

expected<std::vector<std::string>>
memory_store::list_message_json(const std::string& agent_id,
                                const std::string& session_key,
                                size_t limit) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  std::vector<std::pair<std::string, std::string>> entries;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    entries = range(messages_, keys::entry_prefix(agent_id, session_key),
                    limit);
  }
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (auto& entry : entries)
    out.push_back(std::move(entry.second));
  return out;
}

expected<std::vector<protocol::pending_request>>
memory_store::list_pending(const std::string& agent_id,
                           const std::string& session_key) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  std::vector<std::pair<std::string, std::string>> entries;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    entries = range(queue_, keys::entry_prefix(agent_id, session_key), 0);
  }
  return decode_all<protocol::pending_request>(entries, decode_pending_value);
}

expected<std::vector<protocol::pending_request>>
memory_store::list_all_pending() {
  std::vector<std::pair<std::string, std::string>> entries;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    entries = range(queue_, "", 0);
  }
  return decode_all<protocol::pending_request>(entries, decode_pending_value);
}

} // namespace wingman::storage
