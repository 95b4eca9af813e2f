// Contract tests for storage/store.hpp, run against both `lmdb_store` and
// `memory_store`, plus LMDB-only tests (reopen, map full, corrupt values,
// directory creation). Each LMDB test uses its own temp dir under /tmp.
#include "storage/store.hpp"

#include "storage/keys.hpp"

#include <doctest/doctest.h>
#include <lmdb.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <stdlib.h>
#include <sys/stat.h>

namespace {

using namespace wingman;
using namespace wingman::storage;

// -- fixtures -----------------------------------------------------------------

// A fresh directory under /tmp, removed with its contents at scope exit.
class temp_dir {
 public:
  temp_dir() {
    char tmpl[] = "/tmp/wingman-store-test-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr uint64_t test_map_size = 64ull << 20;

std::unique_ptr<store> open_or_fail(const lmdb_options& opts) {
  auto st = open_lmdb_store(opts);
  if (!st)
    FAIL("open_lmdb_store: " << st.error().message);
  return std::move(*st);
}

// An LMDB store in its own temp dir. No fsync: durability across reopen
// is tested separately.
struct lmdb_fixture {
  temp_dir tmp;
  std::unique_ptr<store> st;

  lmdb_fixture() { reopen(); }

  lmdb_options options() const {
    return lmdb_options{tmp.path() + "/db", test_map_size, false};
  }
  void reopen() {
    st.reset();
    st = open_or_fail(options());
  }
};

struct memory_fixture {
  std::unique_ptr<store> st = make_memory_store();
};

// -- record builders ----------------------------------------------------------

protocol::session_record session(const std::string& agent,
                                 const std::string& id,
                                 int64_t updated_at = 1000) {
  protocol::session_record r;
  r.agent_id = agent;
  r.id = id;
  r.name = "name of " + id;
  r.created_at = 500;
  r.updated_at = updated_at;
  r.message_count = 3;
  r.last_message_preview = "preview";
  r.next_seq = 4;
  return r;
}

protocol::message_record message(uint64_t seq, const std::string& content) {
  protocol::message_record m;
  m.seq = seq;
  m.id = "msg-" + std::to_string(seq);
  m.role = seq % 2 == 0 ? "assistant" : "user";
  m.content = content;
  m.created_at = 1000 + static_cast<int64_t>(seq);
  m.request_id = "req-" + std::to_string(seq);
  return m;
}

protocol::pending_request pending(const std::string& agent,
                                  const std::string& session_key,
                                  uint64_t seq) {
  protocol::pending_request p;
  p.seq = seq;
  p.agent_id = agent;
  p.session_key = session_key;
  p.request_id = agent + "/" + session_key + "/" + std::to_string(seq);
  p.owner = "client-1";
  p.accepted_at = 42;
  p.request.agent_id = agent;
  p.request.session_key = session_key;
  p.request.content = "hello " + std::to_string(seq);
  return p;
}

put_message put_msg(const std::string& agent, const std::string& session_key,
                    uint64_t seq, const std::string& content = "text") {
  return put_message{agent, session_key, message(seq, content)};
}

// -- helpers ------------------------------------------------------------------

void apply_ok(store& s, std::vector<write_op> ops) {
  auto st = s.apply(write_batch{std::move(ops)});
  if (!st)
    FAIL("apply: " << st.error().message);
}

template <class T>
T value_or_fail(expected<T> x) {
  if (!x)
    FAIL("read: " << x.error().message);
  return std::move(*x);
}

std::optional<protocol::session_record>
get(store& s, const std::string& agent, const std::string& id) {
  return value_or_fail(s.get_session(agent, id));
}

std::vector<uint64_t> seqs(store& s, const std::string& agent,
                           const std::string& session_key, size_t limit = 0) {
  std::vector<uint64_t> out;
  for (const auto& m :
       value_or_fail(s.list_messages(agent, session_key, limit)))
    out.push_back(m.seq);
  return out;
}

std::vector<uint64_t> pending_seqs(store& s, const std::string& agent,
                                   const std::string& session_key) {
  std::vector<uint64_t> out;
  for (const auto& p : value_or_fail(s.list_pending(agent, session_key)))
    out.push_back(p.seq);
  return out;
}

// "agent/session/seq" of every queue entry, in recovery order.
std::vector<std::string> all_pending(store& s) {
  std::vector<std::string> out;
  for (const auto& p : value_or_fail(s.list_all_pending()))
    out.push_back(p.agent_id + "/" + p.session_key + "/"
                  + std::to_string(p.seq));
  return out;
}

// "agent/id" of every listed session, in list order.
std::vector<std::string> session_ids(store& s, const session_query& q) {
  std::vector<std::string> out;
  for (const auto& r : value_or_fail(s.list_sessions(q)))
    out.push_back(r.agent_id + "/" + r.id);
  return out;
}

using strings = std::vector<std::string>;
using seq_list = std::vector<uint64_t>;

} // namespace

TYPE_TO_STRING(lmdb_fixture);
TYPE_TO_STRING(memory_fixture);

TEST_SUITE("storage/store") {

// -- contract tests (both implementations) ------------------------------------

TEST_CASE_TEMPLATE("a stored session record reads back equal and can be "
                   "replaced",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  CHECK_FALSE(get(s, "main", "s1").has_value());
  auto rec = session("main", "s1", 1234);
  rec.workdir = "/home/u/project";
  apply_ok(s, {put_session{rec}});
  auto got = get(s, "main", "s1");
  REQUIRE(got.has_value());
  CHECK(got->agent_id == "main");
  CHECK(got->id == "s1");
  CHECK(got->name == rec.name);
  CHECK(got->created_at == 500);
  CHECK(got->updated_at == 1234);
  CHECK(got->message_count == 3);
  CHECK(got->last_message_preview == "preview");
  CHECK(got->workdir == "/home/u/project");
  CHECK(got->next_seq == 4);
  rec.name = "renamed";
  rec.updated_at = 2000;
  apply_ok(s, {put_session{rec}});
  got = get(s, "main", "s1");
  REQUIRE(got.has_value());
  CHECK(got->name == "renamed");
  CHECK(got->updated_at == 2000);
  CHECK(value_or_fail(s.list_sessions({})).size() == 1);
}

TEST_CASE_TEMPLATE("messages come back in seq order across byte boundaries",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  // Written out of order; 255/256 and 65535/65536 cross byte boundaries, so
  // a little-endian or decimal key would sort them wrongly.
  seq_list written{70000, 1, 256, 65535, 255, 65536, 2, 1ull << 40, 257};
  std::vector<write_op> ops;
  for (auto seq : written)
    ops.emplace_back(put_msg("main", "s1", seq, "m" + std::to_string(seq)));
  apply_ok(s, std::move(ops));
  CHECK(seqs(s, "main", "s1")
        == seq_list{1, 2, 255, 256, 257, 65535, 65536, 70000, 1ull << 40});
  auto msgs = value_or_fail(s.list_messages("main", "s1"));
  REQUIRE(msgs.size() == written.size());
  CHECK(msgs[3].content == "m256");
  CHECK(msgs[3].id == "msg-256");
  CHECK(msgs[3].role == "assistant");
  CHECK(msgs[3].request_id == "req-256");
  CHECK(msgs[3].created_at == 1256);
  // Same seq again replaces the message.
  apply_ok(s, {put_msg("main", "s1", 256, "edited")});
  msgs = value_or_fail(s.list_messages("main", "s1"));
  REQUIRE(msgs.size() == written.size());
  CHECK(msgs[3].content == "edited");
}

TEST_CASE_TEMPLATE("sessions of different agents with the same key stay "
                   "separate",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_session{session("alpha", "chat", 1)},
               put_session{session("beta", "chat", 2)},
               put_session{session("alpha", "other", 3)},
               put_msg("alpha", "chat", 1), put_msg("alpha", "chat", 2),
               put_msg("beta", "chat", 7), put_msg("alpha", "other", 9),
               put_pending{pending("alpha", "chat", 1)},
               put_pending{pending("beta", "chat", 5)}});
  CHECK(get(s, "alpha", "chat")->updated_at == 1);
  CHECK(get(s, "beta", "chat")->updated_at == 2);
  CHECK(seqs(s, "alpha", "chat") == seq_list{1, 2});
  CHECK(seqs(s, "beta", "chat") == seq_list{7});
  CHECK(seqs(s, "alpha", "other") == seq_list{9});
  CHECK(pending_seqs(s, "alpha", "chat") == seq_list{1});
  CHECK(pending_seqs(s, "beta", "chat") == seq_list{5});
  CHECK(pending_seqs(s, "alpha", "other").empty());
  CHECK(session_ids(s, {"alpha", 0}) == strings{"alpha/other", "alpha/chat"});
  CHECK(session_ids(s, {"beta", 0}) == strings{"beta/chat"});
}

TEST_CASE_TEMPLATE("a session key that prefixes another does not see its "
                   "entries",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_session{session("x", "a")}, put_session{session("x", "ab")},
               put_session{session("xy", "a")}, put_msg("x", "a", 1),
               put_msg("x", "ab", 2), put_msg("xy", "a", 3),
               put_pending{pending("x", "a", 1)},
               put_pending{pending("x", "ab", 2)},
               put_pending{pending("xy", "a", 3)}});
  CHECK(seqs(s, "x", "a") == seq_list{1});
  CHECK(seqs(s, "x", "a", 5) == seq_list{1});
  CHECK(seqs(s, "x", "ab") == seq_list{2});
  CHECK(seqs(s, "xy", "a") == seq_list{3});
  CHECK(pending_seqs(s, "x", "a") == seq_list{1});
  CHECK(pending_seqs(s, "x", "ab") == seq_list{2});
  CHECK(session_ids(s, {"x", 0}) == strings{"x/a", "x/ab"});
  CHECK(session_ids(s, {"xy", 0}) == strings{"xy/a"});
  CHECK_FALSE(get(s, "x", "abc").has_value());
  SUBCASE("erasing the shorter session leaves the longer one") {
    apply_ok(s, {erase_session{"x", "a"}});
    CHECK_FALSE(get(s, "x", "a").has_value());
    CHECK(get(s, "x", "ab").has_value());
    CHECK(seqs(s, "x", "ab") == seq_list{2});
    CHECK(pending_seqs(s, "x", "ab") == seq_list{2});
    CHECK(seqs(s, "xy", "a") == seq_list{3});
  }
  SUBCASE("clearing the shorter agent's messages leaves the longer one's") {
    apply_ok(s, {clear_messages{"x", "a"}});
    CHECK(seqs(s, "x", "a").empty());
    CHECK(seqs(s, "xy", "a") == seq_list{3});
    CHECK(seqs(s, "x", "ab") == seq_list{2});
  }
}

