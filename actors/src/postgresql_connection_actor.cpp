// The PostgreSQL connection actor: runs on the scheduler and never blocks on the network.
// Statements, batches and transaction control go out through libpq's non-blocking calls;
// the process's poller turns the socket's readiness into `ready` messages. The few calls
// that only exist as blocking libpq calls (connect, cursors, ping, savepoints, run_sync's
// user code) run on a lane: a detached helper that borrows the connection meanwhile.
#include "postgresql_connection_actor.hpp"

#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "orca/actors/caf_error.hpp"
#include "poller.hpp"

namespace orca::actors {

namespace {

/// Work for the lane thread.
struct lane_work {
  std::function<void()> run;
};

}  // namespace

}  // namespace orca::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::lane_work)

namespace orca::actors {

namespace {

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
};

using clock = std::chrono::steady_clock;

// How long a cancelled call may take to end before the connection is given up.
constexpr std::chrono::seconds cancel_grace{5};

struct postgresql_state {
  postgresql_state() = default;  // not an aggregate: CAF would construct it from the actor
  url target;
  drivers::connection_options options;
  std::shared_ptr<interrupter> interrupt;
  std::shared_ptr<poller> sockets;
  std::shared_ptr<drivers::connection> connection;
  /// Open cursors; shared with the lane while it fetches. Destroyed before the connection.
  std::map<std::uint64_t, std::shared_ptr<drivers::cursor>> cursors;
  std::uint64_t next_cursor = 1;
  commit_result last_commit = commit_result::none;
  caf::actor lane;                ///< detached helper for blocking calls, spawned on first use
  std::optional<job> current;     ///< the request in flight
  std::deque<job> queue;          ///< requests that arrived meanwhile, in order
  int watched = -1;               ///< the socket registered with the poller
  std::chrono::milliseconds limit{0};     ///< request_timeout for a socket call (0: none)
  clock::time_point deadline;             ///< of the socket call in flight
  io_wait waiting_for = io_wait::done;    ///< what it waits for
  bool cancelled = false;                 ///< it ran past its deadline and was cancelled
  bool cancel_in_flight = false;          ///< the lane is sending the cancel request
  bool given_up = false;                  ///< no answer after the cancel: the connection is done
  std::exception_ptr timeout_failure;     ///< what a cancelled call fails with, while it ends
  static inline const char* name = "orca.connection";

  ~postgresql_state() {
    if (watched >= 0) sockets->forget(watched);
    // A lane still working on a cursor keeps it, and the connection, until it is done.
    if (!current || !current->blocking) abandon_cursors();
    auto gone = std::make_exception_ptr(
        error{errc::connection_lost, "the connection was closed (its pool was disposed, or it broke) before the request ended"});
    if (current) current->finish(gone);
    for (auto& waiting : queue) waiting.finish(gone);
    if (lane) caf::anon_send_exit(lane, caf::exit_reason::user_shutdown);
  }

  // The transaction is ending, or the connection: the server drops its cursors itself.
  void abandon_cursors() noexcept {
    for (auto& [id, c] : cursors) c->abandon();
    cursors.clear();
  }
  bool broken() const noexcept { return given_up || (connection && connection->is_broken()); }
};

using self_pointer = connection_actor::stateful_pointer<postgresql_state>;

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
    st.timeout_failure = std::make_exception_ptr(error{
        errc::request_timeout, finished.is_commit ? "COMMIT did not finish within " + limit +
                                                        "; it was cancelled and the transaction rolled back"
                                                  : "the statement did not finish within " + limit +
                                                        " and was cancelled"});
  }
  finished.finish(failure);
  st.timeout_failure = nullptr;
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
    on_lane(self, [connection = st.connection] { connection->interrupt(); }, [self](std::exception_ptr) {
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
  if (wait == io_wait::done) end_current(self, nullptr);
  else if (clock::now() >= self->state.deadline) on_deadline(self);
  else wait_for_socket(self, wait);
}

caf::actor lane_of(self_pointer self) {
  auto& lane = self->state.lane;
  if (!lane)
    lane = self->spawn<caf::detached>([](caf::event_based_actor*) -> caf::behavior {
      return {[](run_atom, lane_work& work) {
        work.run();
        return ok_atom::value;
      }};
    });
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
      .then([then, failure](ok_atom) { then(*failure); },
            [then](caf::error& e) {
              then(std::make_exception_ptr(error{errc::internal, "the connection's lane failed: " + caf::to_string(e)}));
            });
}

void start_current(self_pointer self) {
  auto& st = self->state;
  auto& j = *st.current;
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
    on_lane(self, [work = j.blocking, connection = st.connection] { work(*connection); },
            [self](std::exception_ptr e) { end_current(self, e); });
  } else {
    end_current(self, nullptr);
  }
}

