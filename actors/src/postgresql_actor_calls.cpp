// The PostgreSQL connection actor's request machinery (see postgresql_actor_state.hpp).
#include "postgresql_actor_state.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "orca/drivers/logger.hpp"
#include "orca/drivers/postgresql_connection.hpp"

namespace orca::actors::postgresql {

namespace {

/// Work for the lane thread.
struct lane_work {
  std::function<void()> run;
};

}  // namespace

}  // namespace orca::actors::postgresql

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::postgresql::lane_work)

namespace orca::actors::postgresql {

postgresql_state::~postgresql_state() {
  if (watched >= 0) sockets->forget(watched, watcher);
  // A lane still working on a cursor keeps it, and the connection, until it is done.
  if (!current || !current->blocking) abandon_cursors();
  auto gone = std::make_exception_ptr(
      error{errc::connection_lost,
            "the connection was closed (its pool was disposed, or it broke) before the request ended"});
  // A COMMIT already sent, and one whose outcome was being looked up, may have committed.
  auto in_doubt = std::make_exception_ptr(
      error{errc::commit_outcome_unknown,
            "the connection was closed (its pool was disposed, or it broke) while COMMIT was in flight: whether the "
            "transaction committed cannot be known"});
  if (resolving) resolving(to_caf_error(in_doubt));
  if (current) current->finish(current->is_commit ? in_doubt : gone);
  for (auto& waiting : queue) waiting.finish(gone);
  if (lane) caf::anon_send_exit(lane, caf::exit_reason::user_shutdown);
}

namespace {

void run_next(self_pointer self);

// The request in flight ended: reply, then quit if the connection broke, else go on.
void end_current(self_pointer self, std::exception_ptr failure) {
  auto& st = self->state;
  auto finished = std::move(*st.current);
  st.current.reset();
  // A call cancelled at its deadline fails with request_timeout (if it finished anyway,
  // a COMMIT included, its result stands).
  if (std::exchange(st.cancelled, false) && !st.given_up) {
    auto limit = std::to_string(st.limit.count()) + " ms";
    st.timeout_failure = std::make_exception_ptr(
        error{errc::request_timeout,
              finished.is_commit
                  ? "COMMIT did not finish within " + limit + "; it was cancelled and the transaction rolled back"
                  : "the statement did not finish within " + limit + " and was cancelled"});
  }
  finished.finish(failure);
  st.timeout_failure = nullptr;
  if (st.resolving) return;  // the lost COMMIT's outcome is being looked up: see commit_job
  if (st.broken()) {
    self->quit();  // the state's destructor fails what is queued
    return;
  }
  run_next(self);
}

void wait_for_socket(self_pointer self, io_wait what) {
  auto& st = self->state;
  st.waiting_for = what;
  try {
    st.watched = st.connection->socket();
    st.watcher = self->address();
    st.sockets->watch(st.watched, what, caf::actor_cast<caf::actor>(self), st.deadline);
  } catch (...) {
    end_current(self, std::current_exception());
  }
}

void on_lane(self_pointer self, std::function<void()> work, std::function<void(std::exception_ptr)> then);

// The call in flight ran past its deadline: cancel it (PQcancel blocks: on the lane) and
// give it `cancel_grace` to end; past that, give the connection up.
void on_deadline(self_pointer self) {
  auto& st = self->state;
  if (!st.cancelled) {
    st.cancelled = st.cancel_in_flight = true;
    st.deadline = clock::now() + cancel_grace;
    // The next call waits until the cancel request is through, so that it cannot be hit.
    on_lane(
        self, [connection = st.connection] { connection->interrupt(); },
        [self](std::exception_ptr) {
          self->state.cancel_in_flight = false;
          run_next(self);
        });
    wait_for_socket(self, st.waiting_for);
    return;
  }
  st.given_up = true;
  auto limit = std::to_string(st.limit.count()) + " ms";
  end_current(self, std::make_exception_ptr(
                        st.current->is_commit
                            ? error{errc::commit_outcome_unknown,
                                    "COMMIT was sent but did not finish within " + limit +
                                        " and the server did not answer its cancellation: whether the transaction "
                                        "committed cannot be known; the connection was closed"}
                            : error{errc::request_timeout, "the statement did not finish within " + limit +
                                                               " and the server did not answer its cancellation; "
                                                               "the connection was closed"}));
}

// Goes on with the call in flight: `wait` is what it waits for now.
void on_progress(self_pointer self, io_wait wait) {
  if (wait == io_wait::done)
    end_current(self, nullptr);
  else if (clock::now() >= self->state.deadline)
    on_deadline(self);
  else
    wait_for_socket(self, wait);
}

caf::actor lane_of(self_pointer self) {
  auto& lane = self->state.lane;
  if (!lane)
    // The unused argument: CAF's spawn of a function without arguments trips UBSan inside
    // CAF (init_fun_factory binds a null tuple).
    lane = self->spawn<caf::detached>(
        [](caf::event_based_actor*, int) -> caf::behavior {
          return {[](run_atom, lane_work& work) {
            work.run();
            return ok_atom::value;
          }};
        },
        0);
  return lane;
}

// Runs `work` on the lane; `then` continues on the actor with what it threw, if anything.
void on_lane(self_pointer self, std::function<void()> work, std::function<void(std::exception_ptr)> then) {
  auto failure = std::make_shared<std::exception_ptr>();
  lane_work message{[work = std::move(work), failure] {
    try {
      work();
    } catch (...) {
      *failure = std::current_exception();
    }
  }};
  self->request(lane_of(self), caf::infinite, run_atom::value, std::move(message))
      .then(
          [then, failure](ok_atom) { then(*failure); },
          [then](caf::error& e) {
            then(std::make_exception_ptr(error{errc::internal, "the connection's lane failed: " + caf::to_string(e)}));
          });
}

void start_current(self_pointer self);

// Whether the call about to start is its transaction's first statement on a connection the
// server closed while it sat idle (a restart, an idle timeout, a terminated backend). Then
// nothing of the transaction was sent, and it can move to a new connection. Checked
// without a round trip (drivers::connection::is_alive_without_io: a poll of the socket), once
// per transaction, unless the pool's checkout has just checked the same way. A connection
// that dies after this check, with the statement in flight, fails the call: the statement
// may have run.
bool found_dead_before_sending(postgresql_state& st) {
  const auto& j = *st.current;
  if (!j.replayable || j.replayed || !st.cursors.empty() || !st.connection->begin_pending()) return false;
  if (clock::now() - st.found_alive < alive_check_reuse) return false;
  return !st.connection->is_alive_without_io();
}

std::string message_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// Replaces the dead connection by a new one (connecting blocks: on the lane), begins the
// transaction there (nothing is sent: BEGIN rides with the first statement) and starts the
// call on it. If connecting fails, the call fails with connection_lost and the actor quits.
void reopen_then_start(self_pointer self) {
  auto& st = self->state;
  st.current->replayed = true;
  drivers::pool_logger()->debug(
      "a connection to {} was found closed by the server before its transaction's first "
      "statement was sent; the transaction moves to a new connection",
      st.target.redacted());
  auto opened = std::make_shared<std::shared_ptr<drivers::connection>>();
  on_lane(
      self,
      [opened, target = st.target, options = st.options] {
        std::shared_ptr<drivers::connection> fresh = drivers::connect(target, options);
        fresh->begin();
        *opened = std::move(fresh);
      },
      [self, opened](std::exception_ptr e) {
        auto& st = self->state;
        if (e) {
          end_current(self,
                      std::make_exception_ptr(error{errc::connection_lost,
                                                    "the server had closed the connection before the transaction's "
                                                    "first statement was sent, and no new connection could be "
                                                    "opened: " +
                                                        message_of(e)}));
          return;
        }
        if (st.watched >= 0) st.sockets->forget(std::exchange(st.watched, -1), st.watcher);
        st.connection = std::move(*opened);
        start_current(self);
      });
}

void start_current(self_pointer self) {
  auto& st = self->state;
  auto& j = *st.current;
  if (found_dead_before_sending(st)) {
    reopen_then_start(self);
    return;
  }
  if (j.start) {
    st.deadline = st.limit.count() > 0 ? clock::now() + st.limit : clock::time_point::max();
    io_wait wait = io_wait::done;
    try {
      wait = j.start(*st.connection);
    } catch (...) {
      end_current(self, std::current_exception());
      return;
    }
    on_progress(self, wait);
  } else if (j.blocking) {
    on_lane(
        self, [work = j.blocking, connection = st.connection] { work(*connection); },
        [self](std::exception_ptr e) { end_current(self, e); });
  } else {
    end_current(self, nullptr);
  }
}

void run_next(self_pointer self) {
  auto& st = self->state;
  if (st.current || st.cancel_in_flight || st.resolving || st.queue.empty()) return;
  st.current.emplace(std::move(st.queue.front()));
  st.queue.pop_front();
  if (st.connection || !st.current->needs_connection) {
    start_current(self);
    return;
  }
  // The first request opens the connection, on the lane (connecting blocks).
  auto opened = std::make_shared<std::shared_ptr<drivers::connection>>();
  on_lane(
      self, [opened, target = st.target, options = st.options] { *opened = drivers::connect(target, options); },
      [self, opened](std::exception_ptr e) {
        if (e) {
          end_current(self, e);
          return;
        }
        self->state.connection = std::move(*opened);
        start_current(self);
      });
}

}  // namespace

void on_ready(self_pointer self) {
  auto& st = self->state;
  if (!st.current || !st.current->start) return;  // a late wake-up: nothing waits
  on_progress(self, st.connection->advance());    // the socket is ready, or the deadline passed
}

namespace {

bool lost_connection(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const error& e) {
    return e.code() == errc::connection_lost;
  } catch (...) {
    return false;
  }
}

// The connection was lost before COMMIT's answer: ask the server, over a new connection on
// the lane, what became of the transaction, then answer and quit (the connection is broken).
void resolve_lost_commit(self_pointer self, std::function<void(caf::error)> answer) {
  auto& st = self->state;
  auto xid = st.connection->transaction_id();
  if (!xid) {
    answer(to_caf_error(
        error{errc::commit_outcome_unknown,
              "the connection was lost while COMMIT was in flight, and the transaction's id was never learned (it ran "
              "no statement that may write, other than SQL scripts): whether it committed cannot be known"}));
    return;
  }
  st.resolving = std::move(answer);
  // As long as a statement may run: the engine's request_timeout.
  auto patience = st.limit.count() > 0 ? st.limit : std::chrono::milliseconds{10000};
  auto outcome = std::make_shared<drivers::commit_outcome>();
  on_lane(
      self,
      [outcome, target = st.target, options = st.options, xid = *xid, patience] {
        *outcome = drivers::look_up_commit(target, options, xid, patience);
      },
      [self, outcome](std::exception_ptr) {
        auto& st = self->state;
        auto answer = std::exchange(st.resolving, nullptr);
        using kind = drivers::commit_outcome::kind;
        switch (outcome->outcome) {
          case kind::committed:
            st.last_commit = commit_result::committed;
            answer(caf::error{});
            break;
          case kind::rolled_back:
            answer(
                to_caf_error(error{errc::connection_lost, "the connection was lost while COMMIT was in flight, and " +
                                                              outcome->detail + ": nothing was committed"}));
            break;
          case kind::unknown:
            answer(to_caf_error(error{errc::commit_outcome_unknown,
                                      "the connection was lost while COMMIT was in flight, and whether it committed "
                                      "cannot be known: " +
                                          outcome->detail}));
            break;
        }
        self->quit();  // the connection is broken; the state's destructor fails what is queued
      });
}

}  // namespace

