#include "transport/http_stream_client.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace wingman::transport;
using namespace std::chrono_literals;

namespace {

/// Bound on every wait in this file (a failure, never a timing assert).
constexpr auto wait_limit = 10s;

bool send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

/// Reads one request (head + Content-Length body); "" on EOF first.
std::string read_request(int fd) {
  std::string in;
  char buf[4096];
  size_t head_end = std::string::npos;
  while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      return {};
    in.append(buf, static_cast<size_t>(n));
  }
  size_t length = 0;
  auto cl = in.find("Content-Length: ");
  if (cl != std::string::npos && cl < head_end)
    length = std::stoul(in.substr(cl + 16));
  while (in.size() < head_end + 4 + length) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

/// Blocks until the peer closes (recv returns 0 or fails); true on EOF.
bool wait_eof(int fd) {
  char buf[1024];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      return true;
  }
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return size + data + "\r\n";
}

/// A scripted HTTP server on 127.0.0.1:0 (blocking sockets, one thread):
/// accepts a connection, reads its first request, runs the script on the
/// socket, closes it, and accepts the next. `hold()` inside a script blocks
/// until the server is destroyed.
class script_server {
 public:
  using script = std::function<void(int fd, script_server& self)>;

  /// With `read_first` false the script gets the socket untouched (TLS).
  explicit script_server(script s, bool read_first = true) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(listen_fd_, 4) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, s = std::move(s), read_first] {
      for (;;) {  // one connection at a time, until the server is destroyed
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0)
          return;
        {
          std::lock_guard<std::mutex> g{mtx_};
          conn_fd_ = fd;
          ++connections_;
        }
        if (read_first) {
          auto req = read_request(fd);
          if (connections() == 1)
            request_.set_value(req);
        }
        s(fd, *this);
        std::lock_guard<std::mutex> g{mtx_};
        ::close(fd);
        conn_fd_ = -1;
      }
    });
  }

  ~script_server() {
    {
      std::lock_guard<std::mutex> g{mtx_};
      released_ = true;
      if (conn_fd_ >= 0)
        ::shutdown(conn_fd_, SHUT_RDWR);  // unblocks a script stuck in recv
    }
    cv_.notify_all();
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }

  std::string url(const std::string& path = "/v1/stream") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// The request the server received.
  std::string request() {
    auto f = request_.get_future();
    REQUIRE(f.wait_for(wait_limit) == std::future_status::ready);
    return f.get();
  }

  /// Connections accepted so far (the script of each runs after its first
  /// request was read).
  int connections() {
    std::lock_guard<std::mutex> g{mtx_};
    return connections_;
  }

  /// Blocks the script until the server is destroyed.
  void hold() {
    std::unique_lock<std::mutex> g{mtx_};
    cv_.wait(g, [this] { return released_; });
  }

 private:
  int listen_fd_ = -1;
  int conn_fd_ = -1;  ///< Guarded by mtx_.
  int connections_ = 0;  ///< Guarded by mtx_.
  uint16_t port_ = 0;
  std::promise<std::string> request_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool released_ = false;
  std::thread thread_;
};

/// Records every callback of one request and checks their order.
struct collector {
  std::mutex mtx;
  std::condition_variable cv;
  int status = -1;
  std::vector<http_header> headers;
  std::vector<std::string> pieces;
  std::string body;
  std::optional<http_error> result;
  int done_calls = 0;
  bool order_violation = false;

  http_stream_handler handler() {
    return {
      [this](int s, const std::vector<http_header>& h) {
        std::lock_guard<std::mutex> g{mtx};
        if (status != -1 || result)
          order_violation = true;
        status = s;
        headers = h;
        cv.notify_all();
      },
      [this](std::string_view bytes) {
        std::lock_guard<std::mutex> g{mtx};
        if (status == -1 || result || bytes.empty())
          order_violation = true;
        pieces.emplace_back(bytes);
        body.append(bytes);
        cv.notify_all();
      },
      [this](const http_error& e) {
        std::lock_guard<std::mutex> g{mtx};
        if (result)
          order_violation = true;
        result = e;
        ++done_calls;
        cv.notify_all();
      },
    };
  }

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock<std::mutex> g{mtx};
    return cv.wait_for(g, wait_limit, [&] { return pred(); });
  }

  http_error done() {
    REQUIRE(wait([this] { return result.has_value(); }));
    std::lock_guard<std::mutex> g{mtx};
    CHECK_FALSE(order_violation);
    CHECK(done_calls == 1);
    return *result;
  }

  std::string header(const std::string& name) {
    std::lock_guard<std::mutex> g{mtx};
    for (auto& h : headers)
      if (h.name == name)
        return h.value;
    return "<absent>";
  }
};