TEST_CASE_TEMPLATE("list_messages with a limit keeps the last messages",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  CHECK(seqs(s, "main", "s1", 3).empty());
  std::vector<write_op> ops;
  for (uint64_t seq = 1; seq <= 10; ++seq)
    ops.emplace_back(put_msg("main", "s1", seq * 100));
  // Neighbours on both sides, which the limited scan must not pick up.
  ops.emplace_back(put_msg("main", "s0", 5));
  ops.emplace_back(put_msg("main", "s2", 1));
  apply_ok(s, std::move(ops));
  CHECK(seqs(s, "main", "s1", 3) == seq_list{800, 900, 1000});
  CHECK(seqs(s, "main", "s1", 1) == seq_list{1000});
  CHECK(seqs(s, "main", "s1", 10).size() == 10);
  CHECK(seqs(s, "main", "s1", 50).size() == 10);
  CHECK(seqs(s, "main", "s1", 0).size() == 10);
  CHECK(seqs(s, "main", "s2", 3) == seq_list{1});
  CHECK(seqs(s, "main", "s0", 3) == seq_list{5});
  CHECK(seqs(s, "main", "s3", 3).empty());
  CHECK(seqs(s, "main", "", 3).empty());
}

TEST_CASE_TEMPLATE("list_message_json returns the stored JSON as it is",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  std::vector<protocol::message_record> msgs;
  for (uint64_t seq = 1; seq <= 4; ++seq)
    msgs.push_back(message(seq, "quote \" and \xc3\xa9 and \n"));
  msgs[1].attachments.push_back(
    protocol::attachment{"file", "a.txt", "text/plain", "contents", ""});
  std::vector<write_op> ops;
  for (const auto& m : msgs)
    ops.emplace_back(put_message{"main", "s1", m});
  apply_ok(s, std::move(ops));
  auto json = value_or_fail(s.list_message_json("main", "s1"));
  REQUIRE(json.size() == 4);
  for (size_t i = 0; i < json.size(); ++i)
    CHECK(json[i] == protocol::encode_message_record(msgs[i]));
  auto last2 = value_or_fail(s.list_message_json("main", "s1", 2));
  CHECK(last2 == strings{json[2], json[3]});
  CHECK(value_or_fail(s.list_message_json("main", "none")).empty());
  auto decoded = value_or_fail(s.list_messages("main", "s1"));
  REQUIRE(decoded.size() == 4);
  REQUIRE(decoded[1].attachments.size() == 1);
  CHECK(decoded[1].attachments[0].text_content == "contents");
  CHECK(decoded[0].content == msgs[0].content);
}

