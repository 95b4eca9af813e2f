#include "storage/lmdb_store.hpp"

#include "storage/keys.hpp"
#include "storage/values.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <sys/stat.h>
#include <sys/types.h>

namespace wingman::storage {

namespace {

// Room for the databases listed in DESIGN.md §6, of which this store opens
// three so far.
constexpr unsigned max_dbs = 16;

MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// "<what>: <LMDB's reason>", with a hint for the one failure an operator can
// fix by configuration.
protocol::error lmdb_error(std::string what, int rc) {
  what += ": ";
  if (rc == MDB_MAP_FULL)
    what += "storage map full (gateway.storage.mapSizeMb); ";
  what += mdb_strerror(rc);
  return storage_error(std::move(what));
}

// Creates `dir` and its missing parents with mode 0700; existing directories
// are left as they are.
status make_dirs(const std::string& dir) {
  auto make_one = [](const std::string& path) -> status {
    if (::mkdir(path.c_str(), 0700) == 0)
      return protocol::ok();
    int err = errno;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return protocol::ok();
    return storage_error("create directory " + path + ": "
                         + std::strerror(err));
  };
  for (auto pos = dir.find('/', 1); pos != std::string::npos;
       pos = dir.find('/', pos + 1)) {
    if (auto st = make_one(dir.substr(0, pos)); !st)
      return st;
  }
  return make_one(dir);
}

// A read-only transaction, aborted when it goes out of scope. With
// `MDB_NOTLS` it may be used on any thread, but never by two at once.
class read_txn {
 public:
  explicit read_txn(MDB_env* env)
    : rc_(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn_)) {
    if (rc_ != 0)
      txn_ = nullptr;
  }
  ~read_txn() {
    if (txn_ != nullptr)
      mdb_txn_abort(txn_);
  }
  read_txn(const read_txn&) = delete;
  read_txn& operator=(const read_txn&) = delete;

  int rc() const { return rc_; }
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
  int rc_;
};

// A cursor closed when it goes out of scope. Requires: destroyed before its
// transaction ends (read-only cursors are never freed by LMDB otherwise).
class cursor {
 public:
  cursor(MDB_txn* txn, MDB_dbi dbi) : rc_(mdb_cursor_open(txn, dbi, &cur_)) {
    if (rc_ != 0)
      cur_ = nullptr;
  }
  ~cursor() {
    if (cur_ != nullptr)
      mdb_cursor_close(cur_);
  }
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;

  int rc() const { return rc_; }
  int get(MDB_val& k, MDB_val& v, MDB_cursor_op op) {
    return mdb_cursor_get(cur_, &k, &v, op);
  }
  int del() { return mdb_cursor_del(cur_, 0); }

