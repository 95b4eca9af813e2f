// wingman-fake-llm's network side: one Asio thread, keep-alive HTTP/1.1
// connections, responses planned by `engine` and written with one write per
// event-loop turn per connection (coalesced).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tools/fake_llm/fake_llm.hpp"

namespace wingman::fake_llm {

/// Listens on `opts.host:opts.port`, calls `on_ready(port)` once listening,
/// and serves until SIGTERM or SIGINT. Returns the process exit code (0 on
/// a signal, 1 if the address cannot be bound; `error` then says why).
int serve(const options& opts, const std::function<void(uint16_t port)>& on_ready,
          std::string& error);

} // namespace wingman::fake_llm