TEST_CASE_TEMPLATE("queue entries are listed per session and erased by seq",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_pending{pending("main", "s1", 300)},
               put_pending{pending("main", "s1", 2)},
               put_pending{pending("main", "s1", 70000)},
               put_pending{pending("main", "s2", 1)}});
  CHECK(pending_seqs(s, "main", "s1") == seq_list{2, 300, 70000});
  auto list = value_or_fail(s.list_pending("main", "s1"));
  REQUIRE(list.size() == 3);
  CHECK(list[1].request_id == "main/s1/300");
  CHECK(list[1].owner == "client-1");
  CHECK(list[1].accepted_at == 42);
  CHECK(list[1].request.content == "hello 300");
  // Erasing an absent entry is not an error.
  apply_ok(s, {erase_pending{"main", "s1", 300}, erase_pending{"main", "s1", 5},
               erase_pending{"main", "nope", 1}});
  CHECK(pending_seqs(s, "main", "s1") == seq_list{2, 70000});
  CHECK(pending_seqs(s, "main", "s2") == seq_list{1});
}

TEST_CASE_TEMPLATE("list_all_pending is ordered by agent, session and seq",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  CHECK(all_pending(s).empty());
  apply_ok(s, {put_pending{pending("beta", "s1", 2)},
               put_pending{pending("alpha", "s2", 1)},
               put_pending{pending("alpha", "s1", 256)},
               put_pending{pending("beta", "s1", 1)},
               put_pending{pending("alpha", "s1", 3)},
               put_pending{pending("alphabet", "s0", 1)},
               put_pending{pending("alpha", "s10", 1)}});
  CHECK(all_pending(s)
        == strings{"alpha/s1/3", "alpha/s1/256", "alpha/s10/1", "alpha/s2/1",
                   "alphabet/s0/1", "beta/s1/1", "beta/s1/2"});
}

