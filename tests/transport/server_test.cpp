#include "transport/server.hpp"

#include "transport/client.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace wingman::transport;
using namespace std::chrono_literals;

namespace {

/// What the test sinks and handler saw; every wait is bounded.
struct recorder {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::string> frames;
  std::vector<std::string> remotes;
  int sinks_created = 0;
  int sinks_destroyed = 0;

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, timeout, pred);
  }

  /// Runs `f` under the lock (the sinks run on server threads).
  template <class F>
  auto locked(F f) {
    std::lock_guard<std::mutex> guard{mtx};
    return f();
  }
};

constexpr size_t burst_frames = 64;
constexpr size_t burst_frame_bytes = 16u << 10;

/// "flood": frames queued at once, of sizes that use all three WebSocket
/// length encodings (7-bit, 16-bit, 64-bit) and both sides of the
/// transport's copy-or-reference limit (4 KiB).
constexpr size_t flood_frames = 10000;

/// The i-th flood frame: starts with its index, so order is checkable.
std::string flood_frame(size_t i) {
  size_t n = i % 126;
  if (i == 1 || i == 2 || i == 4 || i == 5)
    n = i == 1 ? 125 : i == 2 ? 126 : i == 4 ? 65535 : 65536;
  else if (i % 500 == 7)
    n = 65536 + i;
  else if (i % 10 == 3)
    n = 126 + (i * 37) % 8000;
  auto s = std::to_string(i) + ":";
  s.resize(std::max(n, s.size()), static_cast<char>('a' + i % 26));
  return s;
}

/// Echoes every frame; "burst" sends a big burst synchronously instead, and
/// "bye" makes the server close the connection.
class echo_sink : public frame_sink {
 public:
  echo_sink(std::weak_ptr<connection> conn, std::shared_ptr<recorder> rec)
    : conn_(std::move(conn)), rec_(std::move(rec)) {
    auto c = conn_.lock();
    std::lock_guard<std::mutex> guard{rec_->mtx};
    ++rec_->sinks_created;
    rec_->remotes.push_back(c ? c->remote_address() : "?");
    rec_->cv.notify_all();
  }

  ~echo_sink() override {
    std::lock_guard<std::mutex> guard{rec_->mtx};
    ++rec_->sinks_destroyed;
    rec_->cv.notify_all();
  }

  void on_frame(std::string text) override {
    {
      std::lock_guard<std::mutex> guard{rec_->mtx};
      rec_->frames.push_back(text);
      rec_->cv.notify_all();
    }
    auto c = conn_.lock();
    if (!c)
      return;
    if (text == "burst") {
      for (size_t i = 0; i < burst_frames; ++i)
        c->send(make_frame(std::string(burst_frame_bytes, 'x')));
    } else if (text == "flood") {
      for (size_t i = 0; i < flood_frames; ++i)
        c->send(make_frame(flood_frame(i)));
    } else if (text == "throw") {
      throw std::runtime_error("sink failure");
    } else if (text == "bye") {
      c->send(make_frame("ciao"));
      c->close(close_code::normal, "bye");
      c->close(close_code::internal, "twice");  // idempotent
      c->send(make_frame("after close"));       // dropped
    } else {
      c->send(make_frame(std::move(text)));
    }
  }

 private:
  std::weak_ptr<connection> conn_;
  std::shared_ptr<recorder> rec_;
};

/// Records requests. Paths: /async answers from another thread, /twice
/// answers twice, /drop drops the responder, /never keeps it unanswered,
/// anything else answers 201 at once.
class test_http : public http_handler {
 public:
  void handle(http_request req, http_responder respond) override {
    auto path = req.path;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      requests_.push_back(std::move(req));
      cv_.notify_all();
    }
    if (path == "/async") {
      std::lock_guard<std::mutex> guard{mtx_};
      threads_.emplace_back([r = std::move(respond)] {
        r(http_response{200, "text/plain", "async", {}});
      });
    } else if (path == "/throw") {
      throw std::runtime_error("handler failure");
    } else if (path == "/twice") {
      respond(http_response{200, "text/plain", "first", {}});
      respond(http_response{200, "text/plain", "second", {}});
    } else if (path == "/drop") {
      // dropping the responder unanswered
    } else if (path == "/never") {
      std::lock_guard<std::mutex> guard{mtx_};
      kept_.push_back(std::move(respond));
    } else {
      respond(
        http_response{201, "text/plain", "ok " + path, {{"X-Reply", "1"}}});
    }
  }

  /// Waits until `n` requests arrived.
  bool wait_requests(size_t n) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, 5s, [&] { return requests_.size() >= n; });
  }

  http_request last() {
    std::lock_guard<std::mutex> guard{mtx_};
    return requests_.empty() ? http_request{} : requests_.back();
  }

  void join() {
    std::vector<std::thread> ts;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      ts.swap(threads_);
    }
    for (auto& t : ts)
      t.join();
  }

 private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<http_request> requests_;
  std::vector<std::thread> threads_;
  std::vector<http_responder> kept_;
};

