// Private to transport/ (includes net.hpp): a stream layer that sits between
// Beast's websocket::stream and the TCP socket and runs whole writes one at a
// time, in the order they were started. Beast's own writes (handshake reply,
// pong, keep-alive ping, close) and the session's own gather writes of
// pre-framed data (`write_all`) share the socket through it, so a control
// frame can never land in the middle of a data frame.
//
// Threads: every call on the connection's strand (the socket's executor).
// Lifetime: the socket and the queue live in a shared core that pending
// completions hold, so a completion that runs after the websocket stream was
// destroyed touches no freed memory; destroying the gate closes the socket.
#pragma once

#include "transport/net.hpp"

#include <boost/asio/write.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <utility>

namespace wingman::transport {

/// A view of contiguous `net::const_buffer`s usable as a buffer sequence
/// (copying it does not copy the buffers, unlike a `std::vector`).
struct buffer_span {
  using value_type = net::const_buffer;
  using const_iterator = const net::const_buffer*;
  const net::const_buffer* first;
  const net::const_buffer* last;
  const_iterator begin() const noexcept {
    return first;
  }
  const_iterator end() const noexcept {
    return last;
  }
};

/// Serialises complete writes on one socket (see the file comment).
class write_gate {
 public:
  using socket_type = tcp::socket;
  using executor_type = socket_type::executor_type;
  using next_layer_type = socket_type;

  explicit write_gate(socket_type&& socket)
    : core_(std::make_shared<core>(std::move(socket))) {
  }

  write_gate(write_gate&&) = default;
  write_gate& operator=(write_gate&&) = delete;

  ~write_gate() {
    if (core_) {
      beast::error_code ec;
      core_->socket.close(ec);  // pending and queued writes fail fast
    }
  }

  executor_type get_executor() noexcept {
    return core_->socket.get_executor();
  }

  /// The socket (Beast's `get_lowest_layer` finds it through this).
  socket_type& next_layer() noexcept {
    return core_->socket;
  }

  /// True while a write runs (others wait behind it).
  bool busy() const noexcept {
    return core_->busy;
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    core_->socket.async_read_some(buffers, std::forward<Handler>(handler));
  }

  /// Beast's writes: each one is written completely before it completes,
  /// which a `write_some` is allowed to do.
  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    write_all(buffers, std::forward<Handler>(handler));
  }

  /// Writes every byte of `buffers` after the writes started before it.
  /// The buffers must stay valid until `handler(ec, bytes)` runs.
  template <class ConstBuffers, class Handler>
  void write_all(const ConstBuffers& buffers, Handler&& handler) {
    using job_t = job_impl<ConstBuffers, std::decay_t<Handler>>;
    if (!core_->busy)
      return job_t::run(core_, buffers, std::forward<Handler>(handler));
    core_->waiting.push_back(
      std::make_unique<job_t>(buffers, std::forward<Handler>(handler)));
  }

 private:
  struct core;

  /// A write waiting for its turn.
  struct job {
    virtual ~job() = default;
    virtual void start(std::shared_ptr<core> c) = 0;
  };

  struct core {
    explicit core(socket_type&& s) : socket(std::move(s)) {
    }
    socket_type socket;
    bool busy = false;
    std::deque<std::unique_ptr<job>> waiting;
  };

  template <class ConstBuffers, class Handler>
  struct job_impl final : job {
    job_impl(const ConstBuffers& b, Handler&& h)
      : buffers(b), handler(std::move(h)) {
    }
    job_impl(const ConstBuffers& b, const Handler& h)
      : buffers(b), handler(h) {
    }

    void start(std::shared_ptr<core> c) override {
      run(std::move(c), buffers, std::move(handler));
    }

    template <class H>
    static void run(std::shared_ptr<core> c, const ConstBuffers& b, H&& h) {
      c->busy = true;
      auto& socket = c->socket;
      net::async_write(
        socket, b,
        [c = std::move(c), h = Handler(std::forward<H>(h))](
          beast::error_code ec, std::size_t n) mutable {
          c->busy = false;
          // Start the next write first: if `h` starts another, it queues
          // behind the ones that were waiting.
          if (!c->waiting.empty()) {
            auto next = std::move(c->waiting.front());
            c->waiting.pop_front();
            next->start(c);
          }
          h(ec, n);
        });
    }

    ConstBuffers buffers;
    Handler handler;
  };

  std::shared_ptr<core> core_;
};

/// Beast's websocket teardown (after the close handshake) on the socket.
template <class TeardownHandler>
void async_teardown(beast::role_type role, write_gate& gate,
                    TeardownHandler&& handler) {
  using beast::websocket::async_teardown;
  async_teardown(role, gate.next_layer(),
                 std::forward<TeardownHandler>(handler));
}

/// Synchronous teardown (required by Beast's interface; unused here).
inline void teardown(beast::role_type role, write_gate& gate,
                     beast::error_code& ec) {
  using beast::websocket::teardown;
  teardown(role, gate.next_layer(), ec);
}

} // namespace wingman::transport
