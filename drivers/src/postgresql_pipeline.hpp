// run_pipeline: sends many extended-protocol commands in one round trip (libpq pipeline mode)
// and hands back their results in order. Used by postgresql_connection's batch paths.
#pragma once

#include <cstddef>
#include <functional>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "orca/drivers/io_wait.hpp"
#include "postgresql_types.hpp"

namespace orca::drivers::postgresql {

/// Queues command `index` with one PQsend* call (PQsendPrepare, PQsendQueryPrepared, ...);
/// returns that call's result (0 on failure).
using send_command = std::function<int(std::size_t index)>;
/// Receives the result of command `index`, failed or not. Aborted commands (those after a
/// failure in the same segment) and commands never sent get no call.
using receive_result = std::function<void(std::size_t index, result_ptr result)>;

/// Blocks until the connection's socket is ready for `what` (poll); false on a poll error.
bool wait_for_socket(PGconn* conn, io_wait what);

/// One run of a pipeline, driven without blocking: start() sends what the socket takes, then
/// says what it waits for; advance() reads what has arrived and goes on once the socket is
/// ready. Sending and reading interleave, which keeps a big batch from deadlocking (we block
/// writing while the server blocks writing results we do not read). Needs libpq's pipeline
/// mode (ORCA_HAVE_PQ_PIPELINE); `send`, `receive` and `segment_ends` must outlive the run.
class pipeline {
public:
  /// Enters pipeline mode and does what it can without waiting.
  io_wait start(PGconn* conn, std::span<const std::size_t> segment_ends, const send_command& send,
                const receive_result& receive);
  /// Goes on after the socket became ready (or spuriously: it then waits again).
  io_wait advance() { return advance(true); }
  /// Once done: nullopt if every segment completed, else the index of the command whose
  /// result was awaited when the connection failed.
  std::optional<std::size_t> lost_at() const noexcept { return lost_at_; }

private:
  static constexpr std::size_t sync_marker = SIZE_MAX;
  /// Sends, reads and sends again while it can; `readable`: the socket may hold input.
  io_wait advance(bool readable);
  static constexpr std::size_t slice = 64;

  io_wait finish(bool ok);
  bool send_slice();
  bool read_available();
  std::size_t awaited() const noexcept;

  PGconn* conn_ = nullptr;
  std::span<const std::size_t> segment_ends_;
  const send_command* send_ = nullptr;
  const receive_result* receive_ = nullptr;
  std::vector<std::size_t> sent_;  ///< command indexes and sync markers, in sending order
  std::size_t read_ = 0;           ///< position in sent_ of the result awaited
  std::size_t next_ = 0;           ///< next command to send
  std::size_t segment_ = 0;        ///< segment being sent
  bool segment_failed_ = false;    ///< a command of the segment being sent failed
  bool between_ = false;           ///< a command's result was read, its closing NULL is due
  int was_nonblocking_ = 0;
  std::optional<std::size_t> lost_at_;
};

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
