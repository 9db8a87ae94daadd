// The connection actor: a detached actor owning one driver connection. Every handler
// catches: a failed statement is an error reply, never an actor crash; a broken connection
// replies first and then quits, so that the pool drops it.
#include "orca/actors/connection_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace orca::actors {

namespace {

struct connection_state {
  std::shared_ptr<drivers::connection> connection;
  url target;
  drivers::connection_options options;
  static inline const char* name = "orca.connection";

  drivers::connection& open() {
    if (!connection) connection = drivers::connect(target, options);
    return *connection;
  }
  bool broken() const noexcept { return connection && connection->is_broken(); }
};

using connection_pointer = connection_actor::stateful_pointer<connection_state>;

// Runs `f` against the open connection; errors become the reply, a broken connection quits.
template <class T, class F>
caf::result<T> guarded(connection_pointer self, F&& f) {
  try {
    self->state.open();
    T result = f(self->state.connection);
    return result;
  } catch (...) {
    auto e = current_exception_to_caf_error();
    if (self->state.broken() || !self->state.connection) self->quit();
    return e;
  }
}

connection_actor::behavior_type connection_impl(connection_pointer self, url target,
                                                drivers::connection_options options) {
  self->state.target = std::move(target);
  self->state.options = options;
  return {
      [=](run_atom, connection_job& job) -> caf::result<ok_atom> {
        return guarded<ok_atom>(self, [&](const std::shared_ptr<drivers::connection>& c) {
          job.run(c);
          return ok_atom::value;
        });
      },
      [=](execute_atom, const std::string& sql, const params& parameters) -> caf::result<drivers::rowset> {
        return guarded<drivers::rowset>(self, [&](const std::shared_ptr<drivers::connection>& c) {
          return c->execute(sql, parameters);
        });
      },
      [=](ping_atom) -> caf::result<bool> {
        return guarded<bool>(self, [](const std::shared_ptr<drivers::connection>& c) { return c->ping(); });
      },
      [=](reset_atom) -> caf::result<bool> {
        if (!self->state.connection) return true;
        try {
          self->state.connection->rollback();
          return !self->state.broken();
        } catch (...) {
          self->quit();
          return false;
        }
      },
  };
}

}  // namespace

connection_actor spawn_connection(caf::actor_system& system, const url& target,
                                  const drivers::connection_options& options) {
  return system.spawn<caf::detached>(connection_impl, target, options);
}

}  // namespace orca::actors