TEST_CASE_TEMPLATE("erase_session removes that session's record, messages "
                   "and queue entries only",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  std::vector<write_op> ops{put_session{session("main", "s1")},
                            put_session{session("main", "s2")},
                            put_session{session("other", "s1")}};
  for (uint64_t seq = 1; seq <= 300; ++seq)
    ops.emplace_back(put_msg("main", "s1", seq));
  ops.emplace_back(put_msg("main", "s2", 1));
  ops.emplace_back(put_msg("other", "s1", 1));
  ops.emplace_back(put_pending{pending("main", "s1", 301)});
  ops.emplace_back(put_pending{pending("main", "s2", 2)});
  ops.emplace_back(put_pending{pending("other", "s1", 2)});
  apply_ok(s, std::move(ops));
  apply_ok(s, {erase_session{"main", "s1"}});
  CHECK_FALSE(get(s, "main", "s1").has_value());
  CHECK(seqs(s, "main", "s1").empty());
  CHECK(pending_seqs(s, "main", "s1").empty());
  CHECK(get(s, "main", "s2").has_value());
  CHECK(get(s, "other", "s1").has_value());
  CHECK(seqs(s, "main", "s2") == seq_list{1});
  CHECK(seqs(s, "other", "s1") == seq_list{1});
  CHECK(all_pending(s) == strings{"main/s2/2", "other/s1/2"});
  // Erasing an absent session is not an error.
  apply_ok(s, {erase_session{"main", "s1"}, erase_session{"nobody", "x"}});
}

