// The session actor: one per session; owns its identity map and unit of work (a
// sync_session) and drives their plans with messages to the connection it checked out.
// Used by the coroutine facade and by any CAF actor directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "orca/actors/atoms.hpp"
#include "orca/actors/message_types.hpp"
#include "orca/actors/pool_actor.hpp"
#include "orca/actors/stream_actor.hpp"
#include "orca/model/sync_session.hpp"

namespace orca::actors {

/// The interface of a session actor. Operations run one at a time, in arrival order: while
/// one waits for the database, later requests wait in the mailbox. The session checks a
/// connection out on first database use and gives it back when no transaction or stream
/// needs it.
///
/// - `(add, objects)` -> ok: adds transient objects (no SQL).
/// - `(add, objects, rows)` -> ok: the same, and the rows of new objects the application let
///   go of (null: none; pending_rows) for the next flush.
/// - `(remove, object)` -> ok: marks an object for DELETE.
/// - `(execute, select_spec)` -> objects: autoflush, SELECT, eager loads.
/// - `(execute, select_spec, result_sink_ptr)` -> ok: the same, the objects put in the sink
///   (a buffered query of one class: no second list of them; loader::load_into).
/// - `(get, table, key)` -> object (null if no row): identity map first, no SQL on a hit.
/// - `(flush)` / `(commit)` / `(rollback)` -> ok.
/// - `(commit, hibernate)` / `(rollback, hibernate)` -> bool: the same, then the actor quits
///   if it holds nothing (no connection, transaction, stream, pending change or object) and
///   answers true. The facade then spawns a new session actor on the next call, so an idle
///   session costs no actor.
/// - `(refresh, object)` -> ok; `(expire, object)` -> ok (null object: all).
/// - `(stream, select_spec, batch_size)` -> stream_actor: opens a cursor and a stream actor
///   that serves the sender (see stream_actor.hpp); batch_size 0: the session's default.
/// - `(stream, rows_request, batch_size)` -> stream_actor: the same for rows of columns
///   (pulled with `(fetch, rows)`).
/// - `(merge, select_spec, rows)` -> objects: a stream's batch into the identity map.
/// - `(query, request)` -> reply: typed rows, a bulk UPDATE/DELETE (row count; loaded
///   objects kept in step), SQL text with named parameters, or a function with the
///   connection, in the session's transaction (see sync_session::run).
/// - `(close)` -> ok: closes streams, rolls back, returns the connection, quits.
/// - `(expunge, object)` -> ok: the object leaves the session (invalid_state if not in it).
/// - `(merge, object)` -> object: the session's object with the given one's key, its
///   columns copied from it (loaded first if needed); the given one added if no row has it.
/// - `(savepoint, op)` -> ok: op "begin" flushes and sets a SAVEPOINT, "release" flushes
///   and releases the innermost one, "rollback" rolls back to it, database and objects
///   (invalid_state if none is open, invalid_argument for another op).
/// - `(in_tx)` -> bool: whether a database transaction is open.
/// - `(invalidate)` -> ok: closes like `close`, but kills the connection instead of
///   returning it (the pool replaces it); what was not committed is lost with it.
///
/// Errors are orca errors (category "orca"). A statement that runs past the request timeout
/// is cancelled; a COMMIT that times out reports whether it committed
/// (commit_outcome_unknown only if that cannot be learned). After a failed flush or a lost
/// connection everything but rollback and close fails with pending_rollback; rollback then
/// always succeeds, and the session goes on with a new connection.
using session_actor = caf::typed_actor<
    caf::replies_to<add_atom, object_list>::with<ok_atom>,
    caf::replies_to<add_atom, object_list, row_batch>::with<ok_atom>,
    caf::replies_to<remove_atom, object_ref>::with<ok_atom>,
    caf::replies_to<execute_atom, select_spec>::with<object_list>,
    caf::replies_to<execute_atom, select_spec, result_sink_ptr>::with<ok_atom>,
    caf::replies_to<get_atom, table_pointer, key>::with<object_ref>, caf::replies_to<flush_atom>::with<ok_atom>,
    caf::replies_to<commit_atom>::with<ok_atom>, caf::replies_to<rollback_atom>::with<ok_atom>,
    caf::replies_to<commit_atom, hibernate_atom>::with<bool>,
    caf::replies_to<rollback_atom, hibernate_atom>::with<bool>,
    caf::replies_to<refresh_atom, object_ref>::with<ok_atom>, caf::replies_to<expire_atom, object_ref>::with<ok_atom>,
    caf::replies_to<stream_atom, select_spec, std::uint64_t>::with<stream_actor>,
    caf::replies_to<stream_atom, rows_request, std::uint64_t>::with<stream_actor>,
    caf::replies_to<merge_atom, select_spec, drivers::rowset>::with<object_list>,
    caf::replies_to<query_atom, query_request>::with<query_reply>, caf::replies_to<close_atom>::with<ok_atom>,
    caf::replies_to<expunge_atom, object_ref>::with<ok_atom>, caf::replies_to<merge_atom, object_ref>::with<object_ref>,
    caf::replies_to<in_tx_atom>::with<bool>, caf::replies_to<savepoint_atom, std::string>::with<ok_atom>,
    caf::replies_to<invalidate_atom>::with<ok_atom>>;

/// Timeouts and policies of a session actor.
struct session_limits {
  std::chrono::milliseconds request_timeout{10000};      ///< per statement; then it is cancelled
  std::chrono::milliseconds checkout_timeout{10000};     ///< the pool's own checkout timeout
  std::chrono::milliseconds stream_idle_timeout{60000};  ///< streams close when unused this long
};

/// Spawns a session actor drawing connections from `pool`; `backend` picks the SQL dialect.
session_actor spawn_session(caf::actor_system& system, pool_actor pool, backend which, session_options options,
                            session_limits limits);

}  // namespace orca::actors
