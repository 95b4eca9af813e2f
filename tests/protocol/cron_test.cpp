#include "protocol/cron.hpp"
#include "protocol/routine_plan.hpp"

#include <ctime>

#include <doctest/doctest.h>

using namespace wingman::protocol;

namespace {

/// Unix ms of a UTC wall-clock time.
int64_t utc(int y, int mo, int d, int h, int mi) {
  std::tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  return static_cast<int64_t>(timegm(&t)) * 1000;
}

cron_schedule parse(const char* expr) {
  auto s = parse_cron(expr);
  REQUIRE_MESSAGE(s.has_value(), expr);
  return *s;
}

int64_t next(const char* expr, int64_t after, const char* tz = "") {
  auto t = next_fire(parse(expr), tz, after);
  REQUIRE_MESSAGE(t.has_value(), expr);
  return *t;
}

} // namespace

TEST_SUITE("protocol/cron") {

TEST_CASE("fields parse to the allowed values") {
  auto s = parse("1-10/3,30 */6 15 jan-mar sun,7");
  CHECK(s.minutes.count() == 5);  // 1 4 7 10 30
  CHECK(s.minutes[1]);
  CHECK(s.minutes[10]);
  CHECK(s.minutes[30]);
  CHECK_FALSE(s.minutes[2]);
  CHECK(s.hours.count() == 4);
  CHECK(s.hours[18]);
  CHECK(s.days.count() == 1);
  CHECK(s.months.count() == 3);
  CHECK(s.months[3]);
  CHECK(s.weekdays.count() == 1);  // 7 is Sunday, like 0
  CHECK(s.weekdays[0]);
  CHECK(s.days_restricted);
  CHECK(s.weekdays_restricted);
  CHECK(parse("5/20 * * * *").minutes.count() == 3);  // 5 25 45
}

TEST_CASE("macros expand to their five fields") {
  auto s = parse("@weekly");
  CHECK(s.minutes.count() == 1);
  CHECK(s.hours.count() == 1);
  CHECK(s.weekdays.count() == 1);
  CHECK_FALSE(s.weekdays_restricted == false);
  CHECK(parse_cron("@reboot").error().message.rfind("unknown cron macro", 0) == 0);
}

TEST_CASE("errors name the field") {
  auto e = parse_cron("99 99 99 99 99");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == error_code::invalid_request);
  CHECK(e.error().message == "cron field 1 (minute): 99 is out of range 0-59");
}

TEST_CASE("every minute fires on the next whole minute") {
  auto t0 = utc(2026, 11, 22, 12, 0) + 30'000;
  CHECK(next("* * * * *", t0) == utc(2026, 11, 22, 12, 1));
  // Strictly after: a fire time itself is not returned again.
  CHECK(next("* * * * *", utc(2026, 11, 22, 12, 1)) == utc(2026, 11, 22, 12, 2));
  auto fires = next_fires(parse("*/15 * * * *"), "", utc(2026, 11, 22, 23, 50), 3);
  REQUIRE(fires.has_value());
  CHECK(*fires == std::vector<int64_t>{utc(2026, 11, 23, 0, 0), utc(2026, 11, 23, 0, 15),
                                       utc(2026, 11, 23, 0, 30)});
}

TEST_CASE("weekdays, months and year ends") {
  // 2026-11-21 is a Saturday: weekdays only resumes on Monday the 23rd.
  CHECK(next("0 9 * * mon-fri", utc(2026, 11, 21, 10, 0)) == utc(2026, 11, 23, 9, 0));
  CHECK(next("@yearly", utc(2026, 11, 22, 0, 0)) == utc(2027, 1, 1, 0, 0));
  CHECK(next("0 0 1 * *", utc(2026, 12, 15, 0, 0)) == utc(2027, 1, 1, 0, 0));
  CHECK(next("0 0 29 2 *", utc(2026, 3, 1, 0, 0)) == utc(2028, 2, 29, 0, 0));
}

TEST_CASE("both day fields restricted: either matches, one starred: both") {
  // 2026-11-27 is a Friday; the 13th of December 2026 a Sunday.
  CHECK(next("0 0 13 * fri", utc(2026, 11, 22, 0, 0)) == utc(2026, 11, 27, 0, 0));
  CHECK(next("0 0 13 * fri", utc(2026, 12, 12, 0, 0)) == utc(2026, 12, 13, 0, 0));
  // `*/2` starts with `*`: days 1,3,5,... AND Fridays: the 27th is odd,
  // then December 4th is even and December 11th odd.
  CHECK(next("0 0 */2 * fri", utc(2026, 11, 22, 0, 0)) == utc(2026, 11, 27, 0, 0));
  CHECK(next("0 0 */2 * fri", utc(2026, 11, 28, 0, 0)) == utc(2026, 12, 11, 0, 0));
}

TEST_CASE("a schedule that never fires is an error") {
  auto t = next_fire(parse("0 0 30 2 *"), "", utc(2026, 1, 1, 0, 0));
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().message.find("never fires") != std::string::npos);
}

