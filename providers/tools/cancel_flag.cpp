#include "providers/tools/cancel_flag.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace wingman::tools {

cancel_flag::cancel_flag() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0)
    std::abort();  // out of descriptors: no recovery for a broken invariant
}

cancel_flag::~cancel_flag() {
  ::close(fd_);
}

void cancel_flag::cancel() noexcept {
  if (cancelled_.exchange(true))
    return;
  // Never read back, so the counter stays non-zero and fd_ stays readable.
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

} // namespace wingman::tools
