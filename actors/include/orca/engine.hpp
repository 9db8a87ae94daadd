// orca::engine: the entry point — a URL, a pool of connection actors and the actor system
// they run on. Made by create_engine(); used by async_sessionmaker and application code.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "orca/drivers/connection.hpp"
#include "orca/detail/callable_guard.hpp"
#include "orca/drivers/url.hpp"
#include "orca/task.hpp"

namespace orca {

/// The driver connection `run_sync` functions receive (create_all, drop_all, raw SQL).
using connection = drivers::connection;

/// Options of create_engine (SQLAlchemy's names where they exist).
struct engine_options {
  bool echo = false;                              ///< log every statement (logger orca.sql)
  std::size_t pool_size = 5;                      ///< connections kept open
  std::size_t max_overflow = 10;                  ///< extra connections under load
  std::chrono::milliseconds pool_timeout{10000};  ///< how long a checkout may wait
  bool pool_pre_ping = false;                     ///< ping idle connections before use
  /// Close connections older than this when they are given back (0: never). Any
  /// std::chrono duration converts: `std::chrono::seconds{3600}`, `500ms`.
  std::chrono::milliseconds pool_recycle{0};
  /// Longest run of one statement: past it the statement is cancelled and the caller told
  /// (a COMMIT reports whether it committed).
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds stream_idle_timeout{60000};  ///< close streams nobody fetched from this long
  std::chrono::milliseconds busy_timeout{5000};          ///< SQLite: wait on database locks this long
  /// SQLite: start every transaction with BEGIN IMMEDIATE (the default), so that sessions
  /// that read before they write queue for the write lock instead of failing with
  /// database_busy (SQLITE_BUSY_SNAPSHOT). Read-only transactions queue too; set false for
  /// read-mostly workloads whose writers never read first.
  bool sqlite_begin_immediate = true;
};

/// What a pool holds right now.
struct pool_snapshot {
  std::size_t size = 0, max_overflow = 0, idle = 0, checked_out = 0, opening = 0, waiting = 0, opened = 0, replaced = 0;
  /// Actors running in the engine's actor system: the pool, connections, sessions that are
  /// not hibernating, streams, coroutine hosts.
  std::size_t actors = 0;
};

namespace detail {
struct engine_state;
}

class engine;

/// `engine.begin()`: a connection in a transaction, committed when run_sync's function
/// returns and rolled back if it throws.
class engine_transaction {
public:
  explicit engine_transaction(std::shared_ptr<detail::engine_state> state) : state_(std::move(state)) {}
  /// Runs `fn` with the driver connection inside its connection actor (its own thread),
  /// in a transaction: BEGIN, fn, COMMIT (ROLLBACK and rethrow if fn throws). On g++ 12 a
  /// lambda with captures must be named first (see orca/detail/callable_guard.hpp).
  template <class F>
  task<void> run_sync(F&& fn) {
    static_assert(std::is_invocable_v<std::decay_t<F>&, connection&>,
                  "orca: run_sync takes a function of (orca::connection&)");
    detail::require_safe_in_co_await<F>();
    return run_sync_function(std::function<void(connection&)>(std::forward<F>(fn)));
  }

private:
  task<void> run_sync_function(std::function<void(connection&)> fn);
  std::shared_ptr<detail::engine_state> state_;
};

/// A database and its connection pool. Copies share the same pool.
class engine {
public:
  explicit engine(std::shared_ptr<detail::engine_state> state) : state_(std::move(state)) {}

  /// The URL (password masked).
  std::string url() const;
  /// A connection in a transaction, for run_sync.
  engine_transaction begin() const { return engine_transaction{state_}; }
  /// The pool's state.
  task<pool_snapshot> status() const;
  /// Closes every connection: sessions and streams still open get errors (disposed).
  task<void> dispose() const;

  /// The shared state (for the facade's own use).
  const std::shared_ptr<detail::engine_state>& state() const noexcept { return state_; }

private:
  std::shared_ptr<detail::engine_state> state_;
};

/// Makes an engine for a URL (see orca::parse_url); throws errc::invalid_url. Connections
/// open lazily, on first checkout. An in-memory SQLite URL gets a pool of exactly one
/// connection (each connection would otherwise see its own empty database).
engine create_engine(std::string_view url, engine_options options = {});

}  // namespace orca
