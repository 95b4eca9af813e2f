#include "transport/http_stream_client.hpp"

#include "transport/net.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/http/buffer_body.hpp>

#include <poll.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

// Life of a request: `start` parses the URL and takes an idle keep-alive
// connection from the pool if one is there; `run` (on the request's strand)
// otherwise resolves (skipped for IP literals), connects, does the TLS
// handshake for https; then it writes the request and then loops `http::async_read_some` on a
// `buffer_body` parser, so each network read is handed up as it arrives.
// One steady_timer per request is re-armed per phase (connect, first byte,
// idle); a generation number makes a stale expiry harmless. Every ending
// goes through `finish`, which closes the socket, releases the handler after
// calling `on_done`, and removes the request from the client's registry.
// Only a connection whose response ended cleanly (both sides keep-alive, no
// stray bytes) goes back to the pool; a pooled connection that fails before
// the first response byte (the server closed it meanwhile) is replaced by a
// new one once, transparently.

namespace wingman::transport {

namespace ssl = net::ssl;

namespace {

/// Parts of an http(s) URL.
struct target_url {
  bool tls = false;
  std::string host;  ///< Without brackets for IPv6 literals.
  std::string port;
  std::string target;
  std::string host_header;

  /// Connections are pooled per scheme, host and port.
  std::string pool_key() const {
    return (tls ? "https://" : "http://") + host + ":" + port;
  }
};

std::optional<target_url> split_url(const std::string& url, std::string& why) {
  target_url out;
  std::string_view rest = url;
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    out.tls = true;
    rest.remove_prefix(8);
  } else {
    why = "unsupported URL scheme (want http:// or https://): " + url;
    return std::nullopt;
  }
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target[0] == '?')
    out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    why = "credentials in the URL are not supported: " + url;
    return std::nullopt;
  }
  out.host_header = std::string(authority);
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "bad IPv6 host in URL: " + url;
      return std::nullopt;
    }
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        why = "bad host in URL: " + url;
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    why = "no host in URL: " + url;
    return std::nullopt;
  }
  if (port.empty()) {
    out.port = out.tls ? "443" : "80";
  } else {
    unsigned long value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || value > 65535) {
        value = 0;
        break;
      }
      value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535) {
      why = "bad port in URL: " + url;
      return std::nullopt;
    }
    out.port = std::string(port);
  }
  return out;
}

http_error make_error(http_error_kind kind, std::string message,
                      http_timeout_kind which = http_timeout_kind::none) {
  return http_error{kind, which, std::move(message)};
}

/// Size of the buffer each network read's body bytes are decoded into.
constexpr size_t read_chunk_bytes = 16 * 1024;

} // namespace

std::string_view to_string(http_error_kind kind) noexcept {
  switch (kind) {
    case http_error_kind::ok: return "ok";
    case http_error_kind::cancelled: return "cancelled";
    case http_error_kind::timeout: return "timeout";
    case http_error_kind::resolve: return "resolve";
    case http_error_kind::connect: return "connect";
    case http_error_kind::tls: return "tls";
    case http_error_kind::protocol: return "protocol";
    case http_error_kind::invalid_request: return "invalid_request";
  }
  return "unknown";
}

using strand_type = net::strand<net::io_context::executor_type>;

/// One TCP (+TLS) connection. Heap-allocated so that the TLS stream's
/// reference to the socket stays valid while it moves between requests
/// through the pool; its socket runs on the strand of the request using it.
struct pooled_connection {
  explicit pooled_connection(const strand_type& s) : strand(s), socket(strand) {
  }
  strand_type strand;  ///< The socket's executor.
  tcp::socket socket;
  std::optional<ssl::stream<tcp::socket&>> tls;
  std::chrono::steady_clock::time_point idle_since;
};

/// Shared by the client and its requests.
struct http_client::state {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  ssl::context tls{ssl::context::tls_client};
  std::string extra_ca_file;
  std::once_flag tls_once;
  std::string tls_setup_error;  ///< Non-empty if the CA store failed to load.

