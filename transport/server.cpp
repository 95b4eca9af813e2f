#include "transport/server.hpp"

#include "transport/frame_batch.hpp"
#include "transport/http_util.hpp"
#include "transport/net.hpp"
#include "transport/write_gate.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

// Life of a connection
// --------------------
// listener (one per bound address) accepts each socket onto its own strand
// (`net::make_strand`) and hands it to an http_session. The http_session
// reads requests, answers `/ws` misuse itself, passes other requests to the
// injected http_handler and, on a WebSocket upgrade of `/ws`, hands socket and
// request to a websocket_session. Everything a session does runs on its strand;
// other threads reach it only by posting (`send`, `close`, the HTTP responder,
// `server::stop`). Sessions live as long as an operation or a posted handler
// holds `shared_from_this()`.
//
// Timeouts: HTTP reads, writes and handler answers are bounded by
// `http_timeout`. WebSocket sessions use Beast's `stream_base::timeout`:
// handshake (and close) 30 s; idle timeout with keep-alive pings, where Beast
// pings after half the idle timeout of silence. So the ping interval is
// idle/2: we use idle = min(idle_timeout, 2 * ping_interval), which pings at
// least every `ping_interval` and drops a silent peer after at most
// `idle_timeout` (the defaults 30 s / 60 s agree exactly).

namespace wingman::transport {

const std::string* http_request::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (key == name)
      return &value;
  return nullptr;
}

namespace {

/// WebSocket opening and closing handshake limit.
constexpr auto handshake_timeout = std::chrono::seconds{30};

/// After `stop`, how long `run` waits for connections to close before it
/// stops the io_context anyway (pending handlers are then destroyed).
constexpr auto shutdown_grace = std::chrono::seconds{5};

/// After an HTTP error reply (413, 400), how long and how much of the unread
/// request we drain before closing, so the client sees the reply instead of a
/// connection reset.
constexpr auto linger_timeout = std::chrono::seconds{2};
constexpr size_t linger_bytes = 1u << 20;

/// Back-off after a failed accept (e.g. out of file descriptors).
constexpr auto accept_retry_delay = std::chrono::milliseconds{100};

/// Largest read handed to Beast at once while assembling a message.
constexpr size_t read_chunk_bytes = 64u << 10;

/// Longest close reason a close frame can carry.
constexpr size_t max_close_reason = 123;

class http_session;
class listener;
class websocket_session;

/// Expected ends of a connection: nothing to report.
bool is_expected_close(const beast::error_code& ec) {
  return ec == net::error::operation_aborted || ec == net::error::eof
         || ec == websocket::error::closed || ec == http::error::end_of_stream
         || ec == beast::error::timeout || ec == net::error::connection_reset
         || ec == net::error::broken_pipe || ec == net::error::not_connected
         || ec == net::error::bad_descriptor;
}

/// Where every unexpected error ends up. Transport has no logger yet (C18);
/// this is the one place to add it. Expected closes are dropped.
void fail(const beast::error_code& ec, const char* what) {
  if (is_expected_close(ec))
    return;
  (void) what;
}

/// `a` without port; IPv4-mapped IPv6 shown as IPv4.
net::ip::address normalize(const net::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
  return a;
}


const beast::error_category& http_category() {
  return http::make_error_code(http::error::bad_target).category();
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// State shared by the listeners and sessions of one server. Sessions hold a
/// reference: the server outlives its io_context's handlers (see member
/// order).
struct server_core {
  server_core(server_options o, sink_factory s, std::shared_ptr<http_handler> h)
    : opts(std::move(o)),
      sinks(std::move(s)),
      http(std::move(h)),
      strand(net::make_strand(ioc)),
      grace_timer(strand),
      work(net::make_work_guard(ioc)) {
  }

  server_options opts;
  sink_factory sinks;
  std::shared_ptr<http_handler> http;

  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  std::atomic<uint64_t> slow_consumer_closes{0};
  std::atomic<uint64_t> next_id{1};

  // Guards the registries, the flags and `listeners`. Never held while
  // calling out of transport (C25, docs/locks.md).
  std::mutex mtx;
  bool stopping = false;
  bool destroying = false;
  std::unordered_map<uint64_t, std::weak_ptr<websocket_session>> ws_sessions;
  std::unordered_map<uint64_t, std::weak_ptr<http_session>> http_sessions;

  // Declared after everything sessions touch: destroyed first, so handlers
  // it still holds can unregister their sessions.
  net::io_context ioc;
  net::strand<net::io_context::executor_type> strand;
  net::steady_timer grace_timer;  // on `strand`
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::shared_ptr<listener>> listeners;

  bool is_stopping() {
    std::lock_guard<std::mutex> guard{mtx};
    return stopping;
  }

  /// Registers a live session; false once stopping (the caller closes).
  bool add_ws(uint64_t id, std::weak_ptr<websocket_session> s) {
    std::lock_guard<std::mutex> guard{mtx};
    if (stopping)
      return false;
    ws_sessions.emplace(id, std::move(s));
    return true;
  }

  bool add_http(uint64_t id, std::weak_ptr<http_session> s) {
    std::lock_guard<std::mutex> guard{mtx};
    if (stopping)
      return false;
    http_sessions.emplace(id, std::move(s));
    return true;
  }

  void remove_ws(uint64_t id) {
    std::lock_guard<std::mutex> guard{mtx};
    ws_sessions.erase(id);
    maybe_cancel_grace();
  }

  void remove_http(uint64_t id) {
    std::lock_guard<std::mutex> guard{mtx};
    http_sessions.erase(id);
    maybe_cancel_grace();
  }

  /// Requires `mtx`. The last connection gone while stopping: `run` may
  /// return without waiting for the grace timer.
  void maybe_cancel_grace() {
    if (stopping && !destroying && ws_sessions.empty() && http_sessions.empty())
      net::post(strand, [this] { grace_timer.cancel(); });
  }

  /// On `strand`: bounds how long `run` waits for connections after `stop`.
  void start_grace() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (ws_sessions.empty() && http_sessions.empty())
        return;
    }
    grace_timer.expires_after(shutdown_grace);
    grace_timer.async_wait([this](beast::error_code ec) {
      if (!ec)
        ioc.stop();
    });
  }

