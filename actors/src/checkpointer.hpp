// The checkpointer: a detached actor per SQLite engine that runs WAL checkpoints on its own
// connection, so that no COMMIT on a scheduler thread pays for one. Private to the engine.
#pragma once

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "orca/drivers/connection.hpp"

namespace orca::actors {

using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;

/// `(checkpoint)`: runs `PRAGMA wal_checkpoint(RESTART)` unless one ran in the last 50 ms
/// (connections ask after every large commit; the asks coalesce). Failures are logged.
using checkpointer_actor = caf::typed_actor<caf::reacts_to<checkpoint_atom>>;

/// Spawns the checkpointer of the SQLite database `target` (its connection opens on first use).
checkpointer_actor spawn_checkpointer(caf::actor_system& system, const url& target,
                                      drivers::connection_options options);

}  // namespace orca::actors
