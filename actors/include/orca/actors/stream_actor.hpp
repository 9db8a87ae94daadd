// The stream actor: one per open stream. It holds a cursor on its session's connection and
// serves batches of objects on demand (the pull protocol), fetching the next batch while
// the consumer works on the current one. Spawned by a session actor; pulled by the facade's
// async_result or by any CAF actor.
#pragma once

#include <chrono>
#include <cstdint>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "orca/actors/atoms.hpp"
#include "orca/actors/connection_actor.hpp"
#include "orca/actors/message_types.hpp"

namespace orca::actors {

/// The interface of a stream actor.
///
/// - `(fetch)` -> (objects, more): the next batch, merged into the session's identity map
///   with its eager loads done. `more` false ends the stream (it then closes); a cursor
///   learns it is exhausted only from a short batch, so the last batch may be followed by
///   an empty one with `more` false. Errors: the database's, or `closed` once the stream is
///   closed.
/// - `(fetch, rows)` -> (rows, more): the next batch as rows, not merged (a stream of rows of
///   columns, which has no objects).
/// - `(close)`: closes the cursor and quits.
/// - `(timeout)`: its own idle check (one timer at a time, not one per message).
///
/// The stream closes by itself when its consumer (the actor that opened it) dies, when no
/// fetch arrives within its idle timeout, and when its session's transaction ends.
using stream_actor = caf::typed_actor<caf::replies_to<fetch_atom>::with<object_list, bool>,
                                      caf::replies_to<fetch_atom, rows_atom>::with<drivers::rowset, bool>,
                                      caf::reacts_to<close_atom>, caf::reacts_to<timeout_atom>>;

/// What a stream asks its session for: turn a batch of rows into objects (merge into the
/// identity map, eager loads). A session actor is one.
using batch_merger = caf::typed_actor<caf::replies_to<merge_atom, select_spec, drivers::rowset>::with<object_list>>;

/// How a stream behaves.
struct stream_options {
  std::uint64_t batch_size = 1000;                ///< rows per batch
  bool prefetch = true;                           ///< fetch the next batch while one is consumed
  std::chrono::milliseconds idle_timeout{60000};  ///< close when no fetch comes this long
};

/// Spawns a stream over the open cursor `cursor` of `connection`, serving `consumer`.
stream_actor spawn_stream(caf::actor_system& system, batch_merger session, connection_actor connection,
                          std::uint64_t cursor, select_spec spec, caf::actor_addr consumer, stream_options options);

}  // namespace orca::actors
