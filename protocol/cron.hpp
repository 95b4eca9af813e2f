// Cron schedules for routines: parsing the standard 5-field expressions and
// computing fire times in an IANA time zone. Pure and thread-safe (the time
// zone database is the system's tzdata, read once, through Howard Hinnant's
// date library; see docs/adr/0003-time-zones.md).
//
// Semantics (those of Vixie cron, with the DST rules spelled out):
// - fields: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or
//   jan-dec, day-of-week 0-7 or sun-sat (0 and 7 are Sunday); `*`, values,
//   ranges `a-b`, steps `*/n` `a-b/n` `a/n`, lists `,`;
// - when both day fields are restricted (neither starts with `*`), a day
//   matches if either matches; otherwise both must;
// - macros @hourly @daily @midnight @weekly @monthly @yearly @annually;
// - a local time skipped by a DST change (02:30 on a spring-forward night)
//   fires at the instant of the change; a local time that occurs twice (the
//   fall-back hour) fires once, at its first occurrence.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace wingman::protocol {

/// A parsed cron expression: the allowed values of each field.
struct cron_schedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;      ///< Index 1-31.
  std::bitset<13> months;    ///< Index 1-12.
  std::bitset<7> weekdays;   ///< 0 = Sunday.
  bool days_restricted = false;      ///< Day-of-month field does not start with `*`.
  bool weekdays_restricted = false;  ///< Day-of-week field does not start with `*`.
};

/// Parses `expr`; errors (`invalid_request`) name the field, e.g.
/// "cron field 1 (minute): 99 is out of range 0-59".
expected<cron_schedule> parse_cron(std::string_view expr);

/// Empty if `name` is "" (UTC) or a time zone of the system database
/// (`Europe/Paris`, `UTC`), else why not.
std::string validate_timezone(std::string_view name);

/// The first fire time strictly after `after_ms` (Unix ms), in time zone
/// `tz` ("" = UTC), as Unix ms on a whole minute. Errors: unknown time zone,
/// or no fire time within 30 years (`0 0 30 2 *`: February 30).
expected<int64_t> next_fire(const cron_schedule& schedule, std::string_view tz,
                            int64_t after_ms);

/// The next `count` fire times after `after_ms` (for previews).
expected<std::vector<int64_t>> next_fires(const cron_schedule& schedule,
                                          std::string_view tz, int64_t after_ms,
                                          size_t count);

} // namespace wingman::protocol
