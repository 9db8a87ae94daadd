// The PostgreSQL connection actor's state and the machinery that runs its requests one at
// a time: a queue, non-blocking calls woken by the poller, deadlines, and the lane for
// blocking calls. Private to postgresql_connection_actor.cpp and postgresql_actor_calls.cpp.
#pragma once

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/connection_actor.hpp"
#include "poller.hpp"

namespace orca::actors::postgresql {

using drivers::io_wait;

/// One request for the connection. Exactly one of `start` (a non-blocking call),
/// `blocking` (a call for the lane) or neither (an answer from the actor's own state) is
/// set; `finish` runs on the actor once the call ended and delivers the reply, given the
/// exception the call threw, if any.
struct job {
  std::function<io_wait(drivers::connection&)> start;
  std::function<void(drivers::connection&)> blocking;
  std::function<void(std::exception_ptr)> finish;
  bool needs_connection = true;
  bool is_commit = false;
  /// A statement or cursor: when it would be the transaction's first and the connection is
  /// found closed before anything was sent, it goes out on a new connection instead.
  bool replayable = false;
  bool replayed = false;  ///< it already moved once (a second dead connection fails it)
  /// What the functions work on, when they hold only a pointer to it (a pointer is stored in
  /// a std::function without an allocation).
  std::shared_ptr<void> data{};
};

/// Marks `j` replayable (see job::replayable).
inline job replayable(job j) {
  j.replayable = true;
  return j;
}

using clock = std::chrono::steady_clock;

// How long a cancelled call may take to end before the connection is given up.
constexpr std::chrono::seconds cancel_grace{5};
/// A transaction's first statement skips its own liveness check when an `alive` check (the
/// pool's, at checkout) passed this recently: the two would be a few microseconds apart.
constexpr std::chrono::milliseconds alive_check_reuse{100};

struct postgresql_state {
  postgresql_state() = default;  // not an aggregate: CAF would construct it from the actor
  url target;
  drivers::connection_options options;
  std::shared_ptr<poller> sockets;
  std::shared_ptr<drivers::connection> connection;
  /// Open cursors; shared with the lane while it fetches. Destroyed before the connection.
  std::map<std::uint64_t, std::shared_ptr<drivers::cursor>> cursors;
  std::uint64_t next_cursor = 1;
  commit_result last_commit = commit_result::none;
  caf::actor lane;                      ///< detached helper for blocking calls, spawned on first use
  std::optional<job> current;           ///< the request in flight
  std::deque<job> queue;                ///< requests that arrived meanwhile, in order
  int watched = -1;                     ///< the socket registered with the poller
  caf::actor_addr watcher;              ///< this actor, as the poller knows it
  std::chrono::milliseconds limit{0};   ///< request_timeout for a socket call (0: none)
  clock::time_point deadline;           ///< of the socket call in flight
  clock::time_point found_alive;        ///< when an `alive` check (the pool's, at checkout) last passed
  io_wait waiting_for = io_wait::done;  ///< what it waits for
  bool cancelled = false;               ///< it ran past its deadline and was cancelled
  bool cancel_in_flight = false;        ///< the lane is sending the cancel request
  bool given_up = false;                ///< no answer after the cancel: the connection is done
  std::exception_ptr timeout_failure;   ///< what a cancelled call fails with, while it ends
  /// Answers a COMMIT lost with the connection, whose outcome is being looked up (on the
  /// lane): with no error if it committed. Nothing else runs meanwhile, and the actor quits
  /// once it is answered.
  std::function<void(caf::error)> resolving;
  static inline const char* name = "orca.connection";

  ~postgresql_state();

  // The transaction is ending, or the connection: the server drops its cursors itself.
  void abandon_cursors() noexcept {
    for (auto& [id, c] : cursors) c->abandon();
    cursors.clear();
  }
  bool broken() const noexcept { return given_up || (connection && connection->is_broken()); }
};

using self_pointer = connection_actor::stateful_pointer<postgresql_state>;

/// Queues a request; it runs once those before it ended.
void submit(self_pointer self, job j);
/// The poller's `ready`: the socket of the call in flight is ready, or its deadline passed.
void on_ready(self_pointer self);
/// COMMIT. When the connection is lost before its answer, the outcome is looked up
/// (txid_status over a new connection): success if it committed, connection_lost if it
/// rolled back, commit_outcome_unknown if that cannot be learned.
job commit_job(self_pointer self, caf::typed_response_promise<ok_atom> promise);
/// The transaction's last statements and COMMIT in one pipeline
/// (drivers::connection::start_execute_batch_and_commit); a lost connection is looked up as
/// for commit_job, but the statements' rows are lost with it: a transaction that committed
/// is then reported as commit_outcome_unknown, since the session cannot learn what they
/// returned (the keys the database generated).
job batch_commit_job(self_pointer self, caf::typed_response_promise<rowset_list> promise,
                     std::shared_ptr<statement_list> statements, std::shared_ptr<expected_counts> expected);

// Delivers what `result()` gives, or the failure (`instead`, when set, replaces any failure).
template <class T, class Result>
void deliver(caf::typed_response_promise<T>& promise, std::exception_ptr failure, Result&& result,
             const std::exception_ptr& instead = nullptr) {
  try {
    if (failure) std::rethrow_exception(failure);
    promise.deliver(result());
  } catch (...) {
    promise.deliver(to_caf_error(instead ? instead : std::current_exception()));
  }
}

template <class T>
job call(self_pointer self, caf::typed_response_promise<T> promise, std::function<io_wait(drivers::connection&)> start,
         std::function<T()> result, bool is_commit = false) {
  return {std::move(start), nullptr,
          [self, promise, result = std::move(result)](std::exception_ptr e) mutable {
            deliver(promise, e, result, self->state.timeout_failure);
          },
          true, is_commit};
}

template <class T>
job blocking(caf::typed_response_promise<T> promise, std::function<T(drivers::connection&)> work) {
  auto value = std::make_shared<std::optional<T>>();
  return {nullptr, [work = std::move(work), value](drivers::connection& c) { value->emplace(work(c)); },
          [promise, value](std::exception_ptr e) mutable { deliver(promise, e, [&] { return std::move(**value); }); }};
}

}  // namespace orca::actors::postgresql
