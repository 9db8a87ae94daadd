// The stream actor. At most two batches exist at once: the one the consumer is working on
// and the one prefetched behind it.
//
// States (the handler that moves between them in brackets):
//
//     fetching --[rows arrive: on_rows]--> ready        (a fetch request is in flight)
//     ready --[consumer fetch: serve]--> fetching       (prefetch of the next batch starts
//                                                        while the session merges this one)
//     fetching --[consumer fetch]--> fetching + waiting (served when the rows arrive)
//     any --[last rows served, close, consumer down, idle timeout, error]--> closed (quit)
#include "orca/actors/stream_actor.hpp"

#include <optional>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "orca/actors/caf_error.hpp"
#include "scheduler_hint.hpp"

namespace orca::actors {

namespace {

struct stream_state {
  // Not an aggregate: CAF would construct it from the actor pointer (into `session`).
  stream_state() = default;
  batch_merger session;
  connection_actor connection;
  std::uint64_t cursor = 0;
  select_spec spec;
  stream_options options;
  bool cursor_open = true;               ///< the cursor has rows left to fetch
  bool fetching = false;                 ///< a fetch request to the connection is in flight
  std::optional<drivers::rowset> ready;  ///< rows fetched and not yet served
  std::optional<caf::error> failure;     ///< the fetch failed: every later fetch gets it
  std::optional<caf::typed_response_promise<object_list, bool>> waiting;           ///< a consumer fetch
  std::optional<caf::typed_response_promise<drivers::rowset, bool>> waiting_rows;  ///< a fetch of rows
  std::chrono::steady_clock::time_point last_fetch;                                ///< for the idle timeout
  static inline const char* name = "orca.stream";

