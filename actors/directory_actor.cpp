#include "actors/directory_actor.hpp"

#include <algorithm>
#include <vector>

#include <caf/all.hpp>

namespace wingman::actors {

namespace {

struct directory_state {
  std::vector<peer> uis;
  static inline const char* name = "directory";

  void add(peer p) {
    remove(p.client);
    uis.push_back(std::move(p));
  }

  void remove(const caf::actor_addr& client) {
    uis.erase(std::remove_if(uis.begin(), uis.end(),
                             [&](const peer& p) { return p.client == client; }),
              uis.end());
  }

  void echo(const echo_to_ui& msg) {
    for (auto& p : uis)
      if (std::find(msg.exclude.begin(), msg.exclude.end(), p.client)
          == msg.exclude.end())
        p.send(msg.frame);
  }
};

using directory_pointer = directory_actor::stateful_pointer<directory_state>;

directory_actor::behavior_type directory_behavior(directory_pointer self) {
  self->set_down_handler(
    [=](caf::down_msg& dm) { self->state.remove(dm.source); });
  return {
    [=](register_ui& r) {
      self->monitor(r.who.client);
      self->state.add(std::move(r.who));
    },
    [=](unregister_ui& u) {
      self->demonitor(u.client);
      self->state.remove(u.client);
    },
    [=](const echo_to_ui& e) { self->state.echo(e); },
  };
}

} // namespace

client_directory spawn_directory(caf::actor_system& sys) {
  return client_directory{sys.spawn(directory_behavior)};
}

} // namespace wingman::actors