void run_next(self_pointer self) {
  auto& st = self->state;
  if (st.current || st.cancel_in_flight || st.queue.empty()) return;
  st.current.emplace(std::move(st.queue.front()));
  st.queue.pop_front();
  if (st.connection || !st.current->needs_connection) {
    start_current(self);
    return;
  }
  // The first request opens the connection, on the lane (connecting blocks).
  auto opened = std::make_shared<std::shared_ptr<drivers::connection>>();
  on_lane(self, [opened, target = st.target, options = st.options] { *opened = drivers::connect(target, options); },
          [self, opened](std::exception_ptr e) {
            if (e) {
              end_current(self, e);
              return;
            }
            self->state.connection = std::move(*opened);
            self->state.interrupt->set(self->state.connection);
            start_current(self);
          });
}

void submit(self_pointer self, job j) {
  self->state.queue.push_back(std::move(j));
  run_next(self);
}

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

connection_actor::behavior_type postgresql_impl(self_pointer self, url target, drivers::connection_options options,
                                                std::shared_ptr<interrupter> interrupt) {
  auto& st = self->state;
  st.target = std::move(target);
  st.options = std::move(options);
  st.interrupt = std::move(interrupt);
  st.sockets = poller::shared();
  st.limit = st.options.statement_timeout;  // the engine's request_timeout
  auto conn = [self]() -> drivers::connection& { return *self->state.connection; };
  return {
      [=](execute_atom, std::string& sql, params& parameters) {
        auto promise = self->make_response_promise<drivers::rowset>();
        auto args = std::make_shared<std::pair<std::string, params>>(std::move(sql), std::move(parameters));
        submit(self, call<drivers::rowset>(
                         self, promise, [args](drivers::connection& c) { return c.start_execute(args->first, args->second); },
                         [conn] { return conn().finish_rows(); }));
        return promise;
      },
      [=](many_atom, std::string& sql, parameter_sets& sets) {
        auto promise = self->make_response_promise<std::int64_t>();
        auto args = std::make_shared<std::pair<std::string, parameter_sets>>(std::move(sql), std::move(sets));
        submit(self, call<std::int64_t>(
                         self, promise, [args](drivers::connection& c) { return c.start_execute_many(args->first, args->second); },
                         [conn] { return conn().finish_count(); }));
        return promise;
      },
      [=](batch_atom, statement_list& statements) {
        auto promise = self->make_response_promise<rowset_list>();
        auto args = std::make_shared<statement_list>(std::move(statements));
        submit(self, call<rowset_list>(
                         self, promise, [args](drivers::connection& c) { return c.start_execute_batch(*args); },
                         [conn] { return conn().finish_rowsets(); }));
        return promise;
      },
      [=](begin_atom) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, call<ok_atom>(
                         self, promise, [](drivers::connection& c) { return c.in_transaction() ? io_wait::done : c.start_begin(); },
                         [conn] { conn().finish(); return ok_atom::value; }));
        return promise;
      },
      [=](commit_atom) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, call<ok_atom>(
                         self, promise,
                         [self](drivers::connection& c) {
                           self->state.abandon_cursors();
                           self->state.last_commit = commit_result::failed;  // until COMMIT returns
                           return c.start_commit();
                         },
                         [self, conn] {
                           conn().finish();
                           self->state.last_commit = commit_result::committed;
                           return ok_atom::value;
                         },
                         true));
        return promise;
      },
      [=](rollback_atom) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, call<ok_atom>(
                         self, promise,
                         [self](drivers::connection& c) {
                           self->state.abandon_cursors();
                           return c.start_rollback();
                         },
                         [conn] { conn().finish(); return ok_atom::value; }));
        return promise;
      },
      [=](savepoint_atom, std::string& op, std::string& name) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, blocking<ok_atom>(
                         promise,
                         [op, name](drivers::connection& c) {
                           if (op == "set") c.savepoint(name);
                           else if (op == "release") c.release_savepoint(name);
                           else if (op == "rollback") c.rollback_to_savepoint(name);
                           else throw error(errc::invalid_argument, "unknown savepoint operation '" + op + "'");
                           return ok_atom::value;
                         }));
        return promise;
      },
      [=](cursor_atom, std::string& sql, params& parameters) {
        auto promise = self->make_response_promise<std::uint64_t>();
        auto opened = std::make_shared<std::unique_ptr<drivers::cursor>>();
        submit(self, job{nullptr,
                         [opened, sql = std::move(sql), parameters = std::move(parameters)](drivers::connection& c) {
                           *opened = c.open_cursor(sql, parameters);
                         },
                         [self, promise, opened](std::exception_ptr e) mutable {
                           deliver(promise, e, [&] {
                             auto id = self->state.next_cursor++;
                             self->state.cursors.emplace(id, std::move(*opened));
                             return id;
                           });
                         }});
        return promise;
      },
      [=](fetch_atom, std::uint64_t id, std::uint64_t max_rows) {
        auto promise = self->make_response_promise<drivers::rowset, bool>();
        auto& cursors = self->state.cursors;
        auto it = cursors.find(id);
        if (it == cursors.end()) {
          promise.deliver(to_caf_error(error{errc::closed, "the cursor is closed (exhausted, closed, or its transaction ended)"}));
          return promise;
        }
        // The lane fetches; the actor, busy meanwhile, leaves the cursor alone.
        auto cursor = it->second;
        auto rows = std::make_shared<drivers::rowset>();
        auto more = std::make_shared<bool>(false);
        submit(self, job{nullptr, [cursor, rows, more, max_rows](drivers::connection&) { *more = cursor->fetch(max_rows, *rows); },
                         [self, promise, rows, more, id](std::exception_ptr e) mutable {
                           if (e || !*more) self->state.cursors.erase(id);
                           if (e) promise.deliver(to_caf_error(e));
                           else promise.deliver(std::move(*rows), *more);
                         }});
        return promise;
      },
      [=](close_atom, std::uint64_t id) {
        auto promise = self->make_response_promise<ok_atom>();
        auto& cursors = self->state.cursors;
        auto it = cursors.find(id);
        if (it == cursors.end()) {
          promise.deliver(ok_atom::value);
          return promise;
        }
        auto cursor = std::move(it->second);
        cursors.erase(it);
        submit(self, blocking<ok_atom>(
                         promise, [cursor](drivers::connection&) { cursor->close(); return ok_atom::value; }));
        return promise;
      },
      [=](ping_atom) {
        auto promise = self->make_response_promise<bool>();
        submit(self, blocking<bool>(promise, [](drivers::connection& c) { return c.ping(); }));
        return promise;
      },
      [=](reset_atom) {
        auto promise = self->make_response_promise<bool>();
        job j = call<bool>(
            self, promise,
            [self](drivers::connection& c) {
              self->state.abandon_cursors();
              return c.start_rollback();
            },
            [self, conn] {
              conn().finish();
              return !self->state.broken();
            });
        // Nothing to roll back on a connection never opened.
        if (!self->state.connection && !self->state.current && self->state.queue.empty()) {
          promise.deliver(true);
          return promise;
        }
        submit(self, std::move(j));
        return promise;
      },
      [=](status_atom) {
        auto promise = self->make_response_promise<connection_status>();
        submit(self, job{nullptr, nullptr,
                         [self, promise](std::exception_ptr) mutable {
                           auto& st = self->state;
                           connection_status status;
                           status.open = st.connection && !st.broken();
                           status.in_transaction = status.open && st.connection->in_transaction();
                           status.last_commit = st.last_commit;
                           promise.deliver(status);
                         },
                         false});
        return promise;
      },
      [=](run_atom, connection_job& user) {
        auto promise = self->make_response_promise<ok_atom>();
        submit(self, blocking<ok_atom>(
                         promise, [run = std::move(user.run)](drivers::connection& c) { run(c); return ok_atom::value; }));
        return promise;
      },
      [=](ready_atom) {
        auto& st = self->state;
        if (!st.current || !st.current->start) return;  // a late wake-up: nothing waits
        on_progress(self, st.connection->advance());  // the socket is ready, or the deadline passed
      },
      [=](retry_atom, std::uint64_t) {},
  };
}

}  // namespace

connection_actor spawn_postgresql_connection(caf::actor_system& system, const url& target,
                                             const drivers::connection_options& options,
                                             std::shared_ptr<interrupter> interrupt) {
  return system.spawn(postgresql_impl, target, options, std::move(interrupt));
}

}  // namespace orca::actors
