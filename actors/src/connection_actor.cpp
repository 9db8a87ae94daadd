// The connection actor: an actor owning one driver connection and its cursors. Every
// handler catches: a failed statement is an error reply, never an actor crash; a broken
// connection replies first and then quits, so that the pool drops it.
#include "orca/actors/connection_actor.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "orca/actors/caf_error.hpp"

namespace orca::actors {

void interrupter::interrupt() noexcept {
  std::shared_ptr<drivers::connection> target;
  {
    std::lock_guard lock{mutex_};
    target = connection_.lock();
  }
  if (target) target->interrupt();
}

void interrupter::set(const std::shared_ptr<drivers::connection>& connection) noexcept {
  std::lock_guard lock{mutex_};
  connection_ = connection;
}

namespace {

struct connection_state {
  url target;
  drivers::connection_options options;
  std::shared_ptr<interrupter> interrupt;
  std::shared_ptr<drivers::connection> connection;
  std::map<std::uint64_t, std::unique_ptr<drivers::cursor>> cursors;  // destroyed before the connection
  std::uint64_t next_cursor = 1;
  commit_result last_commit = commit_result::none;
  static inline const char* name = "orca.connection";

  drivers::connection& open() {
    if (!connection) {
      connection = drivers::connect(target, options);
      interrupt->set(connection);
    }
    return *connection;
  }
  bool broken() const noexcept { return connection && connection->is_broken(); }
  void close_cursors() noexcept { cursors.clear(); }
};

using connection_pointer = connection_actor::stateful_pointer<connection_state>;

// Runs `f` against the open connection; errors become the reply, a broken connection quits.
template <class T, class F>
caf::result<T> guarded(connection_pointer self, F&& f) {
  try {
    return f(self->state.open());
  } catch (...) {
    auto e = current_exception_to_caf_error();
    if (self->state.broken() || !self->state.connection) self->quit();
    return e;
  }
}

connection_actor::behavior_type connection_impl(connection_pointer self, url target,
                                                drivers::connection_options options,
                                                std::shared_ptr<interrupter> interrupt) {
  auto& st = self->state;
  st.target = std::move(target);
  st.options = options;
  st.interrupt = std::move(interrupt);
  return {
      [=](execute_atom, const std::string& sql, const params& parameters) {
        return guarded<drivers::rowset>(self, [&](drivers::connection& c) { return c.execute(sql, parameters); });
      },
      [=](many_atom, const std::string& sql, const parameter_sets& sets) {
        return guarded<std::int64_t>(self, [&](drivers::connection& c) { return c.execute_many(sql, sets); });
      },
      [=](batch_atom, const statement_list& statements) {
        return guarded<rowset_list>(self, [&](drivers::connection& c) { return c.execute_batch(statements); });
      },
      [=](begin_atom) {
        return guarded<ok_atom>(self, [&](drivers::connection& c) {
          if (!c.in_transaction()) c.begin();
          return ok_atom::value;
        });
      },
      [=](commit_atom) {
        return guarded<ok_atom>(self, [&](drivers::connection& c) {
          self->state.close_cursors();
          self->state.last_commit = commit_result::failed;  // until COMMIT returns
          c.commit();
          self->state.last_commit = commit_result::committed;
          return ok_atom::value;
        });
      },
      [=](rollback_atom) {
        return guarded<ok_atom>(self, [&](drivers::connection& c) {
          self->state.close_cursors();
          c.rollback();
          return ok_atom::value;
        });
      },
      [=](savepoint_atom, const std::string& op, const std::string& name) {
        return guarded<ok_atom>(self, [&](drivers::connection& c) {
          if (op == "set") c.savepoint(name);
          else if (op == "release") c.release_savepoint(name);
          else if (op == "rollback") c.rollback_to_savepoint(name);
          else throw error(errc::invalid_argument, "unknown savepoint operation '" + op + "'");
          return ok_atom::value;
        });
      },
      [=](cursor_atom, const std::string& sql, const params& parameters) {
        return guarded<std::uint64_t>(self, [&](drivers::connection& c) {
          auto id = self->state.next_cursor++;
          self->state.cursors.emplace(id, c.open_cursor(sql, parameters));
          return id;
        });
      },
      [=](fetch_atom, std::uint64_t id, std::uint64_t max_rows) -> caf::result<drivers::rowset, bool> {
        auto& cursors = self->state.cursors;
        auto it = cursors.find(id);
        if (it == cursors.end())
          return to_caf_error(error{errc::closed, "the cursor is closed (exhausted, closed, or its transaction ended)"});
        try {
          drivers::rowset rows;
          bool more = it->second->fetch(max_rows, rows);
          if (!more) cursors.erase(it);
          return {std::move(rows), more};
        } catch (...) {
          cursors.erase(id);
          auto e = current_exception_to_caf_error();
          if (self->state.broken()) self->quit();
          return e;
        }
      },
      [=](close_atom, std::uint64_t id) {
        self->state.cursors.erase(id);
        return ok_atom::value;
      },
      [=](ping_atom) { return guarded<bool>(self, [](drivers::connection& c) { return c.ping(); }); },
      [=](reset_atom) -> caf::result<bool> {
        auto& st = self->state;
        st.close_cursors();
        if (!st.connection) return true;
        try {
          st.connection->rollback();
          return !st.broken();
        } catch (...) {
          self->quit();
          return false;
        }
      },
      [=](status_atom) {
        auto& st = self->state;
        connection_status status;
        status.open = st.connection && !st.broken();
        status.in_transaction = status.open && st.connection->in_transaction();
        status.last_commit = st.last_commit;
        return status;
      },
      [=](run_atom, connection_job& job) {
        return guarded<ok_atom>(self, [&](drivers::connection& c) {
          job.run(c);
          return ok_atom::value;
        });
      },
  };
}

}  // namespace

connection_handle spawn_connection(caf::actor_system& system, const url& target,
                                   const drivers::connection_options& options) {
  auto interrupt = std::make_shared<interrupter>();
  auto actor = system.spawn<caf::detached>(connection_impl, target, options, interrupt);
  return {std::move(actor), std::move(interrupt)};
}

}  // namespace orca::actors