TEST_CASE_TEMPLATE("clear_messages keeps the session record and queue",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_session{session("main", "s1")}, put_msg("main", "s1", 1),
               put_msg("main", "s1", 2), put_pending{pending("main", "s1", 3)},
               put_msg("main", "s2", 1)});
  apply_ok(s, {clear_messages{"main", "s1"}});
  CHECK(seqs(s, "main", "s1").empty());
  CHECK(get(s, "main", "s1").has_value());
  CHECK(pending_seqs(s, "main", "s1") == seq_list{3});
  CHECK(seqs(s, "main", "s2") == seq_list{1});
  // New messages after a clear are stored as usual.
  apply_ok(s, {put_msg("main", "s1", 4)});
  CHECK(seqs(s, "main", "s1") == seq_list{4});
}

TEST_CASE_TEMPLATE("ops of a batch apply in order", F, lmdb_fixture,
                   memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_session{session("main", "s1")}, put_msg("main", "s1", 1),
               put_pending{pending("main", "s1", 1)},
               erase_pending{"main", "s1", 1}, clear_messages{"main", "s1"},
               put_msg("main", "s1", 2), erase_session{"main", "s1"},
               put_session{session("main", "s1", 77)}});
  CHECK(get(s, "main", "s1")->updated_at == 77);
  CHECK(seqs(s, "main", "s1").empty());
  CHECK(pending_seqs(s, "main", "s1").empty());
  // An empty batch is fine.
  apply_ok(s, {});
}

TEST_CASE_TEMPLATE("repeated updates in one batch leave the last one", F,
                   lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_pending{pending("main", "s1", 9)}});
  apply_ok(s, {put_session{session("main", "s1", 1)},
               put_session{session("main", "s2", 5)},
               put_pending{pending("main", "s1", 1)},
               put_session{session("main", "s1", 2)},
               put_pending{pending("main", "s1", 2)},
               erase_pending{"main", "s1", 1},
               erase_pending{"main", "s1", 9},
               put_session{session("main", "s1", 3)}});
  CHECK(get(s, "main", "s1")->updated_at == 3);
  CHECK(get(s, "main", "s2")->updated_at == 5);
  CHECK(pending_seqs(s, "main", "s1") == seq_list{2});
}

TEST_CASE_TEMPLATE("a batch with an invalid op writes nothing", F,
                   lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_session{session("main", "s1", 1)}});
  auto bad = std::string{"bad\0key", 7};
  auto long_key = std::string(600, 'k');
  for (const auto& op :
       {write_op{put_msg("main", bad, 1)}, write_op{erase_session{bad, "s1"}},
        write_op{put_session{session("main", long_key)}},
        write_op{put_pending{pending("main", long_key, 1)}}}) {
    CAPTURE(op.index());
    auto st = s.apply(write_batch{{put_session{session("main", "s1", 2)},
                                   put_msg("main", "s1", 1),
                                   put_pending{pending("main", "s1", 1)}, op,
                                   put_session{session("main", "s2", 2)}}});
    REQUIRE_FALSE(st);
    CHECK(st.error().code == protocol::error_code::storage_failure);
    CHECK(st.error().message.find("invalid storage key") != std::string::npos);
    CHECK(get(s, "main", "s1")->updated_at == 1);
    CHECK_FALSE(get(s, "main", "s2").has_value());
    CHECK(seqs(s, "main", "s1").empty());
    CHECK(all_pending(s).empty());
  }
  // The store stays usable.
  apply_ok(s, {put_msg("main", "s1", 1)});
  CHECK(seqs(s, "main", "s1") == seq_list{1});
}

