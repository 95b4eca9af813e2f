#include "tools/fake_llm/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>

// Each connection always keeps one read pending, even while it streams a
// response: that is how a client that leaves mid-stream is noticed (its EOF
// arrives on the read) and counted as `cancelled`. Requests are answered in
// order; bytes of the next (pipelined) request wait in `in_` until the
// current response is over. Output is double-buffered: at most one
// async_write in flight, everything produced meanwhile goes out in the next.

namespace wingman::fake_llm {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    default: return "Unknown";
  }
}

void append_chunk(std::string& out, const std::string& data) {
  char size[20];
  int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  out.append(size, static_cast<size_t>(n));
  out += data;
  out += "\r\n";
}

class server_state;

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket sock, server_state& srv);

  void start() { do_read(); }

  /// Re-checks a parked `/fake/stats?wait_cancelled=N`.
  void poke();

  void close();

 private:
  void do_read();
  void on_read(error_code ec, size_t n);
  void process();
  void begin(response_plan plan);
  void send_head();
  void send_next_segment();
  void finish_response();
  void answer_stats();
  void queue(std::string bytes);
  void flush();
  void on_write(error_code ec);
  void fail();
  void half_close();

  /// Longest wait for the client's EOF after the server half-closed.
  static constexpr std::chrono::seconds drain_limit{2};

  tcp::socket sock_;
  server_state& srv_;
  net::steady_timer timer_;
  std::array<char, 16 * 1024> rbuf_{};
  std::string in_;
  // The response in progress.
  bool busy_ = false;
  response_plan plan_;
  size_t next_segment_ = 0;
  bool stream_open_ = false;  ///< A streamed response not yet fully queued.
  // Output.
  std::string out_next_;
  std::string out_writing_;
  bool writing_ = false;
  int streams_in_next_ = 0;     ///< Streams whose last bytes are in out_next_.
  int streams_in_writing_ = 0;  ///< ... in out_writing_.
  bool close_after_write_ = false;
  bool draining_ = false;  ///< Half-closed; waiting for the client's EOF.
  bool closed_ = false;
};

class server_state {
 public:
  server_state(net::io_context& ioc, const options& opts)
    : ioc_(ioc), acceptor_(ioc), engine_(opts), signals_(ioc, SIGINT, SIGTERM) {
  }

  bool listen(std::string& error) {
    error_code ec;
    auto addr = net::ip::make_address(engine_.settings().host, ec);
    if (ec) {
      error = "bad --host " + engine_.settings().host + ": " + ec.message();
      return false;
    }
    tcp::endpoint ep{addr, engine_.settings().port};
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "cannot listen on " + engine_.settings().host + ":"
              + std::to_string(engine_.settings().port) + ": " + ec.message();
      return false;
    }
    signals_.async_wait([this](error_code, int) { stop(); });
    do_accept();
    return true;
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  engine& logic() { return engine_; }

  void add_waiter(const std::shared_ptr<connection>& c) { waiters_.push_back(c); }

  /// A stream ended; wakes parked stats requests when one was cancelled.
  void stream_finished(bool client_left) {
    engine_.stream_finished(client_left);
    if (!client_left)
      return;
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto& w : waiters)
      if (auto c = w.lock())
        c->poke();  // re-parks itself if still short
  }

  void track(const std::shared_ptr<connection>& c) { conns_.push_back(c); }

 private:
  void do_accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket sock) {
      if (ec)
        return;  // acceptor closed
      sock.set_option(tcp::no_delay{true}, ec);
      engine_.connection_accepted();
      auto c = std::make_shared<connection>(std::move(sock), *this);
      track(c);
      c->start();
      if (conns_.size() > 1024)  // drop expired entries now and then
        conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                    [](auto& w) { return w.expired(); }),
                     conns_.end());
      do_accept();
    });
  }

  void stop() {
    error_code ec;
    acceptor_.close(ec);
    for (auto& w : conns_)
      if (auto c = w.lock())
        c->close();
    ioc_.stop();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  engine engine_;
  net::signal_set signals_;
  std::vector<std::weak_ptr<connection>> waiters_;
  std::vector<std::weak_ptr<connection>> conns_;
};

