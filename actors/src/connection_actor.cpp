// The connection actor: an actor owning one driver connection and its cursors. Every
// handler catches: a failed statement is an error reply, never an actor crash; a broken
// connection replies first and then quits, so that the pool drops it.
#include "orca/actors/connection_actor.hpp"

#include <functional>
#include <map>
#include <optional>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "orca/actors/caf_error.hpp"
#include "postgresql_connection_actor.hpp"
#include "savepoint.hpp"
#include "scheduler_hint.hpp"
#include "write_lock_queue.hpp"

namespace orca::actors {

namespace {

using clock = std::chrono::steady_clock;

// Retry ids with this bit come from the write-lock queue, the others from the actor's timer.
constexpr std::uint64_t queue_wakeup = std::uint64_t{1} << 63;

/// A BEGIN or COMMIT waiting for SQLite's write lock.
struct lock_wait {
  std::uint64_t id;
  bool commit;
  /// Answers the request once the step is done (no error) or failed.
  std::function<void(caf::error)> answer;
  clock::time_point deadline;
  std::chrono::microseconds delay;  ///< of the next timer while no connection of this process holds the lock
  bool queued = false;              ///< in the write-lock queue (until its wake-up comes)
};

/// The longest pause between two tries of a lock wait on a holder in another process.
constexpr std::chrono::microseconds longest_lock_pause = std::chrono::milliseconds(5);
/// Behind a holder of this process, whose end wakes the queue, a connection tries again
/// this often at most (a backstop, and how late busy_timeout may be noticed).
constexpr std::chrono::milliseconds lock_backstop{50};
/// The retry id of the backstop timer (wait ids start at 1).
constexpr std::uint64_t backstop_tick = 0;

struct connection_state {
  connection_state() = default;  // not an aggregate: CAF would construct it from the actor
  url target;
  drivers::connection_options options;
  std::shared_ptr<drivers::connection> connection;
  std::map<std::uint64_t, std::unique_ptr<drivers::cursor>> cursors;  // destroyed before the connection
  std::uint64_t next_cursor = 1;
  commit_result last_commit = commit_result::none;
  bool scheduled = false;                     ///< SQLite on the scheduler: lock waits are retried, never slept
  std::chrono::milliseconds busy_timeout{0};  ///< how long a lock wait may last
  std::optional<lock_wait> waiting;
  std::uint64_t next_wait = 1;
  bool backstop_pending = false;  ///< the backstop timer is set
  static inline const char* name = "orca.connection";

  ~connection_state() {
    // Requests to a SQLite connection carry no CAF timeout: a lock wait cut short by the
    // actor's end must still be answered.
    if (waiting)
      waiting->answer(to_caf_error(error{errc::closed,
                                         "the connection was closed while it "
                                         "waited for the database's write lock"}));
    // A transaction this connection held ends with it: let the next waiter try.
    if (scheduled) write_lock_released(target.database, this);
  }