outbound_request post(const std::string& url, std::string body = R"({"x":1})") {
  return {"POST", url, {{"Content-Type", "application/json"}}, std::move(body)};
}

const std::string chunked_head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n";

} // namespace

TEST_CASE("chunked body is delivered read by read, in order and exact") {
  const std::vector<std::string> parts{"data: one\n\n", "data: two\n\n", "data: \xc3\xa9\n\n"};
  collector col;
  std::atomic<bool> lockstep_ok{true};
  script_server server{[&](int fd, script_server&) {
    send_all(fd, chunked_head);
    for (size_t i = 0; i < parts.size(); ++i) {
      send_all(fd, chunk(parts[i]));
      // The next part is sent only once the client has seen this one: a
      // client that waited for a buffer to fill would never get here.
      std::string want;
      for (size_t j = 0; j <= i; ++j)
        want += parts[j];
      if (!col.wait([&] { return col.body == want; }))
        lockstep_ok = false;
    }
    send_all(fd, "0\r\n\r\n");
  }};
  http_client client;
  auto stream = client.start(post(server.url()), {}, col.handler());
  auto result = col.done();
  CHECK(result.ok());
  CHECK(lockstep_ok);
  CHECK(col.status == 200);
  CHECK(col.header("Content-Type") == "text/event-stream");
  CHECK(col.body == parts[0] + parts[1] + parts[2]);
  CHECK(col.pieces.size() == parts.size());
}

