#include "actors/log.hpp"

#include "providers/tools/fs_guard.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/sinks/daily_file_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace wingman::actors::log {

using tools::make_dirs;

namespace {

std::shared_ptr<spdlog::logger> get(const char* name) {
  if (auto l = spdlog::get(name))
    return l;
  // Not initialised (tests): a silent logger, registered once.
  auto l = std::make_shared<spdlog::logger>(
    name, std::make_shared<spdlog::sinks::null_sink_mt>());
  spdlog::register_logger(l);  // may race in tests; spdlog::get above wins next time
  return l;
}


} // namespace

std::shared_ptr<spdlog::logger> actors() {
  static auto l = get("wingman.actors");
  return l;
}

std::shared_ptr<spdlog::logger> storage() {
  static auto l = get("wingman.storage");
  return l;
}

std::shared_ptr<spdlog::logger> transport() {
  static auto l = get("wingman.transport");
  return l;
}

std::string init_logging(const log_options& opts) {
  std::vector<spdlog::sink_ptr> sinks;
  if (opts.console)
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!opts.dir.empty()) {
    if (auto err = make_dirs(opts.dir); !err.empty())
      return err;
    // Daily file: <dir>/wingman_YYYY-MM-DD.log is spdlog's default pattern;
    // the custom calculator names it wingman-YYYY-MM-DD.log.
    struct name_calc {
      static spdlog::filename_t calc_filename(const spdlog::filename_t& base,
                                              const tm& now) {
        return fmt::format("{}-{:04d}-{:02d}-{:02d}.log", base,
                           now.tm_year + 1900, now.tm_mon + 1, now.tm_mday);
      }
    };
    sinks.push_back(
      std::make_shared<spdlog::sinks::daily_file_sink<std::mutex, name_calc>>(
        opts.dir + "/wingman", 0, 0));
  }
  auto level = spdlog::level::from_str(opts.level);
  spdlog::drop_all();
  for (const char* name :
       {"wingman.actors", "wingman.storage", "wingman.transport", "wingman"}) {
    auto l = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
    l->set_level(level);
    l->flush_on(spdlog::level::warn);
    spdlog::register_logger(l);
  }
  spdlog::set_default_logger(spdlog::get("wingman"));
  spdlog::flush_every(std::chrono::seconds{1});
  return {};
}

} // namespace wingman::actors::log
