#include "transport/client.hpp"

#include "transport/net.hpp"

#include <cctype>
#include <limits>
#include <string_view>

// Every call runs asynchronous operations on the client's own io_context
// and drives it with `run_one_until(deadline)` until the operation is done or
// the deadline passes. A timed-out receive leaves its read pending (cancelling
// a WebSocket read would break the stream); the next receive waits for it.
// Handlers hold their state by shared_ptr (or check a generation number), so
// a late completion never touches a dead frame.

namespace wingman::transport {

namespace {

using clock_type = std::chrono::steady_clock;

/// Runs `ioc` until `done()` or `deadline`. Returns `done()`.
template <class Done>
bool run_until(net::io_context& ioc, Done done,
               clock_type::time_point deadline) {
  while (!done()) {
    if (ioc.stopped())
      ioc.restart();  // run_* does nothing on a stopped context
    if (ioc.run_one_until(deadline) == 0)
      return done();
  }
  return true;
}

/// Completion state of one asynchronous step.
struct step {
  bool done = false;
  beast::error_code ec;
};

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Resolves `host:port`, bounded by `deadline`. Numeric addresses skip the
/// resolver (whose thread the io_context would have to join).
std::string resolve(net::io_context& ioc, const std::string& host,
                    uint16_t port, clock_type::time_point deadline,
                    std::vector<tcp::endpoint>& out) {
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (!ec) {
    out.emplace_back(addr, port);
    return {};
  }
  struct resolve_step : step {
    std::vector<tcp::endpoint> endpoints;
  };
  auto st = std::make_shared<resolve_step>();
  auto resolver = std::make_shared<tcp::resolver>(ioc);
  resolver->async_resolve(host, std::to_string(port),
                          [st, resolver](beast::error_code e,
                                         tcp::resolver::results_type r) {
                            st->done = true;
                            st->ec = e;
                            for (const auto& entry : r)
                              st->endpoints.push_back(entry.endpoint());
                          });
  if (!run_until(ioc, [&] { return st->done; }, deadline)) {
    resolver->cancel();
    return "resolve " + host + ": timed out";
  }
  if (st->ec || st->endpoints.empty())
    return "resolve " + host + ": "
           + (st->ec ? st->ec.message() : std::string{"no address"});
  out = std::move(st->endpoints);
  return {};
}

/// Connects `stream` to one of `endpoints`, bounded by `deadline`.
std::string connect_tcp(net::io_context& ioc, beast::tcp_stream& stream,
                    const std::vector<tcp::endpoint>& endpoints,
                    clock_type::time_point deadline) {
  auto st = std::make_shared<step>();
  stream.async_connect(endpoints, [st](beast::error_code e, tcp::endpoint) {
    st->done = true;
    st->ec = e;
  });
  if (!run_until(ioc, [&] { return st->done; }, deadline)) {
    stream.close();
    return "connect: timed out";
  }
  if (st->ec)
    return "connect: " + st->ec.message();
  return {};
}

} // namespace

// -- parse_url ----------------------------------------------------------------

std::optional<url_parts> parse_url(const std::string& url) {
  url_parts out;
  auto sep = url.find("://");
  if (sep == std::string::npos)
    return std::nullopt;
  out.scheme = to_lower(std::string_view{url}.substr(0, sep));
  if (out.scheme != "ws" && out.scheme != "http")
    return std::nullopt;
  auto rest = std::string_view{url}.substr(sep + 3);
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos
                 ? std::string{"/"}
                 : std::string(rest.substr(slash));
  if (out.target.front() == '?')
    out.target.insert(0, "/");
  std::string_view port_str;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return std::nullopt;
      port_str = after.substr(1);
      if (port_str.empty())
        return std::nullopt;
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_str = authority.substr(colon + 1);
      if (port_str.empty())
        return std::nullopt;
    }
  }
  if (out.host.empty() || out.host.find('@') != std::string::npos)
    return std::nullopt;
  if (port_str.empty()) {
    out.port = 80;
    return out;
  }
  if (port_str.size() > 5)
    return std::nullopt;
  unsigned port = 0;
  for (char c : port_str) {
    if (c < '0' || c > '9')
      return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535)
    return std::nullopt;
  out.port = static_cast<uint16_t>(port);
  return out;
}

// -- ws_client ----------------------------------------------------------------

struct ws_client::impl {
  using ws_stream = websocket::stream<beast::tcp_stream>;

  net::io_context ioc;
  std::optional<ws_stream> ws;
  beast::flat_buffer buffer;
  uint64_t generation = 0;  // bumped per connect: old handlers stand down
  bool connected = false;
  bool closed = false;
  uint16_t close_code = 0;
  bool reading = false;     // a read is pending (maybe from a timed-out call)
  bool read_done = false;
  beast::error_code read_ec;

  /// Ends the connection without a handshake.
  void drop() {
    closed = true;
    if (ws) {
      beast::error_code ec;
      beast::get_lowest_layer(*ws).socket().close(ec);
    }
  }