job commit_job(self_pointer self, caf::typed_response_promise<ok_atom> promise) {
  return {[self](drivers::connection& c) {
            self->state.abandon_cursors();
            self->state.last_commit = commit_result::failed;  // until COMMIT returns
            return c.start_commit();
          },
          nullptr,
          [self, promise](std::exception_ptr failure) mutable {
            auto& st = self->state;
            if (!failure) {
              try {
                st.connection->finish();
              } catch (...) {
                failure = std::current_exception();
              }
            }
            if (!failure) {
              st.last_commit = commit_result::committed;
              promise.deliver(ok_atom::value);
            } else if (st.timeout_failure) {
              promise.deliver(to_caf_error(st.timeout_failure));
            } else if (st.connection && lost_connection(failure)) {
              resolve_lost_commit(self, [promise](caf::error e) mutable {
                if (e)
                  promise.deliver(std::move(e));
                else
                  promise.deliver(ok_atom::value);
              });
            } else {
              promise.deliver(to_caf_error(failure));
            }
          },
          true, true};
}

job batch_commit_job(self_pointer self, caf::typed_response_promise<rowset_list> promise,
                     std::shared_ptr<statement_list> statements, std::shared_ptr<expected_counts> expected) {
  return {[self, statements, expected](drivers::connection& c) {
            self->state.abandon_cursors();
            self->state.last_commit = commit_result::failed;  // until COMMIT returns
            return c.start_execute_batch_and_commit(*statements, *expected);
          },
          nullptr,
          [self, promise](std::exception_ptr failure) mutable {
            auto& st = self->state;
            rowset_list rows;
            if (!failure) {
              try {
                rows = st.connection->finish_rowsets();
              } catch (...) {
                failure = std::current_exception();
              }
            }
            if (!failure) {
              st.last_commit = commit_result::committed;
              promise.deliver(std::move(rows));
            } else if (st.timeout_failure) {
              promise.deliver(to_caf_error(st.timeout_failure));
            } else if (st.connection && lost_connection(failure)) {
              resolve_lost_commit(self, [promise](caf::error e) mutable {
                if (!e)
                  e = to_caf_error(error{errc::commit_outcome_unknown,
                                         "the connection was lost before the answer to the transaction's last "
                                         "statements and COMMIT; the server reports that the transaction committed "
                                         "(txid_status), but what the statements returned was lost with the "
                                         "connection, so the session cannot update its objects from it: treat the "
                                         "outcome as unknown, and reload what the transaction wrote"});
                promise.deliver(std::move(e));
              });
            } else {
              promise.deliver(to_caf_error(failure));
            }
          },
          true,
          true,
          true};
}

void submit(self_pointer self, job j) {
  self->state.queue.push_back(std::move(j));
  run_next(self);
}

}  // namespace orca::actors::postgresql
