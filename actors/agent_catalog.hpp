// The live list of agents, as the HTTP API sees and edits it. Thread-safe
// (HTTP routes run on io threads): a mutex-guarded copy, listed in
// docs/locks.md. The router is told of every change (`upsert_agent`,
// `remove_agent`) and keeps its own table for routing.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"
#include "providers/tools/fs_guard.hpp"

namespace wingman::actors {

/// Agents by id, in configuration order.
class agent_catalog {
 public:
  agent_catalog(std::vector<protocol::agent_config> agents,
                std::string default_agent)
    : agents_(std::move(agents)), default_agent_(std::move(default_agent)) {}

  /// A copy of every agent, in order.
  std::vector<protocol::agent_config> list() const {
    std::lock_guard<std::mutex> g{mtx_};
    return agents_;
  }

  /// The agent `id`, if present.
  std::optional<protocol::agent_config> get(const std::string& id) const {
    std::lock_guard<std::mutex> g{mtx_};
    for (auto& a : agents_)
      if (a.id == id)
        return a;
    return std::nullopt;
  }

  /// Inserts `a` at the end or replaces the agent with its id.
  void put(protocol::agent_config a) {
    std::lock_guard<std::mutex> g{mtx_};
    for (auto& x : agents_)
      if (x.id == a.id) {
        x = std::move(a);
        return;
      }
    agents_.push_back(std::move(a));
  }

  /// Removes `id`; false if absent.
  bool remove(const std::string& id) {
    std::lock_guard<std::mutex> g{mtx_};
    for (auto i = agents_.begin(); i != agents_.end(); ++i)
      if (i->id == id) {
        agents_.erase(i);
        return true;
      }
    return false;
  }

  /// The id of an agent other than `agent_id` whose workspace or agentDir
  /// overlaps folder `dir` (resolved), or "" (per-agent isolation: one
  /// agent's session workdir must not reach another agent's folders).
  std::string other_agent_owning(std::string_view dir, const std::string& agent_id) const {
    std::vector<tools::owned_folder> others;
    {
      std::lock_guard<std::mutex> g{mtx_};
      for (const auto& a : agents_)
        if (a.id != agent_id)
          others.insert(others.end(), {{a.id, a.workspace}, {a.id, a.agent_dir}});
    }
    return tools::overlapping_owner(dir, others);  // touches the file system: unlocked
  }

  /// The default agent's id.
  std::string default_agent() const {
    std::lock_guard<std::mutex> g{mtx_};
    return default_agent_;
  }

  /// Changes the default agent.
  void default_agent(std::string id) {
    std::lock_guard<std::mutex> g{mtx_};
    default_agent_ = std::move(id);
  }

 private:
  mutable std::mutex mtx_;
  std::vector<protocol::agent_config> agents_;  // guarded by mtx_
  std::string default_agent_;                   // guarded by mtx_
};

} // namespace wingman::actors
