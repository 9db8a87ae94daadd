// The pool actor: a supervisor over a group of connection actors with size, overflow,
// checkout queue and timeout, pre-ping, recycle and rollback on return. Used by sessions.
#pragma once

#include <chrono>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "orca/actors/connection_actor.hpp"
#include "orca/actors/atoms.hpp"
#include "orca/actors/message_types.hpp"

namespace orca::actors {

/// Limits and policies of a pool.
struct pool_options {
  std::size_t size = 5;                              ///< connections kept open
  std::size_t max_overflow = 10;                     ///< extra connections under load
  std::chrono::milliseconds timeout{30000};          ///< how long a checkout may wait
  bool pre_ping = false;                             ///< ping before lending an idle connection
  std::chrono::milliseconds recycle{0};              ///< close connections older than this (0: never)
  std::chrono::milliseconds request_timeout{60000};  ///< timeout of requests to connections
};

/// The interface of a pool actor.
///
/// - `(checkout_atom, holder)` -> connection_handle: lends a connection to `holder` (a session
///   actor the pool monitors: if it dies, the connection comes back rolled back). Waits up
///   to `timeout`, which governs: the pool answers pool_timeout itself, never lends after
///   it, and drops the request if `holder` dies while waiting. Requesters set their own
///   request timeout longer. Errors: pool_timeout (naming the pool and its limits),
///   connection_failed, disposed.
/// - `(abandon_atom, holder)`: `holder` gave up on its checkout (its request timed out): its
///   waiting requests are dropped, and connections lent to it, which it never took, come
///   back rolled back. Only for holders that ask for one connection at a time (sessions).
/// - `(checkin_atom, connection, clean)`: gives a connection back. Unless `clean` (the
///   holder committed or rolled back itself) it is rolled back first; then it is lent to the
///   next waiter or kept idle (or closed if too old or beyond the pool size).
/// - `(status_atom)` -> pool_status.
/// - `(dispose_atom)` -> ok: fails waiters, closes every connection (lent ones too), quits.
/// - `(timeout_atom, id)`, `(retry_atom)`: the pool's own timers (internal).
/// Connection actors that die are dropped and replaced on demand, with backoff while
/// connecting keeps failing.
using pool_actor = caf::typed_actor<
    caf::replies_to<checkout_atom, caf::actor_addr>::with<connection_handle>,
    caf::reacts_to<checkin_atom, connection_actor, bool>, caf::reacts_to<abandon_atom, caf::actor_addr>,
    caf::replies_to<status_atom>::with<pool_status>, caf::replies_to<dispose_atom>::with<ok_atom>,
    caf::reacts_to<timeout_atom, std::uint64_t>, caf::reacts_to<retry_atom>>;

/// Spawns a pool over connections to `target`; `name` appears in its error messages.
pool_actor spawn_pool(caf::actor_system& system, std::string name, const url& target,
                      const drivers::connection_options& connection_options, const pool_options& options);

}  // namespace orca::actors