/// A server on 127.0.0.1:<any> running in a background thread.
struct fixture {
  explicit fixture(server_options opts = {}) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    if (!opts.too_large_frame)
      opts.too_large_frame = [](size_t limit) {
        return "too large: " + std::to_string(limit);
      };
    auto r = rec;
    srv = std::make_unique<server>(
      std::move(opts),
      [r](std::weak_ptr<connection> c) {
        return std::make_unique<echo_sink>(std::move(c), r);
      },
      http);
    REQUIRE(srv->listen() == "");
    REQUIRE(srv->port() != 0);
    runner = std::thread([this] {
      srv->run();
      ran.set_value();
    });
  }

  ~fixture() {
    http->join();
    srv->stop();
    runner.join();
  }

  uint16_t port() const {
    return srv->port();
  }

  /// Connects and proves the session is live (its sink exists).
  void connect(ws_client& c) {
    REQUIRE(c.connect("127.0.0.1", port()) == "");
    REQUIRE(c.send("hello") == "");
    REQUIRE(c.receive() == std::optional<std::string>{"hello"});
  }

  std::shared_ptr<recorder> rec = std::make_shared<recorder>();
  std::shared_ptr<test_http> http = std::make_shared<test_http>();
  std::unique_ptr<server> srv;
  std::promise<void> ran;
  std::future<void> ran_f = ran.get_future();
  std::thread runner;
};

const std::string* find_header(const http_result& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name)
      return &v;
  return nullptr;
}

/// A port that was free a moment ago (bound to 0, then released).
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
      && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

/// A raw keep-alive HTTP/1.1 connection (our http_call always closes).
class raw_http {
 public:
  explicit raw_http(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = fd_ >= 0
          && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr)
               == 0;
  }

  ~raw_http() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  bool ok() const {
    return ok_;
  }

  /// Waits until the peer closes (recv returns 0 or fails), reading and
  /// discarding whatever arrives. False on timeout.
  bool wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) < 0)
        return false;
      char tmp[4096];
      if (p.revents != 0 && ::recv(fd_, tmp, sizeof tmp, 0) <= 0)
        return true;
    }
  }

  bool write(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      auto n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  /// Appends what arrives within `timeout` to `out`; false on close/error.
  bool read_some(std::string& out, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
      return false;
    char tmp[65536];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0)
      return false;
    out.append(tmp, static_cast<size_t>(n));
    return true;
  }

  /// Bytes read past the last response (e.g. frames after a 101).
  std::string take_rest() {
    return std::exchange(buf_, {});
  }

  /// Reads one response (headers plus Content-Length body); "" on failure.
  std::string read_response(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto head = buf_.substr(0, end + 4);
        size_t len = 0;
        auto cl = head.find("Content-Length: ");
        if (cl != std::string::npos)
          len = std::stoul(head.substr(cl + 16));
        if (buf_.size() >= end + 4 + len) {
          auto res = buf_.substr(0, end + 4 + len);
          buf_.erase(0, end + 4 + len);
          return res;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return {};
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return {};
      char tmp[4096];
      auto n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0)
        return {};
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

/// A masked client frame (mask key 0: the payload bytes stay as they are).
std::string client_frame(uint8_t opcode, const std::string& payload) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  f.push_back(static_cast<char>(0x80 | payload.size()));  // < 126 bytes here
  f.append(4, '\0');
  return f + payload;
}

struct server_frame {
  int opcode;
  std::string payload;
};

