// Running one shell command for `command_execute`: `/bin/sh -c` in the
// working folder, in its own process group, with a filtered environment,
// captured and capped output, a timeout and prompt cancellation. Also the
// block list and environment rules shared with `background_terminal`.
// `run_command` blocks its calling thread (an executor thread) and uses
// poll(), never a busy loop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "providers/tools/cancel_flag.hpp"
#include "providers/tools/tool_registry.hpp"

namespace wingman::tools {

/// What `run_command` runs.
struct command_request {
  std::string command;                ///< Shell text for `/bin/sh -c`.
  std::string cwd;                    ///< Absolute working folder.
  std::chrono::milliseconds timeout;  ///< Then the group is stopped.
  size_t max_output = 64u << 10;      ///< Bytes kept (head + tail).
  std::chrono::milliseconds kill_grace{2000};  ///< SIGTERM → SIGKILL.
};

/// How a command ended.
struct command_outcome {
  std::string spawn_error;  ///< Non-empty: the command did not start.
  int exit_code = -1;       ///< When it exited normally.
  int signal = 0;           ///< When a signal ended it.
  bool timed_out = false;
  bool cancelled = false;
  std::string output;       ///< stdout+stderr, capped (see `output_capture`).
  size_t total_bytes = 0;   ///< Bytes the command wrote in all.
};

/// Runs `req` to completion, timeout or cancellation. When the shell ends,
/// whatever is left of its process group is killed (no background process
/// outlives a call; use `background_terminal` for those). On timeout the
/// group gets SIGTERM, then SIGKILL after `kill_grace`; on cancel SIGKILL
/// at once.
command_outcome run_command(const command_request& req,
                            const cancel_flag& cancel);

/// Keeps the first and last `max / 2` bytes of a stream and counts the rest.
class output_capture {
 public:
  /// Keeps at most `max` bytes.
  explicit output_capture(size_t max) : max_(max) {}

  /// Appends `data`.
  void add(std::string_view data);

  /// The kept text, with `[… N bytes omitted …]` between head and tail when
  /// something was dropped.
  std::string text() const;

  /// Every byte added so far.
  size_t total() const noexcept { return total_; }

 private:
  size_t max_;
  size_t total_ = 0;
  std::string head_;
  std::string tail_;  ///< The last bytes, at most `max_ - max_ / 2`.
};

/// `command` with whitespace runs collapsed to one space, trimmed, and no
/// space next to the shell punctuation `( ) { } | & ; < >`.
std::string normalize_command(std::string_view command);

/// The first pattern of `block_list` that `command` contains, or "". Both
/// are normalized; a pattern matches only where it is not glued to a
/// neighbouring word or path character (so `rm -rf /` blocks `rm -rf /` and
/// `rm -rf /*` but not `rm -rf /tmp/x`, and `mkfs` blocks `mkfs.ext4`).
std::string blocked_by(std::string_view command,
                       const std::vector<std::string>& block_list);

/// True for variables a command must not inherit: every name ending in `_KEY`, `_TOKEN`, `_SECRET`, `_PASSWORD`, `_PASSWD`
/// or `_CREDENTIALS` (provider keys, including a config's `apiKeyEnv`).
bool is_secret_env(std::string_view name) noexcept;

/// This process's environment without the secret variables, as `NAME=value`.
std::vector<std::string> child_environment();

/// Starts `/bin/sh -c command` in `cwd` as the leader of a new process
/// group, with `in`, `out` and `err` as its descriptors 0, 1 and 2 (every
/// other descriptor closed), the filtered environment, default signal
/// dispositions and an empty signal mask. Returns the pid, or -1 with
/// `error` set.
pid_t spawn_shell(const std::string& command, const std::string& cwd, int in,
                  int out, int err, std::string& error);

/// Adds `command_execute` to `reg`.
void add_command_tool(tool_registry& reg);

} // namespace wingman::tools