  void reset() {
    drop();
    ++generation;
    ws.reset();
    buffer.clear();
    connected = false;
    closed = false;
    close_code = 0;
    reading = false;
    read_done = false;
    read_ec = {};
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {
}

ws_client::~ws_client() {
  impl_->drop();
}

std::string ws_client::connect(const std::string& host, uint16_t port,
                               const std::string& target,
                               std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  d.reset();
  auto deadline = clock_type::now() + timeout;
  std::vector<tcp::endpoint> endpoints;
  if (auto err = resolve(d.ioc, host, port, deadline, endpoints); !err.empty())
    return err;
  d.ws.emplace(d.ioc);
  auto& ws = *d.ws;
  if (auto err = connect_tcp(d.ioc, beast::get_lowest_layer(ws), endpoints,
                         deadline);
      !err.empty()) {
    d.drop();
    return err;
  }
  beast::error_code nd;  // small request frames go out at once (no Nagle)
  beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), nd);
  ws.set_option(websocket::stream_base::timeout::suggested(
    beast::role_type::client));
  ws.set_option(
    websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(http::field::user_agent, "wingman");
    }));
  ws.read_message_max(0);  // the client trusts its gateway
  struct handshake_step : step {
    websocket::response_type res;
  };
  auto st = std::make_shared<handshake_step>();
  ws.async_handshake(st->res, host + ":" + std::to_string(port), target,
                     [st](beast::error_code e) {
                       st->done = true;
                       st->ec = e;
                     });
  if (!run_until(d.ioc, [&] { return st->done; }, deadline)) {
    d.drop();
    return "handshake: timed out";
  }
  if (st->ec) {
    d.drop();
    if (st->res.result_int() != 0 && st->res.result_int() != 101)
      return "handshake: HTTP " + std::to_string(st->res.result_int());
    return "handshake: " + st->ec.message();
  }
  d.connected = true;
  return {};
}

std::string ws_client::send(const std::string& text,
                            std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.connected)
    return "not connected";
  if (d.closed)
    return "connection closed";
  auto deadline = clock_type::now() + timeout;
  auto data = std::make_shared<std::string>(text);
  auto st = std::make_shared<step>();
  d.ws->text(true);
  d.ws->async_write(net::buffer(*data),
                    [st, data](beast::error_code e, size_t) {
                      st->done = true;
                      st->ec = e;
                    });
  if (!run_until(d.ioc, [&] { return st->done; }, deadline)) {
    d.drop();  // a half-written frame leaves the stream unusable
    return "send: timed out";
  }
  if (st->ec) {
    d.drop();
    return "send: " + st->ec.message();
  }
  return {};
}

std::optional<std::string>
ws_client::receive(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.connected || d.closed)
    return std::nullopt;
  auto deadline = clock_type::now() + timeout;
  if (!d.reading) {
    d.reading = true;
    d.read_done = false;
    d.ws->async_read(d.buffer, [&d, gen = d.generation](beast::error_code e,
                                                          size_t) {
      if (gen != d.generation)
        return;
      d.read_done = true;
      d.read_ec = e;
    });
  }
  if (!run_until(d.ioc, [&] { return d.read_done; }, deadline))
    return std::nullopt;  // timeout: the read stays pending
  d.reading = false;
  d.read_done = false;
  if (d.read_ec) {
    if (d.read_ec == websocket::error::closed)
      d.close_code = static_cast<uint16_t>(d.ws->reason().code);
    d.drop();
    return std::nullopt;
  }
  auto text = beast::buffers_to_string(d.buffer.data());
  d.buffer.consume(d.buffer.size());
  return text;
}

bool ws_client::closed() const noexcept {
  return impl_->closed;
}

uint16_t ws_client::close_code() const noexcept {
  return impl_->close_code;
}

void ws_client::close() {
  auto& d = *impl_;
  if (!d.connected || d.closed)
    return;
  auto st = std::make_shared<step>();
  d.ws->async_close(websocket::close_code::normal, [st](beast::error_code e) {
    st->done = true;
    st->ec = e;
  });
  run_until(d.ioc, [&] { return st->done; },
            clock_type::now() + std::chrono::seconds{2});
  if (st->done && !st->ec)
    d.close_code = static_cast<uint16_t>(d.ws->reason().code);
  d.drop();
}

// -- http_call ----------------------------------------------------------------

http_result http_call(const std::string& host, uint16_t port,
                      const std::string& method, const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>&
                        headers,
                      const std::string& body,
                      std::chrono::milliseconds timeout) {
  // Everything lives in this frame, the io_context included: after an early
  // return nothing runs it again, so handlers may capture by reference.
  http_result out;
  auto deadline = clock_type::now() + timeout;
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  std::vector<tcp::endpoint> endpoints;
  if (auto err = resolve(ioc, host, port, deadline, endpoints); !err.empty()) {
    out.error = err;
    return out;
  }
  if (auto err = connect_tcp(ioc, stream, endpoints, deadline); !err.empty()) {
    out.error = err;
    return out;
  }

  http::request<http::string_body> req;
  auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    req.method_string(method);
  else
    req.method(verb);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::user_agent, "wingman");
  for (const auto& [name, value] : headers)
    req.insert(name, value);
  req.set(http::field::connection, "close");
  req.body() = body;
  req.prepare_payload();

  step wrote;
  http::async_write(stream, req, [&wrote](beast::error_code e, size_t) {
    wrote.done = true;
    wrote.ec = e;
  });
  if (!run_until(ioc, [&] { return wrote.done; }, deadline)) {
    out.error = "write: timed out";
    return out;
  }
  if (wrote.ec) {
    out.error = "write: " + wrote.ec.message();
    return out;
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  step read;
  http::async_read(stream, buffer, parser,
                   [&read](beast::error_code e, size_t) {
                     read.done = true;
                     read.ec = e;
                   });
  if (!run_until(ioc, [&] { return read.done; }, deadline)) {
    out.error = "read: timed out";
    return out;
  }
  if (read.ec) {
    out.error = "read: " + read.ec.message();
    return out;
  }
  auto& res = parser.get();
  out.status = res.result_int();
  for (const auto& field : res)
    out.headers.emplace_back(to_lower(field.name_string()),
                             std::string(field.value()));
  out.body = std::move(res.body());
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

} // namespace wingman::transport