 private:
  MDB_cursor* cur_ = nullptr;
  int rc_;
};

// Moves `c` to the first of the last `limit` entries with `prefix`. Returns
// 0 when positioned there (`k`, `v` hold the entry), MDB_NOTFOUND when there
// are `limit` or fewer entries (the caller scans from the start), or an error.
int seek_last_n(cursor& c, std::string_view prefix, size_t limit, MDB_val& k,
                MDB_val& v) {
  std::string end = keys::prefix_end(prefix);
  int rc;
  if (end.empty()) {
    rc = c.get(k, v, MDB_LAST);
  } else {
    k = to_val(end);
    rc = c.get(k, v, MDB_SET_RANGE);
    if (rc == 0)
      rc = c.get(k, v, MDB_PREV);
    else if (rc == MDB_NOTFOUND)
      rc = c.get(k, v, MDB_LAST);
  }
  if (rc != 0)
    return rc;
  if (!keys::has_prefix(to_view(k), prefix))
    return MDB_NOTFOUND;
  for (size_t n = 1; n < limit; ++n) {
    rc = c.get(k, v, MDB_PREV);
    if (rc != 0)
      return rc;
    if (!keys::has_prefix(to_view(k), prefix))
      return MDB_NOTFOUND;
  }
  return 0;
}

// Calls `fn(key, value)` for each entry of `dbi` whose key starts with
// `prefix`, in key order; `limit > 0` visits only the last `limit` of them.
// Stops at the first error `fn` returns. The views die with `txn`.
template <class F>
status visit(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix, size_t limit,
             F&& fn) {
  cursor c{txn, dbi};
  if (c.rc() != 0)
    return lmdb_error("open cursor", c.rc());
  MDB_val k{};
  MDB_val v{};
  int rc = MDB_NOTFOUND;
  if (limit > 0) {
    rc = seek_last_n(c, prefix, limit, k, v);
    if (rc != 0 && rc != MDB_NOTFOUND)
      return lmdb_error("seek", rc);
  }
  if (rc == MDB_NOTFOUND) {
    if (prefix.empty()) {
      rc = c.get(k, v, MDB_FIRST);
    } else {
      k = to_val(prefix);
      rc = c.get(k, v, MDB_SET_RANGE);
    }
  }
  for (; rc == 0 && keys::has_prefix(to_view(k), prefix);
       rc = c.get(k, v, MDB_NEXT)) {
    if (auto st = fn(to_view(k), to_view(v)); !st)
      return st;
  }
  if (rc != 0 && rc != MDB_NOTFOUND)
    return lmdb_error("scan", rc);
  return protocol::ok();
}

// Reads the entries of `dbi` under `prefix` (all when empty; the last
// `limit` when > 0) in one read transaction, converting each with
// `decode(key, value) -> expected<T>`; the first failure is returned.
template <class T, class Decode>
expected<std::vector<T>> read_range(MDB_env* env, MDB_dbi dbi,
                                    std::string_view prefix, size_t limit,
                                    Decode decode) {
  read_txn txn{env};
  if (txn.rc() != 0)
    return lmdb_error("begin read transaction", txn.rc());
  std::vector<T> out;
  auto st = visit(txn.get(), dbi, prefix, limit,
                  [&](std::string_view key, std::string_view val) -> status {
                    auto item = decode(key, val);
                    if (!item)
                      return item.error();
                    out.push_back(std::move(*item));
                    return protocol::ok();
                  });
  if (!st)
    return st.error();
  return out;
}

} // namespace

// -- construction -------------------------------------------------------------

lmdb_store::lmdb_store(MDB_env* env, bool sync, MDB_dbi sessions,
                       MDB_dbi messages, MDB_dbi queue,
                       std::array<MDB_dbi, object_table_count> objects)
  : env_(env),
    sync_(sync),
    sessions_(sessions),
    messages_(messages),
    queue_(queue),
    objects_(objects) {
  // nop
}

lmdb_store::~lmdb_store() {
  // Without MDB_NOSYNC every commit was already flushed.
  if (!sync_)
    mdb_env_sync(env_, 1);
  mdb_env_close(env_);
}

