#include "providers/tools/tool_executor.hpp"

#include <algorithm>
#include <utility>

#include "providers/tools/command.hpp"
#include "providers/tools/file_tools.hpp"
#include "providers/tools/search_tools.hpp"

namespace wingman::tools {

void add_builtin_tools(tool_registry& reg, terminal_manager& terminals) {
  add_file_tools(reg);
  add_search_tools(reg);
  add_command_tool(reg);
  add_terminal_tool(reg, terminals);
}

void tool_executor::cancel_handle::cancel() const {
  if (!flag_)
    return;
  flag_->cancel();
  owner_->terminals_.wake_waiters();
}

tool_executor::tool_executor(
  tool_limits limits, std::function<terminal_manager::clock::time_point()> now)
  : terminals_(limits, std::move(now)) {
  add_builtin_tools(registry_, terminals_);
  auto n = std::max<size_t>(1, limits.executor_threads);
  for (size_t i = 0; i < n; ++i)
    threads_.emplace_back([this] { run_worker(); });
}

tool_executor::~tool_executor() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
    for (auto& j : queue_)
      j.flag->cancel();
    for (auto& f : running_)
      f->cancel();
  }
  terminals_.wake_waiters();
  ready_.notify_all();
  for (auto& t : threads_)
    t.join();
  // terminals_ is destroyed after this body: every process is killed.
}

tool_executor::cancel_handle
tool_executor::submit(std::string name, std::string arguments_json,
                      tool_context ctx, done_fn done) {
  cancel_handle h;
  h.flag_ = std::make_shared<cancel_flag>();
  h.owner_ = this;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopping_)
      h.flag_->cancel();
    queue_.push_back({std::move(name), std::move(arguments_json),
                      std::move(ctx), std::move(done), h.flag_});
  }
  ready_.notify_one();
  return h;
}

void tool_executor::run_worker() {
  while (true) {
    job j;
    {
      std::unique_lock<std::mutex> guard{mtx_};
      ready_.wait(guard, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return;  // stopping, and every queued call has been answered
      j = std::move(queue_.front());
      queue_.pop_front();
      running_.push_back(j.flag);
    }
    auto result = registry_.execute(j.name, j.arguments, j.ctx, *j.flag);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      running_.erase(std::find(running_.begin(), running_.end(), j.flag));
    }
    j.done(std::move(result));
  }
}

} // namespace wingman::tools
