// The session actor: one per session; owns a sync_session (identity map, unit of work) and
// the connection it checked out. Used by the coroutine facade and by any CAF actor directly.
#pragma once

#include <cstdint>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "orca/actors/messages.hpp"
#include "orca/actors/pool_actor.hpp"
#include "orca/model/sync_session.hpp"

namespace orca::actors {

/// The interface of a session actor. Operations run one at a time, in arrival order: while
/// one waits for the database, later requests wait in the mailbox. The session checks a
/// connection out on first database use and gives it back when no transaction is open.
///
/// - `(add_atom, objects)` -> ok: adds transient objects (no SQL).
/// - `(remove_atom, object)` -> ok: marks an object for DELETE.
/// - `(execute_atom, select_spec)` -> objects: autoflush, SELECT, eager loads.
/// - `(get_atom, table, key)` -> object (null if no row): identity map first.
/// - `(flush_atom)` -> ok; `(commit_atom)` -> ok; `(rollback_atom)` -> ok.
/// - `(refresh_atom, object)` -> ok; `(expire_atom, object)` -> ok (null object: all).
/// - `(stream_atom, select_spec, batch_size)` -> stream id: opens a server-side cursor.
/// - `(fetch_atom, stream id)` -> (objects, more): the next batch; the stream closes at the end.
/// - `(close_atom, stream id)` -> ok: closes a stream early.
/// - `(close_atom)` -> ok: rolls back, closes streams, returns the connection, quits.
/// Errors are orca errors (category "orca"); after a failed flush, everything but rollback
/// and close fails with pending_rollback.
using session_actor = caf::typed_actor<
    caf::replies_to<add_atom, object_list>::with<ok_atom>,
    caf::replies_to<remove_atom, object_ref>::with<ok_atom>,
    caf::replies_to<execute_atom, select_spec>::with<object_list>,
    caf::replies_to<get_atom, table_pointer, std::int64_t>::with<object_ref>,
    caf::replies_to<flush_atom>::with<ok_atom>,
    caf::replies_to<commit_atom>::with<ok_atom>,
    caf::replies_to<rollback_atom>::with<ok_atom>,
    caf::replies_to<refresh_atom, object_ref>::with<ok_atom>,
    caf::replies_to<expire_atom, object_ref>::with<ok_atom>,
    caf::replies_to<stream_atom, select_spec, std::uint64_t>::with<std::uint64_t>,
    caf::replies_to<fetch_atom, std::uint64_t>::with<object_list, bool>,
    caf::replies_to<close_atom, std::uint64_t>::with<ok_atom>,
    caf::replies_to<close_atom>::with<ok_atom>>;

/// Spawns a session actor drawing connections from `pool`.
session_actor spawn_session(caf::actor_system& system, pool_actor pool, session_options options,
                            std::chrono::milliseconds request_timeout);

}  // namespace orca::actors