TEST_CASE_TEMPLATE("list_sessions sorts by updated_at descending, then key",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  CHECK(session_ids(s, {}).empty());
  apply_ok(s, {put_session{session("a", "s1", 100)},
               put_session{session("b", "s1", 300)},
               put_session{session("a", "s3", 200)},
               put_session{session("b", "s0", 200)},
               put_session{session("a", "s2", 300)},
               put_session{session("ab", "s0", 250)}});
  CHECK(session_ids(s, {})
        == strings{"a/s2", "b/s1", "ab/s0", "a/s3", "b/s0", "a/s1"});
  CHECK(session_ids(s, {"", 2}) == strings{"a/s2", "b/s1"});
  CHECK(session_ids(s, {"a", 0}) == strings{"a/s2", "a/s3", "a/s1"});
  CHECK(session_ids(s, {"a", 1}) == strings{"a/s2"});
  CHECK(session_ids(s, {"ab", 0}) == strings{"ab/s0"});
  CHECK(session_ids(s, {"b", 10}) == strings{"b/s1", "b/s0"});
  CHECK(session_ids(s, {"nobody", 0}).empty());
}

TEST_CASE_TEMPLATE("readers on another thread see whole batches only", F,
                   lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  constexpr uint64_t batches = 200;
  std::atomic<bool> done{false};
  std::atomic<int> write_failures{0};
  // One writer thread (as the storage actor), reads on this thread. Each
  // batch adds two messages and updates the count in the session record.
  std::thread writer{[&] {
    for (uint64_t i = 0; i < batches; ++i) {
      auto rec = session("main", "s1", static_cast<int64_t>(i));
      rec.message_count = 2 * (i + 1);
      auto st = s.apply(write_batch{{put_msg("main", "s1", 2 * i + 1),
                                     put_msg("main", "s1", 2 * i + 2),
                                     put_session{rec}}});
      if (!st)
        ++write_failures;
    }
    done = true;
  }};
  int odd_reads = 0;
  int failed_reads = 0;
  size_t last_seen = 0;
  bool went_back = false;
  for (bool finished = false; !finished;) {
    finished = done.load();
    auto msgs = s.list_messages("main", "s1");
    if (!msgs) {
      ++failed_reads;
      continue;
    }
    if (msgs->size() % 2 != 0)
      ++odd_reads;
    if (msgs->size() < last_seen)
      went_back = true;
    last_seen = msgs->size();
  }
  writer.join();
  CHECK(write_failures == 0);
  CHECK(failed_reads == 0);
  CHECK(odd_reads == 0);
  CHECK_FALSE(went_back);
  CHECK(last_seen == 2 * batches);
  CHECK(get(s, "main", "s1")->message_count == 2 * batches);
}

TEST_CASE_TEMPLATE("ids with a NUL byte are rejected on reads", F,
                   lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  auto bad = std::string{"a\0b", 3};
  auto got = s.get_session(bad, "s1");
  REQUIRE_FALSE(got);
  CHECK(got.error().code == protocol::error_code::storage_failure);
  CHECK_FALSE(s.list_messages("main", bad));
  CHECK_FALSE(s.list_message_json("main", bad));
  CHECK_FALSE(s.list_pending(bad, "s1"));
  CHECK_FALSE(s.list_sessions({bad, 0}));
}

// -- LMDB only ----------------------------------------------------------------

TEST_CASE("lmdb store keeps committed data across close and reopen") {
  temp_dir tmp;
  lmdb_options opts{tmp.path() + "/db", test_map_size, true};
  {
    auto s = open_or_fail(opts);
    apply_ok(*s, {put_session{session("main", "s1", 9)},
                  put_msg("main", "s1", 1), put_msg("main", "s1", 300),
                  put_pending{pending("main", "s1", 301)}});
    apply_ok(*s, {put_msg("main", "s1", 2), erase_pending{"main", "s1", 301},
                  put_pending{pending("main", "s1", 302)}});
  }
  auto s = open_or_fail(opts);
  REQUIRE(get(*s, "main", "s1").has_value());
  CHECK(get(*s, "main", "s1")->updated_at == 9);
  CHECK(seqs(*s, "main", "s1") == seq_list{1, 2, 300});
  CHECK(all_pending(*s) == strings{"main/s1/302"});
  // And it accepts writes after the reopen.
  apply_ok(*s, {put_msg("main", "s1", 3)});
  CHECK(seqs(*s, "main", "s1") == seq_list{1, 2, 3, 300});
}

