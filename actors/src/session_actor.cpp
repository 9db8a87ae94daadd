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
//     leased --[a statement times out]--> leased: the connection actor cancelled it and
//              answered request_timeout (a COMMIT that committed anyway answers success)
//     leased --[commit_outcome_unknown: abandon]--> idle (the connection gave up and closed)
//     leased --[connection lost: abandon]--> idle; the sync_session fails (pending_rollback)
//              until rollback(), which then succeeds without a connection
//     any --[close]--> closed (actor quits)
//     any --[invalidate]--> closed (the connection is killed, not returned; actor quits)
//     idle --[commit or rollback with hibernate, nothing held]--> hibernated (actor quits;
//              the facade spawns a new one on its next call)
#include "orca/actors/session_actor.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "orca/actors/caf_error.hpp"
#include "session_io.hpp"
#include "session_state.hpp"

namespace orca::actors {

namespace {

// Runs a plan for a request and answers it with the plan's value (ok for void plans).
template <class Reply, class T, class Convert>
caf::result<Reply> answer_with(session_pointer self, plan<T> p, Convert convert) {
  auto promise = self->make_response_promise<Reply>();
  if constexpr (std::is_void_v<T>) {
    start_plan(self, std::move(p), [=](std::exception_ptr failure) mutable {
      release_if_idle(self);
      if (failure)
        promise.deliver(to_caf_error(failure));
      else
        promise.deliver(convert());
    });
  } else {
    start_plan(self, std::move(p), [=](std::exception_ptr failure, T value) mutable {
      release_if_idle(self);
      if (failure)
        promise.deliver(to_caf_error(failure));
      else
        promise.deliver(convert(std::move(value)));
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

ok_atom ok_reply() { return ok_atom::value; }

// Quits if the session holds nothing a later call could need; says whether it did.
bool hibernate_if_idle(session_pointer self) {
  auto& st = self->state;
  if (st.connection || !st.streams.empty() || !st.core->holds_nothing()) return false;
  st.core->close_without_io();
  self->quit();
  return true;
}

void close_streams(session_pointer self);

// Commits or rolls back; `reply()` makes the answer once that succeeded.
template <class Reply, class MakeReply>
caf::result<Reply> end_transaction(session_pointer self, bool commit, MakeReply reply) {
  auto& st = self->state;
  close_streams(self);
  try {
    if (commit) return answer_with<Reply>(self, st.core->commit(*st.dialect), reply);
    if (st.connection) return answer_with<Reply>(self, st.core->rollback(), reply);
    st.core->rollback(nullptr);
    return reply();
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
  self->request(st.connection.actor, caf::infinite, cursor_atom::value, std::move(statement.text),
                std::move(statement.parameters))
      .await(
          [=](std::uint64_t cursor) mutable {
            auto& st = self->state;
            stream_options options;
            options.batch_size = batch != 0 ? batch : st.core->options().stream_batch_size;
            options.prefetch = st.core->options().stream_prefetch;
            options.idle_timeout = st.limits.stream_idle_timeout;
            auto stream = spawn_stream(self->system(), batch_merger{self}, st.connection.actor, cursor, std::move(spec),
                                       consumer, options);
            self->monitor(stream);
            st.streams.push_back(stream);
            promise.deliver(stream);
          },
          [=](caf::error& e) mutable {
            auto on_fail = [=](std::exception_ptr failure) mutable {
              release_if_idle(self);
              promise.deliver(to_caf_error(failure));
            };
            function_step step{[](io_reply) {}, on_fail};
            on_request_error(self, e, false, false, "opening a cursor", step);
          });
}

// (add, objects[, rows]): the facade's queued adds, and the rows of those it packed.
caf::result<ok_atom> add_objects(session_pointer self, const object_list& objects, const row_batch& rows) {
  return local(self, [&](sync_session& s) {
    for (auto& o : objects) s.add(o);
    if (rows) s.add_rows(std::move(*rows));
  });
}

session_actor::behavior_type session_impl(session_pointer self, pool_actor pool, backend which, session_options options,
                                          session_limits limits) {
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
      [=](add_atom, const object_list& objects) { return add_objects(self, objects, nullptr); },
      [=](add_atom, const object_list& objects, const row_batch& rows) { return add_objects(self, objects, rows); },
      [=](remove_atom, const object_ref& object) { return local(self, [&](sync_session& s) { s.remove(object); }); },
      [=](execute_atom, select_spec& spec) {
        auto& st = self->state;
        return guarded_plan<object_list>(
            self, [&] { return st.core->execute(std::move(spec), *st.dialect); },
            [](std::vector<object_ref> objects) { return objects; });
      },
      [=](execute_atom, select_spec& spec, result_sink_ptr& sink) -> caf::result<ok_atom> {
        auto& st = self->state;
        try {
          return ok_plan(self, st.core->execute_into(std::move(spec), *st.dialect, std::move(sink)));
        } catch (...) {
          return current_exception_to_caf_error();
        }
      },
      [=](get_atom, table_pointer which, const key& k) -> caf::result<object_ref> {
        auto& st = self->state;
        try {
          if (auto found = st.core->identity_lookup(*which.table, k)) return found;
        } catch (...) {
          return current_exception_to_caf_error();
        }
        return guarded_plan<object_ref>(
            self, [&] { return st.core->get(*which.table, k, *st.dialect); }, [](object_ref o) { return o; });
      },
      [=](flush_atom) {
        auto& st = self->state;
        return guarded_plan<ok_atom>(
            self, [&] { return st.core->flush(*st.dialect); }, [](flush_stats) { return ok_atom::value; });
      },
      [=](commit_atom) -> caf::result<ok_atom> { return end_transaction<ok_atom>(self, true, ok_reply); },
      [=](rollback_atom) -> caf::result<ok_atom> { return end_transaction<ok_atom>(self, false, ok_reply); },
      [=](commit_atom, hibernate_atom) -> caf::result<bool> {
        return end_transaction<bool>(self, true, [self] { return hibernate_if_idle(self); });
      },
      [=](rollback_atom, hibernate_atom) -> caf::result<bool> {
        return end_transaction<bool>(self, false, [self] { return hibernate_if_idle(self); });
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
          if (object)
            s.expire(object);
          else
            s.expire_all();
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
      [=](stream_atom, rows_request& request, std::uint64_t batch) -> caf::result<stream_actor> {
        auto& st = self->state;
        auto consumer = caf::actor_cast<caf::actor_addr>(self->current_sender());
        auto promise = self->make_response_promise<stream_actor>();
        try {
          start_plan(self, st.core->prepare_row_stream(request.query, *st.dialect),
                     [=](std::exception_ptr failure, sql::statement statement) mutable {
                       if (failure) {
                         release_if_idle(self);
                         promise.deliver(to_caf_error(failure));
                         return;
                       }
                       open_stream(self, select_spec{}, std::move(statement), batch, consumer, promise);
                     });
        } catch (...) {
          promise.deliver(current_exception_to_caf_error());
        }
        return promise;
      },
      [=](merge_atom, select_spec& spec, drivers::rowset& rows) {
        auto& st = self->state;
        // The stream actor's id tells its batches apart from other streams'.
        auto sender = self->current_sender();
        auto stream = sender ? sender->id() : caf::actor_id{0};
        return guarded_plan<object_list>(
            self, [&] { return st.core->load_batch(std::move(spec), std::move(rows), *st.dialect, stream); },
            [](std::vector<object_ref> objects) { return objects; });
      },
      [=](query_atom, query_request& request) {
        auto& st = self->state;
        return guarded_plan<query_reply>(
            self, [&] { return st.core->run(std::move(request), *st.dialect); }, [](query_reply r) { return r; });
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
      [=](expunge_atom, const object_ref& object) { return local(self, [&](sync_session& s) { s.expunge(object); }); },
      [=](merge_atom, object_ref& object) {
        auto& st = self->state;
        return guarded_plan<object_ref>(
            self, [&] { return st.core->merge(std::move(object), *st.dialect); }, [](object_ref o) { return o; });
      },
      [=](in_tx_atom) { return self->state.core->in_transaction(); },
      [=](savepoint_atom, const std::string& op) -> caf::result<ok_atom> {
        auto& st = self->state;
        try {
          if (op == "begin") return ok_plan(self, st.core->begin_nested(*st.dialect));
          if (op == "release") return ok_plan(self, st.core->release_nested(*st.dialect));
          if (op == "rollback") {
            close_streams(self);  // cursors opened since the savepoint are gone with it
            return ok_plan(self, st.core->rollback_nested());
          }
          throw error(errc::invalid_argument, "unknown savepoint operation '" + op + "'");
        } catch (...) {
          return current_exception_to_caf_error();
        }
      },
      [=](invalidate_atom) {
        // SQLAlchemy's Session.invalidate(): the connection may be in any state, so it is
        // not trusted back into the pool. Killing it ends its transaction on the server.
        auto& st = self->state;
        close_streams(self);
        if (st.connection) self->send_exit(st.connection.actor, caf::exit_reason::kill);
        st.connection = {};
        st.core->close_without_io();
        self->quit();
        return ok_atom::value;
      },
  };
}

}  // namespace

session_actor spawn_session(caf::actor_system& system, pool_actor pool, backend which, session_options options,
                            session_limits limits) {
  return system.spawn(session_impl, std::move(pool), which, options, limits);
}

}  // namespace orca::actors