connection::connection(tcp::socket sock, server_state& srv)
  : sock_(std::move(sock)), srv_(srv), timer_(sock_.get_executor()) {
}

void connection::do_read() {
  sock_.async_read_some(net::buffer(rbuf_),
                        [self = shared_from_this()](error_code ec, size_t n) {
                          self->on_read(ec, n);
                        });
}

void connection::on_read(error_code ec, size_t n) {
  if (closed_)
    return;
  if (draining_) {  // after our half-close: discard until the client's EOF
    if (ec)
      return close();
    return do_read();
  }
  if (ec)
    return fail();
  in_.append(rbuf_.data(), n);
  const auto& opts = srv_.logic().settings();
  if (!busy_)
    process();  // answers 413/431 for an oversized request
  else if (in_.size() > opts.max_header_bytes + opts.max_body_bytes + 4)
    return fail();  // pipelining more than a maximal request meanwhile
  if (!closed_)
    do_read();
}

void connection::process() {
  while (!busy_ && !closed_ && !close_after_write_) {
    request req;
    size_t used = 0;
    std::string why;
    auto st = parse_request(in_, srv_.logic().settings(), req, used, why);
    if (st == parse_status::incomplete)
      break;
    if (st != parse_status::ok) {
      int status = st == parse_status::too_large ? (why.find("headers") != std::string::npos ? 431 : 413)
                   : st == parse_status::unsupported ? 501
                                                     : 400;
      response_plan p;
      p.status = status;
      p.segments.push_back(R"({"error":{"message":")" + json_escape(why)
                           + R"(","type":"invalid_request_error","param":null,"code":null}})");
      p.close = true;  // the stream position is lost
      begin(std::move(p));
      break;
    }
    in_.erase(0, used);
    begin(srv_.logic().handle(req));
  }
  flush();
}

void connection::begin(response_plan plan) {
  plan_ = std::move(plan);
  next_segment_ = 0;
  busy_ = true;
  if (plan_.streamed) {
    stream_open_ = true;
    srv_.logic().stream_started();
  }
  if (plan_.wait_cancelled) {
    timer_.expires_after(plan_.wait_timeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && self->busy_ && self->plan_.wait_cancelled)
        self->answer_stats();
    });
    return poke();  // answers now, or parks itself as a waiter
  }
  if (plan_.first_delay.count() > 0) {
    timer_.expires_after(plan_.first_delay);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->closed_)
        return;
      self->send_head();
      self->flush();
    });
    return;
  }
  send_head();
}

void connection::poke() {
  if (closed_ || !busy_ || !plan_.wait_cancelled)
    return;
  if (srv_.logic().counters().cancelled >= *plan_.wait_cancelled) {
    timer_.cancel();
    answer_stats();
    return;
  }
  srv_.add_waiter(shared_from_this());
}

void connection::answer_stats() {
  plan_.wait_cancelled.reset();
  plan_.segments = {srv_.logic().stats_json()};
  send_head();
  flush();
}

void connection::send_head() {
  std::string head = "HTTP/1.1 " + std::to_string(plan_.status) + " " + reason(plan_.status)
                     + "\r\nContent-Type: " + plan_.content_type + "\r\n";
  for (auto& [name, value] : plan_.headers)
    head += name + ": " + value + "\r\n";
  if (plan_.streamed) {
    head += "Transfer-Encoding: chunked\r\n";
  } else {
    size_t length = 0;
    for (auto& s : plan_.segments)
      length += s.size();
    if (plan_.end != response_end::complete)
      length *= 2;  // a truncated body: announce the full length
    head += "Content-Length: " + std::to_string(length) + "\r\n";
  }
  if (plan_.close)
    head += "Connection: close\r\n";
  head += "\r\n";
  queue(std::move(head));
  send_next_segment();
}

