// The PostgreSQL flavour of the connection actor (see connection_actor.hpp for its
// interface): on the scheduler, non-blocking libpq calls woken by the process's poller.
#pragma once

#include <memory>

#include "orca/actors/connection_actor.hpp"

namespace orca::actors {

/// Spawns a PostgreSQL connection actor (the connection opens on first use).
connection_actor spawn_postgresql_connection(caf::actor_system& system, const url& target,
                                             const drivers::connection_options& options);

}  // namespace orca::actors