  void stop();
};

// -- listener -----------------------------------------------------------------

/// Accepts connections on one address; each gets its own strand.
class listener : public std::enable_shared_from_this<listener> {
 public:
  explicit listener(server_core& core)
    : core_(core),
      acceptor_(net::make_strand(core.ioc)),
      retry_timer_(acceptor_.get_executor()) {
  }

  /// Opens, binds and listens; returns an error message or "".
  std::string open(const tcp::endpoint& ep) {
    beast::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (ec)
      return "open: " + ec.message();
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec)
      return "set_option: " + ec.message();
    acceptor_.bind(ep, ec);
    if (ec)
      return "bind " + ep.address().to_string() + ":"
             + std::to_string(ep.port()) + ": " + ec.message();
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return "listen: " + ec.message();
    port_ = acceptor_.local_endpoint(ec).port();
    return {};
  }

  uint16_t port() const noexcept {
    return port_;
  }

  void run() {
    net::dispatch(acceptor_.get_executor(),
                  beast::bind_front_handler(&listener::do_accept,
                                            shared_from_this()));
  }

  /// Thread-safe.
  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->retry_timer_.cancel();
      self->acceptor_.close(ec);
    });
  }

 private:
  void do_accept() {
    if (!acceptor_.is_open())
      return;
    acceptor_.async_accept(net::make_strand(core_.ioc),
                           beast::bind_front_handler(&listener::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket);

  void on_retry(beast::error_code ec) {
    if (!ec)
      do_accept();
  }

  server_core& core_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  uint16_t port_ = 0;
};

// -- websocket_session --------------------------------------------------------

/// One accepted WebSocket: reads messages into the sink, writes queued frames.
class websocket_session
  : public connection,
    public std::enable_shared_from_this<websocket_session> {
 public:
  websocket_session(server_core& core, tcp::socket&& socket,
                    std::string remote)
    : core_(core),
      ws_(std::move(socket)),
      close_timer_(ws_.get_executor()),
      id_(core.next_id++),
      remote_(std::move(remote)) {
    auto limit = core_.opts.max_frame_bytes;
    limit_ = limit == 0 || limit == std::numeric_limits<size_t>::max()
               ? std::numeric_limits<size_t>::max() - 1
               : limit;
  }

  ~websocket_session() override {
    if (registered_) {
      core_.remove_ws(id_);
      --core_.connections_open;
    }
    sink_.reset();  // the "closed" notification, after the bookkeeping
  }

  /// Performs the upgrade with the already-read request.
  void run(http::request<http::string_body> req) {
    net::dispatch(ws_.get_executor(),
                  [self = shared_from_this(), req = std::move(req)]() mutable {
                    self->on_run(std::move(req));
                  });
  }

  // Frames from other threads go through `inbox_`: only the first frame of
  // a burst posts to the strand, which then takes the whole burst at once.
  void send(shared_frame frame) override {
    if (!frame)
      return;
    {
      std::lock_guard<std::mutex> guard{inbox_mtx_};
      if (inbox_close_)
        return;  // dropped: sent after close
      inbox_.push_back(std::move(frame));
      if (inbox_posted_)
        return;
      inbox_posted_ = true;
    }
    net::post(ws_.get_executor(),
              [self = shared_from_this()] { self->on_inbox(); });
  }

  // A close goes through `inbox_` too, so it stays behind the frames sent
  // before it and ahead of those sent after it (which are dropped).
  void close(uint16_t code, std::string reason) override {
    {
      std::lock_guard<std::mutex> guard{inbox_mtx_};
      if (!inbox_close_) {
        inbox_close_ = inbox_close{inbox_.size(), code, std::move(reason)};
      }
      if (inbox_posted_)
        return;
      inbox_posted_ = true;
    }
    net::post(ws_.get_executor(),
              [self = shared_from_this()] { self->on_inbox(); });
  }

  uint64_t id() const noexcept override {
    return id_;
  }

  const std::string& remote_address() const noexcept override {
    return remote_;
  }

 private:
  websocket::stream_base::timeout timeouts() const {
    websocket::stream_base::timeout t;
    t.handshake_timeout = handshake_timeout;
    auto idle = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      core_.opts.idle_timeout);
    auto ping = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      core_.opts.ping_interval);
    if (ping.count() > 0 && (idle.count() <= 0 || 2 * ping < idle))
      idle = 2 * ping;
    t.idle_timeout = idle.count() > 0 ? idle : websocket::stream_base::none();
    t.keep_alive_pings = idle.count() > 0;
    return t;
  }

  void on_run(http::request<http::string_body> req) {
    ws_.set_option(timeouts());
    ws_.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "wingman");
      }));
    websocket::permessage_deflate pmd;
    pmd.server_enable = false;
    pmd.client_enable = false;
    ws_.set_option(pmd);
    ws_.read_message_max(0);  // we enforce max_frame_bytes in on_read
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(
                            &websocket_session::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec) {
    if (ec)
      return fail(ec, "ws accept");
    open_ = true;
    if (!core_.add_ws(id_, weak_from_this()))
      return on_close_request(close_code::going_away, "server shutdown");
    registered_ = true;
    ++core_.connections_open;
    ++core_.connections_total;
    // User code may throw (C13): a connection it cannot serve closes 1011.
    try {
      if (core_.sinks)
        sink_ = core_.sinks(weak_from_this());
    } catch (...) {
      return on_close_request(close_code::internal, "internal error");
    }
    do_read();
  }

  // -- inbound ----------------------------------------------------------------

  void do_read() {
    // Never read more than one byte past the limit: that byte is the proof.
    auto room = limit_ + 1 - buffer_.size();
    ws_.async_read_some(buffer_, std::min(room, read_chunk_bytes),
                        beast::bind_front_handler(&websocket_session::on_read,
                                                  shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec) {
      open_ = false;
      return fail(ec, "ws read");
    }
    if (buffer_.size() > limit_)
      return on_too_large();
    if (ws_.is_message_done()) {
      auto text = beast::buffers_to_string(buffer_.data());
      buffer_.clear();
      ++core_.frames_in;
      try {
        if (sink_)
          sink_->on_frame(std::move(text));
      } catch (...) {
        return on_close_request(close_code::internal, "internal error");
      }
    }
    do_read();
  }

  /// Over the limit: error frame first, then close 1009. Reading stops; the
  /// close handshake discards the rest of the message.
  void on_too_large() {
    buffer_.clear();
    if (core_.opts.too_large_frame) {
      auto text = core_.opts.too_large_frame(core_.opts.max_frame_bytes);
      if (!text.empty()) {
        enqueue(make_frame(std::move(text)), true);
        start_write();
      }
    }
    on_close_request(close_code::too_big, "frame too large");
  }

  // -- outbound ---------------------------------------------------------------

  void on_inbox() {
    std::optional<inbox_close> closing;
    {
      std::lock_guard<std::mutex> guard{inbox_mtx_};
      inbox_taken_.swap(inbox_);
      inbox_posted_ = false;
      closing = std::move(inbox_close_);
      if (closing)
        inbox_close_.emplace();  // keeps dropping later sends
    }
    auto n = closing ? std::min(closing->after, inbox_taken_.size())
                     : inbox_taken_.size();
    for (size_t i = 0; i < n; ++i)
      enqueue(std::move(inbox_taken_[i]), false);
    inbox_taken_.clear();
    if (inbox_taken_.capacity() > 256)
      std::vector<shared_frame>{}.swap(inbox_taken_);
    start_write();
    if (closing && closing->after != no_close)
      on_close_request(closing->code, std::move(closing->reason));
  }

  /// Queues a frame; `bypass_cap`: our own error frame may exceed the
  /// write-queue cap. The caller then calls `start_write`.
  void enqueue(shared_frame frame, bool bypass_cap) {
    if (!open_ || close_requested_)
      return;  // frames after close are dropped
    auto cap = core_.opts.write_queue_bytes;
    if (!bypass_cap && queued_bytes_ + frame->size() > cap) {
      ++core_.slow_consumer_closes;
      queue_.clear();
      queued_bytes_ = inflight_bytes_;
      return on_close_request(close_code::policy, "slow consumer");
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
  }

  // The write side: at most one write of ours in flight. It takes every
  // frame queued so far and sends them with one gather write through the
  // gate (frames framed here, payloads not copied when large), so a burst
  // costs one syscall instead of one per frame. Beast's control frames go
  // through the same gate and never interleave with ours.
  void start_write() {
    if (writing_ || queue_.empty())
      return;
    if (!ws_.is_open()) {  // Beast is closing: no data after its close frame
      queue_.clear();
      queued_bytes_ = 0;
      return;
    }
    inflight_.swap(queue_);
    batch_.clear();
    inflight_bytes_ = 0;
    for (const auto& f : inflight_) {
      batch_.add(*f);
      inflight_bytes_ += f->size();
    }
    batch_.buffers(buffers_);
    writing_ = true;
    ws_.next_layer().write_all(
      buffer_span{buffers_.data(), buffers_.data() + buffers_.size()},
      beast::bind_front_handler(&websocket_session::on_write,
                                shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    writing_ = false;
    core_.frames_out += inflight_.size();
    inflight_.clear();
    queued_bytes_ -= inflight_bytes_;
    inflight_bytes_ = 0;
    if (ec) {
      open_ = false;
      queue_.clear();
      queued_bytes_ = 0;
      return fail(ec, "ws write");
    }
    if (!queue_.empty())
      return start_write();
    release_idle_buffers();
    if (close_requested_ && !closing_)
      do_close();
  }

  /// After a large burst, gives the memory back (idle connections are many).
  void release_idle_buffers() {
    constexpr size_t keep = 256;
    batch_.clear(16u << 10);
    if (buffers_.capacity() > keep)
      std::vector<net::const_buffer>{}.swap(buffers_);
    if (queue_.capacity() > keep)
      std::vector<shared_frame>{}.swap(queue_);
    if (inflight_.capacity() > keep)
      std::vector<shared_frame>{}.swap(inflight_);
  }

  // -- close ------------------------------------------------------------------

  /// Flushes the queue, then sends the close frame. Idempotent.
  void on_close_request(uint16_t code, std::string reason) {
    if (!open_ || close_requested_)
      return;
    close_requested_ = true;
    if (reason.size() > max_close_reason)
      reason.resize(max_close_reason);
    close_reason_ = websocket::close_reason{
      static_cast<websocket::close_code>(code), reason};
    // A peer that stops reading can hold a write forever; Beast's close
    // timeout starts only once the close frame is being sent.
    close_timer_.expires_after(handshake_timeout);
    close_timer_.async_wait(
      [weak = weak_from_this()](beast::error_code ec) {
        if (ec)
          return;
        if (auto self = weak.lock()) {
          beast::error_code ignored;
          beast::get_lowest_layer(self->ws_).close(ignored);
        }
      });
    if (!writing_)
      do_close();
  }

  void do_close() {
    closing_ = true;
    ws_.async_close(close_reason_,
                    beast::bind_front_handler(&websocket_session::on_close,
                                              shared_from_this()));
  }

  void on_close(beast::error_code ec) {
    open_ = false;
    close_timer_.cancel();
    if (ec)
      fail(ec, "ws close");
  }

  server_core& core_;
  websocket::stream<write_gate> ws_;
  net::steady_timer close_timer_;
  uint64_t id_;
  std::string remote_;
  size_t limit_;
  std::unique_ptr<frame_sink> sink_;
  beast::flat_buffer buffer_;  // the message being assembled
  /// A close request and the number of inbox frames sent before it;
  /// `after == no_close` once it has been taken (later sends are dropped).
  struct inbox_close {
    size_t after = no_close;
    uint16_t code = 0;
    std::string reason;
  };
  static constexpr size_t no_close = std::numeric_limits<size_t>::max();

  std::mutex inbox_mtx_;       // guards inbox_, inbox_close_, inbox_posted_
  std::vector<shared_frame> inbox_;
  std::optional<inbox_close> inbox_close_;
  bool inbox_posted_ = false;
  std::vector<shared_frame> inbox_taken_;  // strand only, like all below
  std::vector<shared_frame> queue_;        // waiting for the next write
  std::vector<shared_frame> inflight_;     // in the write in flight
  frame_batch batch_;                      // inflight_ framed
  std::vector<net::const_buffer> buffers_; // batch_ as a buffer sequence
  size_t queued_bytes_ = 0;    // payload bytes in queue_ and inflight_
  size_t inflight_bytes_ = 0;
  bool registered_ = false;
  bool open_ = false;          // handshake done, not failed or closed
  bool writing_ = false;
  bool close_requested_ = false;
  bool closing_ = false;       // async_close started
  websocket::close_reason close_reason_;
};

// -- http_session -------------------------------------------------------------

/// One HTTP connection: requests one at a time (keep-alive), or an upgrade.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(server_core& core, tcp::socket&& socket)
    : core_(core),
      stream_(std::move(socket)),
      handler_timer_(stream_.get_executor()),
      id_(core.next_id++) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      auto addr = normalize(ep.address());
      remote_ = addr.to_string();
      loopback_ = addr.is_loopback();
    }
  }

  ~http_session() {
    if (registered_)
      core_.remove_http(id_);
  }

  void run() {
    if (!core_.add_http(id_, weak_from_this()))
      return;  // stopping: dropping the socket closes it
    registered_ = true;
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::do_read,
                                            shared_from_this()));
  }

  /// Closes the connection now (server shutdown). Thread-safe.
  void stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stopped_ = true;
      self->awaiting_ = false;
      self->handler_timer_.cancel();
      self->stream_.close();
    });
  }

  /// The handler's answer to request `seq`. Thread-safe.
  void deliver(uint64_t seq, http_response res) {
    net::post(stream_.get_executor(), [self = shared_from_this(), seq,
                                       r = std::move(res)]() mutable {
      self->on_answer(seq, std::move(r));
    });
  }

 private:
  void do_read() {
    if (stopped_)
      return;
    parser_.emplace();
    parser_->body_limit(core_.opts.max_http_body_bytes);
    stream_.expires_after(core_.opts.http_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read,
                                               shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream)
      return do_shutdown();
    if (ec == http::error::body_limit)
      return reply_error(413, R"({"error":"request body too large"})");
    if (ec && ec.category() == http_category()) {
      if (ec == http::error::partial_message)
        return fail(ec, "http read");
      return reply_error(400, R"({"error":"bad request"})");
    }
    if (ec)
      return fail(ec, "http read");
    on_request();
  }

  void on_request() {
    auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    std::string_view target = req.target();
    auto qpos = target.find('?');
    auto path = percent_decode(target.substr(0, qpos));
    if (websocket::is_upgrade(req)) {
      if (path != "/ws")
        return reply_error(404, R"({"error":"not found"})");
      stream_.expires_never();
      std::make_shared<websocket_session>(core_, stream_.release_socket(),
                                          remote_)
        ->run(parser_->release());
      return;
    }
    if (req.method() == http::verb::get && path == "/ws") {
      return reply(http_response{400, "application/json",
                                 R"({"error":"WebSocket upgrade required"})",
                                 {}},
                   false);
    }
    if (!core_.http)
      return reply(http_response{404, "application/json",
                                 R"({"error":"not found"})", {}},
                   false);
    http_request out;
    out.method = std::string(req.method_string());
    out.target = std::string(target);
    out.path = std::move(path);
    if (qpos != std::string_view::npos)
      out.query = std::string(target.substr(qpos + 1));
    for (const auto& field : req)
      out.headers.emplace_back(to_lower(field.name_string()),
                               std::string(field.value()));
    out.body = std::move(req.body());
    out.remote_address = remote_;
    out.remote_is_loopback = loopback_;
    dispatch_to_handler(std::move(out));
  }

  void dispatch_to_handler(http_request req);

  void on_handler_timeout(uint64_t seq, beast::error_code ec) {
    if (ec || !awaiting_ || seq != seq_)
      return;
    awaiting_ = false;
    reply(http_response{503, "application/json",
                        R"({"error":"request timed out"})", {}},
          true);
  }

  void on_answer(uint64_t seq, http_response res) {
    if (!awaiting_ || seq != seq_ || stopped_)
      return;
    awaiting_ = false;
    handler_timer_.cancel();
    reply(std::move(res), false);
  }

  /// An error reply that ends the connection; the unread rest of the request
  /// is drained first so the client gets to read the reply.
  void reply_error(unsigned status, std::string body) {
    linger_ = true;
    reply(http_response{status, "application/json", std::move(body), {}},
          true);
  }

  void reply(http_response r, bool close) {
    res_ = {};
    res_.version(version_);
    res_.result(r.status >= 100 && r.status <= 999 ? r.status : 500);
    res_.set(http::field::server, "wingman");
    if (!r.content_type.empty())
      res_.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers)
      res_.insert(name, value);
    res_.body() = std::move(r.body);
    res_.keep_alive(keep_alive_ && !close && !stopped_);
    res_.prepare_payload();
    stream_.expires_after(core_.opts.http_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&http_session::on_write,
                                                shared_from_this(),
                                                res_.keep_alive()));
  }

  void on_write(bool keep_alive, beast::error_code ec, size_t) {
    if (ec)
      return fail(ec, "http write");
    if (!keep_alive || stopped_)
      return do_shutdown();
    do_read();
  }

  void do_shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!linger_ || stopped_)
      return;  // the session ends here; the socket closes with it
    linger_left_ = linger_bytes;
    buffer_.clear();
    stream_.expires_after(linger_timeout);
    do_linger();
  }

  void do_linger() {
    stream_.async_read_some(buffer_.prepare(read_chunk_bytes),
                            beast::bind_front_handler(&http_session::on_linger,
                                                      shared_from_this()));
  }

  void on_linger(beast::error_code ec, size_t n) {
    if (ec || n >= linger_left_)
      return;  // EOF, timeout or enough: close
    linger_left_ -= n;
    do_linger();
  }

  server_core& core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  net::steady_timer handler_timer_;
  uint64_t id_;
  std::string remote_;
  bool loopback_ = false;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool registered_ = false;
  bool stopped_ = false;
  bool awaiting_ = false;  // the handler has the current request
  uint64_t seq_ = 0;       // request number, matches answers to requests
  bool linger_ = false;
  size_t linger_left_ = 0;
};