  /// Loads the CA store on the first https request, not at start: reading
  /// the system store takes ~30 ms, and many gateways never use https.
  /// Thread-safe; returns the setup error ("" when ready).
  const std::string& tls_ready() {
    std::call_once(tls_once, [this] { load_ca(); });
    return tls_setup_error;
  }

  void load_ca() {
    beast::error_code ec;
    tls.set_default_verify_paths(ec);
    if (ec)
      tls_setup_error = "TLS: cannot load the system CA certificates: " + ec.message();
    if (!extra_ca_file.empty()) {
      tls.load_verify_file(extra_ca_file, ec);
      if (ec) {
        // OpenSSL's own message is unhelpful ("asio.ssl error"): say which.
        std::FILE* f = std::fopen(extra_ca_file.c_str(), "r");
        std::string why = f ? "no PEM certificate in it" : std::strerror(errno);
        if (f)
          std::fclose(f);
        tls_setup_error = "TLS: cannot load CA file " + extra_ca_file + ": " + why;
      }
    }
    tls.set_verify_mode(ssl::verify_peer, ec);
  }
  http_limits limits;
  std::vector<std::thread> threads;
  std::mutex mtx;  ///< Guards `live` and `pool`.
  std::unordered_map<http_stream::impl*, std::weak_ptr<http_stream::impl>> live;
  /// Idle keep-alive connections per `scheme://host:port`, newest last.
  std::unordered_map<std::string, std::vector<std::unique_ptr<pooled_connection>>> pool;

  void forget(http_stream::impl* op) {
    std::lock_guard<std::mutex> guard{mtx};
    live.erase(op);
  }

  /// An idle connection for `key` that still looks usable, or null.
  std::unique_ptr<pooled_connection> acquire(const std::string& key) {
    std::lock_guard<std::mutex> guard{mtx};
    auto it = pool.find(key);
    if (it == pool.end())
      return nullptr;
    auto& idle = it->second;
    auto now = std::chrono::steady_clock::now();
    while (!idle.empty()) {
      auto conn = std::move(idle.back());
      idle.pop_back();
      if (now - conn->idle_since < limits.pool_idle_timeout && !readable(*conn))
        return conn;
      // Too old, or the server closed it (EOF) or sent something unasked.
    }
    return nullptr;
  }

  /// Keeps `conn` for the next request to `key` (no I/O is pending on it).
  void release(const std::string& key, std::unique_ptr<pooled_connection> conn) {
    std::lock_guard<std::mutex> guard{mtx};
    auto& idle = pool[key];
    auto now = std::chrono::steady_clock::now();
    idle.erase(std::remove_if(idle.begin(), idle.end(),
                              [&](auto& c) {
                                return now - c->idle_since >= limits.pool_idle_timeout;
                              }),
               idle.end());
    if (idle.size() >= limits.max_idle_per_host)
      return;  // dropping `conn` closes it
    conn->idle_since = now;
    idle.push_back(std::move(conn));
  }

  static bool readable(pooled_connection& conn) {
    pollfd p{conn.socket.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) != 0;
  }
};

/// One request: its connection, parser and timer.
struct http_stream::impl : std::enable_shared_from_this<http_stream::impl> {
  impl(http_client::state& st, strand_type strand, std::unique_ptr<pooled_connection> conn,
       outbound_request req, http_timeouts to, http_stream_handler h)
    : client_(st),
      strand_(std::move(strand)),
      resolver_(strand_),
      timer_(strand_),
      conn_(std::move(conn)),
      reused_(conn_ != nullptr),
      request_(std::move(req)),
      timeouts_(to),
      handler_(std::move(h)) {
  }

  strand_type& strand() { return strand_; }

  /// Entry point, on the strand. `url` is the parsed request URL (or null
  /// with `why` set).
  void run(std::optional<target_url> url, std::string why) {
    if (finished_)
      return;
    if (!url)
      return finish(make_error(http_error_kind::invalid_request, why));
    url_ = std::move(*url);
    if (!build_request(why))
      return finish(make_error(http_error_kind::invalid_request, why));
    if (url_.tls && !client_.tls_ready().empty())
      return finish(make_error(http_error_kind::tls, client_.tls_setup_error));
    if (conn_)
      return do_write();  // a pooled keep-alive connection
    open_connection();
  }

