// wingman-bench: a WebSocket load generator that speaks the public wire
// protocol (docs: PROTOCOL.md §1–3) on raw Asio with its own minimal framing,
// so that it is never the bottleneck: request frames are masked and encoded
// before the run, writes are coalesced per connection (one write per
// event-loop turn), and inbound frames are classified by substring scans.
//
//   wingman-bench <turns|echo> --url ws://127.0.0.1:PORT/ws [--token T]
//     [--agent A] [--connections N] [--requests N] [--inflight N] [--rate N]
//     [--pid P] [--threads N] [--timeout S]
//
// `turns`: each connection sends `connect`, then R `req:agent` frames
// (session `bench:<conn>`), closed loop with up to --inflight outstanding, or
// open loop at --rate requests/s in total (latency from the intended send
// time). `echo`: the same against wingman-echo-baseline, each request being
// `{"stream":6,"size":120}` (start + 4 chunks + complete). The first 10% of
// the requests are warm-up. Prints a table row and, last, one JSON line.
// Exit status: 0 when every request completed without error.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/bench_stats.hpp"
#include "tools/bench/ws_frame.hpp"

namespace wingman::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using clock_type = std::chrono::steady_clock;

/// Frames per echo "turn": start + 4 chunks + complete.
constexpr size_t echo_frames_per_turn = 6;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             clock_type::now().time_since_epoch())
    .count();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Command line.
struct options {
  std::string scenario;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string path = "/ws";
  std::string url;
  std::string token;
  std::string agent;
  size_t connections = 1;
  size_t requests = 100;
  size_t inflight = 1;
  double rate = 0;
  long pid = 0;
  size_t threads = 1;
  double timeout_s = 60;
};

/// Counters shared by all threads; the window opens when the warm-up share
/// of all requests has completed and closes with the last completion.
struct shared_state {
  size_t total = 0;
  size_t warm = 0;
  long pid = 0;
  std::atomic<size_t> done{0};
  std::atomic<uint64_t> frames{0};
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  uint64_t frames_start = 0;
  uint64_t frames_end = 0;
  cpu_snapshot cpu_start;
  cpu_snapshot cpu_end;
  std::atomic<bool> ended{false};

  /// Called once per finished request (ok or not).
  void on_done() {
    size_t n = done.fetch_add(1) + 1;
    if (n == warm) {
      start_ns = now_ns();
      frames_start = frames.load();
      cpu_start = cpu_snapshot::take(pid);
    }
    if (n == total)
      close_window();
  }

  void close_window() {
    if (ended.exchange(true))
      return;
    end_ns = now_ns();
    frames_end = frames.load();
    cpu_end = cpu_snapshot::take(pid);
  }
};

/// JSON string body escaping for the few values we embed.
std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

/// The id string starting at `id_at` (just after `"id":"`) up to its quote.
std::string_view frame_id(std::string_view body, size_t id_at) {
  auto end = body.find('"', id_at);
  if (end == std::string_view::npos)
    return {};
  return body.substr(id_at, end - id_at);
}

/// The request index in an id `<conn>.<idx>`; SIZE_MAX when not ours.
size_t request_index(std::string_view id) {
  auto dot = id.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= id.size())
    return SIZE_MAX;
  size_t v = 0;
  for (size_t i = dot + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9')
      return SIZE_MAX;
    v = v * 10 + static_cast<size_t>(id[i] - '0');
  }
  return v;
}

/// Per-thread group of connections on one io_context.
struct worker {
  asio::io_context ioc{1};
  asio::steady_timer deadline{ioc};
  size_t live = 0;
  bool timed_out = false;
};