expected<std::unique_ptr<store>> lmdb_store::open(const lmdb_options& opts) {
  if (opts.dir.empty())
    return storage_error("open LMDB environment: no directory given");
  if (auto st = make_dirs(opts.dir); !st)
    return st.error();
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0)
    return lmdb_error("create LMDB environment for " + opts.dir, rc);
  auto fail = [&](const char* what, int rc) {
    mdb_env_close(env);
    return lmdb_error(std::string{what} + " " + opts.dir, rc);
  };
  if (int rc = mdb_env_set_mapsize(env, opts.map_size_bytes); rc != 0)
    return fail("set LMDB map size for", rc);
  if (int rc = mdb_env_set_maxdbs(env, max_dbs); rc != 0)
    return fail("set LMDB maxdbs for", rc);
  // MDB_NOTLS: read transactions are not tied to the thread that began them
  // (readers run on CAF workers and Asio threads).
  unsigned flags = MDB_NOTLS | (opts.sync ? 0u : MDB_NOSYNC);
  if (int rc = mdb_env_open(env, opts.dir.c_str(), flags, 0600); rc != 0)
    return fail("open LMDB environment", rc);
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &txn); rc != 0)
    return fail("begin transaction in", rc);
  // The session databases, then one per object_table value, in its order.
  const char* names[] = {"sessions", "messages", "queue", "webhooks", "routines",
                         "routine_runs", "webhook_deliveries"};
  static_assert(std::size(names) == 3 + object_table_count);
  MDB_dbi dbis[std::size(names)] = {};
  for (size_t i = 0; i < std::size(names); ++i) {
    if (int rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &dbis[i]); rc != 0) {
      mdb_txn_abort(txn);
      return fail((std::string{"open database "} + names[i] + " in").c_str(),
                  rc);
    }
  }
  if (int rc = mdb_txn_commit(txn); rc != 0)
    return fail("create databases in", rc);
  std::array<MDB_dbi, object_table_count> objects{};
  std::copy(dbis + 3, dbis + std::size(names), objects.begin());
  return std::unique_ptr<store>{
    new lmdb_store(env, opts.sync, dbis[0], dbis[1], dbis[2], objects)};
}

expected<std::unique_ptr<store>> open_lmdb_store(const lmdb_options& opts) {
  return lmdb_store::open(opts);
}

// -- write path ---------------------------------------------------------------

namespace {

/// Marks the ops of `batch` whose effect a later op of the same batch
/// replaces, so they need not be encoded and written: a `put_session`
/// followed by another `put_session` of that session, and a `put_pending`
/// followed by the `erase_pending` of that entry. Under load a group commit
/// holds several updates of one session record per batch.
std::vector<bool> superseded_ops(const write_batch& batch) {
  std::vector<bool> skip(batch.ops.size(), false);
  std::unordered_set<std::string> later_sessions;
  std::unordered_set<std::string> later_erased;
  auto id = [](const std::string& a, const std::string& b, uint64_t seq) {
    return a + '\0' + b + '\0' + std::to_string(seq);
  };
  for (size_t i = batch.ops.size(); i-- > 0;) {
    const auto& op = batch.ops[i];
    if (const auto* p = std::get_if<put_session>(&op)) {
      skip[i] = !later_sessions.insert(id(p->record.agent_id, p->record.id, 0)).second;
    } else if (const auto* e = std::get_if<erase_pending>(&op)) {
      later_erased.insert(id(e->agent_id, e->session_key, e->seq));
    } else if (const auto* q = std::get_if<put_pending>(&op)) {
      const auto& r = q->request;
      skip[i] = later_erased.count(id(r.agent_id, r.session_key, r.seq)) > 0;
    }
  }
  return skip;
}

} // namespace

status lmdb_store::apply(const write_batch& batch) {
  if (batch.ops.empty())
    return protocol::ok();
  auto skip = superseded_ops(batch);
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn); rc != 0)
    return lmdb_error("begin write transaction", rc);
  for (size_t i = 0; i < batch.ops.size(); ++i) {
    if (skip[i])
      continue;
    const auto& op = batch.ops[i];
    auto st = std::visit([&](const auto& x) { return apply_op(txn, x); }, op);
    if (!st) {
      // All or nothing: nothing of this batch reaches the database.
      mdb_txn_abort(txn);
      return st;
    }
  }
  // The commit frees `txn` whether it succeeds or not.
  if (int rc = mdb_txn_commit(txn); rc != 0)
    return lmdb_error("commit batch of " + std::to_string(batch.ops.size())
                        + " writes",
                      rc);
  return protocol::ok();
}

status lmdb_store::apply_op(MDB_txn* txn, const put_object& op) {
  if (op.id.empty() || op.id.size() > 256)
    return protocol::error{protocol::error_code::storage_failure,
                           "invalid object id"};
  MDB_val k = to_val(op.id);
  MDB_val v = to_val(op.json);
  if (int rc = mdb_put(txn, dbi_of(op.table), &k, &v, 0); rc != 0)
    return lmdb_error("put object " + op.id, rc);
  return protocol::ok();
}

