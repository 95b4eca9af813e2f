// Small helpers for wingman-bench: percentiles and CPU time from /proc.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace wingman::bench {

/// The q-quantile (0..1) of sorted `v` (nearest rank); 0 when empty.
inline double quantile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  if (rank >= sorted.size())
    rank = sorted.size() - 1;
  return sorted[rank];
}

/// Clock ticks per second for /proc CPU fields.
inline double ticks_per_s() {
  static const double t = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return t > 0 ? t : 100.0;
}

/// utime + stime of `pid` in clock ticks from /proc/<pid>/stat; -1 on error.
inline int64_t process_ticks(long pid) {
  std::ifstream in{pid > 0 ? "/proc/" + std::to_string(pid) + "/stat" : "/proc/self/stat"};
  std::string line;
  if (!std::getline(in, line))
    return -1;
  // The command name may hold spaces: fields restart after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return -1;
  std::istringstream rest{line.substr(close + 2)};
  std::string field;
  int64_t utime = 0, stime = 0;
  // After ')': state is field 3; utime is field 14, stime 15.
  for (int i = 3; i <= 15 && (rest >> field); ++i) {
    if (i == 14)
      utime = std::stoll(field);
    if (i == 15)
      stime = std::stoll(field);
  }
  return utime + stime;
}

/// Busy (non-idle, non-iowait) ticks of the whole machine from /proc/stat.
inline int64_t machine_busy_ticks() {
  std::ifstream in{"/proc/stat"};
  std::string cpu;
  int64_t user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> sys >> idle >> iowait >> irq >> softirq >> steal))
    return -1;
  return user + nice + sys + irq + softirq + steal;
}

/// A CPU snapshot: server process, this process, the whole machine.
struct cpu_snapshot {
  int64_t server = -1;
  int64_t self = -1;
  int64_t machine = -1;

  static cpu_snapshot take(long server_pid) {
    cpu_snapshot s;
    if (server_pid > 0)
      s.server = process_ticks(server_pid);
    s.self = process_ticks(0);
    s.machine = machine_busy_ticks();
    return s;
  }
};

}  // namespace wingman::bench
