// `churn`: --connections loops run side by side; each does --requests
// cycles of connect, upgrade, authenticate (`connect` answered ok; one
// echoed frame against the echo baseline), then the close handshake.
// Reports completed cycles per second (`connects_per_s`) over the window
// after the first 10% of the cycles, and the time from starting the TCP
// connect to the authentication answer (`connect_p50_us`...).
#include <atomic>
#include <functional>
#include <vector>

#include "tools/bench/bench_conn.hpp"
#include "tools/bench/scenarios.hpp"

namespace wingman::bench {
namespace {

struct churn_state {
  size_t total = 0;
  size_t warm = 0;
  long pid = 0;
  std::atomic<size_t> done{0};
  window_probe start;
  window_probe end;
  std::atomic<bool> ended{false};

  void on_done() {
    size_t n = done.fetch_add(1) + 1;
    if (n == warm)
      start = window_probe::take(pid);
    if (n == total)
      close_window();
  }

  void close_window() {
    if (ended.exchange(true))
      return;
    end = window_probe::take(pid);
  }
};

/// One cycle: a fresh connection that authenticates, then closes.
class churn_conn : public ws_conn {
 public:
  using done_fn = std::function<void(bool ok, uint32_t auth_us)>;

  churn_conn(worker& w, const options& opt, size_t index, done_fn done)
    : ws_conn(w, opt, index), done_(std::move(done)), t0_(now_ns()) {
  }

 private:
  void on_open() override {
    send_text(opt_.echo ? std::string{"hello"} : connect_text(opt_, index_));
  }

  void on_text(std::string_view body) override {
    if (auth_us_ > 0)
      return;
    bool ok = opt_.echo;
    if (!opt_.echo && !is_connect_result(body, &ok))
      return;
    if (!ok)
      return on_lost();
    auth_us_ = std::max<uint32_t>(1, us_since(t0_));
    close_gracefully();
  }

  void on_closed() override {
    report(true);
  }

  void on_lost() override {
    report(false);
  }

  void report(bool ok) {
    if (!done_)
      return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(ok && auth_us_ > 0, auth_us_);
  }

  done_fn done_;
  int64_t t0_;
  uint32_t auth_us_ = 0;
};

/// Runs the cycles of one loop, one after the other.
class churn_loop : public std::enable_shared_from_this<churn_loop> {
 public:
  churn_loop(worker& w, const options& opt, churn_state& st, size_t index)
    : w_(w), opt_(opt), st_(st), index_(index) {
  }

  std::vector<uint32_t> auth_us;
  uint64_t errors = 0;
  size_t cycles = 0;

  void next() {
    if (cycles == opt_.requests)
      return w_.retire();
    auto self = shared_from_this();
    std::make_shared<churn_conn>(w_, opt_, index_, [self](bool ok, uint32_t us) {
      self->on_cycle(ok, us);
    })->start();
  }

 private:
  void on_cycle(bool ok, uint32_t us) {
    ++cycles;
    if (ok) {
      if (st_.done.load() >= st_.warm)
        auth_us.push_back(us);
    } else {
      ++errors;
    }
    st_.on_done();
    next();
  }

  worker& w_;
  const options& opt_;
  churn_state& st_;
  size_t index_;
};

} // namespace

int run_churn(const options& o) {
  churn_state st;
  st.total = o.connections * o.requests;
  st.warm = st.total / 10;
  st.pid = o.pid;
  const int64_t t0 = now_ns();
  st.start = window_probe::take(o.pid);
  worker_pool pool{o};
  auto loops = make_clients<churn_loop>(pool, o, st, o.connections);
  for (auto& l : loops)
    l->next();
  const bool in_time = pool.run(o.timeout_s);
  st.close_window();

  std::vector<uint32_t> auth;
  uint64_t errors = 0;
  size_t cycles = 0;
  for (auto& l : loops) {
    auth.insert(auth.end(), l->auth_us.begin(), l->auth_us.end());
    errors += l->errors;
    cycles += l->cycles;
  }
  errors += st.total - cycles;  // cycles that never ran (timeout)
  const double measured = static_cast<double>(st.done.load() > st.warm ? st.done.load() - st.warm : 0);
  const double window_s = std::max(1e-9, static_cast<double>(st.end.t_ns - st.start.t_ns) / 1e9);

  report r{o};
  r.num("errors", static_cast<double>(errors));
  r.flag("timed_out", !in_time);
  r.num("elapsed_s", static_cast<double>(now_ns() - t0) / 1e9);
  r.num("cycles", static_cast<double>(cycles));
  r.num("connects_per_s", measured / window_s);
  r.quantiles("connect", std::move(auth));
  r.window(st.start, st.end, measured, "connect");
  r.print({"scenario", "connections", "errors", "connects_per_s", "connect_p50_us",
           "connect_p99_us", "server_cpu_us_per_connect", "elapsed_s"});
  return errors == 0 && in_time ? 0 : 1;
}

} // namespace wingman::bench
