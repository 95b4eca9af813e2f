// The wingman-bench scenarios; each runs to completion, prints its report
// and returns the exit status (0 = no errors, no timeout).
#pragma once

#include "tools/bench/bench_common.hpp"

namespace wingman::bench {

/// `turns` (gateway) and `echo` (baseline): request/stream round trips.
int run_turns(const options& o);

/// `idle`: hold authenticated connections; memory per connection.
int run_idle(const options& o);

/// `fanout`: subscribers of one session, one driver sending turns.
int run_fanout(const options& o);

/// `churn`: connect, authenticate, close, in loops.
int run_churn(const options& o);

} // namespace wingman::bench
