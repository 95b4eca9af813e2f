// `idle`: opens --connections connections, authenticates each (`connect`
// answered ok; against the echo baseline one echoed frame), holds them all,
// and reports the server's RSS growth per connection: /proc/<pid>/status
// with --pid, else the gateway's `GET /stats` (`rssBytes`). Then closes all.
#include <atomic>
#include <thread>
#include <vector>

#include "tools/bench/bench_conn.hpp"
#include "tools/bench/scenarios.hpp"

namespace wingman::bench {
namespace {

/// How long the server gets to finish its per-connection work (actors,
/// buffers) after the last connection authenticated, before RSS is read.
constexpr auto settle = std::chrono::milliseconds{500};

struct idle_state {
  std::atomic<size_t> ready{0};
  std::atomic<size_t> failed{0};
  std::atomic<int64_t> last_ready_ns{0};
};

class idle_client : public ws_conn {
 public:
  idle_client(worker& w, const options& opt, idle_state& st, size_t index)
    : ws_conn(w, opt, index), st_(st) {
  }

  /// Closes the connection (posted to its worker by the runner).
  void release() {
    if (!done_) {
      done_ = true;
      w_.retire();
    }
    close_gracefully();
  }

  void on_closed() override {
  }

 private:
  void on_open() override {
    send_text(opt_.echo ? std::string{"hello"} : connect_text(opt_, index_));
  }

  void on_text(std::string_view body) override {
    if (authed_)
      return;
    bool ok = opt_.echo;
    if (!opt_.echo && !is_connect_result(body, &ok))
      return;
    authed_ = true;
    if (!ok)
      return on_lost();
    st_.last_ready_ns = now_ns();
    ++st_.ready;
  }

  void on_lost() override {
    if (done_)
      return;
    done_ = true;
    ++st_.failed;
    w_.retire();
  }

  idle_state& st_;
  bool authed_ = false;
  bool done_ = false;
};

} // namespace

int run_idle(const options& o) {
  idle_state st;
  const long rss_before = server_rss_bytes(o);
  const int64_t t0 = now_ns();
  worker_pool pool{o};
  auto conns = make_clients<idle_client>(pool, o, st, o.connections);
  for (auto& c : conns)
    c->start();
  bool in_time = true;
  std::thread runner{[&] { in_time = pool.run(o.timeout_s); }};

  // Wait (bounded by the pool's own deadline) for every connection to be
  // authenticated or failed, let the server settle, then read its RSS.
  const auto deadline = clock_type::now() + std::chrono::duration<double>(o.timeout_s);
  while (st.ready + st.failed < o.connections && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  const size_t held = st.ready.load();
  const double open_s = static_cast<double>(st.last_ready_ns.load() - t0) / 1e9;
  std::this_thread::sleep_for(settle);
  const long rss_after = server_rss_bytes(o);
  for (size_t i = 0; i < conns.size(); ++i)
    asio::post(pool.at(i).ioc, [c = conns[i]] { c->release(); });
  runner.join();

  const double errors = static_cast<double>(o.connections - held);
  report r{o};
  r.num("errors", errors);
  r.flag("timed_out", !in_time);
  r.num("elapsed_s", static_cast<double>(now_ns() - t0) / 1e9);
  r.num("held_connections", static_cast<double>(held));
  r.num("connects_per_s", held > 0 && open_s > 0 ? static_cast<double>(held) / open_s : 0);
  r.num("server_rss_before_bytes", static_cast<double>(rss_before));
  r.num("server_rss_after_bytes", static_cast<double>(rss_after));
  r.num("rss_per_conn_bytes",
        held > 0 && rss_before >= 0 && rss_after >= 0
          ? static_cast<double>(rss_after - rss_before) / static_cast<double>(held)
          : -1);
  r.print({"scenario", "connections", "errors", "held_connections",
           "rss_per_conn_bytes", "connects_per_s", "elapsed_s"});
  return errors == 0 ? 0 : 1;
}

} // namespace wingman::bench