  /// Closes everything and reports `cancelled`; on the strand.
  void cancel(std::string why) {
    finish(make_error(http_error_kind::cancelled, std::move(why)));
  }

 private:
  bool build_request(std::string& why) {
    if (request_.method.empty()) {
      why = "empty HTTP method";
      return false;
    }
    auto verb = http::string_to_verb(request_.method);
    message_.version(11);
    if (verb == http::verb::unknown)
      message_.method_string(request_.method);
    else
      message_.method(verb);
    message_.target(url_.target);
    message_.set(http::field::host, url_.host_header);
    message_.set(http::field::user_agent, "wingman/" WINGMAN_VERSION);
    for (auto& h : request_.headers) {
      if (h.name.empty() || h.name.find_first_of(":\r\n ") != std::string::npos
          || h.value.find_first_of("\r\n") != std::string::npos) {
        why = "invalid request header: " + h.name;
        return false;
      }
      if (beast::iequals(h.name, "content-length")
          || beast::iequals(h.name, "transfer-encoding")) {
        why = "request header " + h.name + " is set by the client";
        return false;
      }
      if (beast::iequals(h.name, "connection") && beast::iequals(h.value, "close"))
        keep_alive_ = false;
      if (beast::iequals(h.name, "host") || beast::iequals(h.name, "user-agent"))
        message_.set(h.name, h.value);
      else
        message_.insert(h.name, h.value);
    }
    message_.body() = std::move(request_.body);
    if (!message_.body().empty() || verb == http::verb::post || verb == http::verb::put
        || verb == http::verb::patch)
      message_.content_length(message_.body().size());
    reset_parser();
    return true;
  }

  void reset_parser() {
    parser_.emplace();
    if (message_.method() == http::verb::head)
      parser_->skip(true);
    parser_->header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(client_.limits.max_header_bytes,
                       std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    read_buffer_.clear();
  }

  void open_connection() {
    conn_ = std::make_unique<pooled_connection>(strand_);
    reused_ = false;
    arm(timeouts_.connect, http_timeout_kind::connect);
    beast::error_code ec;
    auto addr = net::ip::make_address(url_.host, ec);
    if (!ec) {
      auto port = static_cast<uint16_t>(std::stoul(url_.port));
      return do_connect({tcp::endpoint{addr, port}});
    }
    resolver_.async_resolve(
      url_.host, url_.port,
      [self = shared_from_this()](beast::error_code e, tcp::resolver::results_type r) {
        self->on_resolve(e, std::move(r));
      });
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (finished_)
      return;
    if (ec || results.empty())
      return finish(make_error(http_error_kind::resolve,
                               "resolve " + url_.host + ": "
                                 + (ec ? ec.message() : std::string{"no address"})));
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results)
      endpoints.push_back(entry.endpoint());
    do_connect(std::move(endpoints));
  }

  void do_connect(std::vector<tcp::endpoint> endpoints) {
    net::async_connect(conn_->socket, endpoints,
                       [self = shared_from_this()](beast::error_code ec,
                                                   const tcp::endpoint&) {
                         self->on_connect(ec);
                       });
  }