/// Shared by every copy of one responder: answers at most once, and answers
/// 500 if the handler drops the responder without calling it.
struct responder_state {
  responder_state(std::weak_ptr<http_session> s, uint64_t n)
    : session(std::move(s)), seq(n) {
  }

  ~responder_state() {
    if (!done.load())
      if (auto s = session.lock())
        s->deliver(seq, http_response{500, "application/json",
                                      R"({"error":"request dropped"})", {}});
  }

  void answer(http_response res) {
    if (done.exchange(true))
      return;
    if (auto s = session.lock())
      s->deliver(seq, std::move(res));
  }

  std::weak_ptr<http_session> session;
  uint64_t seq;
  std::atomic<bool> done{false};
};

void http_session::dispatch_to_handler(http_request req) {
  awaiting_ = true;
  ++seq_;
  // While the handler works, this timer keeps the session alive, and bounds
  // the wait: the responder itself holds only a weak_ptr.
  stream_.expires_never();
  handler_timer_.expires_after(core_.opts.http_timeout);
  handler_timer_.async_wait(beast::bind_front_handler(
    &http_session::on_handler_timeout, shared_from_this(), seq_));
  auto state = std::make_shared<responder_state>(weak_from_this(), seq_);
  try {
    core_.http->handle(std::move(req), [state](http_response res) {
      state->answer(std::move(res));
    });
  } catch (...) {
    // A throwing handler: unless it kept the responder, dropping the last
    // copy answers 500; otherwise the timeout above answers 503.
  }
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open())
    return;
  if (ec) {
    fail(ec, "accept");
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait(
      beast::bind_front_handler(&listener::on_retry, shared_from_this()));
    return;
  }
  // Streamed frames are small and latency-bound: without TCP_NODELAY a lone
  // chunk waits for the peer's delayed ACK (~40 ms on Linux loopback).
  beast::error_code nd;
  socket.set_option(tcp::no_delay(true), nd);
  if (!core_.is_stopping())
    std::make_shared<http_session>(core_, std::move(socket))->run();
  do_accept();
}

