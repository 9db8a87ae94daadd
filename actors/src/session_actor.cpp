// The session actor. It owns its sync_session and is the only thread that touches it: the
// model's plans yield statements, which this actor sends to its connection actor as data
// messages, resuming the plan with each reply. Requests to the connection are awaited
// (`await` holds this mailbox), so operations on one session never interleave and later
// callers queue.
//
// States (the handler that moves between them in brackets):
//
//     idle (no connection) --[a plan asks for BEGIN: checkout]--> leased
//     leased --[no transaction and no stream left: release_if_idle]--> idle
//     leased --[a statement times out: on_timeout]--> cancelling --[the connection answers
//              status]--> leased (statement failed, or COMMIT known committed)
//     cancelling --[no answer: abandon]--> idle (connection killed; COMMIT outcome unknown)
//     leased --[connection lost: abandon]--> idle; the sync_session fails (pending_rollback)
//              until rollback(), which then succeeds without a connection
//     any --[close]--> closed (actor quits)
#include "orca/actors/session_actor.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "orca/actors/caf_error.hpp"

namespace orca::actors {

namespace {

struct session_state {
  std::unique_ptr<sync_session> core;
  const drivers::dialect* dialect = nullptr;
  pool_actor pool;
  connection_handle connection;
  session_limits limits;
  std::vector<stream_actor> streams;
  static inline const char* name = "orca.session";
};

using session_pointer = session_actor::stateful_pointer<session_state>;
using reply_handler = std::function<void(io_reply)>;
using failure_handler = std::function<void(std::exception_ptr)>;

// How long a connection may take to answer `status` after a cancel before it is given up.
constexpr std::chrono::milliseconds cancel_grace{5000};

// Gives the connection back once no transaction or stream needs it.
void release_if_idle(session_pointer self) {
  auto& st = self->state;
  if (st.connection && !st.core->in_transaction() && st.streams.empty()) {
    self->send(st.pool, checkin_atom::value, st.connection.actor, true);
    st.connection = {};
  }
}

// Drops a connection that is lost or stuck: it is killed (its pool sees it die and
// replaces it), and the session's transaction is gone with it.
void abandon(session_pointer self, const std::string& why) {
  auto& st = self->state;
  if (st.connection) self->send_exit(st.connection.actor, caf::exit_reason::kill);
  st.connection = {};
  st.core->lose_transaction(why);
  for (auto& s : st.streams) self->send(s, close_atom::value);
  st.streams.clear();
}

// Cancels the statement the connection runs, on a thread of its own: PQcancel blocks.
void interrupt_later(session_pointer self) {
  auto interrupt = self->state.connection.interrupt;
  // The interrupter goes as a spawn argument: CAF's spawn of a function without arguments
  // trips UBSan inside CAF (init_fun_factory binds a null tuple).
  if (interrupt)
    self->system().spawn<caf::detached>(
        [](caf::blocking_actor*, const std::shared_ptr<interrupter>& target) { target->interrupt(); }, interrupt);
}

bool lost(const caf::error& e) {
  return e == caf::sec::request_receiver_down ||
         (e.category() == caf::atom("orca") && static_cast<errc>(e.code()) == errc::connection_lost);
}

// A request to the connection timed out: cancel it, then learn what it did from the
// connection's status, which it answers once the cancelled statement has returned.
void on_timeout(session_pointer self, bool is_commit, const std::string& what, const reply_handler& on_reply,
                const failure_handler& on_fail) {
  auto& st = self->state;
  auto limit = std::to_string(st.limits.request_timeout.count()) + " ms";
  interrupt_later(self);
  self->request(st.connection.actor, cancel_grace, status_atom::value)
      .await(
          [=](connection_status& status) {
            if (is_commit && status.last_commit == commit_result::committed) {
              spdlog::warn("orca: COMMIT ran past the request timeout ({}) but committed before it could be cancelled",
                           limit);
              on_reply({});
              return;
            }
            auto message = is_commit ? "COMMIT did not finish within " + limit +
                                           "; it was cancelled and the transaction rolled back"
                                     : what + " did not finish within " + limit + " and was cancelled";
            if (!status.open) abandon(self, message);
            on_fail(std::make_exception_ptr(error{errc::request_timeout, message}));
          },
          [=](caf::error&) {
            auto message = what + " did not finish within " + limit +
                           " and its connection did not answer after a cancel; the connection was closed";
            abandon(self, message);
            if (is_commit)
              on_fail(std::make_exception_ptr(error{
                  errc::commit_outcome_unknown,
                  "COMMIT was sent but did not finish within " + limit +
                      " and its connection stopped answering: whether the transaction committed cannot be known"}));
            else
              on_fail(std::make_exception_ptr(error{errc::request_timeout, message}));
          });
}

// Handles the failure of a request to the connection.
void on_request_error(session_pointer self, caf::error& e, bool is_commit, bool is_rollback, const std::string& what,
                      const reply_handler& on_reply, const failure_handler& on_fail) {
  if (e == caf::sec::request_timeout) {
    on_timeout(self, is_commit, what, on_reply, on_fail);
    return;
  }
  if (lost(e)) {
    auto message = "the session's connection was lost during " + what;
    abandon(self, message);
    if (is_rollback) on_reply({});  // the server rolled the transaction back when it lost the connection
    else if (is_commit)
      on_fail(std::make_exception_ptr(
          error{errc::commit_outcome_unknown,
                "the connection was lost while COMMIT was in flight: whether the transaction committed cannot be known"}));
    else on_fail(std::make_exception_ptr(error{errc::connection_lost, message}));
    return;
  }
  on_fail(std::make_exception_ptr(from_caf_error(e, what)));
}

// Sends one request of a plan to the connection actor, awaiting its reply.
template <class Reply, class... Ts>
void ask_connection(session_pointer self, bool is_commit, bool is_rollback, std::string what, reply_handler on_reply,
                    failure_handler on_fail, Ts&&... xs) {
  auto& st = self->state;
  // A SQLite connection actor never blocks and enforces the statement timeout itself (inside
  // SQLite's VM) and the lock-wait budget (busy_timeout), so it always answers: no CAF timer,
  // which would cost a wake-up of CAF's clock thread per statement.
  auto timeout = st.dialect == &drivers::sqlite_dialect() ? caf::duration{caf::infinite}
                                                          : caf::duration{st.limits.request_timeout};
  self->request(st.connection.actor, timeout, std::forward<Ts>(xs)...)
      .await(
          [on_reply](Reply& reply) {
            if constexpr (std::is_same_v<Reply, ok_atom>) on_reply({});
            else on_reply(io_reply{std::move(reply)});
          },
             [=](caf::error& e) { on_request_error(self, e, is_commit, is_rollback, what, on_reply, on_fail); });
}

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

void perform(session_pointer self, io_request& request, reply_handler on_reply, failure_handler on_fail);

// Checks a connection out of the pool (the pool's timeout governs), then performs `request`.
void checkout_then(session_pointer self, io_request& request, reply_handler on_reply, failure_handler on_fail) {
  auto& st = self->state;
  // The pool answers within its checkout timeout; the margin only covers a pool that is gone.
  self->request(st.pool, st.limits.checkout_timeout + std::chrono::seconds(2), checkout_atom::value, self->address())
      .await(
          [=, &request](connection_handle& c) {
            self->state.connection = std::move(c);
            perform(self, request, on_reply, on_fail);
          },
          [=](caf::error& e) { on_fail(std::make_exception_ptr(from_caf_error(e, "checking out a connection"))); });
}

void perform(session_pointer self, io_request& request, reply_handler on_reply, failure_handler on_fail) {
  auto& st = self->state;
  if (!st.connection) {
    // Without a connection there is no transaction: a ROLLBACK has nothing to do.
    if (std::holds_alternative<io::rollback>(request)) on_reply({});
    else checkout_then(self, request, std::move(on_reply), std::move(on_fail));
    return;
  }
  auto what = describe(request);
  std::visit(overloaded{
                 [&](io::execute& r) {
                   ask_connection<drivers::rowset>(self, false, false, what, on_reply, on_fail, execute_atom::value,
                                                   std::move(r.sql), std::move(r.parameters));
                 },
                 [&](io::execute_many& r) {
                   ask_connection<std::int64_t>(self, false, false, what, on_reply, on_fail, many_atom::value,
                                                std::move(r.sql), std::move(r.sets));
                 },
                 [&](io::execute_batch& r) {
                   ask_connection<rowset_list>(self, false, false, what, on_reply, on_fail, batch_atom::value,
                                               std::move(r.statements));
                 },
                 [&](io::begin&) {
                   ask_connection<ok_atom>(self, false, false, what, on_reply, on_fail, begin_atom::value);
                 },
                 [&](io::commit&) {
                   ask_connection<ok_atom>(self, true, false, what, on_reply, on_fail, commit_atom::value);
                 },
                 [&](io::rollback&) {
                   ask_connection<ok_atom>(self, false, true, what, on_reply, on_fail, rollback_atom::value);
                 },
             },
             request);
}

// Runs a plan to its end; `done(failure, value)` gets its outcome.
template <class T, class Done>
void run_plan(session_pointer self, std::shared_ptr<plan<T>> work, Done done) {
  if (work->done()) {
    try {
      if constexpr (std::is_void_v<T>) {
        work->result();
        done(nullptr);
      } else {
        done(nullptr, work->result());
      }
    } catch (...) {
      if constexpr (std::is_void_v<T>) done(std::current_exception());
      else done(std::current_exception(), T{});
    }
    return;
  }
  perform(
      self, work->request(),
      [self, work, done](io_reply reply) {
        work->resume(std::move(reply));
        run_plan(self, work, done);
      },
      [self, work, done](std::exception_ptr failure) {
        work->fail(std::move(failure));
        run_plan(self, work, done);
      });
}

template <class T, class Done>
void start_plan(session_pointer self, plan<T> p, Done done) {
  auto work = std::make_shared<plan<T>>(std::move(p));
  work->start();
  run_plan(self, std::move(work), std::move(done));
}

// Runs a plan for a request and answers it with the plan's value (ok for void plans).
template <class Reply, class T, class Convert>
caf::result<Reply> answer_with(session_pointer self, plan<T> p, Convert convert) {
  auto promise = self->make_response_promise<Reply>();
  if constexpr (std::is_void_v<T>) {
    start_plan(self, std::move(p), [=](std::exception_ptr failure) mutable {
      release_if_idle(self);
      if (failure) promise.deliver(to_caf_error(failure));
      else promise.deliver(convert());
    });
  } else {
    start_plan(self, std::move(p), [=](std::exception_ptr failure, T value) mutable {
      release_if_idle(self);
      if (failure) promise.deliver(to_caf_error(failure));
      else promise.deliver(convert(std::move(value)));
    });
  }
  return promise;
}

caf::result<ok_atom> ok_plan(session_pointer self, plan<void> p) {
  return answer_with<ok_atom>(self, std::move(p), [] { return ok_atom::value; });
}

template <class F>
caf::result<ok_atom> local(session_pointer self, F&& f) {
  try {
    f(*self->state.core);
    return ok_atom::value;
  } catch (...) {
    return current_exception_to_caf_error();
  }
}

// A plan that cannot be made (the session refused the call) is answered at once.
template <class Reply, class MakePlan, class Convert>
caf::result<Reply> guarded_plan(session_pointer self, MakePlan make, Convert convert) {
  try {
    return answer_with<Reply>(self, make(), std::move(convert));
  } catch (...) {
    return current_exception_to_caf_error();
  }
}

void close_streams(session_pointer self) {
  for (auto& s : self->state.streams) self->send(s, close_atom::value);
  self->state.streams.clear();
}

// Opens a cursor for `statement` and a stream actor over it, for `consumer`.
void open_stream(session_pointer self, select_spec spec, sql::statement statement, std::uint64_t batch,
                 caf::actor_addr consumer, caf::typed_response_promise<stream_actor> promise) {
  auto& st = self->state;
  self->request(st.connection.actor, st.limits.request_timeout, cursor_atom::value, std::move(statement.text),
                std::move(statement.parameters))
      .await(
          [=](std::uint64_t cursor) mutable {
            auto& st = self->state;
            stream_options options;
            options.batch_size = batch != 0 ? batch : st.core->options().stream_batch_size;
            options.prefetch = st.core->options().stream_prefetch;
            options.request_timeout = st.limits.request_timeout;
            options.idle_timeout = st.limits.stream_idle_timeout;
            auto stream = spawn_stream(self->system(), batch_merger{self}, st.connection.actor, cursor,
                                       std::move(spec), consumer, options);
            self->monitor(stream);
            st.streams.push_back(stream);
            promise.deliver(stream);
          },
          [=](caf::error& e) mutable {
            on_request_error(
                self, e, false, false, "opening a cursor", [](io_reply) {},
                [=](std::exception_ptr failure) mutable {
                  release_if_idle(self);
                  promise.deliver(to_caf_error(failure));
                });
          });
}

session_actor::behavior_type session_impl(session_pointer self, pool_actor pool, backend which,
                                          session_options options, session_limits limits) {
  auto& st = self->state;
  st.core = std::make_unique<sync_session>(options);
  st.dialect = which == backend::postgresql ? &drivers::postgresql_dialect() : &drivers::sqlite_dialect();
  st.pool = std::move(pool);
  st.limits = limits;
  self->set_down_handler([=](caf::down_msg& down) {
    auto& streams = self->state.streams;
    streams.erase(std::remove_if(streams.begin(), streams.end(),
                                 [&](const stream_actor& s) { return s.address() == down.source; }),
                  streams.end());
    release_if_idle(self);
  });
  return {
      [=](add_atom, const object_list& objects) {
        return local(self, [&](sync_session& s) {
          for (auto& o : objects) s.add(o);
        });
      },
      [=](remove_atom, const object_ref& object) {
        return local(self, [&](sync_session& s) { s.remove(object); });
      },
      [=](execute_atom, select_spec& spec) {
        auto& st = self->state;
        return guarded_plan<object_list>(
            self, [&] { return st.core->execute(std::move(spec), *st.dialect); },
            [](std::vector<object_ref> objects) { return objects; });
      },
      [=](get_atom, table_pointer which, std::int64_t key) -> caf::result<object_ref> {
        auto& st = self->state;
        try {
          if (auto found = st.core->identity_lookup(*which.table, key)) return found;
        } catch (...) {
          return current_exception_to_caf_error();
        }
        return guarded_plan<object_ref>(
            self, [&] { return st.core->get(*which.table, key, *st.dialect); }, [](object_ref o) { return o; });
      },
      [=](flush_atom) {
        auto& st = self->state;
        return guarded_plan<ok_atom>(
            self, [&] { return st.core->flush(*st.dialect); }, [](flush_stats) { return ok_atom::value; });
      },
      [=](commit_atom) -> caf::result<ok_atom> {
        auto& st = self->state;
        close_streams(self);
        try {
          return ok_plan(self, st.core->commit(*st.dialect));
        } catch (...) {
          return current_exception_to_caf_error();
        }
      },
      [=](rollback_atom) -> caf::result<ok_atom> {
        auto& st = self->state;
        close_streams(self);
        if (!st.connection) return local(self, [](sync_session& s) { s.rollback(nullptr); });
        try {
          return ok_plan(self, st.core->rollback());
        } catch (...) {
          return current_exception_to_caf_error();
        }
      },
      [=](refresh_atom, const object_ref& object) -> caf::result<ok_atom> {
        auto& st = self->state;
        try {
          return ok_plan(self, st.core->refresh(object, *st.dialect));
        } catch (...) {
          return current_exception_to_caf_error();
        }
      },
      [=](expire_atom, const object_ref& object) {
        return local(self, [&](sync_session& s) {
          if (object) s.expire(object);
          else s.expire_all();
        });
      },
      [=](stream_atom, select_spec& spec, std::uint64_t batch) -> caf::result<stream_actor> {
        auto& st = self->state;
        // Before the promise: making it takes the sender out of the current message.
        auto consumer = caf::actor_cast<caf::actor_addr>(self->current_sender());
        auto promise = self->make_response_promise<stream_actor>();
        try {
          auto prepare = st.core->prepare_stream(spec, *st.dialect);
          start_plan(self, std::move(prepare),
                     [=, spec = spec](std::exception_ptr failure, sql::statement statement) mutable {
                       if (failure) {
                         release_if_idle(self);
                         promise.deliver(to_caf_error(failure));
                         return;
                       }
                       open_stream(self, std::move(spec), std::move(statement), batch, consumer, promise);
                     });
        } catch (...) {
          promise.deliver(current_exception_to_caf_error());
        }
        return promise;
      },
      [=](merge_atom, select_spec& spec, drivers::rowset& rows) {
        auto& st = self->state;
        return guarded_plan<object_list>(
            self, [&] { return st.core->load_batch(std::move(spec), std::move(rows), *st.dialect); },
            [](std::vector<object_ref> objects) { return objects; });
      },
      [=](close_atom) -> caf::result<ok_atom> {
        auto& st = self->state;
        close_streams(self);
        // A connection whose rollback failed goes back unclean: the pool resets or drops it.
        auto finish = [=](bool clean) {
          auto& st = self->state;
          st.core->close_without_io();
          if (st.connection) self->send(st.pool, checkin_atom::value, st.connection.actor, clean);
          st.connection = {};
          self->quit();
        };
        if (!st.connection || !st.core->in_transaction()) {
          finish(true);
          return ok_atom::value;
        }
        auto promise = self->make_response_promise<ok_atom>();
        start_plan(self, st.core->rollback(), [=](std::exception_ptr failure) mutable {
          finish(failure == nullptr);
          promise.deliver(ok_atom::value);
        });
        return promise;
      },
  };
}

}  // namespace

session_actor spawn_session(caf::actor_system& system, pool_actor pool, backend which, session_options options,
                            session_limits limits) {
  return system.spawn(session_impl, std::move(pool), which, options, limits);
}

}  // namespace orca::actors