  ~stream_state() {
    // The cursor lives in the connection actor: tell it to let go (idempotent there).
    if (cursor_open && connection) caf::anon_send(connection, close_atom::value, cursor);
  }
};

using stream_pointer = stream_actor::stateful_pointer<stream_state>;

void serve(stream_pointer self);

// Closes the stream; a consumer still waiting learns why.
void close_stream(stream_pointer self, const char* why) {
  auto& st = self->state;
  auto closed = to_caf_error(error{errc::closed, std::string{"the stream was closed: "} + why});
  if (st.waiting) {
    st.waiting->deliver(closed);
    st.waiting.reset();
  }
  if (st.waiting_rows) {
    st.waiting_rows->deliver(closed);
    st.waiting_rows.reset();
  }
  self->quit();
}

void fetch_next(stream_pointer self) {
  auto& st = self->state;
  st.fetching = true;
  self->request(st.connection, caf::infinite, fetch_atom::value, st.cursor, st.options.batch_size)
      .then(
          [=](drivers::rowset& rows, bool more) {
            auto& st = self->state;
            st.fetching = false;
            st.cursor_open = more;
            st.ready.emplace(std::move(rows));
            if (st.waiting || st.waiting_rows) serve(self);
          },
          [=](caf::error& e) {
            auto& st = self->state;
            st.fetching = false;
            st.cursor_open = false;
            st.failure = e;
            if (st.waiting || st.waiting_rows) serve(self);
          });
}

// The ready rows and whether more follow, with the next batch's fetch started (prefetch);
// null after a failed fetch, which `promise` then gets while the stream quits.
template <class Promise>
std::optional<std::pair<drivers::rowset, bool>> take_ready(stream_pointer self, Promise& promise) {
  auto& st = self->state;
  if (!st.ready) {
    promise.deliver(*st.failure);
    self->quit();
    return std::nullopt;
  }
  std::pair<drivers::rowset, bool> batch{std::move(*st.ready), st.cursor_open};
  st.ready.reset();
  if (batch.second && st.options.prefetch) fetch_next(self);  // runs after this handler, on this worker
  return batch;
}

// Answers the waiting consumer: with the rows themselves for a stream of rows, or with the
// objects the session merged them into.
void serve(stream_pointer self) {
  // The next batch's fetch and this batch's merge run one after the other on this worker:
  // on two workers at once, each batch's rows and objects would cross between the cores'
  // caches, which costs more than the parallel work saves (bench/README.md, fifth stop).
  keep_on_this_worker here;
  auto& st = self->state;
  if (st.waiting_rows) {
    auto promise = std::move(*st.waiting_rows);
    st.waiting_rows.reset();
    auto batch = take_ready(self, promise);
    if (!batch) return;
    bool more = batch->second;
    promise.deliver(std::move(batch->first), more);
    if (!more) self->quit();
    return;
  }
  auto promise = std::move(*st.waiting);
  st.waiting.reset();
  auto batch = take_ready(self, promise);
  if (!batch) return;
  bool more = batch->second;
  self->request(st.session, caf::infinite, merge_atom::value, st.spec, std::move(batch->first))
      .then(
          [=](object_list& objects) mutable {
            keep_on_this_worker here;  // the consumer goes on here, beside the prefetch
            promise.deliver(std::move(objects), more);
            if (!more) self->quit();
          },
          [=](caf::error& e) mutable {
            promise.deliver(std::move(e));
            self->quit();
          });
}

stream_actor::behavior_type stream_impl(stream_pointer self, batch_merger session, connection_actor connection,
                                        std::uint64_t cursor, select_spec spec, caf::actor_addr consumer,
                                        stream_options options) {
  auto& st = self->state;
  st.session = std::move(session);
  st.connection = std::move(connection);
  st.cursor = cursor;
  st.spec = std::move(spec);
  st.options = options;
  if (consumer) self->monitor(consumer);
  self->set_down_handler([=](caf::down_msg&) { close_stream(self, "its consumer is gone"); });
  fetch_next(self);
  // One idle timer at a time, re-armed from the last fetch (CAF's `after` would set and
  // cancel a timer with CAF's clock thread on every message).
  st.last_fetch = std::chrono::steady_clock::now();
  self->delayed_send(self, options.idle_timeout, timeout_atom::value);
  return {
      [=](fetch_atom) -> caf::result<object_list, bool> {
        auto& st = self->state;
        st.last_fetch = std::chrono::steady_clock::now();
        if (st.waiting || st.waiting_rows)
          return to_caf_error(
              error{errc::invalid_state, "a stream serves one fetch at a time; await the last one first"});
        auto promise = self->make_response_promise<object_list, bool>();
        st.waiting = promise;
        if (st.ready || st.failure)
          serve(self);
        else if (!st.fetching)
          fetch_next(self);  // no prefetch: ask now
        return promise;
      },
      [=](fetch_atom, rows_atom) -> caf::result<drivers::rowset, bool> {
        auto& st = self->state;
        st.last_fetch = std::chrono::steady_clock::now();
        if (st.waiting || st.waiting_rows)
          return to_caf_error(
              error{errc::invalid_state, "a stream serves one fetch at a time; await the last one first"});
        auto promise = self->make_response_promise<drivers::rowset, bool>();
        st.waiting_rows = promise;
        if (st.ready || st.failure)
          serve(self);
        else if (!st.fetching)
          fetch_next(self);  // no prefetch: ask now
        return promise;
      },
      [=](close_atom) { close_stream(self, "closed by its session or consumer"); },
      [=](timeout_atom) {
        auto& st = self->state;
        auto due = st.last_fetch + st.options.idle_timeout;
        auto now = std::chrono::steady_clock::now();
        bool busy = st.waiting || st.waiting_rows;
        if (busy || now < due)
          self->delayed_send(self, busy ? st.options.idle_timeout : due - now, timeout_atom::value);
        else
          close_stream(self, "idle timeout");
      },
  };
}

}  // namespace

stream_actor spawn_stream(caf::actor_system& system, batch_merger session, connection_actor connection,
                          std::uint64_t cursor, select_spec spec, caf::actor_addr consumer, stream_options options) {
  return system.spawn(stream_impl, std::move(session), std::move(connection), cursor, std::move(spec),
                      std::move(consumer), options);
}

}  // namespace orca::actors