void server_core::stop() {
  std::vector<std::shared_ptr<websocket_session>> ws;
  std::vector<std::shared_ptr<http_session>> hs;
  std::vector<std::shared_ptr<listener>> ls;
  {
    std::lock_guard<std::mutex> guard{mtx};
    if (stopping)
      return;
    stopping = true;
    for (auto& [id, weak] : ws_sessions)
      if (auto s = weak.lock())
        ws.push_back(std::move(s));
    for (auto& [id, weak] : http_sessions)
      if (auto s = weak.lock())
        hs.push_back(std::move(s));
    ls = listeners;
    // Posted under the lock, so it runs before any cancel that a session
    // leaving after this point posts.
    net::post(strand, [this] { start_grace(); });
  }
  for (auto& l : ls)
    l->stop();
  for (auto& s : ws)
    s->close(close_code::going_away, "server shutdown");
  for (auto& s : hs)
    s->stop();
  work.reset();  // run() returns once the posted work is done
}

/// Resolves `host` (an address or a name) to an endpoint.
std::optional<tcp::endpoint> resolve(net::io_context& ioc,
                                     const std::string& host, uint16_t port,
                                     std::string& err) {
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (!ec)
    return tcp::endpoint{addr, port};
  tcp::resolver resolver{ioc};
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    err = "resolve " + host + ": " + (ec ? ec.message() : "no address");
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

} // namespace