TEST_CASE("lmdb store fails a batch too big for the map and keeps none of "
          "it") {
  temp_dir tmp;
  lmdb_options opts{tmp.path() + "/db", 256u << 10, false};
  auto s = open_or_fail(opts);
  apply_ok(*s, {put_session{session("main", "s1", 1)},
                put_msg("main", "s1", 1)});
  std::vector<write_op> ops{put_session{session("main", "s1", 2)},
                            put_pending{pending("main", "s1", 2)}};
  for (uint64_t seq = 2; seq < 100; ++seq)
    ops.emplace_back(put_msg("main", "s1", seq, std::string(16384, 'x')));
  auto st = s->apply(write_batch{std::move(ops)});
  REQUIRE_FALSE(st);
  CHECK(st.error().code == protocol::error_code::storage_failure);
  CHECK(st.error().message.find("storage map full (gateway.storage.mapSizeMb)")
        != std::string::npos);
  CHECK(get(*s, "main", "s1")->updated_at == 1);
  CHECK(seqs(*s, "main", "s1") == seq_list{1});
  CHECK(all_pending(*s).empty());
  // The store remains usable for batches that fit.
  apply_ok(*s, {put_session{session("main", "s1", 3)},
                put_msg("main", "s1", 2, "small")});
  CHECK(get(*s, "main", "s1")->updated_at == 3);
  CHECK(seqs(*s, "main", "s1") == seq_list{1, 2});
}

namespace {

// Writes `value` under `key` in database `db` with the LMDB C API, bypassing
// the store. Requires: no store has the environment open.
void put_raw(const std::string& dir, const char* db, const std::string& key,
             const std::string& value) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_set_mapsize(env, test_map_size) == 0);
  REQUIRE(mdb_env_set_maxdbs(env, 16) == 0);
  REQUIRE(mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi = 0;
  REQUIRE(mdb_dbi_open(txn, db, 0, &dbi) == 0);
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

} // namespace

TEST_CASE("lmdb store reports a corrupt value as an error naming its key") {
  lmdb_fixture f;
  apply_ok(*f.st, {put_session{session("main", "good", 1)},
                   put_msg("main", "s1", 1),
                   put_pending{pending("main", "s1", 1)}});
  f.st.reset();
  const std::string garbage{"\xff\x00{\"v\":1,", 9};
  const std::string dir = f.options().dir;
  SUBCASE("session record") {
    put_raw(dir, "sessions", keys::session("main", "bad"), garbage);
    f.reopen();
    auto got = f.st->get_session("main", "bad");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == protocol::error_code::storage_failure);
    CHECK(got.error().message.find("main/bad") != std::string::npos);
    auto list = f.st->list_sessions({});
    REQUIRE_FALSE(list);
    CHECK(list.error().message.find("main/bad") != std::string::npos);
    // Other records still read.
    CHECK(get(*f.st, "main", "good").has_value());
  }
  SUBCASE("session record of an unknown version") {
    auto json = protocol::encode_session_record(session("main", "stale"));
    auto pos = json.find("\"v\":1");
    REQUIRE(pos != std::string::npos);
    json.replace(pos, 5, "\"v\":99");
    put_raw(dir, "sessions", keys::session("main", "stale"), json);
    f.reopen();
    auto got = f.st->get_session("main", "stale");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == protocol::error_code::storage_failure);
    CHECK(got.error().message.find("main/stale") != std::string::npos);
  }
  SUBCASE("message") {
    put_raw(dir, "messages", keys::entry("main", "s1", 70000), garbage);
    f.reopen();
    auto msgs = f.st->list_messages("main", "s1");
    REQUIRE_FALSE(msgs);
    CHECK(msgs.error().code == protocol::error_code::storage_failure);
    CHECK(msgs.error().message.find("main/s1/70000") != std::string::npos);
    // Raw values are served without decoding.
    auto json = value_or_fail(f.st->list_message_json("main", "s1"));
    REQUIRE(json.size() == 2);
    CHECK(json[1] == garbage);
  }
  SUBCASE("queue entry") {
    put_raw(dir, "queue", keys::entry("main", "s1", 2), "[]");
    f.reopen();
    auto all = f.st->list_all_pending();
    REQUIRE_FALSE(all);
    CHECK(all.error().code == protocol::error_code::storage_failure);
    CHECK(all.error().message.find("main/s1/2") != std::string::npos);
    CHECK_FALSE(f.st->list_pending("main", "s1"));
    // The store can still repair it by overwriting or erasing the entry.
    apply_ok(*f.st, {erase_pending{"main", "s1", 2}});
    CHECK(all_pending(*f.st) == strings{"main/s1/1"});
  }
}

