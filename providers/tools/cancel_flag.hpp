// A one-shot cancellation signal shared by a caller and a running tool call.
// `cancel()` may be called from any thread; a tool either polls
// `cancelled()` or waits on `fd()` with poll() (it becomes readable once
// cancelled), so a blocked command wakes at once.
#pragma once

#include <atomic>

namespace wingman::tools {

/// Set once, never reset. Owns an eventfd.
class cancel_flag {
 public:
  /// Creates the flag (not cancelled). Aborts if no eventfd can be created.
  cancel_flag();
  ~cancel_flag();

  cancel_flag(const cancel_flag&) = delete;
  cancel_flag& operator=(const cancel_flag&) = delete;

  /// Sets the flag and wakes every poll() on `fd()`. Idempotent.
  void cancel() noexcept;

  /// True once `cancel()` has been called.
  bool cancelled() const noexcept { return cancelled_.load(); }

  /// A descriptor that becomes readable (and stays so) once cancelled.
  int fd() const noexcept { return fd_; }

 private:
  std::atomic<bool> cancelled_{false};
  int fd_ = -1;
};

} // namespace wingman::tools