// -- server -------------------------------------------------------------------

struct server::impl : server_core {
  using server_core::server_core;

  ~impl() {
    stop();
    std::lock_guard<std::mutex> guard{mtx};
    destroying = true;  // sessions destroyed with the io_context: don't post
  }

  std::string add_listener(const std::string& host, uint16_t port,
                           bool primary) {
    std::string err;
    auto ep = resolve(ioc, host, port, err);
    if (!ep)
      return err;
    auto l = std::make_shared<listener>(*this);
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (stopping)
        return "server stopped";
      if (primary && primary_port != 0)
        return "already listening";
      if (auto e = l->open(*ep); !e.empty())
        return e;
      listeners.push_back(l);
      if (primary)
        primary_port = l->port();
    }
    l->run();
    return {};
  }

  std::atomic<uint16_t> primary_port{0};
};

server::server(server_options opts, sink_factory sinks,
               std::shared_ptr<http_handler> http)
  : impl_(std::make_unique<impl>(std::move(opts), std::move(sinks),
                                 std::move(http))) {
}

server::~server() = default;

std::string server::listen() {
  return impl_->add_listener(impl_->opts.host, impl_->opts.port, true);
}

std::string server::listen_also(const std::string& host, uint16_t port) {
  return impl_->add_listener(host, port, false);
}

uint16_t server::port() const noexcept {
  return impl_->primary_port.load();
}

void server::run() {
  auto& ioc = impl_->ioc;
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->opts.io_threads; ++i)
    threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads)
    t.join();
}

void server::stop() {
  impl_->stop();
}

server_stats server::stats() const noexcept {
  server_stats s;
  s.connections_open = impl_->connections_open.load();
  s.connections_total = impl_->connections_total.load();
  s.frames_in = impl_->frames_in.load();
  s.frames_out = impl_->frames_out.load();
  s.slow_consumer_closes = impl_->slow_consumer_closes.load();
  return s;
}

} // namespace wingman::transport