TEST_CASE("time zones shift the wall clock") {
  // Paris is UTC+1 in November.
  CHECK(next("0 9 * * *", utc(2026, 11, 22, 0, 0), "Europe/Paris")
        == utc(2026, 11, 22, 8, 0));
  CHECK(next("0 9 * * *", utc(2026, 11, 22, 0, 0), "America/New_York")
        == utc(2026, 11, 22, 14, 0));
  CHECK(next("0 9 * * *", utc(2026, 11, 22, 0, 0), "UTC") == utc(2026, 11, 22, 9, 0));
  CHECK(validate_timezone("").empty());
  CHECK(validate_timezone("Asia/Tokyo").empty());
  CHECK(validate_timezone("Mars/Olympus").find("not in the time zone database")
        != std::string::npos);
  auto bad = next_fire(parse("* * * * *"), "Mars/Olympus", 0);
  CHECK_FALSE(bad.has_value());
}

TEST_CASE("a local time skipped by DST fires at the change") {
  // 2026-03-29: Paris jumps from 02:00 CET to 03:00 CEST (01:00 UTC).
  CHECK(next("30 2 * * *", utc(2026, 3, 28, 12, 0), "Europe/Paris")
        == utc(2026, 3, 29, 1, 0));
  // The day after, 02:30 CEST exists again.
  CHECK(next("30 2 * * *", utc(2026, 3, 29, 1, 0), "Europe/Paris")
        == utc(2026, 3, 30, 0, 30));
  // Several skipped times collapse into one fire at the change.
  auto fires = next_fires(parse("*/20 2 * * *"), "Europe/Paris", utc(2026, 3, 28, 12, 0), 2);
  REQUIRE(fires.has_value());
  CHECK(*fires == std::vector<int64_t>{utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 0)});
}

TEST_CASE("a repeated local time fires once, at its first occurrence") {
  // 2026-10-25: Paris falls back from 03:00 CEST to 02:00 CET (01:00 UTC).
  CHECK(next("30 2 * * *", utc(2026, 10, 24, 12, 0), "Europe/Paris")
        == utc(2026, 10, 25, 0, 30));
  CHECK(next("30 2 * * *", utc(2026, 10, 25, 0, 30), "Europe/Paris")
        == utc(2026, 10, 26, 1, 30));
  auto fires = next_fires(parse("0,30 * * * *"), "Europe/Paris", utc(2026, 10, 24, 23, 45), 4);
  REQUIRE(fires.has_value());
  CHECK(*fires == std::vector<int64_t>{utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30),
                                       utc(2026, 10, 25, 2, 0), utc(2026, 10, 25, 2, 30)});
}

}

TEST_SUITE("protocol/routine_plan") {

routine_record every_minute(std::string policy = "skip") {
  routine_record r;
  r.id = "rt_1";
  r.cron = "* * * * *";
  r.enabled = true;
  r.missed_run_policy = std::move(policy);
  return r;
}

TEST_CASE("a new routine schedules its first fire and has missed nothing") {
  auto now = utc(2026, 11, 22, 12, 0) + 30'000;
  auto plan = plan_routine_start(every_minute(), now);
  CHECK(plan.error.empty());
  CHECK(plan.missed_at == 0);
  CHECK_FALSE(plan.catch_up);
  CHECK(plan.next_run_at == utc(2026, 11, 22, 12, 1));
}

TEST_CASE("a disabled routine schedules nothing") {
  auto r = every_minute();
  r.enabled = false;
  r.next_run_at = utc(2026, 11, 22, 11, 0);
  auto plan = plan_routine_start(r, utc(2026, 11, 22, 12, 0));
  CHECK(plan.next_run_at == 0);
  CHECK(plan.missed_at == 0);
}

TEST_CASE("after downtime: skip moves on, run-once catches up once") {
  auto now = utc(2026, 11, 22, 12, 0) + 30'000;
  auto skip = every_minute("skip");
  skip.next_run_at = utc(2026, 11, 22, 9, 0);  // three hours of fires missed
  auto p1 = plan_routine_start(skip, now);
  CHECK(p1.missed_at == utc(2026, 11, 22, 9, 0));
  CHECK_FALSE(p1.catch_up);
  CHECK(p1.next_run_at == utc(2026, 11, 22, 12, 1));
  auto once = every_minute("run-once");
  once.next_run_at = utc(2026, 11, 22, 9, 0);
  auto p2 = plan_routine_start(once, now);
  CHECK(p2.catch_up);
  CHECK(p2.missed_at == utc(2026, 11, 22, 9, 0));
  CHECK(p2.next_run_at == utc(2026, 11, 22, 12, 1));
}

TEST_CASE("a restart before the next fire misses nothing") {
  auto r = every_minute("run-once");
  r.last_run_at = utc(2026, 11, 22, 12, 0);
  r.next_run_at = utc(2026, 11, 22, 12, 1);
  auto plan = plan_routine_start(r, utc(2026, 11, 22, 12, 0) + 40'000);
  CHECK(plan.missed_at == 0);
  CHECK(plan.next_run_at == utc(2026, 11, 22, 12, 1));
}

TEST_CASE("a late fire schedules the next future time, not each missed slot") {
  std::string err;
  auto r = every_minute();
  CHECK(plan_next_fire(r, utc(2026, 11, 22, 12, 0), utc(2026, 11, 22, 12, 0), err)
        == utc(2026, 11, 22, 12, 1));
  CHECK(plan_next_fire(r, utc(2026, 11, 22, 12, 0), utc(2026, 11, 22, 12, 7) + 1, err)
        == utc(2026, 11, 22, 12, 8));
  CHECK(err.empty());
  r.cron = "bad";
  CHECK(plan_next_fire(r, 0, 0, err) == 0);
  CHECK(err.find("5 fields") != std::string::npos);
}

}