/// One client connection: upgrade, (connect), then the request loop.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(worker& w, const options& opt, shared_state& st, size_t index)
    : w_(w), opt_(opt), st_(st), index_(index), sock_(w.ioc), rate_timer_(w.ioc),
      mask_seed_(static_cast<uint32_t>(index * 2654435761u + 1)) {
    const size_t r = opt_.requests;
    state_.assign(r, 0);
    sent_ns_.assign(r, 0);
    warm_ = r / 10;
    echo_ = opt_.scenario == "echo";
    if (echo_) {
      append_frame(echo_frame_, ws_op::text, R"({"stream":6,"size":120})", true, next_mask());
    } else {
      frames_.reserve(r);
      const std::string session = "bench:" + std::to_string(index_);
      const std::string agent =
        opt_.agent.empty() ? "" : R"("agentId":")" + json_escape(opt_.agent) + "\",";
      const int64_t ts = wall_ms();
      for (size_t i = 0; i < r; ++i) {
        std::string id = std::to_string(index_) + "." + std::to_string(i);
        std::string content = "bench turn " + id + " lorem ipsum dolor sit amet consectetur";
        content.resize(64, '.');
        std::string text = R"({"type":"req:agent","id":")" + id + R"(","payload":{)" + agent +
                           R"("content":")" + content + R"(","sessionKey":")" + session +
                           R"(","queueIfBusy":true},"timestamp":)" + std::to_string(ts) + "}";
        std::string frame;
        append_frame(frame, ws_op::text, text, true, next_mask());
        frames_.push_back(std::move(frame));
      }
    }
  }

  /// Connects and upgrades.
  void start(const tcp::endpoint& ep) {
    sock_.async_connect(ep, [self = shared_from_this()](error_code ec) {
      if (ec)
        return self->fail();
      self->sock_.set_option(tcp::no_delay{true});
      self->handshake();
    });
  }

  /// Results, read after the run.
  std::vector<uint32_t> ttfc_us;
  std::vector<uint32_t> complete_us;
  uint64_t errors = 0;
  size_t completed = 0;

  /// True once the connection stopped (all done, or failed).
  bool finished() const { return finished_; }

