// A benchmark WebSocket client connection on raw Asio: connect, upgrade,
// then framed reads and corked writes (everything queued while handling one
// read goes out in one write). Scenarios derive from it and override the
// hooks. Single-threaded: all calls on the worker's io_context.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "tools/bench/bench_common.hpp"
#include "tools/bench/ws_frame.hpp"

namespace wingman::bench {

/// See the file comment.
class ws_conn : public std::enable_shared_from_this<ws_conn> {
 public:
  ws_conn(worker& w, const options& opt, size_t index)
    : w_(w), opt_(opt), index_(index), sock_(w.ioc),
      mask_seed_(static_cast<uint32_t>(index * 2654435761u + 1)) {
  }
  virtual ~ws_conn() = default;

  /// Connects (paced by the worker's connect gate) and upgrades.
  void start() {
    w_.paced([self = shared_from_this()] { self->do_connect(); });
  }

  /// True once the socket is closed.
  bool closed() const {
    return closed_;
  }

 protected:
  // -- hooks ------------------------------------------------------------------

  /// The upgrade succeeded.
  virtual void on_open() = 0;
  /// A text (or binary) message.
  virtual void on_text(std::string_view body) = 0;
  /// The connection failed or the peer closed it.
  virtual void on_lost() = 0;
  /// Our `close_gracefully` completed (the peer answered the close).
  virtual void on_closed() {
  }

  // -- for scenarios ----------------------------------------------------------

  /// Queues a masked text frame.
  void send_text(std::string_view text) {
    append_frame(pending_, ws_op::text, text, true, next_mask());
    schedule_flush();
  }

  /// Queues pre-framed bytes.
  void send_raw(std::string_view frame) {
    pending_.append(frame.data(), frame.size());
    schedule_flush();
  }

  /// A masked text frame, framed now for `send_raw` later.
  std::string frame_text(std::string_view text) {
    std::string f;
    append_frame(f, ws_op::text, text, true, next_mask());
    return f;
  }

  /// Sends a close frame; the socket closes once it is written (or when the
  /// peer's close arrives first).
  void close_gracefully() {
    if (closing_ || closed_)
      return;
    closing_ = true;
    append_frame(pending_, ws_op::close, std::string_view{"\x03\xe8", 2}, true,
                 next_mask());
    schedule_flush();
  }

  /// Closes the socket now.
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
  size_t index_;

 private:
  uint32_t next_mask() {
    mask_seed_ ^= mask_seed_ << 13;
    mask_seed_ ^= mask_seed_ >> 17;
    mask_seed_ ^= mask_seed_ << 5;
    return mask_seed_;
  }

  void do_connect() {
    sock_.async_connect(opt_.endpoint(), [self = shared_from_this()](error_code ec) {
      if (ec)
        return self->handshake_failed();
      error_code ignored;
      self->sock_.set_option(tcp::no_delay{true}, ignored);
      self->handshake();
    });
  }

  void handshake() {
    hs_out_ = "GET " + opt_.path + " HTTP/1.1\r\nHost: " + opt_.host + ":"
              + std::to_string(opt_.port)
              + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: d2luZ21hbi1iZW5jaC1rZXk=\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n";
    asio::async_write(sock_, asio::buffer(hs_out_),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec)
                          return self->handshake_failed();
                        self->read_handshake();
                      });
  }

  void read_handshake() {
    hs_in_.resize(hs_len_ + 4096);
    sock_.async_read_some(
      asio::buffer(hs_in_.data() + hs_len_, 4096),
      [self = shared_from_this()](error_code ec, size_t n) {
        if (ec)
          return self->handshake_failed();
        self->hs_len_ += n;
        std::string_view got{self->hs_in_.data(), self->hs_len_};
        auto end = got.find("\r\n\r\n");
        if (end == std::string_view::npos) {
          if (self->hs_len_ > 65536)
            return self->handshake_failed();
          return self->read_handshake();
        }
        if (!starts_with(got, "HTTP/1.1 101"))
          return self->handshake_failed();
        auto rest = got.substr(end + 4);
        self->parser_.feed(rest.data(), rest.size());
        std::string{}.swap(self->hs_in_);
        std::string{}.swap(self->hs_out_);
        self->w_.handshake_done();
        self->on_open();
        self->on_data();
        self->read();
      });
  }

  void handshake_failed() {
    w_.handshake_done();
    lost();
  }

  void lost() {
    close_socket();
    if (!lost_reported_) {
      lost_reported_ = true;
      on_lost();
    }
  }

  void read() {
    if (closed_)
      return;
    auto [p, n] = parser_.space();
    sock_.async_read_some(asio::buffer(p, n),
                          [self = shared_from_this()](error_code ec, size_t got) {
                            if (self->closed_)
                              return;
                            if (ec)
                              return self->lost();
                            self->parser_.commit(got);
                            self->on_data();
                            self->read();
                          });
  }

  void on_data() {
    bool ok = parser_.parse([this](ws_op op, std::string_view body) {
      if (closed_)
        return;
      if (op == ws_op::text || op == ws_op::binary) {
        on_text(body);
      } else if (op == ws_op::ping) {
        append_frame(pending_, ws_op::pong, body, true, next_mask());
      } else if (op == ws_op::close) {
        if (!closing_)
          return lost();
        close_socket();  // the close handshake is complete
        on_closed();
      }
    });
    if (!ok)
      return lost();
    schedule_flush();
  }

  void schedule_flush() {
    if (flush_posted_ || writing_ || pending_.empty() || closed_)
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
    asio::async_write(sock_, asio::buffer(writing_buf_),
                      [self = shared_from_this()](error_code ec, size_t) {
                        self->writing_ = false;
                        self->writing_buf_.clear();
                        if (self->closed_)
                          return;
                        if (ec)
                          return self->lost();
                        if (self->closing_ && self->pending_.empty()) {
                          // Our close frame is out: EOF tells a peer that
                          // never answers it to give up too.
                          self->sock_.shutdown(tcp::socket::shutdown_send, ec);
                          return;
                        }
                        self->flush();
                      });
  }

  tcp::socket sock_;
  uint32_t mask_seed_;
  std::string hs_out_;
  std::string hs_in_;
  size_t hs_len_ = 0;
  ws_parser parser_{4096};
  std::string pending_;
  std::string writing_buf_;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool lost_reported_ = false;
};

} // namespace wingman::bench
