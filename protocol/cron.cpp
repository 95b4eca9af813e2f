#include "protocol/cron.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <optional>

#include <date/tz.h>

#include "protocol/automation.hpp"

namespace wingman::protocol {

namespace {

struct cron_field {
  const char* name;
  int lo;
  int hi;
  std::array<const char*, 12> names;  // index + lo = value; empty when none
};

const cron_field cron_fields[5] = {
  {"minute", 0, 59, {}},
  {"hour", 0, 23, {}},
  {"day-of-month", 1, 31, {}},
  {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                    "sep", "oct", "nov", "dec"}},
  {"day-of-week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

/// Parses one value of a field (number or name); -1 on error.
int cron_value(std::string_view s, const cron_field& f) {
  if (all_digits(s))
    return s.size() > 4 ? 100000 : std::atoi(std::string{s}.c_str());
  std::string lower{s};
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < f.names.size(); ++i)
    if (f.names[i] && lower == f.names[i])
      return static_cast<int>(i) + f.lo;
  return -1;
}

/// Parses field `index` into `bits` (bit v = value v allowed); "" or why not.
std::string parse_field(std::string_view text, int index, std::bitset<64>& bits) {
  const auto& f = cron_fields[index];
  auto where = "cron field " + std::to_string(index + 1) + " (" + f.name + "): ";
  auto range = std::to_string(f.lo) + "-" + std::to_string(f.hi);
  size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    if (comma == std::string_view::npos)
      comma = text.size();
    auto item = text.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty())
      return where + "empty list item";
    auto slash = item.find('/');
    auto base = item.substr(0, slash);
    int step = 1;
    if (slash != std::string_view::npos) {
      auto text_step = item.substr(slash + 1);
      step = all_digits(text_step) && text_step.size() <= 4
               ? std::atoi(std::string{text_step}.c_str()) : 0;
      if (step < 1 || step > f.hi)
        return where + "step \"" + std::string{text_step} + "\" must be 1-"
               + std::to_string(f.hi);
    }
    int a = f.lo;
    int b = f.hi;
    if (base != "*") {
      auto dash = base.find('-');
      auto first = base.substr(0, dash);
      a = cron_value(first, f);
      if (a < 0)
        return where + "\"" + std::string{first} + "\" is not a value";
      if (a < f.lo || a > f.hi)
        return where + std::string{first} + " is out of range " + range;
      b = a;
      if (dash != std::string_view::npos) {
        auto second = base.substr(dash + 1);
        b = cron_value(second, f);
        if (b < 0)
          return where + "\"" + std::string{second} + "\" is not a value";
        if (b < f.lo || b > f.hi)
          return where + std::string{second} + " is out of range " + range;
        if (b < a)
          return where + "range " + std::string{base} + " runs backwards";
      } else if (slash != std::string_view::npos) {
        b = f.hi;  // `a/n`: from a to the end of the range
      }
    }
    for (int v = a; v <= b; v += step)
      bits.set(static_cast<size_t>(v));
  }
  return {};
}

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string_view{} : s.substr(b, e - b + 1);
}

std::string_view expand_macro(std::string_view expr) {
  static const std::pair<const char*, const char*> macros[] = {
    {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
  };
  for (auto [name, value] : macros)
    if (expr == name)
      return value;
  return {};
}

template <size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N; ++i)
    out[i] = bits[i];
  return out;
}

error bad_cron(std::string message) {
  return {error_code::invalid_request, std::move(message)};
}

using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

/// The first local minute at or after `start` that the schedule matches,
/// searching at most 30 years of days.
std::optional<date::local_time<minutes>> next_match(const cron_schedule& s,
                                                    date::local_time<minutes> start) {
  auto day = date::floor<date::days>(start);
  auto into = start - day;
  int first_hour = static_cast<int>(duration_cast<hours>(into).count());
  int first_minute = static_cast<int>((into - hours{first_hour}).count());
  for (int i = 0; i < 366 * 30; ++i, day += date::days{1}) {
    date::year_month_day ymd{day};
    if (!s.months[static_cast<unsigned>(ymd.month())])
      continue;
    bool dom = s.days[static_cast<unsigned>(ymd.day())];
    bool dow = s.weekdays[date::weekday{day}.c_encoding()];
    bool match = s.days_restricted && s.weekdays_restricted ? dom || dow : dom && dow;
    if (!match)
      continue;
    for (int h = i == 0 ? first_hour : 0; h < 24; ++h) {
      if (!s.hours[static_cast<size_t>(h)])
        continue;
      int m0 = i == 0 && h == first_hour ? first_minute : 0;
      for (int m = m0; m < 60; ++m)
        if (s.minutes[static_cast<size_t>(m)])
          return day + hours{h} + minutes{m};
    }
  }
  return std::nullopt;
}

} // namespace

