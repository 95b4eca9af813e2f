// `turns`: each connection sends `connect`, then R `req:agent` frames
// (session `bench:<conn>`), closed loop with up to --inflight outstanding,
// or open loop at --rate requests/s in total (latency from the intended send
// time). `echo`: the same against wingman-echo-baseline, each request being
// `{"stream":6,"size":120}` (start + 4 chunks + complete). The first 10% of
// the requests are warm-up; the window runs from there to the last reply.
#include <algorithm>
#include <atomic>
#include <deque>
#include <vector>

#include "tools/bench/bench_conn.hpp"
#include "tools/bench/scenarios.hpp"

namespace wingman::bench {
namespace {

/// Frames per echo "turn": start + 4 chunks + complete.
constexpr size_t echo_frames_per_turn = 6;

/// Counters shared by all threads.
struct turns_state {
  size_t total = 0;
  size_t warm = 0;
  long pid = 0;
  std::atomic<size_t> done{0};
  std::atomic<uint64_t> frames{0};
  window_probe start;
  window_probe end;
  uint64_t frames_start = 0;
  uint64_t frames_end = 0;
  std::atomic<bool> ended{false};

  /// Called once per finished request (ok or not).
  void on_done() {
    size_t n = done.fetch_add(1) + 1;
    if (n == warm) {
      frames_start = frames.load();
      start = window_probe::take(pid);
    }
    if (n == total)
      close_window();
  }

  void close_window() {
    if (ended.exchange(true))
      return;
    frames_end = frames.load();
    end = window_probe::take(pid);
  }
};

class turn_client : public ws_conn {
 public:
  turn_client(worker& w, const options& opt, turns_state& st, size_t index)
    : ws_conn(w, opt, index), st_(st), rate_timer_(w.ioc) {
    const size_t r = opt_.requests;
    state_.assign(r, 0);
    sent_ns_.assign(r, 0);
    warm_ = r / 10;
    echo_ = opt_.echo;
  }

  std::vector<uint32_t> ttfc_us;
  std::vector<uint32_t> complete_us;
  uint64_t errors = 0;
  size_t completed = 0;
  bool finished = false;

 private:
  void prepare() {
    if (echo_) {
      echo_frame_ = frame_text(R"({"stream":6,"size":120})");
      return;
    }
    const size_t r = opt_.requests;
    frames_.reserve(r);
    const std::string session = "bench:" + std::to_string(index_);
    const std::string agent =
      opt_.agent.empty() ? "" : R"("agentId":")" + json_escape(opt_.agent) + "\",";
    const int64_t ts = wall_ms();
    for (size_t i = 0; i < r; ++i) {
      std::string id = std::to_string(index_) + "." + std::to_string(i);
      std::string content = "bench turn " + id + " lorem ipsum dolor sit amet consectetur";
      content.resize(64, '.');
      frames_.push_back(frame_text(
        R"({"type":"req:agent","id":")" + id + R"(","payload":{)" + agent
        + R"("content":")" + content + R"(","sessionKey":")" + session
        + R"(","queueIfBusy":true},"timestamp":)" + std::to_string(ts) + "}"));
    }
  }

  void on_open() override {
    prepare();
    if (echo_)
      begin();
    else
      send_text(connect_text(opt_, index_));
  }

  void on_lost() override {
    if (finished)
      return;
    errors += opt_.requests - completed;
    finish();
  }

  void on_text(std::string_view body) override {
    if (finished)
      return;
    st_.frames.fetch_add(1, std::memory_order_relaxed);
    if (echo_)
      on_echo_frame();
    else
      on_turn_frame(body);
  }

  /// Starts the request loop (after `connect` succeeded for turns).
  void begin() {
    begun_ = true;
    begin_ns_ = now_ns();
    if (opt_.requests == 0)
      return finish();
    if (opt_.rate > 0) {
      interval_ns_ = static_cast<int64_t>(1e9 * static_cast<double>(opt_.connections) / opt_.rate);
      begin_ns_ += interval_ns_ * static_cast<int64_t>(index_)
                   / static_cast<int64_t>(opt_.connections);
      on_rate_timer();
    } else {
      while (next_ < opt_.requests && next_ < opt_.inflight)
        send(now_ns());
    }
  }

  /// Open loop: sends every request whose intended time has come.
  void on_rate_timer() {
    if (finished)
      return;
    const int64_t now = now_ns();
    while (next_ < opt_.requests && intended(next_) <= now)
      send(intended(next_));
    if (next_ >= opt_.requests)
      return;
    rate_timer_.expires_after(std::chrono::nanoseconds(intended(next_) - now));
    rate_timer_.async_wait([self = shared(this)](error_code ec) {
      if (!ec)
        self->on_rate_timer();
    });
  }

  int64_t intended(size_t i) const {
    return begin_ns_ + static_cast<int64_t>(i) * interval_ns_;
  }

  void send(int64_t t) {
    const size_t i = next_++;
    sent_ns_[i] = t;
    if (echo_) {
      send_raw(echo_frame_);
      echo_fifo_.push_back(i);
    } else {
      send_raw(frames_[i]);
      std::string{}.swap(frames_[i]);
    }
  }

  void on_echo_frame() {
    if (echo_fifo_.empty())
      return;
    const size_t i = echo_fifo_.front();
    ++echo_seen_;
    if (echo_seen_ == 2)
      first_chunk(i);
    if (echo_seen_ == echo_frames_per_turn) {
      echo_fifo_.pop_front();
      echo_seen_ = 0;
      complete(i, true);
    }
  }

  void on_turn_frame(std::string_view body) {
    constexpr std::string_view event = R"({"type":"event:agent","id":")";
    constexpr std::string_view error = R"({"type":"error")";
    bool ok = false;
    if (starts_with(body, event)) {
      auto id = frame_id(body, event.size());
      size_t i = request_index(id);
      if (i >= opt_.requests)
        return;
      constexpr std::string_view ptype = R"("payload":{"type":")";
      auto at = body.find(ptype, event.size() + id.size());
      if (at == std::string_view::npos)
        return;
      auto type = body.substr(at + ptype.size(), 16);
      if (starts_with(type, "agent-stream")) {
        first_chunk(i);
      } else if (starts_with(type, "agent-complete")) {
        complete(i, true);
      } else if (starts_with(type, "agent-error")) {
        ++errors;
        complete(i, false);
      }
    } else if (is_connect_result(body, &ok)) {
      if (ok && !begun_)
        begin();
      else if (!begun_)
        on_lost();
    } else if (starts_with(body, error)) {
      constexpr std::string_view with_id = R"({"type":"error","id":")";
      size_t i = SIZE_MAX;
      if (starts_with(body, with_id))
        i = request_index(frame_id(body, with_id.size()));
      if (i < opt_.requests) {
        ++errors;
        complete(i, false);
      } else {
        on_lost();
      }
    }
  }

  void first_chunk(size_t i) {
    if (state_[i] != 0)
      return;
    state_[i] = 1;
    if (i >= warm_)
      ttfc_us.push_back(us_since(sent_ns_[i]));
  }

  void complete(size_t i, bool ok) {
    if (state_[i] == 2 || i >= next_)
      return;
    state_[i] = 2;
    if (ok && i >= warm_)
      complete_us.push_back(us_since(sent_ns_[i]));
    ++completed;
    st_.on_done();
    if (completed == opt_.requests)
      return finish();
    if (opt_.rate <= 0 && next_ < opt_.requests)
      send(now_ns());
  }

  void finish() {
    if (finished)
      return;
    finished = true;
    rate_timer_.cancel();
    close_gracefully();
    w_.retire();
  }

  static std::shared_ptr<turn_client> shared(turn_client* self) {
    return std::static_pointer_cast<turn_client>(self->shared_from_this());
  }

  turns_state& st_;
  asio::steady_timer rate_timer_;
  bool echo_ = false;
  std::string echo_frame_;
  std::vector<std::string> frames_;
  std::vector<uint8_t> state_;  // 0 sent/not yet, 1 first chunk seen, 2 done
  std::vector<int64_t> sent_ns_;
  size_t warm_ = 0;
  size_t next_ = 0;
  std::deque<size_t> echo_fifo_;
  size_t echo_seen_ = 0;
  int64_t begin_ns_ = 0;
  int64_t interval_ns_ = 0;
  bool begun_ = false;
};

} // namespace

