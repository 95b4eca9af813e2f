// Long-running background processes for `background_terminal`, owned by an
// `agent_id + session_key`. One reader thread drains every process's
// stdout/stderr with poll() into a bounded buffer per process; the methods
// may be called from any thread (one mutex, see docs/tools.md). All
// processes are killed when the manager is destroyed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocol/expected.hpp"
#include "providers/tools/cancel_flag.hpp"
#include "providers/tools/confined_dir.hpp"
#include "providers/tools/tool_limits.hpp"
#include "providers/tools/tool_registry.hpp"

namespace wingman::tools {

/// Who owns a background process.
struct terminal_owner {
  std::string agent_id;
  std::string session_key;

  friend bool operator==(const terminal_owner& a, const terminal_owner& b) {
    return a.agent_id == b.agent_id && a.session_key == b.session_key;
  }
};

/// What `terminal_manager::read` returns.
struct terminal_output {
  std::string output;    ///< New stdout+stderr bytes since the last read.
  size_t dropped = 0;    ///< Older unread bytes dropped by the buffer cap.
  bool running = true;   ///< False once the process has exited.
  /// `running`, `exited with code N` or `killed by signal N`.
  std::string status;
};

/// One row of `terminal_manager::list`.
struct terminal_info {
  std::string id;
  std::string command;
  std::string status;
  size_t unread = 0;  ///< Buffered bytes not read yet.
};

/// The background processes of every owner.
class terminal_manager {
 public:
  using clock = std::chrono::steady_clock;

  /// Uses `limits.terminal_*` and `block_list`; `now` stamps activity (tests
  /// inject a fake clock and call `sweep` with its time).
  explicit terminal_manager(tool_limits limits,
                            std::function<clock::time_point()> now
                            = clock::now);

  /// Kills every process group and joins the reader thread.
  ~terminal_manager();

  terminal_manager(const terminal_manager&) = delete;
  terminal_manager& operator=(const terminal_manager&) = delete;

  /// Starts `/bin/sh -c command` in `cwd` (own process group, stdin/stdout/
  /// stderr pipes). Idle processes are swept first; then the per-owner and
  /// global caps apply to running processes. Returns the new id (`t1`, ...).
  protocol::expected<std::string> start(const terminal_owner& owner,
                                        const std::string& command,
                                        const std::string& cwd);

  /// Writes `input` to the process's stdin (without blocking: returns the
  /// bytes accepted, fewer when the process does not read its input).
  protocol::expected<size_t> write(const terminal_owner& owner,
                                   const std::string& id,
                                   std::string_view input);

  /// Returns the output buffered since the last read. With `wait` > 0 and
  /// nothing buffered, waits up to `wait` for output or exit (or until
  /// `cancel` is set and `wake_waiters` called; a cancelled read consumes
  /// nothing and returns no output). A process that has exited
  /// and whose output has all been read is forgotten after this read.
  protocol::expected<terminal_output> read(const terminal_owner& owner,
                                           const std::string& id,
                                           std::chrono::milliseconds wait,
                                           const cancel_flag& cancel);

  /// Kills the process's group and forgets it.
  protocol::status kill(const terminal_owner& owner, const std::string& id);

  /// The owner's processes, by id.
  std::vector<terminal_info> list(const terminal_owner& owner);

  /// Kills and forgets every process with no start, read or write for
  /// `limits.terminal_idle` before `now`. Returns how many.
  size_t sweep(clock::time_point now);

  /// Wakes every `read` that is waiting, so a cancelled one returns.
  void wake_waiters();

  /// Running processes (all owners).
  size_t running();

 private:
  struct process;
  using process_ptr = std::shared_ptr<process>;

  /// The reader thread: polls every pipe and pidfd plus `wake_`.
  void run_reader();

  /// Interrupts the reader's poll() so it picks up a changed process set.
  void wake_reader();

  /// The owner's live process `id`, or nullptr. Requires: `mtx_` held.
  process_ptr find(const terminal_owner& owner, const std::string& id);

  /// Kills `p`'s group and hides it; the reader reaps and erases it.
  /// Requires: `mtx_` held.
  void remove(const process_ptr& p);

  tool_limits limits_;
  std::function<clock::time_point()> now_;
  std::mutex mtx_;
  std::condition_variable changed_;  ///< Output arrived or a process ended.
  std::map<std::string, process_ptr> procs_;  ///< Guarded by `mtx_`.
  uint64_t next_id_ = 1;                      ///< Guarded by `mtx_`.
  bool stopping_ = false;                     ///< Guarded by `mtx_`.
  unique_fd wake_;    ///< eventfd: written to wake the reader, drained by it.
  std::thread reader_;
};

/// Adds `background_terminal` to `reg`, backed by `terminals` (which must
/// outlive the registry's use).
void add_terminal_tool(tool_registry& reg, terminal_manager& terminals);

} // namespace wingman::tools