expected<cron_schedule> parse_cron(std::string_view expr) {
  expr = trim(expr);
  if (expr.empty())
    return bad_cron("cron expression is empty");
  if (expr.front() == '@') {
    auto expanded = expand_macro(expr);
    if (expanded.empty())
      return bad_cron("unknown cron macro " + std::string{expr}
                      + " (use @hourly, @daily, @weekly, @monthly or @yearly)");
    expr = expanded;
  }
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < expr.size()) {
    auto end = expr.find_first_of(" \t", pos);
    if (end == std::string_view::npos)
      end = expr.size();
    if (end > pos)
      fields.push_back(expr.substr(pos, end - pos));
    pos = end + 1;
  }
  if (fields.size() != 5)
    return bad_cron("cron expression needs 5 fields (minute hour day-of-month "
                    "month day-of-week), got " + std::to_string(fields.size()));
  std::bitset<64> bits[5];
  for (int i = 0; i < 5; ++i)
    if (auto why = parse_field(fields[static_cast<size_t>(i)], i, bits[i]); !why.empty())
      return bad_cron(std::move(why));
  cron_schedule s;
  s.minutes = narrow<60>(bits[0]);
  s.hours = narrow<24>(bits[1]);
  s.days = narrow<32>(bits[2]);
  s.months = narrow<13>(bits[3]);
  s.weekdays = narrow<7>(bits[4]);
  if (bits[4][7])
    s.weekdays.set(0);  // 7 is Sunday too
  s.days_restricted = fields[2].front() != '*';
  s.weekdays_restricted = fields[4].front() != '*';
  return s;
}

std::string validate_cron(std::string_view expr) {
  auto s = parse_cron(expr);
  return s ? std::string{} : s.error().message;
}

std::string validate_timezone(std::string_view name) {
  if (name.empty())
    return {};
  try {
    date::locate_zone(std::string{name});
    return {};
  } catch (const std::exception&) {
    return "timezone \"" + std::string{name}
           + "\" is not in the time zone database (use an IANA name such as "
             "Europe/Paris)";
  }
}

expected<std::vector<int64_t>> next_fires(const cron_schedule& schedule,
                                          std::string_view tz, int64_t after_ms,
                                          size_t count) {
  const date::time_zone* zone = nullptr;
  if (!tz.empty()) {
    if (auto why = validate_timezone(tz); !why.empty())
      return bad_cron(std::move(why));
    zone = date::locate_zone(std::string{tz});
  }
  std::vector<int64_t> out;
  auto after = date::floor<seconds>(date::sys_time<milliseconds>{milliseconds{after_ms}});
  while (out.size() < count) {
    auto local = zone ? zone->to_local(after)
                      : date::local_seconds{after.time_since_epoch()};
    auto start = date::floor<minutes>(local) + minutes{1};
    date::sys_seconds fire{};
    for (;;) {
      auto l = next_match(schedule, start);
      if (!l)
        return bad_cron("cron expression never fires (no match within 30 years)");
      fire = date::sys_seconds{l->time_since_epoch()};
      if (zone) {
        auto info = zone->get_info(*l);
        if (info.result == date::local_info::nonexistent)
          fire = info.first.end;  // skipped by a DST change: at the change
        else
          fire -= info.first.offset;  // unique, or the first of two
      }
      if (fire > after)
        break;
      start = *l + minutes{1};  // the repeated hour: already fired once
    }
    out.push_back(duration_cast<milliseconds>(fire.time_since_epoch()).count());
    after = fire;
  }
  return out;
}

expected<int64_t> next_fire(const cron_schedule& schedule, std::string_view tz,
                            int64_t after_ms) {
  auto fires = next_fires(schedule, tz, after_ms, 1);
  if (!fires)
    return fires.error();
  return fires->front();
}

} // namespace wingman::protocol