TEST_CASE("lmdb store creates missing parent directories with mode 0700") {
  temp_dir tmp;
  auto dir = tmp.path() + "/state/nested/db";
  auto s = open_or_fail(lmdb_options{dir, test_map_size, false});
  for (auto p : {tmp.path() + "/state", tmp.path() + "/state/nested", dir}) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 0777) == 0700);
  }
  CHECK(std::filesystem::exists(dir + "/data.mdb"));
}

TEST_CASE("lmdb store open fails with the path when the dir is a file") {
  temp_dir tmp;
  auto path = tmp.path() + "/not-a-dir";
  std::ofstream{path} << "x";
  auto s = open_lmdb_store(lmdb_options{path, test_map_size, false});
  REQUIRE_FALSE(s);
  CHECK(s.error().code == protocol::error_code::storage_failure);
  CHECK(s.error().message.find(path) != std::string::npos);
  auto below =
    open_lmdb_store(lmdb_options{path + "/db", test_map_size, false});
  REQUIRE_FALSE(below);
  CHECK(below.error().message.find(path) != std::string::npos);
}

} // TEST_SUITE

TEST_SUITE("storage/store") {

TEST_CASE_TEMPLATE("object tables store JSON by id, separately per table",
                   F, lmdb_fixture, memory_fixture) {
  F f;
  store& s = *f.st;
  CHECK_FALSE(value_or_fail(s.get_object(object_table::webhooks, "w1")).has_value());
  apply_ok(s, {put_object{object_table::webhooks, "w2", R"({"id":"w2"})"},
               put_object{object_table::webhooks, "w1", R"({"id":"w1"})"},
               put_object{object_table::routines, "w1", R"({"id":"r"})"}});
  CHECK(value_or_fail(s.get_object(object_table::webhooks, "w1")).value()
        == R"({"id":"w1"})");
  CHECK(value_or_fail(s.list_objects(object_table::webhooks))
        == std::vector<std::string>{R"({"id":"w1"})", R"({"id":"w2"})"});
  CHECK(value_or_fail(s.list_objects(object_table::routines)).size() == 1);
  apply_ok(s, {put_object{object_table::webhooks, "w1", R"({"id":"w1","v":2})"},
               erase_object{object_table::webhooks, "w2"},
               erase_object{object_table::webhooks, "absent"}});
  CHECK(value_or_fail(s.list_objects(object_table::webhooks))
        == std::vector<std::string>{R"({"id":"w1","v":2})"});
  CHECK(value_or_fail(s.get_object(object_table::routines, "w1")).value()
        == R"({"id":"r"})");
}

TEST_CASE_TEMPLATE("object listings filter by id prefix", F, lmdb_fixture,
                   memory_fixture) {
  F f;
  store& s = *f.st;
  apply_ok(s, {put_object{object_table::routine_runs, "rt_a/002", "2"},
               put_object{object_table::routine_runs, "rt_a/001", "1"},
               put_object{object_table::routine_runs, "rt_ab/001", "x"},
               put_object{object_table::routine_runs, "rt_b/001", "b"}});
  CHECK(value_or_fail(s.list_objects(object_table::routine_runs, "rt_a/"))
        == std::vector<std::string>{"1", "2"});
  CHECK(value_or_fail(s.list_objects(object_table::routine_runs)).size() == 4);
  CHECK(value_or_fail(s.list_objects(object_table::routine_runs, "rt_c/")).empty());
  CHECK(value_or_fail(s.list_objects(object_table::routines)).empty());
}

} // TEST_SUITE
