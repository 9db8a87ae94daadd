// The session actor. Its sync_session is only ever touched by one thread at a time: by this
// actor between operations, or by its connection actor while a job runs. Operations await
// the connection's reply (`await` blocks this mailbox), which is what queues concurrent
// callers instead of interleaving them.
//
// States: idle (no connection) --[first database call: acquire]--> leased
//         leased --[no transaction and no stream left: release]--> idle
//         any --[a job timed out: poison]--> poisoned (only close works)
//         any --[close]--> closed (actor quits)
#include "orca/actors/session_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace orca::actors {

namespace {

struct session_state {
  std::shared_ptr<sync_session> sync;
  pool_actor pool;
  connection_actor connection;
  std::chrono::milliseconds timeout{60000};
  std::string poisoned;  ///< why the session cannot go on, if it cannot
  static inline const char* name = "orca.session";

  ~session_state() {
    // Cursors must die on their connection's thread: hand the session over to it.
    if (connection && sync && sync->open_streams() > 0)
      caf::anon_send(connection, run_atom::value,
                     connection_job{[s = std::move(sync)](const std::shared_ptr<drivers::connection>&) mutable {
                       s->close(nullptr);
                       s.reset();
                     }});
  }
};

using session_pointer = session_actor::stateful_pointer<session_state>;

// Gives the connection back once no transaction or stream needs it. `clean`: the last job
// succeeded, so the transaction was ended by commit/rollback; after a failure the pool
// rolls the connection back itself.
void release_if_idle(session_pointer self, bool clean = true) {
  auto& st = self->state;
  if (st.connection && !st.sync->in_transaction() && st.sync->open_streams() == 0) {
    self->send(st.pool, checkin_atom::value, st.connection, clean);
    st.connection = nullptr;
  }
}

template <class Promise, class T>
void deliver_value(Promise& promise, T&& value) {
  promise.deliver(std::forward<T>(value));
}
template <class Promise, class A, class B>
void deliver_value(Promise& promise, std::pair<A, B>&& value) {
  promise.deliver(std::move(value.first), std::move(value.second));
}

void finish_close(session_pointer self) {
  auto& st = self->state;
  // Clean only if close() ended the transaction itself (a poisoned session's may still run).
  if (st.connection) self->send(st.pool, checkin_atom::value, st.connection, st.poisoned.empty());
  st.connection = nullptr;
  self->quit();
}

// Runs `work(sync, connection)` in the connection actor and delivers its result.
template <class T, class Promise, class Work>
void run_job(session_pointer self, Promise promise, Work work, std::string_view what, bool quit_after = false) {
  auto& st = self->state;
  auto result = std::make_shared<std::optional<T>>();
  connection_job job{[sync = st.sync, result, work](const std::shared_ptr<drivers::connection>& c) {
    result->emplace(work(*sync, c));
  }};
  self->request(st.connection, st.timeout, run_atom::value, std::move(job))
      .await(
          [=](ok_atom) mutable {
            release_if_idle(self);
            deliver_value(promise, std::move(**result));
            if (quit_after) finish_close(self);
          },
          [=, what = std::string{what}](caf::error& e) mutable {
            auto& st = self->state;
            if (e == caf::sec::request_timeout) {
              // The job may still be running on our sync_session: it can never be used again.
              st.poisoned = what + " timed out after " + std::to_string(st.timeout.count()) + " ms";
            } else if (e == caf::sec::request_receiver_down) {
              st.connection = nullptr;
              st.poisoned = "its connection was lost during " + what;
              e = to_caf_error(error{errc::connection_lost, "the session's connection was lost during " + what});
            } else {
              release_if_idle(self, false);
            }
            promise.deliver(std::move(e));
            if (quit_after) finish_close(self);
          });
}

// Checks a connection out if the session has none, then runs the job.
template <class T, class Promise, class Work>
void with_connection(session_pointer self, Promise promise, Work work, std::string_view what) {
  auto& st = self->state;
  if (!st.poisoned.empty()) {
    promise.deliver(to_caf_error(error{errc::invalid_state, "the session is unusable: " + st.poisoned + "; close it"}));
    return;
  }
  if (st.connection) {
    run_job<T>(self, promise, std::move(work), what);
    return;
  }
  // The pool answers within its own checkout timeout; allow for that plus a margin.
  self->request(st.pool, st.timeout + std::chrono::seconds(5), checkout_atom::value, self->address())
      .await(
          [=, what = std::string{what}](connection_actor c) mutable {
            self->state.connection = std::move(c);
            run_job<T>(self, promise, std::move(work), what);
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
}

template <class T, class Work>
caf::result<T> db(session_pointer self, Work work, std::string_view what) {
  auto promise = self->make_response_promise<T>();
  with_connection<T>(self, promise, std::move(work), what);
  return promise;
}

template <class F>
caf::result<ok_atom> local(session_pointer self, F&& f) {
  try {
    f(*self->state.sync);
    return ok_atom::value;
  } catch (...) {
    return current_exception_to_caf_error();
  }
}

session_actor::behavior_type session_impl(session_pointer self, pool_actor pool, session_options options,
                                          std::chrono::milliseconds timeout) {
  auto& st = self->state;
  st.sync = std::make_shared<sync_session>(options);
  st.pool = std::move(pool);
  st.timeout = timeout;
  using conn_ptr = std::shared_ptr<drivers::connection>;
  return {
      [=](add_atom, const object_list& objects) {
        return local(self, [&](sync_session& s) { for (auto& o : objects) s.add(o); });
      },
      [=](remove_atom, const object_ref& object) {
        return local(self, [&](sync_session& s) { s.remove(object); });
      },
      [=](execute_atom, const select_spec& spec) {
        return db<object_list>(
            self, [spec](sync_session& s, const conn_ptr& c) { return s.execute(*c, spec); }, "a query");
      },
      [=](get_atom, table_pointer which, std::int64_t key) -> caf::result<object_ref> {
        auto* table = which.table;
        auto& s = *self->state.sync;
        if (auto* r = s.objects().find(*table, key); r != nullptr && !r->expired && r->state == object_state::persistent)
          return object_ref{table, r->lock()};
        return db<object_ref>(
            self, [table, key](sync_session& s, const conn_ptr& c) { return s.get(*c, *table, key); }, "get()");
      },
      [=](flush_atom) {
        return db<ok_atom>(
            self, [](sync_session& s, const conn_ptr& c) { s.flush(*c); return ok_atom::value; }, "flush()");
      },
      [=](commit_atom) {
        return db<ok_atom>(
            self, [](sync_session& s, const conn_ptr& c) { s.commit(*c); return ok_atom::value; }, "commit()");
      },
      [=](rollback_atom) -> caf::result<ok_atom> {
        if (!self->state.connection)  // no transaction is open: only the objects change
          return local(self, [](sync_session& s) { s.rollback(nullptr); });
        return db<ok_atom>(
            self, [](sync_session& s, const conn_ptr& c) { s.rollback(*c); return ok_atom::value; }, "rollback()");
      },
      [=](refresh_atom, const object_ref& object) {
        return db<ok_atom>(
            self, [object](sync_session& s, const conn_ptr& c) { s.refresh(*c, object); return ok_atom::value; },
            "refresh()");
      },
      [=](expire_atom, const object_ref& object) {
        return local(self, [&](sync_session& s) {
          if (object) s.expire(object);
          else s.expire_all();
        });
      },
      [=](stream_atom, const select_spec& spec, std::uint64_t batch) {
        return db<std::uint64_t>(
            self,
            [spec, batch](sync_session& s, const conn_ptr& c) { return s.open_stream(*c, spec, batch, c); },
            "stream()");
      },
      [=](fetch_atom, std::uint64_t id) -> caf::result<object_list, bool> {
        auto promise = self->make_response_promise<object_list, bool>();
        with_connection<std::pair<object_list, bool>>(
            self, promise,
            [id](sync_session& s, const conn_ptr& c) {
              bool more = false;
              auto objects = s.fetch_stream(*c, id, more);
              return std::make_pair(std::move(objects), more);
            },
            "fetching a stream batch");
        return promise;
      },
      [=](close_atom, std::uint64_t id) {
        return db<ok_atom>(
            self, [id](sync_session& s, const conn_ptr&) { s.close_stream(id); return ok_atom::value; },
            "closing a stream");
      },
      [=](close_atom) -> caf::result<ok_atom> {
        auto& st = self->state;
        if (!st.connection || !st.poisoned.empty()) {
          if (st.poisoned.empty()) st.sync->close(nullptr);
          finish_close(self);
          return ok_atom::value;
        }
        auto promise = self->make_response_promise<ok_atom>();
        run_job<ok_atom>(
            self, promise, [](sync_session& s, const conn_ptr& c) { s.close(c.get()); return ok_atom::value; },
            "close()", true);
        return promise;
      },
  };
}

}  // namespace

session_actor spawn_session(caf::actor_system& system, pool_actor pool, session_options options,
                            std::chrono::milliseconds request_timeout) {
  return system.spawn(session_impl, std::move(pool), options, request_timeout);
}

}  // namespace orca::actors
