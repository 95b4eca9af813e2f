// `fanout`: --connections subscribers of one session (`bench:fanout`,
// `session_subscribe`) and one more connection, the driver, that sends
// --requests turns to that session, --inflight at a time. Every streamed
// frame of a turn is delivered to every subscriber. Reports deliveries/s
// (text frames received by subscribers) over the window from the driver's
// warm-up (10% of the turns) to the last subscriber's last `agent-complete`,
// and delivery latency: the driver's send to a subscriber's receipt of that
// turn's `agent-complete`. Against the echo baseline (--echo): subscribe is
// `{"subscribe":1}` and a turn is `{"stream":6,"size":120,"fanout":1}`.
#include <atomic>
#include <deque>
#include <memory>
#include <vector>

#include "tools/bench/bench_conn.hpp"
#include "tools/bench/scenarios.hpp"

namespace wingman::bench {
namespace {

constexpr std::string_view session_key = "bench:fanout";
constexpr size_t echo_frames_per_turn = 6;

class fanout_driver;

struct fanout_state {
  explicit fanout_state(const options& o)
    : subscribers(o.connections), turns(o.requests), warm(o.requests / 10),
      sent_ns(o.requests) {
  }

  size_t subscribers;
  size_t turns;
  size_t warm;
  long pid = 0;
  std::vector<std::atomic<int64_t>> sent_ns;  // by the driver, per turn
  std::atomic<size_t> subscribed{0};
  std::atomic<size_t> lost{0};
  std::atomic<size_t> caught_up{0};  // subscribers that saw every turn
  std::atomic<uint64_t> deliveries{0};
  std::shared_ptr<fanout_driver> driver;
  asio::io_context* driver_ioc = nullptr;
  window_probe start;
  window_probe end;
  uint64_t deliveries_start = 0;
  uint64_t deliveries_end = 0;
  std::atomic<bool> ended{false};

  void open_window() {
    deliveries_start = deliveries.load();
    start = window_probe::take(pid);
  }

  void close_window() {
    if (ended.exchange(true))
      return;
    deliveries_end = deliveries.load();
    end = window_probe::take(pid);
  }

  void go();  // every subscriber is in: the driver starts
};

/// The turn index of an `event:agent` frame if it is an `agent-complete`
/// (SIZE_MAX otherwise).
size_t completed_turn(std::string_view body) {
  constexpr std::string_view event = R"({"type":"event:agent","id":")";
  if (!starts_with(body, event))
    return SIZE_MAX;
  auto id = frame_id(body, event.size());
  auto at = body.find(R"("payload":{"type":"agent-complete")", event.size() + id.size());
  return at == std::string_view::npos ? SIZE_MAX : request_index(id);
}

class fanout_subscriber : public ws_conn {
 public:
  fanout_subscriber(worker& w, const options& opt, fanout_state& st, size_t index)
    : ws_conn(w, opt, index), st_(st) {
  }

  std::vector<uint32_t> latency_us;
  bool done = false;

 private:
  void on_open() override {
    send_text(opt_.echo ? std::string{R"({"subscribe":1})"} : connect_text(opt_, index_));
  }

  void on_text(std::string_view body) override {
    if (!subscribed_)
      return on_setup(body);
    st_.deliveries.fetch_add(1, std::memory_order_relaxed);
    size_t turn = SIZE_MAX;
    if (opt_.echo) {
      if (++echo_seen_ == echo_frames_per_turn) {
        echo_seen_ = 0;
        turn = completes_;
      }
    } else {
      turn = completed_turn(body);
    }
    if (turn >= st_.turns)
      return;
    if (turn >= st_.warm)
      latency_us.push_back(us_since(st_.sent_ns[turn].load()));
    if (++completes_ == st_.turns && !done) {
      done = true;
      if (++st_.caught_up == st_.subscribers)
        st_.close_window();
      w_.retire();
      close_gracefully();
    }
  }

  void on_setup(std::string_view body) {
    bool ok = false;
    if (opt_.echo) {
      ok = starts_with(body, R"({"subscribed":1)");
    } else if (is_connect_result(body, &ok)) {
      if (!ok)
        return on_lost();
      std::string agent = opt_.agent.empty() ? "" : R"(,"agentId":")" + json_escape(opt_.agent) + "\"";
      send_text(R"({"type":"session_subscribe","id":"s","payload":{"sessionId":")"
                + std::string{session_key} + "\"" + agent + R"(},"timestamp":)"
                + std::to_string(wall_ms()) + "}");
      return;
    } else {
      ok = starts_with(body, R"({"type":"ack","id":"s")");
      if (!ok && starts_with(body, R"({"type":"error")"))
        return on_lost();
    }
    if (!ok)
      return;
    subscribed_ = true;
    if (++st_.subscribed == st_.subscribers)
      st_.go();
  }

  void on_lost() override {
    if (done)
      return;
    done = true;
    ++st_.lost;
    if (++st_.caught_up == st_.subscribers)
      st_.close_window();
    if (!subscribed_ && ++st_.subscribed == st_.subscribers)
      st_.go();
    w_.retire();
  }

  fanout_state& st_;
  bool subscribed_ = false;
  size_t echo_seen_ = 0;
  size_t completes_ = 0;
};

