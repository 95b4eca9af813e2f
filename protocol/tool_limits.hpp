// Every limit of the agent's built-in tools and of an agent turn, with its
// default. Plain data, filled from `gateway.tools.*` and `gateway.turns.*`
// by `parse_config` (see docs/tools.md for the keys); tests shrink it to
// reach the caps quickly. The tools themselves live in `providers/tools/`.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace wingman::protocol {

/// The command patterns `command_execute` and `background_terminal` refuse
/// by default: a few catastrophic commands (guard rail, not a sandbox).
std::vector<std::string> default_block_list();

/// Limits of the built-in tools (`gateway.tools.*`). Per-call fields are
/// read from `tool_context::limits`; the executor-wide fields (threads,
/// terminal caps, terminal buffer) from the `tool_limits` given to
/// `tool_executor`.
struct tool_limits {
  // -- arguments --------------------------------------------------------------

  /// Largest `arguments_json` accepted for one call.
  size_t max_argument_bytes = 16u << 20;

  // -- file tools -------------------------------------------------------------

  /// `ls`: entries listed before the "… N more" note.
  size_t ls_max_entries = 1000;
  /// `read_file`: bytes returned before the truncation note.
  size_t read_max_bytes = 256u << 10;
  /// `write_file`: largest `content`; `edit_file`: largest file before or
  /// after the edit.
  size_t write_max_bytes = 10u << 20;

  // -- search tools -----------------------------------------------------------

  /// `glob`/`grep`: directory entries visited before the walk stops.
  size_t walk_max_entries = 100000;
  /// `glob`: paths returned.
  size_t glob_max_results = 1000;
  /// `grep`: matching lines returned.
  size_t grep_max_matches = 500;
  /// `grep`: bytes of result text returned.
  size_t grep_max_output_bytes = 64u << 10;
  /// `grep`: files larger than this are skipped.
  size_t grep_max_file_bytes = 4u << 20;
  /// `grep`: a matched line is shown up to this many bytes.
  size_t grep_max_line_bytes = 500;
  /// `glob`/`grep`: longest pattern.
  size_t max_pattern_bytes = 1000;

  // -- command_execute --------------------------------------------------------

  /// Timeout when the call gives no `timeout_ms`.
  std::chrono::milliseconds command_timeout = std::chrono::seconds{60};
  /// Largest `timeout_ms` a call may ask for (larger values are clamped).
  std::chrono::milliseconds command_max_timeout = std::chrono::minutes{10};
  /// Output kept (head and tail) from stdout+stderr.
  size_t command_max_output_bytes = 64u << 10;
  /// Wait between SIGTERM and SIGKILL when a process group is stopped.
  std::chrono::milliseconds kill_grace = std::chrono::seconds{2};
  /// Refused command patterns (whitespace-normalized, see docs/tools.md).
  std::vector<std::string> block_list = default_block_list();

  // -- background_terminal ----------------------------------------------------

  /// Running processes per `agent_id + session_key`.
  size_t terminal_max_per_owner = 4;
  /// Running processes in total.
  size_t terminal_max_total = 32;
  /// Output retained per process (ring buffer; oldest bytes dropped).
  size_t terminal_buffer_bytes = 256u << 10;
  /// A process with no read or write for this long is killed by `sweep`.
  std::chrono::milliseconds terminal_idle = std::chrono::minutes{30};
  /// Largest `input` of one `write`.
  size_t terminal_max_input_bytes = 64u << 10;

  // -- executor ---------------------------------------------------------------

  /// webhookCommands: offer `command_execute` and `background_terminal` in
  /// turns that a webhook started (their prompt is untrusted text).
  bool webhook_commands = false;

  /// Threads of `tool_executor`'s pool (at least 1). Calls that wait (a
  /// long `command_execute`, a terminal `read` with `wait_ms`) hold a thread,
  /// so the pool is larger than the cores; idle threads cost nothing.
  size_t executor_threads = 8;
};

/// Limits of one agent turn against a model provider (`gateway.turns.*`).
struct turn_limits {
  /// maxToolSteps: model → tools rounds before the turn fails.
  int max_tool_steps = 10;
  /// historyMaxMessages: stored messages sent with a turn (the current one
  /// included; the oldest go first, a tool result never without its call).
  size_t history_max_messages = 100;
  /// historyMaxChars: text + attachment characters sent with a turn.
  size_t history_max_chars = 200'000;
  /// pdfMaxBytes: largest PDF converted to text (decoded bytes).
  size_t pdf_max_bytes = 32u << 20;
  /// pdfMaxPages: pages converted; later ones are skipped with a note.
  int pdf_max_pages = 100;
  /// pdfMaxChars: text kept per PDF; the rest is dropped with a note.
  size_t pdf_max_chars = 100'000;
};

} // namespace wingman::protocol