status lmdb_store::apply_op(MDB_txn* txn, const erase_object& op) {
  if (op.id.empty() || op.id.size() > 256)
    return protocol::ok();  // cannot exist
  MDB_val k = to_val(op.id);
  int rc = mdb_del(txn, dbi_of(op.table), &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return lmdb_error("erase object " + op.id, rc);
  return protocol::ok();
}

expected<std::optional<std::string>>
lmdb_store::get_object(object_table table, const std::string& id) {
  if (id.empty() || id.size() > 256)
    return std::optional<std::string>{};
  read_txn txn{env_};
  if (txn.rc() != 0)
    return lmdb_error("begin read transaction", txn.rc());
  MDB_val k = to_val(id);
  MDB_val v{};
  int rc = mdb_get(txn.get(), dbi_of(table), &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::optional<std::string>{};
  if (rc != 0)
    return lmdb_error("get object " + id, rc);
  return std::optional<std::string>{std::string{to_view(v)}};
}

expected<std::vector<std::string>> lmdb_store::list_objects(object_table table,
                                                            const std::string& prefix) {
  return read_range<std::string>(env_, dbi_of(table), prefix, 0,
                                 [](std::string_view, std::string_view val) {
                                   return expected<std::string>{std::string{val}};
                                 });
}

status lmdb_store::apply_op(MDB_txn* txn, const put_session& op) {
  const auto& r = op.record;
  if (auto st = keys::check_ids(r.agent_id, r.id); !st)
    return st;
  auto key = keys::session(r.agent_id, r.id);
  auto json = protocol::encode_session_record(r);
  MDB_val k = to_val(key);
  MDB_val v = to_val(json);
  if (int rc = mdb_put(txn, sessions_, &k, &v, 0); rc != 0)
    return lmdb_error("put session " + keys::describe(key), rc);
  return protocol::ok();
}

status lmdb_store::apply_op(MDB_txn* txn, const put_message& op) {
  if (auto st = keys::check_ids(op.agent_id, op.session_key); !st)
    return st;
  auto key = keys::entry(op.agent_id, op.session_key, op.message.seq);
  auto json = protocol::encode_message_record(op.message);
  MDB_val k = to_val(key);
  MDB_val v = to_val(json);
  if (int rc = mdb_put(txn, messages_, &k, &v, 0); rc != 0)
    return lmdb_error("put message " + keys::describe(key), rc);
  return protocol::ok();
}

status lmdb_store::apply_op(MDB_txn* txn, const put_pending& op) {
  const auto& p = op.request;
  if (auto st = keys::check_ids(p.agent_id, p.session_key); !st)
    return st;
  auto key = keys::entry(p.agent_id, p.session_key, p.seq);
  auto json = protocol::encode_pending_request(p);
  MDB_val k = to_val(key);
  MDB_val v = to_val(json);
  if (int rc = mdb_put(txn, queue_, &k, &v, 0); rc != 0)
    return lmdb_error("put queue entry " + keys::describe(key), rc);
  return protocol::ok();
}

status lmdb_store::apply_op(MDB_txn* txn, const erase_pending& op) {
  if (auto st = keys::check_ids(op.agent_id, op.session_key); !st)
    return st;
  auto key = keys::entry(op.agent_id, op.session_key, op.seq);
  MDB_val k = to_val(key);
  int rc = mdb_del(txn, queue_, &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return lmdb_error("erase queue entry " + keys::describe(key), rc);
  return protocol::ok();
}

status lmdb_store::apply_op(MDB_txn* txn, const clear_messages& op) {
  if (auto st = keys::check_ids(op.agent_id, op.session_key); !st)
    return st;
  return erase_range(txn, messages_,
                     keys::entry_prefix(op.agent_id, op.session_key));
}

status lmdb_store::apply_op(MDB_txn* txn, const erase_session& op) {
  if (auto st = keys::check_ids(op.agent_id, op.session_key); !st)
    return st;
  auto key = keys::session(op.agent_id, op.session_key);
  MDB_val k = to_val(key);
  int rc = mdb_del(txn, sessions_, &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return lmdb_error("erase session " + keys::describe(key), rc);
  auto prefix = keys::entry_prefix(op.agent_id, op.session_key);
  if (auto st = erase_range(txn, messages_, prefix); !st)
    return st;
  return erase_range(txn, queue_, prefix);
}

status lmdb_store::erase_range(MDB_txn* txn, MDB_dbi dbi,
                               const std::string& prefix) {
  auto what = [&] { return "erase range " + keys::describe(prefix); };
  cursor c{txn, dbi};
  if (c.rc() != 0)
    return lmdb_error(what(), c.rc());
  // Seek afresh after each delete: simple, and immune to cursor state quirks
  // after mdb_cursor_del. O(n log n), fine for one session's entries.
  for (;;) {
    MDB_val k = to_val(prefix);
    MDB_val v{};
    int rc = c.get(k, v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND
        || (rc == 0 && !keys::has_prefix(to_view(k), prefix)))
      return protocol::ok();
    if (rc == 0)
      rc = c.del();
    if (rc != 0)
      return lmdb_error(what(), rc);
  }
}

// -- read path ----------------------------------------------------------------

expected<std::optional<protocol::session_record>>
lmdb_store::get_session(const std::string& agent_id,
                        const std::string& session_key) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  read_txn txn{env_};
  if (txn.rc() != 0)
    return lmdb_error("begin read transaction", txn.rc());
  auto key = keys::session(agent_id, session_key);
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_get(txn.get(), sessions_, &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::optional<protocol::session_record>{};
  if (rc != 0)
    return lmdb_error("get session " + keys::describe(key), rc);
  auto rec = decode_session_value(key, to_view(v));
  if (!rec)
    return rec.error();
  return std::optional<protocol::session_record>{std::move(*rec)};
}

expected<std::vector<protocol::session_record>>
lmdb_store::list_sessions(const session_query& q) {
  std::string prefix;
  if (!q.agent_id.empty()) {
    if (auto st = keys::check_ids(q.agent_id, ""); !st)
      return st.error();
    prefix = keys::agent_prefix(q.agent_id);
  }
  auto list = read_range<protocol::session_record>(env_, sessions_, prefix, 0,
                                                  decode_session_value);
  if (!list)
    return list;
  auto& out = *list;
  sort_sessions(out, q.limit);
  return list;
}

expected<std::vector<protocol::message_record>>
lmdb_store::list_messages(const std::string& agent_id,
                          const std::string& session_key, size_t limit) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  return read_range<protocol::message_record>(
    env_, messages_, keys::entry_prefix(agent_id, session_key), limit,
    decode_message_value);
}

expected<std::vector<std::string>>
lmdb_store::list_message_json(const std::string& agent_id,
                              const std::string& session_key, size_t limit) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  return read_range<std::string>(
    env_, messages_, keys::entry_prefix(agent_id, session_key), limit,
    [](std::string_view, std::string_view val) {
      return expected<std::string>{std::string{val}};
    });
}

expected<std::vector<protocol::pending_request>>
lmdb_store::list_pending(const std::string& agent_id,
                         const std::string& session_key) {
  if (auto st = keys::check_ids(agent_id, session_key); !st)
    return st.error();
  return read_range<protocol::pending_request>(
    env_, queue_, keys::entry_prefix(agent_id, session_key), 0,
    decode_pending_value);
}

expected<std::vector<protocol::pending_request>>
lmdb_store::list_all_pending() {
  return read_range<protocol::pending_request>(env_, queue_, "", 0,
                                              decode_pending_value);
}

} // namespace wingman::storage
