// run_pipeline: sends many extended-protocol commands in one round trip (libpq pipeline mode)
// and hands back their results in order. Used by postgresql_connection's batch paths.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>

#include "postgresql_types.hpp"

namespace orca::drivers::postgresql {

/// Queues command `index` with one PQsend* call (PQsendPrepare, PQsendQueryPrepared, ...);
/// returns that call's result (0 on failure).
using send_command = std::function<int(std::size_t index)>;
/// Receives the result of command `index`, failed or not. Aborted commands (those after a
/// failure in the same segment) and commands never sent get no call.
using receive_result = std::function<void(std::size_t index, result_ptr result)>;

/// Runs commands [0, segment_ends.back()) split into segments at `segment_ends`: each
/// segment ends with a sync point, so it is one implicit transaction when no transaction
/// is open, and a failure aborts the rest of its segment only (sending of that segment
/// stops once the failure is seen). All segments go out before any result is awaited:
/// one round trip, however many commands.
///
/// The socket is driven in non-blocking mode, reading results while sending, so that a
/// large batch cannot deadlock with a server whose output buffer is full. Where libpq has
/// no pipeline mode (ORCA_HAVE_PQ_PIPELINE == 0) the commands run one after another, each
/// its own round trip (and outside a transaction, each its own transaction).
///
/// Returns nullopt when every segment completed, or the index of the command whose result
/// was awaited when the connection failed (the connection is then unusable).
std::optional<std::size_t> run_pipeline(PGconn* conn, std::span<const std::size_t> segment_ends,
                                         const send_command& send, const receive_result& receive);

}  // namespace orca::drivers::postgresql