TEST_CASE("the request carries method, target, Host, headers and body") {
  collector col;
  script_server server{[](int fd, script_server&) {
    send_all(fd, "HTTP/1.1 204 No Content\r\n\r\n");
  }};
  http_client client;
  outbound_request req{"POST", server.url("/v1/chat/completions?x=1"),
                   {{"Authorization", "Bearer k"}, {"Content-Type", "application/json"}},
                   R"({"model":"m"})"};
  auto stream = client.start(req, {}, col.handler());
  auto head = server.request();
  CHECK(head.rfind("POST /v1/chat/completions?x=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(head.find("Host: 127.0.0.1:") != std::string::npos);
  CHECK(head.find("Authorization: Bearer k\r\n") != std::string::npos);
  CHECK(head.find("Content-Length: 13\r\n") != std::string::npos);
  CHECK(head.substr(head.size() - 13) == R"({"model":"m"})");
  CHECK(col.done().ok());
  CHECK(col.status == 204);
  CHECK(col.body.empty());
}

TEST_CASE("Content-Length and close-delimited bodies") {
  SUBCASE("content-length") {
    collector col;
    script_server server{[](int fd, script_server&) {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello");
      send_all(fd, " world");
    }};
    http_client client;
    auto stream = client.start(post(server.url()), {}, col.handler());
    CHECK(col.done().ok());
    CHECK(col.body == "hello world");
  }
  SUBCASE("until close") {
    collector col;
    script_server server{[](int fd, script_server&) {
      send_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbye now");
    }};
    http_client client;
    auto stream = client.start(post(server.url()), {}, col.handler());
    CHECK(col.done().ok());
    CHECK(col.body == "bye now");
  }
}

TEST_CASE("error statuses arrive with their body, capped") {
  SUBCASE("429 with retry-after") {
    collector col;
    script_server server{[](int fd, script_server&) {
      std::string body = R"({"error":{"message":"slow down","type":"rate_limit"}})";
      send_all(fd, "HTTP/1.1 429 Too Many Requests\r\nretry-after: 0\r\nContent-Length: "
                     + std::to_string(body.size()) + "\r\n\r\n" + body);
    }};
    http_client client;
    auto stream = client.start(post(server.url()), {}, col.handler());
    CHECK(col.done().ok());
    CHECK(col.status == 429);
    CHECK(col.header("retry-after") == "0");
    CHECK(col.body == R"({"error":{"message":"slow down","type":"rate_limit"}})");
  }
  SUBCASE("500 body over the limit keeps only its start") {
    collector col;
    std::string big(100'000, 'e');
    script_server server{[&](int fd, script_server&) {
      send_all(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: "
                     + std::to_string(big.size()) + "\r\n\r\n" + big);
    }};
    http_limits limits;
    limits.max_error_body_bytes = 1000;
    http_client client{1, limits};
    auto stream = client.start(post(server.url()), {}, col.handler());
    CHECK(col.done().ok());
    CHECK(col.status == 500);
    CHECK(col.body == std::string(1000, 'e'));
  }
}

TEST_CASE("a 2xx body is not capped") {
  collector col;
  std::string big(300'000, 'x');
  script_server server{[&](int fd, script_server&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big.size())
                   + "\r\n\r\n" + big);
  }};
  http_limits limits;
  limits.max_error_body_bytes = 10;
  http_client client{1, limits};
  auto stream = client.start(post(server.url()), {}, col.handler());
  CHECK(col.done().ok());
  CHECK(col.body.size() == big.size());
}

TEST_CASE("oversized response headers are a protocol error") {
  collector col;
  script_server server{[](int fd, script_server&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70'000, 'h') + "\r\n\r\n");
  }};
  http_client client;
  auto stream = client.start(post(server.url()), {}, col.handler());
  auto result = col.done();
  CHECK(result.kind == http_error_kind::protocol);
  CHECK(result.message.find("headers exceed") != std::string::npos);
  CHECK(col.status == -1);
}

TEST_CASE("a server silent before the first byte hits the first-byte timeout") {
  collector col;
  script_server server{[](int, script_server& self) { self.hold(); }};
  http_client client;
  http_timeouts to;
  to.first_byte = 50ms;
  auto stream = client.start(post(server.url()), to, col.handler());
  auto result = col.done();
  CHECK(result.kind == http_error_kind::timeout);
  CHECK(result.timeout == http_timeout_kind::first_byte);
  CHECK(result.message.find("first byte") != std::string::npos);
  CHECK(col.status == -1);
}

TEST_CASE("a stream that stalls mid-way hits the idle timeout") {
  collector col;
  script_server server{[](int fd, script_server& self) {
    send_all(fd, chunked_head + chunk("data: a\n\n"));
    self.hold();
  }};
  http_client client;
  http_timeouts to;
  to.idle = 50ms;
  auto stream = client.start(post(server.url()), to, col.handler());
  auto result = col.done();
  CHECK(result.kind == http_error_kind::timeout);
  CHECK(result.timeout == http_timeout_kind::idle);
  CHECK(col.status == 200);
  CHECK(col.body == "data: a\n\n");
}

TEST_CASE("a disconnect mid-stream is a protocol error, not ok") {
  SUBCASE("chunked") {
    collector col;
    script_server server{[](int fd, script_server&) {
      send_all(fd, chunked_head + chunk("data: a\n\n") + chunk("data: b\n\n"));
    }};
    http_client client;
    auto stream = client.start(post(server.url()), {}, col.handler());
    auto result = col.done();
    CHECK(result.kind == http_error_kind::protocol);
    CHECK(col.body == "data: a\n\ndata: b\n\n");
  }
  SUBCASE("short content-length") {
    collector col;
    script_server server{[](int fd, script_server&) {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
    }};
    http_client client;
    auto stream = client.start(post(server.url()), {}, col.handler());
    CHECK(col.done().kind == http_error_kind::protocol);
    CHECK(col.body == "only this");
  }
  SUBCASE("before the headers") {
    collector col;
    script_server server{[](int, script_server&) {}};
    http_client client;
    auto stream = client.start(post(server.url()), {}, col.handler());
    auto result = col.done();
    CHECK(result.kind == http_error_kind::protocol);
    CHECK(col.status == -1);
  }
}

TEST_CASE("a refused connection is a connect error") {
  // A bound socket that does not listen refuses connections on its port.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  collector col;
  {
    http_client client;
    auto stream = client.start(
      post("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"), {},
      col.handler());
    auto result = col.done();
    CHECK(result.kind == http_error_kind::connect);
    CHECK(result.message.find("refused") != std::string::npos);
  }
  ::close(fd);
}

TEST_CASE("bad URLs are reported through on_done") {
  for (std::string url : {"ftp://x/", "http://", "http://host:99999/", "http://host:x/",
                          "127.0.0.1:80/"}) {
    CAPTURE(url);
    collector col;
    http_client client;
    auto stream = client.start(post(url), {}, col.handler());
    CHECK(col.done().kind == http_error_kind::invalid_request);
  }
}

TEST_CASE("a host name is resolved") {
  collector col;
  script_server server{[](int fd, script_server&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  }};
  http_client client;
  auto url = server.url();
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  auto stream = client.start(post(url), {}, col.handler());
  auto result = col.done();
  CHECK_MESSAGE(result.ok(), result.message);
  CHECK(col.body == "ok");
}

TEST_CASE("cancel mid-stream closes the connection and reports cancelled") {
  collector col;
  std::promise<bool> server_saw_eof;
  script_server server{[&](int fd, script_server&) {
    send_all(fd, chunked_head + chunk("data: a\n\n"));
    server_saw_eof.set_value(wait_eof(fd));
  }};
  http_client client;
  auto stream = client.start(post(server.url()), {}, col.handler());
  REQUIRE(col.wait([&] { return !col.body.empty(); }));
  stream->cancel();
  auto result = col.done();
  CHECK(result.kind == http_error_kind::cancelled);
  auto eof = server_saw_eof.get_future();
  REQUIRE(eof.wait_for(wait_limit) == std::future_status::ready);
  CHECK(eof.get());
  stream->cancel();  // idempotent; nothing after on_done
  CHECK(col.done_calls == 1);
}

TEST_CASE("cancel from inside on_data ends the stream") {
  collector col;
  std::promise<bool> server_saw_eof;
  script_server server{[&](int fd, script_server&) {
    send_all(fd, chunked_head + chunk("data: a\n\n"));
    server_saw_eof.set_value(wait_eof(fd));
  }};
  http_client client;
  std::shared_ptr<http_stream> stream;
  std::promise<void> started;
  auto started_f = started.get_future().share();
  auto h = col.handler();
  auto inner = h.on_data;
  h.on_data = [&, inner, started_f](std::string_view b) {
    inner(b);
    started_f.wait();  // `stream` is assigned
    stream->cancel();
  };
  stream = client.start(post(server.url()), {}, h);
  started.set_value();
  CHECK(col.done().kind == http_error_kind::cancelled);
  auto eof = server_saw_eof.get_future();
  REQUIRE(eof.wait_for(wait_limit) == std::future_status::ready);
}

TEST_CASE("releasing the last handle cancels the request") {
  collector col;
  std::promise<bool> server_saw_eof;
  script_server server{[&](int fd, script_server&) {
    send_all(fd, chunked_head + chunk("data: a\n\n"));
    server_saw_eof.set_value(wait_eof(fd));
  }};
  http_client client;
  auto stream = client.start(post(server.url()), {}, col.handler());
  REQUIRE(col.wait([&] { return !col.body.empty(); }));
  stream.reset();
  CHECK(col.done().kind == http_error_kind::cancelled);
  auto eof = server_saw_eof.get_future();
  REQUIRE(eof.wait_for(wait_limit) == std::future_status::ready);
}

TEST_CASE("destroying the client cancels running requests") {
  collector col;
  std::shared_ptr<http_stream> stream;
  script_server server{[](int fd, script_server& self) {
    send_all(fd, chunked_head + chunk("data: a\n\n"));
    self.hold();
  }};
  {
    http_client client{2};
    stream = client.start(post(server.url()), {}, col.handler());
    REQUIRE(col.wait([&] { return !col.body.empty(); }));
  }
  CHECK(col.done().kind == http_error_kind::cancelled);
  stream->cancel();  // harmless after the client is gone
}

const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

TEST_CASE("keep-alive connections are reused for the next request") {
  std::atomic<int> served{0};
  script_server server{[&](int fd, script_server&) {
    do {
      ++served;
      send_all(fd, ok_response);
    } while (!read_request(fd).empty());
  }};
  http_client client;
  // The server serves one connection at a time: a request sent on a new
  // connection would wait behind the idle first one and never be answered.
  for (int i = 0; i < 3; ++i) {
    collector col;
    auto stream = client.start(post(server.url()), {}, col.handler());
    auto result = col.done();
    REQUIRE_MESSAGE(result.ok(), result.message);
    CHECK(col.body == "ok");
  }
  CHECK(served == 3);
  CHECK(server.connections() == 1);
}

TEST_CASE("a cancelled stream's connection is never reused") {
  script_server server{[](int fd, script_server& self) {
    if (self.connections() == 1) {
      send_all(fd, chunked_head + chunk("data: a\n\n"));
      wait_eof(fd);
      return;
    }
    send_all(fd, ok_response);
    read_request(fd);  // until the client closes
  }};
  http_client client;
  collector first;
  auto stream = client.start(post(server.url()), {}, first.handler());
  REQUIRE(first.wait([&] { return !first.body.empty(); }));
  stream->cancel();
  CHECK(first.done().kind == http_error_kind::cancelled);
  collector second;
  auto again = client.start(post(server.url()), {}, second.handler());
  CHECK(second.done().ok());
  CHECK(second.body == "ok");
  CHECK(server.connections() == 2);
}

TEST_CASE("a pooled connection the server closed is replaced transparently") {
  SUBCASE("closed while idle") {
    script_server server{[](int fd, script_server&) { send_all(fd, ok_response); }};
    http_client client;
    for (int i = 0; i < 2; ++i) {
      collector col;
      auto stream = client.start(post(server.url()), {}, col.handler());
      auto result = col.done();
      CHECK_MESSAGE(result.ok(), result.message);
      CHECK(col.body == "ok");
    }
    CHECK(server.connections() == 2);
  }
  SUBCASE("closed on receipt of the next request") {
    script_server server{[](int fd, script_server& self) {
      send_all(fd, ok_response);
      if (self.connections() == 1)
        read_request(fd);  // the second request: closed without an answer
    }};
    http_client client;
    for (int i = 0; i < 2; ++i) {
      collector col;
      auto stream = client.start(post(server.url()), {}, col.handler());
      auto result = col.done();
      CHECK_MESSAGE(result.ok(), result.message);
      CHECK(col.body == "ok");
    }
    CHECK(server.connections() == 2);
  }
}

TEST_CASE("with pooling off every request opens a connection") {
  std::atomic<int> served{0};
  script_server server{[&](int fd, script_server&) {
    ++served;
    send_all(fd, ok_response);
    read_request(fd);  // until the client closes
  }};
  http_limits limits;
  limits.max_idle_per_host = 0;
  http_client client{1, limits};
  for (int i = 0; i < 2; ++i) {
    collector col;
    auto stream = client.start(post(server.url()), {}, col.handler());
    CHECK(col.done().ok());
  }
  CHECK(served == 2);
  CHECK(server.connections() == 2);
}

TEST_CASE("request headers the client owns are refused") {
  http_client client;
  for (std::string name : {"Content-Length", "transfer-encoding", "Bad Name", ""}) {
    CAPTURE(name);
    collector col;
    outbound_request req = post("http://127.0.0.1:1/");
    req.headers.push_back({name, "1"});
    auto stream = client.start(req, {}, col.handler());
    CHECK(col.done().kind == http_error_kind::invalid_request);
  }
}

TEST_CASE("error kinds have stable names") {
  CHECK(to_string(http_error_kind::ok) == "ok");
  CHECK(to_string(http_error_kind::timeout) == "timeout");
  CHECK(to_string(http_error_kind::protocol) == "protocol");
  CHECK(to_string(http_error_kind::invalid_request) == "invalid_request");
}

namespace {

/// A self-signed certificate for `san` (e.g. "DNS:localhost") and its key,
/// with the certificate also written to a PEM file (the client's CA).
struct test_cert {
  explicit test_cert(const std::string& san) {
    key = EVP_EC_gen("P-256");
    REQUIRE(key != nullptr);
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    auto* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("wingman test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    REQUIRE(ext != nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
    char tmpl[] = "/tmp/wingman-ca-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    pem_path = tmpl;
    auto* f = std::fopen(pem_path.c_str(), "w");
    REQUIRE(f != nullptr);
    PEM_write_X509(f, cert);
    std::fclose(f);
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
  }
  ~test_cert() {
    SSL_CTX_free(ctx_);
    X509_free(cert);
    EVP_PKEY_free(key);
    std::remove(pem_path.c_str());
  }
  test_cert(const test_cert&) = delete;
  test_cert& operator=(const test_cert&) = delete;

  /// Serves one TLS request on `fd`; records the SNI name; false if the
  /// handshake failed (e.g. the client refused the certificate).
  bool serve(int fd, const std::string& response, std::string& sni) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    bool ok = SSL_accept(ssl) == 1;
    if (ok) {
      if (auto* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name))
        sni = name;
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0)
          break;
        in.append(buf, static_cast<size_t>(n));
      }
      SSL_write(ssl, response.data(), static_cast<int>(response.size()));
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    return ok;
  }

  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string pem_path;

 private:
  SSL_CTX* ctx_ = nullptr;
};

const std::string tls_response = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret";

} // namespace