/// Takes every complete server frame off the front of `buf`. Fails (returns
/// false) on anything a strict client rejects: masked, fragmented or RSV
/// bits, a non-minimal length encoding.
bool parse_server_frames(std::string& buf, std::vector<server_frame>& out) {
  size_t at = 0;
  for (;;) {
    auto avail = buf.size() - at;
    if (avail < 2)
      break;
    auto b0 = static_cast<uint8_t>(buf[at]);
    auto b1 = static_cast<uint8_t>(buf[at + 1]);
    if ((b0 & 0xF0) != 0x80 || (b1 & 0x80) != 0)
      return false;
    uint64_t len = b1 & 0x7F;
    size_t hdr = 2;
    if (len >= 126) {
      hdr = len == 126 ? 4 : 10;
      if (avail < hdr)
        break;
      len = 0;
      for (size_t i = 2; i < hdr; ++i)
        len = (len << 8) | static_cast<uint8_t>(buf[at + i]);
      if ((hdr == 4 && len < 126) || (hdr == 10 && len <= 0xFFFF))
        return false;
    }
    if (avail < hdr + len)
      break;
    out.push_back({b0 & 0x0F, buf.substr(at + hdr, len)});
    at += hdr + len;
  }
  buf.erase(0, at);
  return true;
}

} // namespace