private:
  uint32_t next_mask() {
    mask_seed_ ^= mask_seed_ << 13;
    mask_seed_ ^= mask_seed_ >> 17;
    mask_seed_ ^= mask_seed_ << 5;
    return mask_seed_;
  }

  void handshake() {
    hs_out_ = "GET " + opt_.path + " HTTP/1.1\r\nHost: " + opt_.host + ":" +
              std::to_string(opt_.port) +
              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: d2luZ21hbi1iZW5jaC1rZXk=\r\n"
              "Sec-WebSocket-Version: 13\r\n\r\n";
    asio::async_write(sock_, asio::buffer(hs_out_), [self = shared_from_this()](error_code ec, size_t) {
      if (ec)
        return self->fail();
      self->read_handshake();
    });
  }

  void read_handshake() {
    hs_in_.resize(hs_len_ + 4096);
    sock_.async_read_some(
      asio::buffer(hs_in_.data() + hs_len_, 4096), [self = shared_from_this()](error_code ec, size_t n) {
        if (ec)
          return self->fail();
        self->hs_len_ += n;
        std::string_view got{self->hs_in_.data(), self->hs_len_};
        auto end = got.find("\r\n\r\n");
        if (end == std::string_view::npos) {
          if (self->hs_len_ > 65536)
            return self->fail();
          return self->read_handshake();
        }
        if (!starts_with(got, "HTTP/1.1 101"))
          return self->fail();
        auto rest = got.substr(end + 4);
        self->parser_.feed(rest.data(), rest.size());
        self->hs_in_ = std::string{};
        self->upgraded();
      });
  }

  void upgraded() {
    if (echo_) {
      begin();
    } else {
      std::string text = R"({"type":"connect","id":"c","client":{"instanceId":"bench-)" +
                         std::to_string(index_) + "-" + std::to_string(::getpid()) +
                         R"(","clientType":"bench","version":"0.1.0"})";
      if (!opt_.token.empty())
        text += R"(,"auth":{"token":")" + json_escape(opt_.token) + "\"}";
      text += R"(,"timestamp":)" + std::to_string(wall_ms()) + "}";
      append_frame(pending_, ws_op::text, text, true, next_mask());
      schedule_flush();
    }
    on_data();
    read();
  }

  /// Starts the request loop (after `connect` succeeded for turns).
  void begin() {
    begun_ = true;
    begin_ns_ = now_ns();
    if (opt_.requests == 0)
      return finish();
    if (opt_.rate > 0) {
      interval_ns_ = static_cast<int64_t>(1e9 * static_cast<double>(opt_.connections) / opt_.rate);
      begin_ns_ += interval_ns_ * static_cast<int64_t>(index_) / static_cast<int64_t>(opt_.connections);
      on_rate_timer();
    } else {
      while (next_ < opt_.requests && next_ < opt_.inflight)
        send(now_ns());
    }
  }

  /// Open loop: sends every request whose intended time has come.
  void on_rate_timer() {
    if (finished_)
      return;
    const int64_t now = now_ns();
    while (next_ < opt_.requests && intended(next_) <= now)
      send(intended(next_));
    if (next_ >= opt_.requests)
      return;
    rate_timer_.expires_after(std::chrono::nanoseconds(intended(next_) - now));
    rate_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec)
        self->on_rate_timer();
    });
  }

  int64_t intended(size_t i) const { return begin_ns_ + static_cast<int64_t>(i) * interval_ns_; }

  /// Queues request `next_` with send time `t`.
  void send(int64_t t) {
    const size_t i = next_++;
    sent_ns_[i] = t;
    if (echo_) {
      pending_.append(echo_frame_);
      echo_fifo_.push_back(i);
    } else {
      pending_.append(frames_[i]);
    }
    schedule_flush();
  }

  void read() {
    if (finished_)
      return;
    auto [p, n] = parser_.space();
    sock_.async_read_some(asio::buffer(p, n), [self = shared_from_this()](error_code ec, size_t got) {
      if (self->finished_)
        return;
      if (ec)
        return self->fail();
      self->parser_.commit(got);
      self->on_data();
      self->read();
    });
  }

  void on_data() {
    bool ok = parser_.parse([this](ws_op op, std::string_view body) {
      if (finished_)
        return;
      if (op == ws_op::text || op == ws_op::binary) {
        st_.frames.fetch_add(1, std::memory_order_relaxed);
        if (echo_)
          on_echo_frame();
        else
          on_turn_frame(body);
      } else if (op == ws_op::ping) {
        append_frame(pending_, ws_op::pong, body, true, next_mask());
      } else if (op == ws_op::close) {
        fail();
      }
    });
    if (!ok)
      return fail();
    schedule_flush();
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
    constexpr std::string_view connect_res = R"({"type":"res","id":"c")";
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
    } else if (starts_with(body, connect_res)) {
      if (body.find(R"("ok":true)") != std::string_view::npos && !begun_)
        begin();
      else if (!begun_)
        fail();
    } else if (starts_with(body, error)) {
      constexpr std::string_view with_id = R"({"type":"error","id":")";
      size_t i = SIZE_MAX;
      if (starts_with(body, with_id))
        i = request_index(frame_id(body, with_id.size()));
      if (i < opt_.requests) {
        ++errors;
        complete(i, false);
      } else {
        fail();
      }
    }
  }

  static uint32_t us_since(int64_t t) {
    int64_t d = (now_ns() - t) / 1000;
    return static_cast<uint32_t>(std::clamp<int64_t>(d, 0, UINT32_MAX));
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

  void schedule_flush() {
    if (flush_posted_ || writing_ || pending_.empty())
      return;
    flush_posted_ = true;
    asio::post(w_.ioc, [self = shared_from_this()] {
      self->flush_posted_ = false;
      self->flush();
    });
  }

  void flush() {
    if (writing_ || pending_.empty() || closed_)
      return;
    writing_ = true;
    writing_buf_.swap(pending_);
    pending_.clear();
    asio::async_write(sock_, asio::buffer(writing_buf_), [self = shared_from_this()](error_code ec, size_t) {
      self->writing_ = false;
      self->writing_buf_.clear();
      if (ec)
        return self->fail();
      if (self->finished_ && self->pending_.empty())
        return self->close_socket();
      self->flush();
    });
  }

  /// All requests done: send a close frame, then close the socket.
  void finish() {
    if (finished_)
      return;
    finished_ = true;
    rate_timer_.cancel();
    append_frame(pending_, ws_op::close, std::string_view{"\x03\xe8", 2}, true, next_mask());
    schedule_flush();
    retire();
  }

  /// A transport or protocol failure: every unfinished request is an error.
  void fail() {
    if (!finished_) {
      errors += opt_.requests - completed;
      finished_ = true;
      rate_timer_.cancel();
      retire();
    }
    close_socket();
  }

  void retire() {
    if (--w_.live == 0)
      w_.deadline.cancel();
  }

  void close_socket() {
    if (closed_)
      return;
    closed_ = true;
    error_code ec;
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
  }

  worker& w_;
  const options& opt_;
  shared_state& st_;
  size_t index_;
  tcp::socket sock_;
  asio::steady_timer rate_timer_;
  uint32_t mask_seed_;
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
  std::string hs_out_;
  std::string hs_in_;
  size_t hs_len_ = 0;
  ws_parser parser_;
  std::string pending_;
  std::string writing_buf_;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool finished_ = false;
  bool closed_ = false;
};

