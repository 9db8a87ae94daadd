// The PostgreSQL connection actor: runs on the scheduler and never blocks on the network.
// Statements, batches and transaction control go out through libpq's non-blocking calls;
// the process's poller turns the socket's readiness into `ready` messages. The few calls
// that only exist as blocking libpq calls (connect, cursors, ping, savepoints, run_sync's
// user code) run on a lane: a detached helper that borrows the connection meanwhile. The
// request machinery is in postgresql_actor_calls.cpp.
#include "postgresql_connection_actor.hpp"

#include <caf/actor_system.hpp>

#include "postgresql_actor_state.hpp"
#include "savepoint.hpp"

namespace orca::actors {

namespace {

using namespace postgresql;

// Forgets cursor `id` and closes it on the lane (its CLOSE, and the COMMIT of a transaction
// it owned, are blocking calls), before the requests that follow.
void close_cursor(self_pointer self, std::uint64_t id) {
  auto& cursors = self->state.cursors;
  auto it = cursors.find(id);
  if (it == cursors.end()) return;
  auto cursor = std::move(it->second);
  cursors.erase(it);
  self->state.queue.push_front(
      job{nullptr, [cursor](drivers::connection&) { cursor->close(); }, [](std::exception_ptr) {}});
}

connection_actor::behavior_type postgresql_impl(self_pointer self, url target, drivers::connection_options options) {
  auto& st = self->state;
  st.target = std::move(target);
  st.options = std::move(options);
  st.sockets = poller::shared();
  st.limit = st.options.statement_timeout;  // the engine's request_timeout
  auto conn = [self]() -> drivers::connection& { return *self->state.connection; };
  return {
      // First: CAF tries a message against the handlers of its shape in order, and a socket's
      // readiness (one per reply) shares its shape, a lone atom, with seven others.
      [=](ready_atom) { on_ready(self); },
      [=](execute_atom, std::string& sql, params& parameters) {
        // The hot path (every query and point read): one allocation for the statement and its
        // promise, which the job's functions reach by pointer.
        struct statement {
          std::string sql;
          params parameters;
          caf::typed_response_promise<drivers::rowset> promise;
        };
        auto data = std::make_shared<statement>(
            statement{std::move(sql), std::move(parameters), self->make_response_promise<drivers::rowset>()});
        auto* s = data.get();
        job j;
        j.start = [s](drivers::connection& c) { return c.start_execute(s->sql, s->parameters); };
        j.finish = [self, s](std::exception_ptr e) {
          deliver(
              s->promise, e, [self] { return self->state.connection->finish_rows(); }, self->state.timeout_failure);
        };
        j.replayable = true;
        auto promise = s->promise;
        j.data = std::move(data);
        submit(self, std::move(j));
        return promise;
      },
      [=](many_atom, std::string& sql, parameter_sets& sets) {
        auto promise = self->make_response_promise<std::int64_t>();
        auto args = std::make_shared<std::pair<std::string, parameter_sets>>(std::move(sql), std::move(sets));
        submit(self, replayable(call<std::int64_t>(
                         self, promise,
                         [args](drivers::connection& c) { return c.start_execute_many(args->first, args->second); },
                         [conn] { return conn().finish_count(); })));
        return promise;
      },
      [=](batch_atom, statement_list& statements) {
        auto promise = self->make_response_promise<rowset_list>();
        auto args = std::make_shared<statement_list>(std::move(statements));
        submit(self, replayable(call<rowset_list>(
                         self, promise, [args](drivers::connection& c) { return c.start_execute_batch(*args); },
                         [conn] { return conn().finish_rowsets(); })));
        return promise;
      },
      [=](begin_atom) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, call<ok_atom>(
                         self, promise,
                         [](drivers::connection& c) { return c.in_transaction() ? io_wait::done : c.start_begin(); },
                         [conn] {
                           conn().finish();
                           return ok_atom::value;
                         }));
        return promise;
      },
      [=](commit_atom) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, commit_job(self, promise));
        return promise;
      },
      [=](batch_atom, commit_atom, statement_list& statements, expected_counts& expected) {
        auto promise = self->make_response_promise<rowset_list>();
        submit(self, batch_commit_job(self, promise, std::make_shared<statement_list>(std::move(statements)),
                                      std::make_shared<expected_counts>(std::move(expected))));
        return promise;
      },
      [=](rollback_atom) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, call<ok_atom>(
                         self, promise,
                         [self](drivers::connection& c) {
                           self->state.abandon_cursors();
                           return c.start_rollback();
                         },
                         [conn] {
                           conn().finish();
                           return ok_atom::value;
                         }));
        return promise;
      },
      [=](savepoint_atom, std::string& op, std::string& name) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, blocking<ok_atom>(promise, [op = std::move(op), name = std::move(name)](drivers::connection& c) {
                 return apply_savepoint(c, op, name);
               }));
        return promise;
      },
      [=](cursor_atom, std::string& sql, params& parameters) {
        auto promise = self->make_response_promise<std::uint64_t>();
        auto opened = std::make_shared<std::unique_ptr<drivers::cursor>>();
        submit(self, replayable(job{nullptr,
                                    [opened, sql = std::move(sql), parameters = std::move(parameters)](
                                        drivers::connection& c) { *opened = c.open_cursor(sql, parameters); },
                                    [self, promise, opened](std::exception_ptr e) mutable {
                                      deliver(promise, e, [&] {
                                        auto id = self->state.next_cursor++;
                                        self->state.cursors.emplace(id, std::move(*opened));
                                        return id;
                                      });
                                    }}));
        return promise;
      },
      [=](fetch_atom, std::uint64_t id, std::uint64_t max_rows) {
        auto promise = self->make_response_promise<drivers::rowset, bool>();
        auto& cursors = self->state.cursors;
        auto it = cursors.find(id);
        if (it == cursors.end()) {
          promise.deliver(
              to_caf_error(error{errc::closed, "the cursor is closed (exhausted, closed, or its transaction ended)"}));
          return promise;
        }
        // A FETCH goes through the connection's pipeline like any statement, woken by the
        // poller: no thread hop per batch. A fetch that ends the cursor (no more rows, or an
        // error) leaves it owing the server a CLOSE, which may block: the lane closes it.
        struct fetch {
          std::shared_ptr<drivers::cursor> cursor;
          std::size_t max_rows;
          caf::typed_response_promise<drivers::rowset, bool> promise;
        };
        auto data = std::make_shared<fetch>(fetch{it->second, static_cast<std::size_t>(max_rows), promise});
        auto* f = data.get();
        job j;
        j.start = [f](drivers::connection& c) { return c.start_fetch(*f->cursor, f->max_rows); };
        j.finish = [self, f, id](std::exception_ptr e) {
          auto& st = self->state;
          std::optional<std::pair<drivers::rowset, bool>> fetched;
          try {
            if (e) std::rethrow_exception(e);
            fetched = st.connection->finish_fetch();
          } catch (...) {
            e = st.timeout_failure ? st.timeout_failure : std::current_exception();
          }
          if (e || !fetched->second) close_cursor(self, id);
          if (e)
            f->promise.deliver(to_caf_error(e));
          else
            f->promise.deliver(std::move(fetched->first), fetched->second);
        };
        j.data = std::move(data);
        submit(self, std::move(j));
        return promise;
      },
      [=](close_atom, std::uint64_t id) {
        auto promise = self->make_response_promise<ok_atom>();
        auto& cursors = self->state.cursors;
        auto it = cursors.find(id);
        if (it == cursors.end()) {
          promise.deliver(ok_atom::value);
          return promise;
        }
        auto cursor = std::move(it->second);
        cursors.erase(it);
        submit(self, blocking<ok_atom>(promise, [cursor](drivers::connection&) {
                 cursor->close();
                 return ok_atom::value;
               }));
        return promise;
      },
      [=](ping_atom) {
        auto promise = self->make_response_promise<bool>();
        submit(self, blocking<bool>(promise, [](drivers::connection& c) { return c.ping(); }));
        return promise;
      },
      [=](reset_atom) {
        auto promise = self->make_response_promise<bool>();
        job j = call<bool>(
            self, promise,
            [self](drivers::connection& c) {
              self->state.abandon_cursors();
              return c.start_rollback();
            },
            [self, conn] {
              conn().finish();
              return !self->state.broken();
            });
        // Nothing to roll back on a connection never opened.
        if (!self->state.connection && !self->state.current && self->state.queue.empty()) {
          promise.deliver(true);
          return promise;
        }
        submit(self, std::move(j));
        return promise;
      },
      [=](alive_atom) {
        // Answered from the socket without a round trip, once the calls before it ended.
        auto promise = self->make_response_promise<bool>();
        submit(self, job{nullptr, nullptr,
                         [self, promise](std::exception_ptr) mutable {
                           auto& st = self->state;
                           bool alive = !st.connection || st.connection->is_alive_without_io();
                           if (alive) st.found_alive = clock::now();
                           promise.deliver(alive);
                         },
                         false});
        return promise;
      },
      [=](status_atom) {
        auto promise = self->make_response_promise<connection_status>();
        submit(self, job{nullptr, nullptr,
                         [self, promise](std::exception_ptr) mutable {
                           auto& st = self->state;
                           connection_status status;
                           status.open = st.connection && !st.broken();
                           status.in_transaction = status.open && st.connection->in_transaction();
                           status.last_commit = st.last_commit;
                           promise.deliver(status);
                         },
                         false});
        return promise;
      },
      [=](run_atom, connection_job& user) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, blocking<ok_atom>(promise, [run = std::move(user.run)](drivers::connection& c) {
                 run(c);
                 return ok_atom::value;
               }));
        return promise;
      },
      [=](retry_atom, std::uint64_t) {},
  };
}

}  // namespace

connection_actor spawn_postgresql_connection(caf::actor_system& system, const url& target,
                                             const drivers::connection_options& options) {
  return system.spawn(postgresql_impl, target, options);
}

}  // namespace orca::actors
