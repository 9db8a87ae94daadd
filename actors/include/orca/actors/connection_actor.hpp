// The connection actor: owns one driver connection and speaks data — statements in, rows
// out. Spawned and supervised by the pool; used by session, stream and engine code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "orca/actors/atoms.hpp"
#include "orca/actors/message_types.hpp"

namespace orca::actors {

/// The interface of a connection actor. States: unopened -> open -> (broken | closed).
/// Messages are handled one at a time, in arrival order. Every failure is an orca error
/// reply; a connection found broken replies first and then quits (its pool replaces it).
/// A PostgreSQL connection found closed by the server when a transaction's first statement
/// is about to go out (nothing of the transaction was sent) is replaced in place by a new
/// one, and the statement goes out there; after that, a lost connection is never retried.
///
/// - `(execute, sql, params)` -> rowset: one statement with bound parameters.
/// - `(many, sql, parameter_sets)` -> affected rows: one statement per set (pipelined on
///   PostgreSQL).
/// - `(batch, statements)` -> rowsets: several statements (pipelined on PostgreSQL).
/// - `(batch, commit, statements, expected_counts)` -> rowsets: a transaction's last
///   statements, then COMMIT, in one round trip on PostgreSQL
///   (drivers::connection::execute_batch_and_commit): a statement that affects another
///   number of rows than its expected count (-1: any) fails the call with stale_data, and
///   nothing commits. A COMMIT lost with the connection is looked up as for `(commit)`; if it
///   committed, the statements' rows are lost: the reply is commit_outcome_unknown.
/// - `(begin)` -> ok: BEGIN unless a transaction is open (BEGIN IMMEDIATE on SQLite by
///   default: the write lock is taken, or waited for, here). `(commit)` / `(rollback)` -> ok:
///   both close the connection's cursors first. A PostgreSQL COMMIT lost with the
///   connection is looked up (txid_status): ok if it committed, connection_lost if it rolled
///   back, commit_outcome_unknown if that cannot be learned.
/// - `(savepoint, op, name)` -> ok: op "set", "release" or "rollback".
/// - `(cursor, sql, params)` -> cursor id: opens a cursor; `(fetch, id, n)` -> (rows, more):
///   up to n rows (the cursor closes itself once exhausted); `(close, id)` -> ok.
/// - `(ping)` -> bool: opens the connection if needed and checks it; the connect error is
///   the reply if it cannot open.
/// - `(alive)` -> bool: false if the connection is found dead without sending anything
///   (drivers::connection::is_alive_without_io); true if it is not open yet.
/// - `(reset)` -> bool: rolls back; false if broken.
/// - `(status)` -> connection_status: answered after everything sent before it, so a
///   session learns what a request that timed out did (committed or not).
/// - `(run, job)` -> ok: runs user code with the driver connection (run_sync).
/// - `(retry, id)`: its own timer and wake-up while it waits for SQLite's write lock.
/// - `(ready)`: from the poller, the socket of a PostgreSQL call in flight is ready.
///
/// SQLite connection actors run on the scheduler (a point read costs microseconds, not a
/// thread hop); they never sleep in a lock wait: a BEGIN or COMMIT that finds the write lock
/// taken is retried when the holder in this process ends its transaction, or after a short
/// timer for holders in other processes, until the busy timeout is spent. PostgreSQL
/// connection actors run on the scheduler too: statements, batches and transaction control
/// use libpq's non-blocking calls, woken by the process's poller; the calls libpq only has
/// in blocking form (connect, cursors, ping, savepoints, run) run on a detached lane.
using connection_actor = caf::typed_actor<
    caf::replies_to<execute_atom, std::string, params>::with<drivers::rowset>,
    caf::replies_to<many_atom, std::string, parameter_sets>::with<std::int64_t>,
    caf::replies_to<batch_atom, statement_list>::with<rowset_list>,
    caf::replies_to<batch_atom, commit_atom, statement_list, expected_counts>::with<rowset_list>,
    caf::replies_to<begin_atom>::with<ok_atom>, caf::replies_to<commit_atom>::with<ok_atom>,
    caf::replies_to<rollback_atom>::with<ok_atom>,
    caf::replies_to<savepoint_atom, std::string, std::string>::with<ok_atom>,
    caf::replies_to<cursor_atom, std::string, params>::with<std::uint64_t>,
    caf::replies_to<fetch_atom, std::uint64_t, std::uint64_t>::with<drivers::rowset, bool>,
    caf::replies_to<close_atom, std::uint64_t>::with<ok_atom>, caf::replies_to<ping_atom>::with<bool>,
    caf::replies_to<alive_atom>::with<bool>, caf::replies_to<reset_atom>::with<bool>,
    caf::replies_to<status_atom>::with<connection_status>, caf::replies_to<run_atom, connection_job>::with<ok_atom>,
    caf::reacts_to<retry_atom, std::uint64_t>, caf::reacts_to<ready_atom>>;

/// A connection actor as its pool lends it.
struct connection_handle {
  connection_actor actor;

  explicit operator bool() const noexcept { return static_cast<bool>(actor); }
};

/// Spawns a connection actor for `target` (the connection opens on first use).
connection_handle spawn_connection(caf::actor_system& system, const url& target,
                                   const drivers::connection_options& options);

}  // namespace orca::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::connection_handle)