class fanout_driver : public ws_conn {
 public:
  fanout_driver(worker& w, const options& opt, fanout_state& st, size_t index)
    : ws_conn(w, opt, index), st_(st) {
  }

  size_t completed = 0;
  uint64_t errors = 0;
  bool done = false;

  /// Starts sending once both the subscribers and the connection are ready.
  void go() {
    go_ = true;
    maybe_begin();
  }

 private:
  void on_open() override {
    if (opt_.echo) {
      ready_ = true;
      return maybe_begin();
    }
    send_text(connect_text(opt_, index_));
  }

  void maybe_begin() {
    if (!go_ || !ready_ || begun_)
      return;
    begun_ = true;
    if (st_.turns == 0)
      return finish();
    while (next_ < st_.turns && next_ < opt_.inflight)
      send_turn();
  }

  void send_turn() {
    const size_t i = next_++;
    st_.sent_ns[i] = now_ns();
    if (opt_.echo) {
      send_text(R"({"stream":6,"size":120,"fanout":1})");
      return;
    }
    std::string agent = opt_.agent.empty() ? "" : R"("agentId":")" + json_escape(opt_.agent) + "\",";
    send_text(R"({"type":"req:agent","id":"d.)" + std::to_string(i) + R"(","payload":{)" + agent
              + R"("content":"fan-out turn )" + std::to_string(i) + R"(","sessionKey":")"
              + std::string{session_key} + R"(","queueIfBusy":true},"timestamp":)"
              + std::to_string(wall_ms()) + "}");
  }

  void on_text(std::string_view body) override {
    if (done)
      return;
    bool ok = false;
    if (!ready_ && is_connect_result(body, &ok)) {
      if (!ok)
        return on_lost();
      ready_ = true;
      return maybe_begin();
    }
    size_t turn = SIZE_MAX;
    if (opt_.echo) {
      if (++echo_seen_ == echo_frames_per_turn) {
        echo_seen_ = 0;
        turn = completed;
      }
    } else {
      turn = completed_turn(body);
      if (turn == SIZE_MAX && starts_with(body, R"({"type":"error")"))
        return on_lost();
      if (turn == SIZE_MAX && body.find(R"("type":"agent-error")") != std::string_view::npos) {
        ++errors;
        turn = completed;
      }
    }
    if (turn >= st_.turns)
      return;
    if (++completed == st_.warm)
      st_.open_window();
    if (completed == st_.turns)
      return finish();
    if (next_ < st_.turns)
      send_turn();
  }

  void on_lost() override {
    if (done)
      return;
    errors += st_.turns - completed;
    finish();
  }

  void finish() {
    done = true;
    w_.retire();
    close_gracefully();
  }

  fanout_state& st_;
  bool go_ = false;
  bool ready_ = false;
  bool begun_ = false;
  size_t next_ = 0;
  size_t echo_seen_ = 0;
};

void fanout_state::go() {
  asio::post(*driver_ioc, [d = driver] { d->go(); });
}

} // namespace

int run_fanout(const options& o) {
  fanout_state st{o};
  st.pid = o.pid;
  const int64_t t0 = now_ns();
  st.start = window_probe::take(o.pid);
  worker_pool pool{o};
  auto subs = make_clients<fanout_subscriber>(pool, o, st, o.connections);
  auto& dw = pool.at(o.connections);
  st.driver = std::make_shared<fanout_driver>(dw, o, st, o.connections);
  st.driver_ioc = &dw.ioc;
  ++dw.live;
  for (auto& s : subs)
    s->start();
  st.driver->start();
  // Each connection closes once it has seen every turn.
  const bool in_time = pool.run(o.timeout_s);
  st.close_window();
  const double elapsed_s = static_cast<double>(now_ns() - t0) / 1e9;

  std::vector<uint32_t> latency;
  for (auto& s : subs)
    latency.insert(latency.end(), s->latency_us.begin(), s->latency_us.end());
  const double window_s = std::max(1e-9, static_cast<double>(st.end.t_ns - st.start.t_ns) / 1e9);
  const double deliveries = static_cast<double>(st.deliveries_end - st.deliveries_start);
  const double measured_turns = static_cast<double>(st.turns - st.warm);
  const double errors = static_cast<double>(st.driver->errors + st.lost.load());

  report r{o};
  r.num("subscribers", static_cast<double>(o.connections));
  r.num("errors", errors);
  r.flag("timed_out", !in_time);
  r.num("elapsed_s", elapsed_s);
  r.num("deliveries", deliveries);
  r.num("deliveries_per_s", deliveries / window_s);
  r.num("turns_per_s", measured_turns / window_s);
  r.quantiles("delivery", std::move(latency));
  r.window(st.start, st.end, deliveries, "delivery");
  r.print({"scenario", "subscribers", "errors", "deliveries_per_s", "turns_per_s",
           "delivery_p50_us", "delivery_p99_us", "server_cpu_us_per_delivery",
           "elapsed_s"});
  return errors == 0 && in_time ? 0 : 1;
}

} // namespace wingman::bench
