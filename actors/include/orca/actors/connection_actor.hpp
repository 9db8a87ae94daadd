// The connection actor: owns one driver connection on its own (detached) thread, because
// drivers block. Spawned and supervised by the pool; used by session actors.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "orca/actors/messages.hpp"

namespace orca::actors {

/// The interface of a connection actor. States: unopened -> open -> (broken | closed).
///
/// - `(run_atom, connection_job)` -> ok: runs the job with the connection (opening it
///   first if needed); an exception thrown by the job is the error reply.
/// - `(execute_atom, sql, params)` -> rowset: one statement with bound parameters.
/// - `(ping_atom)` -> bool: opens the connection if needed and checks it (SELECT 1);
///   a connection that cannot be opened replies the connect error.
/// - `(reset_atom)` -> bool: rolls back any open transaction; false if the connection is
///   broken (the pool then drops it).
/// A connection found broken after a request quits after replying (its pool replaces it).
using connection_actor = caf::typed_actor<
    caf::replies_to<run_atom, connection_job>::with<ok_atom>,
    caf::replies_to<execute_atom, std::string, params>::with<drivers::rowset>,
    caf::replies_to<ping_atom>::with<bool>,
    caf::replies_to<reset_atom>::with<bool>>;

/// Spawns a detached connection actor for `target` (the connection opens on first use).
connection_actor spawn_connection(caf::actor_system& system, const url& target,
                                  const drivers::connection_options& options);

}  // namespace orca::actors