bool parse_url(options& o) {
  std::string_view u = o.url;
  if (!starts_with(u, "ws://"))
    return false;
  u.remove_prefix(5);
  auto slash = u.find('/');
  std::string_view hostport = u.substr(0, slash);
  o.path = slash == std::string_view::npos ? "/" : std::string{u.substr(slash)};
  auto colon = hostport.rfind(':');
  if (colon == std::string_view::npos)
    return false;
  o.host = std::string{hostport.substr(0, colon)};
  if (o.host == "localhost")
    o.host = "127.0.0.1";
  long port = std::strtol(std::string{hostport.substr(colon + 1)}.c_str(), nullptr, 10);
  if (port <= 0 || port > 65535)
    return false;
  o.port = static_cast<uint16_t>(port);
  return true;
}

const char* usage =
  "usage: wingman-bench <turns|echo> --url ws://127.0.0.1:PORT/ws [--token T] [--agent A]\n"
  "  [--connections N] [--requests N] [--inflight N] [--rate N] [--pid P] [--threads N]\n"
  "  [--timeout S]\n";

bool parse_args(int argc, char** argv, options& o) {
  if (argc < 2)
    return false;
  o.scenario = argv[1];
  if (o.scenario != "turns" && o.scenario != "echo")
    return false;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    auto num = [&] { return std::strtod(v, nullptr); };
    if (k == "--url")
      o.url = v;
    else if (k == "--token")
      o.token = v;
    else if (k == "--agent")
      o.agent = v;
    else if (k == "--connections")
      o.connections = static_cast<size_t>(num());
    else if (k == "--requests")
      o.requests = static_cast<size_t>(num());
    else if (k == "--inflight")
      o.inflight = static_cast<size_t>(num());
    else if (k == "--rate")
      o.rate = num();
    else if (k == "--pid")
      o.pid = static_cast<long>(num());
    else if (k == "--threads")
      o.threads = static_cast<size_t>(num());
    else if (k == "--timeout")
      o.timeout_s = num();
    else
      return false;
  }
  if ((argc - 2) % 2 != 0 || o.connections == 0 || o.inflight == 0 || o.threads == 0)
    return false;
  return parse_url(o);
}

std::string machine() {
  utsname u{};
  ::uname(&u);
  return std::string{u.nodename} + " " + std::to_string(std::thread::hardware_concurrency()) +
         "cpu";
}

std::string commit() {
#ifdef WINGMAN_SOURCE_DIR
  std::string cmd = std::string{"git -C '"} + WINGMAN_SOURCE_DIR + "' rev-parse --short HEAD 2>/dev/null";
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[64] = {};
    std::string out = std::fgets(buf, sizeof buf, p) ? buf : "";
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
      out.pop_back();
    return out;
  }
#endif
  return "";
}

