// Runs tool calls off the caller's thread. The turn actor must never block
// a CAF worker, so it submits each call here and gets the result through a
// callback on one of the executor's own threads; the callback re-posts it
// to the actor (e.g. `anon_send(self, ...)`) and does nothing else. Owns the
// registry of every built-in tool and the background terminals.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "providers/tools/cancel_flag.hpp"
#include "providers/tools/terminal.hpp"
#include "providers/tools/tool.hpp"
#include "providers/tools/tool_registry.hpp"

namespace wingman::tools {

/// A thread pool running the built-in tools.
class tool_executor {
 public:
  /// Called exactly once per submitted call, on an executor thread.
  using done_fn = std::function<void(tool_result)>;

  /// Cancels one submitted call. Copyable; cancelling a finished call or
  /// cancelling twice does nothing.
  class cancel_handle {
   public:
    cancel_handle() = default;

    /// Cancels the call: a running command's process group is killed at
    /// once, a waiting terminal read returns, a queued call does not start;
    /// its `done` gets an error result `cancelled` (unless it had already
    /// produced its result). Any thread.
    /// Requires: the executor that returned this handle still exists.
    void cancel() const;

   private:
    friend class tool_executor;
    std::shared_ptr<cancel_flag> flag_;
    tool_executor* owner_ = nullptr;
  };

  /// Starts `limits.executor_threads` threads (at least 1) and registers
  /// every built-in tool. `now` is the terminals' clock (tests inject one).
  explicit tool_executor(tool_limits limits = {},
                         std::function<terminal_manager::clock::time_point()>
                           now = terminal_manager::clock::now);

  /// Cancels every queued and running call (each `done` is still called,
  /// with `cancelled`), joins the threads, then kills every background
  /// process.
  ~tool_executor();

  tool_executor(const tool_executor&) = delete;
  tool_executor& operator=(const tool_executor&) = delete;

  /// Queues tool `name` with `arguments_json` for `ctx`; `done` receives
  /// the result (see `tool_registry::execute` for the errors).
  cancel_handle submit(std::string name, std::string arguments_json,
                       tool_context ctx, done_fn done);

  /// The tools, for the specs shown to the model (`specs_for`).
  const tool_registry& registry() const noexcept { return registry_; }

  /// The background processes (e.g. to call `sweep` from a timer).
  terminal_manager& terminals() noexcept { return terminals_; }

 private:
  /// One submitted call.
  struct job {
    std::string name;
    std::string arguments;
    tool_context ctx;
    done_fn done;
    std::shared_ptr<cancel_flag> flag;
  };

  void run_worker();

  terminal_manager terminals_;
  tool_registry registry_;
  std::mutex mtx_;
  std::condition_variable ready_;
  std::deque<job> queue_;  ///< Guarded by `mtx_`.
  std::vector<std::shared_ptr<cancel_flag>> running_;  ///< Guarded by `mtx_`.
  bool stopping_ = false;  ///< Guarded by `mtx_`.
  std::vector<std::thread> threads_;
};

/// Adds every built-in tool to `reg`: ls, read_file, write_file, edit_file,
/// glob, grep, command_execute and background_terminal (backed by
/// `terminals`).
void add_builtin_tools(tool_registry& reg, terminal_manager& terminals);

} // namespace wingman::tools