  void on_connect(beast::error_code ec) {
    if (finished_)
      return;
    if (ec)
      return finish(make_error(http_error_kind::connect, "connect " + url_.host + ":"
                                                           + url_.port + ": "
                                                           + ec.message()));
    conn_->socket.set_option(tcp::no_delay{true}, ec);  // best effort
    if (!url_.tls)
      return do_write();
    auto& tls = conn_->tls.emplace(conn_->socket, client_.tls);
    if (!SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str()))
      return finish(make_error(http_error_kind::tls, "TLS: cannot set SNI host name"));
    tls.set_verify_mode(ssl::verify_peer);
    tls.set_verify_callback(ssl::host_name_verification(url_.host));
    tls.async_handshake(ssl::stream_base::client,
                        [self = shared_from_this()](beast::error_code e) {
                          self->on_handshake(e);
                        });
  }

  void on_handshake(beast::error_code ec) {
    if (finished_)
      return;
    if (ec)
      return finish(make_error(http_error_kind::tls, "TLS handshake with " + url_.host
                                                       + ": " + describe_tls(ec)));
    do_write();
  }

  static std::string describe_tls(const beast::error_code& ec) {
    std::string msg = ec.message();
    if (ec.category() == net::error::get_ssl_category()) {
      auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
      if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
        msg += " (certificate not trusted or host name mismatch)";
    }
    return msg;
  }

  void do_write() {
    arm(timeouts_.first_byte, http_timeout_kind::first_byte);
    with_stream([this](auto& stream) {
      http::async_write(stream, message_,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          self->on_write(ec);
                        });
    });
  }

  void on_write(beast::error_code ec) {
    if (finished_)
      return;
    if (ec) {
      if (retry_on_fresh_connection())
        return;
      return finish(make_error(http_error_kind::protocol,
                               "sending the request failed: " + ec.message()));
    }
    do_read();
  }

  /// A pooled connection the server had closed fails before any response
  /// byte: then the request is sent once more on a new connection.
  bool retry_on_fresh_connection() {
    if (!reused_ || any_bytes_)
      return false;
    beast::error_code ignored;
    conn_->socket.close(ignored);
    conn_.reset();
    reset_parser();
    open_connection();
    return true;
  }

  void do_read() {
    auto& body = parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    body.more = true;
    with_stream([this](auto& stream) {
      http::async_read_some(stream, read_buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->on_read(ec, n);
                            });
    });
  }

  void on_read(beast::error_code ec, size_t bytes) {
    if (finished_)
      return;
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec == ssl::error::stream_truncated && parser_->is_header_done()
        && parser_->need_eof()) {
      ec = {};  // close-delimited body over TLS without close_notify
      parser_->put_eof(ec);
    }
    if (ec)
      return fail_read(ec);
    if (bytes > 0) {
      any_bytes_ = true;
      arm(timeouts_.idle, http_timeout_kind::idle);
    }
    if (parser_->is_header_done() && !headers_sent_)
      emit_headers();
    size_t got = chunk_.size() - parser_->get().body().size;
    if (got > 0)
      emit_data(std::string_view{chunk_.data(), got});
    if (finished_)
      return;
    if (parser_->is_done())
      return finish(http_error{});
    do_read();
  }

  void fail_read(const beast::error_code& ec) {
    if (ec == http::error::header_limit)
      return finish(make_error(http_error_kind::protocol,
                               "response headers exceed "
                                 + std::to_string(client_.limits.max_header_bytes)
                                 + " bytes"));
    if (!any_bytes_ && retry_on_fresh_connection())
      return;
    if (!parser_->is_header_done()
        && (ec == http::error::end_of_stream || ec == net::error::eof))
      return finish(make_error(http_error_kind::protocol,
                               "connection closed before the response headers"));
    if (ec == http::error::partial_message || ec == net::error::eof
        || ec == http::error::end_of_stream)
      return finish(make_error(http_error_kind::protocol,
                               "connection closed before the end of the response"));
    finish(make_error(http_error_kind::protocol, "reading the response: " + ec.message()));
  }

  void emit_headers() {
    headers_sent_ = true;
    const auto& msg = parser_->get();
    status_ = static_cast<int>(msg.result_int());
    std::vector<http_header> headers;
    for (const auto& field : msg)
      headers.push_back({std::string(field.name_string()), std::string(field.value())});
    if (handler_.on_headers)
      handler_.on_headers(status_, headers);
  }

  void emit_data(std::string_view bytes) {
    if (status_ < 200 || status_ > 299) {
      auto cap = client_.limits.max_error_body_bytes;
      if (error_body_bytes_ >= cap)
        return;
      bytes = bytes.substr(0, cap - error_body_bytes_);
      error_body_bytes_ += bytes.size();
    }
    if (handler_.on_data)
      handler_.on_data(bytes);
  }

  /// Arms the timer for `limit`; a previous arming no longer fires.
  void arm(std::chrono::milliseconds limit, http_timeout_kind which) {
    auto gen = ++timer_gen_;
    timer_.expires_after(limit);
    timer_.async_wait([self = shared_from_this(), gen, which, limit](beast::error_code ec) {
      if (ec || self->finished_ || gen != self->timer_gen_)
        return;
      std::string what = which == http_timeout_kind::connect      ? "connect"
                         : which == http_timeout_kind::first_byte ? "first byte"
                                                                  : "idle";
      self->finish(make_error(http_error_kind::timeout,
                              what + " timeout (" + std::to_string(limit.count())
                                + " ms) for " + self->request_.url,
                              which));
    });
  }

  template <class F>
  void with_stream(F&& f) {
    if (conn_->tls)
      f(*conn_->tls);
    else
      f(conn_->socket);
  }

  /// True when the connection can serve another request: the response
  /// ended cleanly, both sides keep it alive and nothing extra was sent.
  bool reusable(const http_error& result) const {
    return result.ok() && conn_ && keep_alive_ && client_.limits.max_idle_per_host > 0
           && parser_ && parser_->is_done() && parser_->keep_alive()
           && read_buffer_.size() == 0 && status_ >= 200;
  }

  /// The one way a request ends.
  void finish(http_error result) {
    if (finished_)
      return;
    finished_ = true;
    ++timer_gen_;
    timer_.cancel();
    resolver_.cancel();
    if (reusable(result)) {
      client_.release(url_.pool_key(), std::move(conn_));
    } else if (conn_) {
      beast::error_code ignored;
      conn_->socket.close(ignored);  // a cancelled or failed connection is never reused
    }
    client_.forget(this);
    auto handler = std::move(handler_);
    handler_ = {};
    if (handler.on_done)
      handler.on_done(result);
  }

  http_client::state& client_;
  strand_type strand_;
  tcp::resolver resolver_;
  net::steady_timer timer_;
  std::unique_ptr<pooled_connection> conn_;
  bool reused_ = false;
  outbound_request request_;
  http_timeouts timeouts_;
  http_stream_handler handler_;
  target_url url_;
  http::request<http::string_body> message_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  beast::flat_buffer read_buffer_;
  std::array<char, read_chunk_bytes> chunk_{};
  uint64_t timer_gen_ = 0;
  int status_ = 0;
  size_t error_body_bytes_ = 0;
  bool keep_alive_ = true;
  bool any_bytes_ = false;
  bool headers_sent_ = false;
  bool finished_ = false;
};