int run(int argc, char** argv) {
  options opt;
  if (!parse_args(argc, argv, opt)) {
    std::fputs(usage, stderr);
    return 2;
  }
  shared_state st;
  st.total = opt.connections * opt.requests;
  st.warm = st.total / 10;
  st.pid = opt.pid;
  const int64_t t0 = now_ns();
  st.start_ns = t0;
  st.cpu_start = cpu_snapshot::take(opt.pid);

  tcp::endpoint ep{asio::ip::make_address(opt.host), opt.port};
  std::vector<std::unique_ptr<worker>> workers;
  for (size_t t = 0; t < opt.threads; ++t)
    workers.push_back(std::make_unique<worker>());
  std::vector<std::shared_ptr<connection>> conns;
  for (size_t i = 0; i < opt.connections; ++i) {
    auto& w = *workers[i % opt.threads];
    conns.push_back(std::make_shared<connection>(w, opt, st, i));
    ++w.live;
  }
  for (size_t i = 0; i < opt.connections; ++i)
    conns[i]->start(ep);
  for (auto& w : workers) {
    w->deadline.expires_after(std::chrono::milliseconds(static_cast<int64_t>(opt.timeout_s * 1000)));
    w->deadline.async_wait([wp = w.get()](error_code ec) {
      if (ec)
        return;
      wp->timed_out = true;
      wp->ioc.stop();
    });
  }
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers.size(); ++t)
    threads.emplace_back([w = workers[t].get()] { w->ioc.run(); });
  workers[0]->ioc.run();
  for (auto& t : threads)
    t.join();
  st.close_window();
  const double elapsed_s = static_cast<double>(now_ns() - t0) / 1e9;

  bool timed_out = false;
  for (auto& w : workers)
    timed_out = timed_out || w->timed_out;
  std::vector<uint32_t> ttfc, done;
  uint64_t errors = 0;
  for (auto& c : conns) {
    ttfc.insert(ttfc.end(), c->ttfc_us.begin(), c->ttfc_us.end());
    done.insert(done.end(), c->complete_us.begin(), c->complete_us.end());
    errors += c->errors;
    if (timed_out && !c->finished())
      errors += opt.requests - c->completed;
  }
  std::sort(ttfc.begin(), ttfc.end());
  std::sort(done.begin(), done.end());

  const size_t finished = st.done.load();
  const size_t measured = finished > st.warm ? finished - st.warm : 0;
  const double window_s = std::max(1e-9, static_cast<double>(st.end_ns - st.start_ns) / 1e9);
  const double turns_per_s = static_cast<double>(measured) / window_s;
  const double frames_per_s = static_cast<double>(st.frames_end - st.frames_start) / window_s;
  const double tick_us = 1e6 / ticks_per_s();
  auto per_turn = [&](int64_t a, int64_t b) {
    return measured > 0 && a >= 0 && b >= 0 ? static_cast<double>(b - a) * tick_us / static_cast<double>(measured)
                                            : -1.0;
  };
  const double server_us = per_turn(st.cpu_start.server, st.cpu_end.server);
  const double self_us = per_turn(st.cpu_start.self, st.cpu_end.self);
  int64_t other_ticks = (st.cpu_end.machine - st.cpu_start.machine) - (st.cpu_end.self - st.cpu_start.self);
  if (opt.pid > 0)
    other_ticks -= st.cpu_end.server - st.cpu_start.server;
  const double other_pct =
    std::max(0.0, static_cast<double>(other_ticks) * tick_us / 1e6 / window_s * 100.0);

  std::printf("%-6s %6s %8s %5s %7s %10s %11s %9s %9s %9s %10s %7s %9s\n", "scen", "conns", "requests",
              "infl", "errors", "turns/s", "frames/s", "ttfc_p50", "ttfc_p99", "done_p99", "srv_us/turn",
              "other%", "elapsed_s");
  std::printf("%-6s %6zu %8zu %5zu %7llu %10.0f %11.0f %9.0f %9.0f %9.0f %10.1f %7.0f %9.2f\n",
              opt.scenario.c_str(), opt.connections, opt.requests, opt.inflight,
              static_cast<unsigned long long>(errors), turns_per_s, frames_per_s, quantile(ttfc, 0.5),
              quantile(ttfc, 0.99), quantile(done, 0.99), server_us, other_pct, elapsed_s);

  std::string json = "{\"scenario\":\"" + opt.scenario + "\",\"url\":\"" + json_escape(opt.url) +
                     "\",\"machine\":\"" + json_escape(machine()) + "\",\"commit\":\"" +
                     json_escape(commit()) + "\"";
  auto num = [&](const char* k, double v) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ",\"%s\":%.6g", k, v);
    json += buf;
  };
  num("connections", static_cast<double>(opt.connections));
  num("requests", static_cast<double>(opt.requests));
  num("inflight", static_cast<double>(opt.inflight));
  num("rate", opt.rate);
  num("threads", static_cast<double>(opt.threads));
  num("total_turns", static_cast<double>(st.total));
  num("measured_turns", static_cast<double>(measured));
  num("errors", static_cast<double>(errors));
  json += timed_out ? ",\"timed_out\":true" : ",\"timed_out\":false";
  num("elapsed_s", elapsed_s);
  num("window_s", window_s);
  num("turns_per_s", turns_per_s);
  num("frames_per_s", frames_per_s);
  const std::pair<const char*, double> qs[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}};
  for (auto [name, q] : qs)
    num(("ttfc_" + std::string{name} + "_us").c_str(), quantile(ttfc, q));
  num("ttfc_max_us", ttfc.empty() ? 0 : ttfc.back());
  for (auto [name, q] : qs)
    num(("complete_" + std::string{name} + "_us").c_str(), quantile(done, q));
  num("complete_max_us", done.empty() ? 0 : done.back());
  if (opt.pid > 0)
    num("server_cpu_us_per_turn", server_us);
  num("bench_cpu_us_per_turn", self_us);
  num("other_cpu_pct", other_pct);
  json += "}";
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
  return errors == 0 && !timed_out ? 0 : 1;
}

}  // namespace
}  // namespace wingman::bench

int main(int argc, char** argv) {
  try {
    return wingman::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wingman-bench: %s\n", e.what());
    return 1;
  }
}
