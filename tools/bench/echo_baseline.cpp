// wingman-echo-baseline: the thinnest WebSocket server we know how to write,
// one thread, as the physical-limit reference for `wingman-bench echo`.
//
//   wingman-echo-baseline --port P [--host 127.0.0.1]
//
// Beast does the HTTP upgrade only; then the socket is taken over and framed
// by hand (tools/bench/ws_frame.hpp). Every text frame is echoed, except
// `{"stream":N,"size":S}`, answered with N frames of S bytes (a streamed
// turn), and `{"subscribe":1}`, which adds the connection to the one fan-out
// group (answer `{"subscribed":1}`); `{"stream":N,"size":S,"fanout":1}`
// sends the N frames to the requester and to every subscriber (the
// `wingman-bench fanout --echo` pattern). Frames produced while handling one read are appended to a
// per-connection buffer ("cork") and flushed with one write per event-loop
// turn. Prints `listening <port>` when ready.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/ws_frame.hpp"

namespace wingman::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

/// Reads `"key":<unsigned>` from a small JSON text; -1 when absent.
long json_uint(std::string_view text, std::string_view key) {
  auto at = text.find(key);
  if (at == std::string_view::npos)
    return -1;
  at += key.size();
  while (at < text.size() && (text[at] == ' ' || text[at] == ':' || text[at] == '"'))
    ++at;
  long v = 0;
  bool any = false;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
    v = v * 10 + (text[at++] - '0');
    any = true;
    if (v > 100000000)
      return -1;
  }
  return any ? v : -1;
}

class connection;

/// The fan-out group (one thread: no locking).
std::vector<std::weak_ptr<connection>> subscribers;

/// One framed connection after the upgrade, with a corked write buffer.
class connection : public std::enable_shared_from_this<connection> {
public:
  explicit connection(tcp::socket s) : sock_(std::move(s)) {
    sock_.set_option(tcp::no_delay{true});
  }

  /// Starts reading; `early` holds bytes read past the upgrade request.
  void start(std::string_view early) {
    if (!early.empty()) {
      parser_.feed(early.data(), early.size());
      on_data();
    }
    read();
  }

private:
  void read() {
    auto [p, n] = parser_.space();
    sock_.async_read_some(asio::buffer(p, n),
                          [self = shared_from_this()](beast::error_code ec, size_t got) {
                            if (ec)
                              return self->shut();
                            self->parser_.commit(got);
                            self->on_data();
                            if (!self->closed_)
                              self->read();
                          });
  }

  void on_data() {
    bool ok = parser_.parse([this](ws_op op, std::string_view body) { on_message(op, body); });
    if (!ok)
      return shut();
    schedule_flush();
  }

  void on_message(ws_op op, std::string_view body) {
    switch (op) {
      case ws_op::text:
      case ws_op::binary:
        if (body.size() < 64 && body.substr(0, 10) == "{\"stream\":") {
          long n = json_uint(body, "\"stream\"");
          long size = json_uint(body, "\"size\"");
          if (n >= 0 && size >= 0 && json_uint(body, "\"fanout\"") == 1)
            return fanout(static_cast<size_t>(n), static_cast<size_t>(size));
          if (n >= 0 && size >= 0)
            return stream(static_cast<size_t>(n), static_cast<size_t>(size));
        }
        if (body == "{\"subscribe\":1}") {
          subscribers.push_back(weak_from_this());
          return append_frame(pending_, ws_op::text, "{\"subscribed\":1}");
        }
        append_frame(pending_, op, body);
        break;
      case ws_op::ping:
        append_frame(pending_, ws_op::pong, body);
        break;
      case ws_op::close:
        append_frame(pending_, ws_op::close, body.substr(0, 2));
        closing_ = true;
        break;
      default:
        break;
    }
  }

  /// Appends `n` pre-framed copies of an `s`-byte text frame.
  void stream(size_t n, size_t s) {
    if (s != stream_size_ || stream_frame_.empty()) {
      stream_frame_.clear();
      append_frame(stream_frame_, ws_op::text, std::string(s, 'x'));
      stream_size_ = s;
    }
    for (size_t i = 0; i < n; ++i)
      pending_.append(stream_frame_);
  }

  /// `stream` to this connection and to every live subscriber.
  void fanout(size_t n, size_t s) {
    stream(n, s);
    size_t live = 0;
    for (auto& w : subscribers) {
      auto c = w.lock();
      if (!c || c->closed_)
        continue;
      subscribers[live++] = w;
      if (c.get() == this)
        continue;
      for (size_t i = 0; i < n; ++i)
        c->pending_.append(stream_frame_);
      c->schedule_flush();
    }
    subscribers.resize(live);
  }

  /// Posts one flush for this event-loop turn.
  void schedule_flush() {
    if (flush_posted_ || writing_ || pending_.empty())
      return;
    flush_posted_ = true;
    asio::post(sock_.get_executor(), [self = shared_from_this()] {
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
    asio::async_write(sock_, asio::buffer(writing_buf_),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        self->writing_buf_.clear();
                        if (ec)
                          return self->shut();
                        if (self->closing_ && self->pending_.empty())
                          return self->shut();
                        self->flush();
                      });
  }

  void shut() {
    if (closed_)
      return;
    closed_ = true;
    beast::error_code ec;
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
  }

  tcp::socket sock_;
  ws_parser parser_;
  std::string pending_;
  std::string writing_buf_;
  std::string stream_frame_;
  size_t stream_size_ = 0;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

/// The upgrade: Beast reads the request and answers 101, then hands over.
class upgrade : public std::enable_shared_from_this<upgrade> {
public:
  explicit upgrade(tcp::socket s) : ws_(std::move(s)) {}

  void run() {
    http::async_read(ws_.next_layer(), buf_, req_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec)
                         return;
                       self->ws_.async_accept(self->req_, [self](beast::error_code ec2) {
                         if (ec2)
                           return;
                         auto data = self->buf_.data();
                         std::string early{static_cast<const char*>(data.data()), data.size()};
                         auto c = std::make_shared<connection>(std::move(self->ws_.next_layer()));
                         c->start(early);
                       });
                     });
  }

private:
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
};

void accept_loop(tcp::acceptor& acc) {
  acc.async_accept([&acc](beast::error_code ec, tcp::socket s) {
    if (!ec)
      std::make_shared<upgrade>(std::move(s))->run();
    if (acc.is_open())
      accept_loop(acc);
  });
}

int run(int argc, char** argv) {
  std::string host = "127.0.0.1";
  long port = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--port" && i + 1 < argc)
      port = std::strtol(argv[++i], nullptr, 10);
    else if (a == "--host" && i + 1 < argc)
      host = argv[++i];
    else {
      std::fprintf(stderr, "usage: wingman-echo-baseline --port P [--host 127.0.0.1]\n");
      return 2;
    }
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: wingman-echo-baseline --port P [--host 127.0.0.1]\n");
    return 2;
  }
  asio::io_context ioc{1};
  tcp::endpoint ep{asio::ip::make_address(host), static_cast<uint16_t>(port)};
  tcp::acceptor acc{ioc};
  acc.open(ep.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen(asio::socket_base::max_listen_connections);
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  accept_loop(acc);
  std::printf("listening %u\n", static_cast<unsigned>(acc.local_endpoint().port()));
  std::fflush(stdout);
  ioc.run();
  return 0;
}

}  // namespace
}  // namespace wingman::bench

int main(int argc, char** argv) {
  try {
    return wingman::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wingman-echo-baseline: %s\n", e.what());
    return 1;
  }
}
