#include "protocol/routine_plan.hpp"

#include <algorithm>

#include "protocol/cron.hpp"

namespace wingman::protocol {

int64_t plan_next_fire(const routine_record& r, int64_t fired_at, int64_t now,
                       std::string& error) {
  auto schedule = parse_cron(r.cron);
  if (!schedule) {
    error = schedule.error().message;
    return 0;
  }
  auto next = next_fire(*schedule, r.timezone, std::max(fired_at, now));
  if (!next) {
    error = next.error().message;
    return 0;
  }
  return *next;
}

routine_start_plan plan_routine_start(const routine_record& r, int64_t now) {
  routine_start_plan plan;
  if (!r.enabled)
    return plan;
  if (r.next_run_at > 0 && r.next_run_at <= now) {
    plan.missed_at = r.next_run_at;
    plan.catch_up = r.missed_run_policy == "run-once";
  }
  plan.next_run_at = plan_next_fire(r, 0, now, plan.error);
  return plan;
}

} // namespace wingman::protocol