void connection::send_next_segment() {
  // With no gap, every remaining segment goes out now (one write).
  do {
    if (next_segment_ == plan_.segments.size())
      return finish_response();
    auto& seg = plan_.segments[next_segment_++];
    if (plan_.streamed)
      append_chunk(out_next_, seg);
    else
      out_next_ += seg;
  } while (plan_.gap.count() == 0);
  if (next_segment_ == plan_.segments.size())
    return finish_response();
  timer_.expires_after(plan_.gap);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_)
      return;
    self->send_next_segment();
    self->flush();
  });
}

void connection::finish_response() {
  switch (plan_.end) {
    case response_end::stall:
      return;  // stays busy until the client leaves
    case response_end::disconnect:
      close_after_write_ = true;
      if (stream_open_) {  // the server ends it: not a client cancel
        stream_open_ = false;
        srv_.stream_finished(false);
      }
      return;
    case response_end::complete:
      break;
  }
  if (plan_.streamed) {
    out_next_ += "0\r\n\r\n";
    stream_open_ = false;
    ++streams_in_next_;
  }
  busy_ = false;
  if (plan_.close)
    close_after_write_ = true;
  else
    net::post(sock_.get_executor(), [self = shared_from_this()] {
      if (!self->closed_ && !self->busy_)
        self->process();  // a pipelined request may be waiting
    });
}

void connection::queue(std::string bytes) {
  if (out_next_.empty())
    out_next_ = std::move(bytes);
  else
    out_next_ += bytes;
}

void connection::flush() {
  if (writing_ || closed_)
    return;
  if (out_next_.empty()) {
    if (close_after_write_ && !draining_)
      half_close();
    return;
  }
  writing_ = true;
  std::swap(out_writing_, out_next_);
  out_next_.clear();
  streams_in_writing_ = streams_in_next_;
  streams_in_next_ = 0;
  net::async_write(sock_, net::buffer(out_writing_),
                   [self = shared_from_this()](error_code ec, size_t) { self->on_write(ec); });
}

void connection::on_write(error_code ec) {
  writing_ = false;
  if (closed_)
    return;
  if (ec)
    return fail();
  for (; streams_in_writing_ > 0; --streams_in_writing_)
    srv_.stream_finished(false);
  out_writing_.clear();
  flush();
}

void connection::half_close() {
  // Closing with unread input would reset the connection, and the client
  // could lose the response: send FIN, read until the client's EOF (at most
  // `drain_limit`), then close.
  draining_ = true;
  error_code ec;
  sock_.shutdown(tcp::socket::shutdown_send, ec);
  timer_.expires_after(drain_limit);
  timer_.async_wait([self = shared_from_this()](error_code e) {
    if (!e)
      self->close();
  });
}

void connection::fail() {
  // The client left (or broke the connection): unfinished streams count as
  // cancelled.
  int left = streams_in_next_ + streams_in_writing_ + (stream_open_ ? 1 : 0);
  streams_in_next_ = streams_in_writing_ = 0;
  stream_open_ = false;
  close();
  for (int i = 0; i < left; ++i)
    srv_.stream_finished(true);
}

void connection::close() {
  if (closed_)
    return;
  closed_ = true;
  timer_.cancel();
  error_code ec;
  sock_.shutdown(tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  int left = streams_in_next_ + streams_in_writing_ + (stream_open_ ? 1 : 0);
  streams_in_next_ = streams_in_writing_ = 0;
  stream_open_ = false;
  for (int i = 0; i < left; ++i)
    srv_.stream_finished(false);  // shutdown: not the client's doing
}

} // namespace

int serve(const options& opts, const std::function<void(uint16_t)>& on_ready,
          std::string& error) {
  net::io_context ioc{1};
  server_state srv{ioc, opts};
  if (!srv.listen(error))
    return 1;
  on_ready(srv.port());
  ioc.run();
  return 0;
}

} // namespace wingman::fake_llm