http_stream::http_stream(std::shared_ptr<impl> op) : op_(op) {
}

http_stream::~http_stream() {
  cancel();
}

void http_stream::cancel() {
  if (auto op = op_.lock())
    net::post(op->strand(), [op] { op->cancel("request cancelled"); });
}

http_client::http_client(int threads, http_limits limits)
  : http_client(http_client_options{threads, limits, {}}) {
}

http_client::http_client(http_client_options options)
  : state_(std::make_unique<state>()) {
  state_->limits = options.limits;
  state_->extra_ca_file = options.extra_ca_file;
  int threads = options.threads < 1 ? 1 : options.threads;
  for (int i = 0; i < threads; ++i)
    state_->threads.emplace_back([st = state_.get()] { st->ioc.run(); });
}

http_client::~http_client() {
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    for (auto& entry : state_->live)
      if (auto op = entry.second.lock())
        net::post(op->strand(), [op] { op->cancel("http client shut down"); });
  }
  state_->work.reset();
  for (auto& t : state_->threads)
    t.join();
  state_->pool.clear();  // sockets go before their io_context
}

std::shared_ptr<http_stream> http_client::start(outbound_request request,
                                                http_timeouts timeouts,
                                                http_stream_handler handler) {
  std::string why;
  auto url = split_url(request.url, why);
  std::unique_ptr<pooled_connection> conn;
  if (url)
    conn = state_->acquire(url->pool_key());
  // A pooled connection keeps its socket's strand; a new one gets a new strand.
  auto strand = conn ? conn->strand : net::make_strand(state_->ioc);
  auto op = std::make_shared<http_stream::impl>(*state_, strand, std::move(conn),
                                                std::move(request), timeouts,
                                                std::move(handler));
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->live.emplace(op.get(), op);
  }
  net::post(op->strand(), [op, url = std::move(url), why = std::move(why)]() mutable {
    op->run(std::move(url), std::move(why));
  });
  return std::make_shared<http_stream>(op);
}

} // namespace wingman::transport
