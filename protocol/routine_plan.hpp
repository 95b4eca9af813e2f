// When a routine fires: the scheduling rules of the routine engine, as pure
// functions of the record and the current time (the routine actor only
// executes them, with timers). Times are Unix ms.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/automation.hpp"

namespace wingman::protocol {

/// What a routine does when its actor starts (gateway start, edit, enable).
struct routine_start_plan {
  /// A fire was missed while the gateway was down (`next_run_at <= now`):
  /// its scheduled time, else 0.
  int64_t missed_at = 0;
  /// `missedRunPolicy` is run-once: fire once now for `missed_at`.
  bool catch_up = false;
  /// The next scheduled fire; 0 when disabled or the schedule is invalid.
  int64_t next_run_at = 0;
  /// Why the routine cannot be scheduled (bad cron or time zone), else "".
  std::string error;
};

/// Plans a starting routine:
/// - disabled: nothing scheduled;
/// - `next_run_at` set and not after `now`: a missed fire; run-once catches
///   up once (however many fires were missed), skip does not;
/// - the next fire is the first cron time after `now`.
/// A routine whose `next_run_at` is 0 (new, re-enabled, rescheduled) has
/// missed nothing.
routine_start_plan plan_routine_start(const routine_record& r, int64_t now);

/// The fire after the one scheduled at `fired_at`, never before `now`: a
/// routine that fell behind (a stalled machine) skips to the next future
/// time instead of firing once per missed slot. 0 (with `error`) when the
/// schedule is invalid.
int64_t plan_next_fire(const routine_record& r, int64_t fired_at, int64_t now,
                       std::string& error);

} // namespace wingman::protocol