  drivers::connection& open() {
    if (!connection) {
      connection = drivers::connect(target, options);
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

// One try at BEGIN or COMMIT; false if SQLite's write lock is held by another connection.
bool try_write_lock_step(connection_pointer self, bool commit) {
  auto& st = self->state;
  auto& c = st.open();
  try {
    if (commit) {
      st.close_cursors();
      st.last_commit = commit_result::failed;  // until COMMIT returns
      c.commit();
      st.last_commit = commit_result::committed;
      if (st.scheduled) write_lock_released(st.target.database, &st);
    } else if (!c.in_transaction()) {
      c.begin();
      if (st.scheduled && st.options.sqlite_begin_immediate) write_lock_taken(st.target.database, &st);
    }
    return true;
  } catch (const error& e) {
    // Plain SQLITE_BUSY leaves nothing half done (a busy COMMIT keeps its transaction), so
    // the step can be tried again; BUSY_SNAPSHOT (517) cannot succeed by waiting.
    if (st.scheduled && e.code() == errc::database_busy && e.details().sqlstate != "sqlite:517") return false;
    throw;
  }
}

// Waits for the write lock without blocking: queued behind this process's holders and woken
// when one ends. Behind a holder of this process nothing else is needed but a backstop
// timer, one per connection (every `lock_backstop`, for busy_timeout): a CAF timer wakes
// CAF's clock thread when it is set, so one per wait made K sessions queued behind one
// holder cost several thread wake-ups per transaction (SQLite P6 at K = 8: 137k futex calls
// for 12,000 transactions). Behind a holder in another process, whose end wakes no one, a
// timer per try polls the lock (doubling from 100 µs to 5 ms).
void wait_for_lock(connection_pointer self) {
  auto& st = self->state;
  auto& w = *st.waiting;
  bool held_here;
  if (!w.queued) {
    held_here = wait_for_write_lock(st.target.database, connection_actor{self}, w.id | queue_wakeup);
    w.queued = true;
  } else {
    held_here = write_lock_held_here(st.target.database);
  }
  if (held_here) {
    if (!std::exchange(st.backstop_pending, true))
      self->delayed_send(self, lock_backstop, retry_atom::value, backstop_tick);
    return;
  }
  self->delayed_send(self, w.delay, retry_atom::value, w.id);
  w.delay = std::min<std::chrono::microseconds>(w.delay * 2, longest_lock_pause);
}

// Waits for the write lock, then takes the step (BEGIN or COMMIT); `answer` gets the outcome.
void wait_for_write_lock_step(connection_pointer self, bool commit, std::function<void(caf::error)> answer) {
  auto& st = self->state;
  st.waiting = lock_wait{st.next_wait++, commit, std::move(answer), clock::now() + st.busy_timeout,
                         std::chrono::microseconds(100)};
  wait_for_lock(self);
}

caf::result<ok_atom> with_write_lock(connection_pointer self, bool commit) {
  auto& st = self->state;
  try {
    if (try_write_lock_step(self, commit)) return ok_atom::value;
  } catch (...) {
    auto e = current_exception_to_caf_error();
    if (st.broken() || !st.connection) self->quit();
    return e;
  }
  auto promise = self->make_response_promise<ok_atom>();
  wait_for_write_lock_step(self, commit, [promise](caf::error e) mutable {
    if (e)
      promise.deliver(std::move(e));
    else
      promise.deliver(ok_atom::value);
  });
  return promise;
}

// A transaction's last statements, their row counts checked, then COMMIT as `(commit)` takes
// it (waiting for the write lock if another connection holds it): one message instead of
// two, which counts while this connection holds the write lock and others queue behind it.
caf::result<rowset_list> statements_then_commit(connection_pointer self, const statement_list& statements,
                                                const expected_counts& expected) {
  auto& st = self->state;
  auto rows = std::make_shared<rowset_list>();
  try {
    *rows = st.open().execute_batch(statements);
    drivers::check_row_counts(statements, expected, *rows);
    if (try_write_lock_step(self, true)) return std::move(*rows);
  } catch (...) {
    auto e = current_exception_to_caf_error();
    if (st.broken() || !st.connection) self->quit();
    return e;
  }
  auto promise = self->make_response_promise<rowset_list>();
  wait_for_write_lock_step(self, true, [promise, rows](caf::error e) mutable {
    if (e)
      promise.deliver(std::move(e));
    else
      promise.deliver(std::move(*rows));
  });
  return promise;
}

void retry_write_lock(connection_pointer self, std::uint64_t id) {
  auto& st = self->state;
  if (id == backstop_tick) {
    st.backstop_pending = false;
    if (!st.waiting) return;
    id = st.waiting->id;  // a timed try of the wait in progress
  }
  if (!st.waiting || st.waiting->id != (id & ~queue_wakeup)) {
    // A wake-up meant for a wait that is over: pass it on to the next waiter.
    if (id & queue_wakeup) write_lock_released(st.target.database, &st);
    return;
  }
  if (id & queue_wakeup) st.waiting->queued = false;
  try {
    if (try_write_lock_step(self, st.waiting->commit)) {
      auto answer = std::move(st.waiting->answer);
      st.waiting.reset();
      answer(caf::error{});
      return;
    }
  } catch (...) {
    auto answer = std::move(st.waiting->answer);
    st.waiting.reset();
    answer(current_exception_to_caf_error());
    if (st.broken()) self->quit();
    return;
  }
  if (clock::now() < st.waiting->deadline) {
    if (!(id & queue_wakeup)) {
      wait_for_lock(self);
    } else {  // a queue wake-up leaves the timer running
      wait_for_write_lock(st.target.database, connection_actor{self}, st.waiting->id | queue_wakeup);
      st.waiting->queued = true;
    }
    return;
  }
  auto answer = std::move(st.waiting->answer);
  st.waiting.reset();
  answer(to_caf_error(error{errc::database_busy,
                            "the database stayed locked by another connection for the whole busy timeout (" +
                                std::to_string(st.busy_timeout.count()) +
                                " ms). With BEGIN IMMEDIATE (engine option sqlite_begin_immediate, the default) a "
                                "transaction holds it from its first statement to its end, so one task cannot hold "
                                "open transactions on two sessions at once: commit or roll back one first, shorten "
                                "the transactions, or raise busy_timeout"}));
}

connection_actor::behavior_type connection_impl(connection_pointer self, url target,
                                                drivers::connection_options options) {
  auto& st = self->state;
  st.target = std::move(target);
  st.options = options;
  if (st.target.backend == backend::sqlite) {
    // Lock waits are the actor's business (with_write_lock): SQLite itself never sleeps.
    st.scheduled = true;
    st.busy_timeout = st.options.busy_timeout;
    st.options.busy_timeout = std::chrono::milliseconds(0);
  }
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
      [=](batch_atom, commit_atom, const statement_list& statements, const expected_counts& expected) {
        return statements_then_commit(self, statements, expected);
      },
      [=](begin_atom) { return with_write_lock(self, false); },
      [=](commit_atom) { return with_write_lock(self, true); },
      [=](rollback_atom) {
        return guarded<ok_atom>(self, [&](drivers::connection& c) {
          self->state.close_cursors();
          c.rollback();
          if (self->state.scheduled) write_lock_released(self->state.target.database, &self->state);
          return ok_atom::value;
        });
      },
      [=](savepoint_atom, const std::string& op, const std::string& name) {
        return guarded<ok_atom>(self, [&](drivers::connection& c) { return apply_savepoint(c, op, name); });
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
          return to_caf_error(
              error{errc::closed, "the cursor is closed (exhausted, closed, or its transaction ended)"});
        try {
          drivers::rowset rows;
          bool more = it->second->fetch(max_rows, rows);
          if (!more) cursors.erase(it);
          // The rows go back to the stream on this worker, whose cache holds them (see
          // stream_actor.cpp, serve): not to a worker woken for them.
          auto promise = self->make_response_promise<drivers::rowset, bool>();
          keep_on_this_worker here;
          promise.deliver(std::move(rows), more);
          return promise;
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
      [=](alive_atom) { return !self->state.connection || self->state.connection->is_alive_without_io(); },
      [=](reset_atom) -> caf::result<bool> {
        auto& st = self->state;
        st.close_cursors();
        if (!st.connection) return true;
        try {
          st.connection->rollback();
          if (st.scheduled) write_lock_released(st.target.database, &st);
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
          if (self->state.scheduled && !c.in_transaction())
            write_lock_released(self->state.target.database, &self->state);
          return ok_atom::value;
        });
      },
      [=](retry_atom, std::uint64_t id) { retry_write_lock(self, id); },
      [=](ready_atom) {},
  };
}

}  // namespace

connection_handle spawn_connection(caf::actor_system& system, const url& target,
                                   const drivers::connection_options& options) {
  // Both run on the scheduler. SQLite calls are CPU work on the page cache and never wait
  // for a lock (see above); PostgreSQL calls never wait for the network (they are woken by
  // the poller, see postgresql_connection_actor.cpp).
  auto actor = target.backend == backend::sqlite ? system.spawn(connection_impl, target, options)
                                                 : spawn_postgresql_connection(system, target, options);
  return {std::move(actor)};
}

}  // namespace orca::actors