TEST_SUITE("transport/server") {

TEST_CASE("a websocket client gets its frame echoed") {
  fixture f;
  ws_client c;
  f.connect(c);
  CHECK(!c.closed());
  REQUIRE(f.rec->wait([&] { return f.rec->sinks_created == 1; }));
  CHECK(f.rec->locked([&] { return f.rec->remotes.at(0); }) == "127.0.0.1");
  auto st = f.srv->stats();
  CHECK(st.connections_open == 1);
  CHECK(st.connections_total == 1);
  CHECK(st.frames_in == 1);
}

TEST_CASE("many frames arrive in order, both ways") {
  fixture f;
  ws_client c;
  f.connect(c);
  constexpr int n = 500;
  for (int i = 0; i < n; ++i)
    REQUIRE(c.send("m" + std::to_string(i)) == "");
  for (int i = 0; i < n; ++i)
    REQUIRE(c.receive() == std::optional<std::string>{"m" + std::to_string(i)});
  REQUIRE(f.rec->wait([&] { return f.rec->frames.size() == n + 1u; }));
  auto frames = f.rec->locked([&] { return f.rec->frames; });
  for (int i = 0; i < n; ++i)
    CHECK(frames[i + 1] == "m" + std::to_string(i));
}

TEST_CASE("frames queued at once arrive intact and in order") {
  fixture f;
  ws_client c;
  f.connect(c);
  REQUIRE(c.send("flood") == "");
  for (size_t i = 0; i < flood_frames; ++i) {
    auto got = c.receive();
    REQUIRE(got);
    REQUIRE(got->size() == flood_frame(i).size());
    REQUIRE(*got == flood_frame(i));
  }
  REQUIRE(c.send("after") == "");
  CHECK(c.receive() == std::optional<std::string>{"after"});
  // `frames_out` counts a write when it completes. The echo of "after" is
  // written only after every earlier write completed, but its own
  // completion may still be on its way when the client has read it.
  auto out = f.srv->stats().frames_out;
  CHECK(out >= flood_frames + 1);
  CHECK(out <= flood_frames + 2);
}

TEST_CASE("a pong never lands inside a burst of data frames") {
  fixture f;
  raw_http raw{f.port()};
  REQUIRE(raw.ok());
  REQUIRE(raw.write("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  REQUIRE(raw.read_response().rfind("HTTP/1.1 101", 0) == 0);
  // The ping arrives while the burst is queued or being written.
  REQUIRE(raw.write(client_frame(0x1, "flood") + client_frame(0x9, "p1")
                    + client_frame(0x9, "p2")));
  std::string buf = raw.take_rest();
  std::vector<server_frame> frames;
  size_t texts = 0;
  std::vector<std::string> pongs;
  while (texts < flood_frames || pongs.size() < 2) {
    REQUIRE(parse_server_frames(buf, frames));
    for (auto& fr : frames) {
      if (fr.opcode == 0xA) {
        pongs.push_back(fr.payload);
        continue;
      }
      REQUIRE(fr.opcode == 0x1);
      REQUIRE(texts < flood_frames);
      REQUIRE(fr.payload == flood_frame(texts));
      ++texts;
    }
    frames.clear();
    if (texts < flood_frames || pongs.size() < 2)
      REQUIRE(raw.read_some(buf, 5s));
  }
  CHECK(pongs == std::vector<std::string>{"p1", "p2"});
  CHECK(buf.empty());
}

TEST_CASE("a receive timeout leaves the connection usable") {
  fixture f;
  ws_client c;
  f.connect(c);
  CHECK(!c.receive(50ms));
  CHECK(!c.closed());
  REQUIRE(c.send("again") == "");
  CHECK(c.receive() == std::optional<std::string>{"again"});
}

TEST_CASE("a plain GET on /ws is answered 400") {
  fixture f;
  auto r = http_call("127.0.0.1", f.port(), "GET", "/ws");
  REQUIRE(r.error == "");
  CHECK(r.status == 400);
  CHECK(r.body == R"({"error":"WebSocket upgrade required"})");
}

TEST_CASE("an upgrade on another path is answered 404") {
  fixture f;
  ws_client c;
  auto err = c.connect("127.0.0.1", f.port(), "/other");
  CHECK(err.find("404") != std::string::npos);
  CHECK(f.rec->locked([&] { return f.rec->sinks_created; }) == 0);
}

TEST_CASE("the http handler sees decoded path, query, headers and body") {
  fixture f;
  auto r = http_call("127.0.0.1", f.port(), "POST",
                     "/api/some%20thing?limit=5&q=a%20b",
                     {{"X-Test-Header", "Yes"}}, "payload");
  REQUIRE(r.error == "");
  CHECK(r.status == 201);
  CHECK(r.body == "ok /api/some thing");
  REQUIRE(find_header(r, "x-reply"));
  REQUIRE(find_header(r, "server"));
  CHECK(*find_header(r, "server") == "wingman");
  REQUIRE(find_header(r, "content-type"));
  CHECK(*find_header(r, "content-type") == "text/plain");
  REQUIRE(find_header(r, "content-length"));
  CHECK(*find_header(r, "content-length") == "18");
  auto req = f.http->last();
  CHECK(req.method == "POST");
  CHECK(req.target == "/api/some%20thing?limit=5&q=a%20b");
  CHECK(req.path == "/api/some thing");
  CHECK(req.query == "limit=5&q=a%20b");
  REQUIRE(req.header("x-test-header"));
  CHECK(*req.header("x-test-header") == "Yes");
  CHECK(req.header("X-Test-Header") == nullptr);
  CHECK(req.body == "payload");
  CHECK(req.remote_address == "127.0.0.1");
  CHECK(req.remote_is_loopback);
}

TEST_CASE("http keep-alive serves several requests on one connection") {
  fixture f;
  raw_http conn{f.port()};
  REQUIRE(conn.ok());
  for (int i = 0; i < 3; ++i) {
    auto path = "/k" + std::to_string(i);
    REQUIRE(conn.write("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = conn.read_response();
    REQUIRE(!res.empty());
    CHECK(res.rfind("HTTP/1.1 201", 0) == 0);
    CHECK(res.find("ok " + path) != std::string::npos);
  }
}

TEST_CASE("the responder may answer from another thread, once") {
  fixture f;
  auto r = http_call("127.0.0.1", f.port(), "GET", "/async");
  REQUIRE(r.error == "");
  CHECK(r.status == 200);
  CHECK(r.body == "async");
  r = http_call("127.0.0.1", f.port(), "GET", "/twice");
  REQUIRE(r.error == "");
  CHECK(r.body == "first");
  r = http_call("127.0.0.1", f.port(), "GET", "/drop");
  REQUIRE(r.error == "");
  CHECK(r.status == 500);
  r = http_call("127.0.0.1", f.port(), "GET", "/throw");
  REQUIRE(r.error == "");
  CHECK(r.status == 500);
}

TEST_CASE("a handler that never answers gets 503 after the http timeout") {
  server_options opts;
  opts.http_timeout = 1s;
  fixture f{opts};
  auto r = http_call("127.0.0.1", f.port(), "GET", "/never", {}, {}, 10s);
  REQUIRE(r.error == "");
  CHECK(r.status == 503);
}

TEST_CASE("a request body over the limit is answered 413") {
  server_options opts;
  opts.max_http_body_bytes = 1024;
  fixture f{opts};
  auto r = http_call("127.0.0.1", f.port(), "POST", "/big", {},
                     std::string(4096, 'b'));
  REQUIRE(r.error == "");
  CHECK(r.status == 413);
  CHECK(r.body == R"({"error":"request body too large"})");
  r = http_call("127.0.0.1", f.port(), "POST", "/fits", {},
                std::string(1024, 'b'));
  REQUIRE(r.error == "");
  CHECK(r.status == 201);
}

TEST_CASE("a frame over the limit gets the error frame, then close 1009") {
  server_options opts;
  opts.max_frame_bytes = 1024;
  fixture f{opts};
  ws_client other;
  f.connect(other);
  ws_client c;
  f.connect(c);
  REQUIRE(c.send(std::string(1024, 'a')) == "");  // exactly at the limit
  CHECK(c.receive() == std::optional<std::string>{std::string(1024, 'a')});
  REQUIRE(c.send(std::string(5000, 'a')) == "");
  CHECK(c.receive() == std::optional<std::string>{"too large: 1024"});
  CHECK(!c.receive());
  CHECK(c.closed());
  CHECK(c.close_code() == close_code::too_big);
  REQUIRE(other.send("still here") == "");
  CHECK(other.receive() == std::optional<std::string>{"still here"});
  for (const auto& frame : f.rec->locked([&] { return f.rec->frames; }))
    CHECK(frame.size() <= 1024);
}

TEST_CASE("a slow consumer is closed with 1008") {
  server_options opts;
  opts.write_queue_bytes = 64u << 10;
  fixture f{opts};
  ws_client c;
  f.connect(c);
  // The sink queues 1 MiB synchronously; the client reads nothing meanwhile.
  REQUIRE(c.send("burst") == "");
  size_t received = 0;
  while (received <= burst_frames && c.receive())
    ++received;
  CHECK(c.closed());
  CHECK(c.close_code() == close_code::policy);
  CHECK(received < burst_frames);
  CHECK(f.srv->stats().slow_consumer_closes == 1);
}

TEST_CASE("close flushes queued frames, is idempotent, drops later sends") {
  fixture f;
  ws_client c;
  f.connect(c);
  REQUIRE(c.send("bye") == "");
  CHECK(c.receive() == std::optional<std::string>{"ciao"});
  CHECK(!c.receive());
  CHECK(c.closed());
  CHECK(c.close_code() == close_code::normal);
}

TEST_CASE("a sink that throws gets its connection closed with 1011") {
  fixture f;
  ws_client c;
  f.connect(c);
  REQUIRE(c.send("throw") == "");
  CHECK(!c.receive());
  CHECK(c.closed());
  CHECK(c.close_code() == close_code::internal);
  REQUIRE(f.rec->wait([&] { return f.rec->sinks_destroyed == 1; }));
}

TEST_CASE("the sink is destroyed when the client disconnects") {
  fixture f;
  ws_client c;
  f.connect(c);
  CHECK(f.rec->locked([&] { return f.rec->sinks_destroyed; }) == 0);
  c.close();
  CHECK(c.closed());
  REQUIRE(f.rec->wait([&] { return f.rec->sinks_destroyed == 1; }));
  CHECK(f.srv->stats().connections_open == 0);
}

TEST_CASE("a peer that ignores pings is dropped after the idle timeout") {
  server_options opts;
  opts.ping_interval = 1s;  // ping after 1 s of silence ...
  opts.idle_timeout = 2s;   // ... and drop the peer after 2 s
  fixture f{opts};
  // A raw upgrade that never reads, so it never answers a ping.
  raw_http mute{f.port()};
  REQUIRE(mute.ok());
  REQUIRE(mute.write("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  REQUIRE(mute.read_response().rfind("HTTP/1.1 101", 0) == 0);
  // A client with a read pending answers the pings and stays connected.
  ws_client live;
  f.connect(live);
  CHECK(!live.receive(3s));
  CHECK(!live.closed());
  REQUIRE(mute.wait_closed(5s));
  REQUIRE(f.rec->wait([&] { return f.rec->sinks_destroyed == 1; }));
  REQUIRE(live.send("alive") == "");
  CHECK(live.receive() == std::optional<std::string>{"alive"});
}

TEST_CASE("with two io threads, concurrent clients all get their echoes") {
  server_options opts;
  opts.io_threads = 2;
  fixture f{opts};
  constexpr int clients = 4;
  constexpr int frames = 100;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      ws_client c;
      if (c.connect("127.0.0.1", f.port()) != "")
        return;
      int ok = 0;
      for (int i = 0; i < frames; ++i) {
        auto text = std::to_string(t) + ":" + std::to_string(i);
        if (c.send(text) == ""
            && c.receive() == std::optional<std::string>{text})
          ++ok;
      }
      c.close();
      if (ok == frames)
        ++good;
    });
  for (auto& t : threads)
    t.join();
  CHECK(good == clients);
  REQUIRE(f.rec->wait([&] { return f.rec->sinks_destroyed == clients; }));
  CHECK(f.srv->stats().frames_in == clients * frames);
  CHECK(f.srv->stats().frames_out == clients * frames);
}

TEST_CASE("listen_also serves the same handlers on another port") {
  fixture f;
  auto second = free_port();
  REQUIRE(second != 0);
  REQUIRE(f.srv->listen_also("127.0.0.1", second) == "");
  auto r = http_call("127.0.0.1", second, "GET", "/second");
  REQUIRE(r.error == "");
  CHECK(r.status == 201);
  CHECK(r.body == "ok /second");
  CHECK(f.srv->listen() == "already listening");
}

TEST_CASE("stop closes live websockets with 1001 and run returns") {
  fixture f;
  ws_client a;
  ws_client b;
  f.connect(a);
  f.connect(b);
  raw_http idle_http{f.port()};
  REQUIRE(idle_http.ok());
  // An HTTP request whose handler never answers must not hold up stop().
  std::promise<http_result> pending;
  auto pending_f = pending.get_future();
  std::thread caller{[&] {
    pending.set_value(http_call("127.0.0.1", f.port(), "GET", "/never"));
  }};
  REQUIRE(f.http->wait_requests(1));
  f.srv->stop();
  CHECK(!a.receive());
  CHECK(a.closed());
  CHECK(a.close_code() == close_code::going_away);
  CHECK(!b.receive());
  CHECK(b.close_code() == close_code::going_away);
  // Under the server's 5 s shutdown grace: everything closed, nothing cut.
  REQUIRE(f.ran_f.wait_for(4s) == std::future_status::ready);
  REQUIRE(f.rec->wait([&] { return f.rec->sinks_destroyed == 2; }));
  caller.join();
  CHECK(!pending_f.get().error.empty());
  CHECK(http_call("127.0.0.1", f.port(), "GET", "/x", {}, {}, 1s).error
        != "");
  f.srv->stop();  // idempotent
}

} // TEST_SUITE

TEST_SUITE("transport/client") {

TEST_CASE("parse_url splits ws and http urls") {
  auto u = parse_url("ws://127.0.0.1:18789/ws");
  REQUIRE(u);
  CHECK(u->scheme == "ws");
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 18789);
  CHECK(u->target == "/ws");
  u = parse_url("http://localhost/api/x?y=1");
  REQUIRE(u);
  CHECK(u->port == 80);
  CHECK(u->target == "/api/x?y=1");
  u = parse_url("http://[::1]:8080");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->target == "/");
  CHECK(!parse_url("ftp://x/"));
  CHECK(!parse_url("ws://:80/"));
  CHECK(!parse_url("ws://host:99999/"));
  CHECK(!parse_url("ws://host:/"));
  CHECK(!parse_url("no scheme"));
}

TEST_CASE("http_call reports a connection failure") {
  // A server that is destroyed without ever running frees its port.
  uint16_t port = 0;
  {
    server_options opts;
    server s{opts, nullptr, nullptr};
    REQUIRE(s.listen() == "");
    port = s.port();
  }
  REQUIRE(port != 0);
  auto r = http_call("127.0.0.1", port, "GET", "/", {}, {}, 2s);
  CHECK(!r.error.empty());
}

} // TEST_SUITE