int run_turns(const options& o) {
  turns_state st;
  st.total = o.connections * o.requests;
  st.warm = st.total / 10;
  st.pid = o.pid;
  const int64_t t0 = now_ns();
  st.start = window_probe::take(o.pid);

  worker_pool pool{o};
  auto conns = make_clients<turn_client>(pool, o, st, o.connections);
  for (auto& c : conns)
    c->start();
  const bool in_time = pool.run(o.timeout_s);
  st.close_window();
  const double elapsed_s = static_cast<double>(now_ns() - t0) / 1e9;

  std::vector<uint32_t> ttfc, done;
  uint64_t errors = 0;
  for (auto& c : conns) {
    ttfc.insert(ttfc.end(), c->ttfc_us.begin(), c->ttfc_us.end());
    done.insert(done.end(), c->complete_us.begin(), c->complete_us.end());
    errors += c->errors;
    if (!in_time && !c->finished)
      errors += o.requests - c->completed;
  }
  const size_t finished = st.done.load();
  const double measured = finished > st.warm ? static_cast<double>(finished - st.warm) : 0;
  const double window_s =
    std::max(1e-9, static_cast<double>(st.end.t_ns - st.start.t_ns) / 1e9);

  report r{o};
  r.num("total_turns", static_cast<double>(st.total));
  r.num("measured_turns", measured);
  r.num("errors", static_cast<double>(errors));
  r.flag("timed_out", !in_time);
  r.num("elapsed_s", elapsed_s);
  r.num("turns_per_s", measured / window_s);
  r.num("frames_per_s", static_cast<double>(st.frames_end - st.frames_start) / window_s);
  r.quantiles("ttfc", std::move(ttfc));
  r.quantiles("complete", std::move(done));
  r.window(st.start, st.end, measured, "turn");
  if (o.pid > 0)
    r.num("server_rss_bytes", static_cast<double>(rss_bytes(o.pid)));
  r.print({"scenario", "connections", "errors", "turns_per_s", "frames_per_s",
           "ttfc_p50_us", "ttfc_p99_us", "complete_p99_us",
           "server_cpu_us_per_turn", "other_cpu_pct", "elapsed_s"});
  return errors == 0 && in_time ? 0 : 1;
}

} // namespace wingman::bench