TEST_CASE("https: verified certificate, SNI, body") {
  test_cert cert{"DNS:localhost"};
  std::promise<std::string> sni_seen;
  script_server server{[&](int fd, script_server&) {
                         std::string sni;
                         cert.serve(fd, tls_response, sni);
                         sni_seen.set_value(sni);
                       },
                       false};
  http_client_options opts;
  opts.extra_ca_file = cert.pem_path;
  http_client client{opts};
  collector col;
  auto url = server.url();
  url.replace(0, url.find("://"), "https");
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  auto stream = client.start(post(url), {}, col.handler());
  auto result = col.done();
  CHECK_MESSAGE(result.ok(), result.message);
  CHECK(col.status == 200);
  CHECK(col.body == "secret");
  auto sni = sni_seen.get_future();
  REQUIRE(sni.wait_for(wait_limit) == std::future_status::ready);
  CHECK(sni.get() == "localhost");
}

TEST_CASE("https: an untrusted or mismatched certificate is a tls error") {
  test_cert cert{"DNS:localhost"};
  std::string sni;
  script_server server{[&](int fd, script_server&) { cert.serve(fd, tls_response, sni); },
                       false};
  auto https = [&](const std::string& host) {
    auto url = server.url();
    url.replace(0, url.find("://"), "https");
    url.replace(url.find("127.0.0.1"), 9, host);
    return url;
  };
  SUBCASE("not trusted") {
    http_client client;  // system CAs only
    collector col;
    auto stream = client.start(post(https("localhost")), {}, col.handler());
    auto result = col.done();
    CHECK(result.kind == http_error_kind::tls);
    CHECK(result.message.find("certificate") != std::string::npos);
  }
  SUBCASE("host name mismatch") {
    http_client_options opts;
    opts.extra_ca_file = cert.pem_path;
    http_client client{opts};
    collector col;
    auto stream = client.start(post(https("127.0.0.1")), {}, col.handler());
    auto result = col.done();
    CHECK(result.kind == http_error_kind::tls);
  }
  SUBCASE("unreadable CA file") {
    http_client_options opts;
    opts.extra_ca_file = "/nonexistent/ca.pem";
    http_client client{opts};
    collector col;
    auto stream = client.start(post(https("localhost")), {}, col.handler());
    auto result = col.done();
    CHECK(result.kind == http_error_kind::tls);
    CHECK(result.message.find("/nonexistent/ca.pem: No such file") != std::string::npos);
  }
}
