// The stream actor's pull protocol seen from plain CAF actors (no coroutine facade): a
// consumer pulls typed batches to the end; a consumer that dies makes its stream close.
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/actors/session_actor.hpp"
#include "orca/actors/typed_objects.hpp"
#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/item_rows.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;
using actor_test::fill_items;
using actor_test::item;

namespace {

// What a pulling consumer saw.
struct pull_record {
  std::vector<std::int64_t> ns;          ///< item.n of every object, in arrival order
  std::vector<std::size_t> batch_sizes;  ///< objects per batch
  bool last_batch_seen = false;          ///< a batch came with more == false
  bool stream_down = false;              ///< the stream actor terminated
  bool finished = false;                 ///< the consumer has wrapped up
  std::string error;                     ///< the first error, if any
};

// Closes the session and disposes the pool, then reports through `done` and quits.
void wrap_up(caf::event_based_actor* self, session_actor session, pool_actor pool, std::shared_ptr<pull_record> record,
             std::promise<void>* done) {
  if (record->finished) return;
  record->finished = true;
  auto end = [=] {
    self->send(pool, dispose_atom::value);
    done->set_value();
    self->quit();
  };
  self->request(session, 10s, close_atom::value)
      .then([=](ok_atom) { end(); },
            [=](caf::error& e) {
              if (record->error.empty()) record->error = from_caf_error(e, "closing the session").message();
              end();
            });
}

// Pulls batch after batch from `stream` into `record` until more == false or an error;
// then `finish` runs.
void pull(caf::event_based_actor* self, stream_actor stream, std::shared_ptr<pull_record> record,
          std::function<void()> finish) {
  self->request(stream, 10s, fetch_atom::value)
      .then(
          [=](object_list& objects, bool more) {
            record->batch_sizes.push_back(objects.size());
            for (auto& i : objects_as<item>(objects)) record->ns.push_back(i->n);
            if (more) {
              pull(self, stream, record, finish);
              return;
            }
            record->last_batch_seen = true;
            finish();
          },
          [=](caf::error& e) {
            record->error = from_caf_error(e, "fetching a stream batch").message();
            finish();
          });
}

// A consumer that opens a stream over every item ordered by n and pulls it to its end,
// then waits (up to 10 s) for the stream actor to terminate by itself before wrapping up.
caf::behavior pulling_consumer(caf::event_based_actor* self, session_actor session, pool_actor pool,
                               std::uint64_t batch, std::shared_ptr<pull_record> record, std::promise<void>* done) {
  auto spec = orca::select<item>().order_by(&item::n).spec();
  self->request(session, 10s, stream_atom::value, spec, batch)
      .then(
          [=](stream_actor& stream) {
            self->monitor(stream);
            self->set_down_handler([=](caf::down_msg& down) {
              if (down.source != stream.address()) return;
              record->stream_down = true;
              if (record->last_batch_seen) wrap_up(self, session, pool, record, done);
            });
            pull(self, stream, record, [=] {
              if (!record->last_batch_seen || record->stream_down) {
                wrap_up(self, session, pool, record, done);
                return;
              }
              self->delayed_send(self, 10s, timeout_atom::value);  // a stream that never ends
            });
          },
          [=](caf::error& e) {
            record->error = from_caf_error(e, "opening the stream").message();
            wrap_up(self, session, pool, record, done);
          });
  return {
      [=](timeout_atom) {
        if (record->finished) return;
        record->error = "the stream actor was still alive 10 s after serving its last batch";
        wrap_up(self, session, pool, record, done);
      },
  };
}

// Polls `condition` until it holds or `limit` passes. Only for state outside the actor
// system (a server's activity view), which sends no message to wait on.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The server process (pid) of the one other connection that holds a lock on `table`: the
// session's, while its transaction reads from it. Zero if there is not exactly one.
std::int64_t backend_locking(orca::drivers::connection& observer, const std::string& table) {
  auto rows = observer.execute("SELECT DISTINCT pid FROM pg_locks WHERE relation = '" + table +
                               "'::regclass AND pid <> pg_backend_pid()");
  return rows.size() == 1 ? rows.at(0, 0).as_integer() : 0;
}

// pg_stat_activity's (state, query) of a backend.
std::pair<std::string, std::string> activity_of(orca::drivers::connection& observer, std::int64_t pid) {
  auto rows = observer.execute(
      "SELECT coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity WHERE pid = $1::int", {pid});
  if (rows.empty()) return {"gone", ""};
  return {rows.at(0, 0).as_text(), rows.at(0, 1).as_text()};
}

pool_status status_of(caf::scoped_actor& self, const pool_actor& pool) {
  pool_status result;
  self->request(pool, 10s, status_atom::value)
      .receive([&](pool_status& s) { result = s; },
               [&](caf::error& e) { FAIL_CHECK(from_caf_error(e, "pool status").what()); });
  return result;
}

}  // namespace

TEST_CASE("a plain CAF actor pulling a stream batch by batch receives every row in order, and the stream ends itself",
          "[actors][stream][typed]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  constexpr std::int64_t rows = 2500;
  constexpr std::uint64_t batch = 64;
  fill_items(*target.connect(), rows, actor_test::item_order::descending);

  auto record = std::make_shared<pull_record>();
  std::promise<void> done;
  {
    auto rt = runtime::get();
    auto& system = rt->system();
    auto pool = spawn_pool(system, "stream-pull-test", orca::parse_url(target.url), {}, {});
    auto session = spawn_session(system, pool, orca::parse_url(target.url).backend, {}, {});
    system.spawn(pulling_consumer, session, pool, batch, record, &done);
  }  // the runtime ends once every actor is done
  REQUIRE(done.get_future().wait_for(60s) == std::future_status::ready);

  CHECK(record->error == "");
  CHECK(record->last_batch_seen);
  CHECK(record->stream_down);
  for (auto size : record->batch_sizes) CHECK(size <= batch);
  CHECK(record->batch_sizes.size() >= static_cast<std::size_t>((rows + batch - 1) / batch));

  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM item").at(0, 0).as_integer() ==
        static_cast<std::int64_t>(record->ns.size()));
  auto expected_rows = check->execute("SELECT n FROM item ORDER BY n");
  std::vector<std::int64_t> expected;
  for (std::size_t r = 0; r < expected_rows.size(); ++r) expected.push_back(expected_rows.at(r, 0).as_integer());
  CHECK(record->ns == expected);
}

TEST_CASE(
    "a consumer that dies mid-stream makes its stream close the cursor, and the session commits and gives its "
    "connection back",
    "[actors][stream][typed]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  constexpr std::uint64_t batch = 7;
  fill_items(*target.connect(), 100, actor_test::item_order::descending);
  bool postgresql = target.name == "postgresql";
  auto observer = target.connect();

  auto rt = runtime::get();
  auto& system = rt->system();
  {
    caf::scoped_actor self{system};
    auto pool = spawn_pool(system, "stream-consumer-test", orca::parse_url(target.url), {},
                           pool_options{.size = 1, .max_overflow = 0, .timeout = 5000ms});
    auto session = spawn_session(system, pool, orca::parse_url(target.url).backend, {}, {});

    // The consumer opens a stream, takes one batch, and then lives until it is killed.
    std::promise<std::pair<stream_actor, std::size_t>> opened;
    auto consumer = system.spawn(
        [&opened](caf::event_based_actor* self, session_actor session) -> caf::behavior {
          auto spec = orca::select<item>().order_by(&item::n).spec();
          auto fail = [self, &opened](caf::error& e) {
            opened.set_exception(std::make_exception_ptr(from_caf_error(e, "the consumer")));
            self->quit();
          };
          self->request(session, 10s, stream_atom::value, spec, std::uint64_t{batch})
              .then(
                  [=, &opened](stream_actor& stream) {
                    self->request(stream, 10s, fetch_atom::value)
                        .then(
                            [=, &opened](object_list& objects, bool) {
                              opened.set_value({stream, objects.size()});
                            },
                            fail);
                  },
                  fail);
          return {[](ok_atom) {}};  // stays alive until killed
        },
        session);
    auto first = opened.get_future().get();
    auto stream = first.first;
    REQUIRE(stream);
    CHECK(first.second == batch);
    CHECK(status_of(self, pool).checked_out == 1);  // the stream's transaction holds it

    std::int64_t pid = 0;
    std::string cursor_name;
    if (postgresql) {
      // The session's server process is the one holding a lock on item; its last statement
      // is a FETCH from the stream's cursor.
      pid = backend_locking(*observer, "item");
      REQUIRE(pid != 0);
      CHECK(eventually([&] {
        auto [state, query] = activity_of(*observer, pid);
        if (state != "idle in transaction" || !query.starts_with("FETCH FORWARD 7 FROM ")) return false;
        cursor_name = query.substr(std::string{"FETCH FORWARD 7 FROM "}.size());
        return true;
      }));
      INFO("activity: " << activity_of(*observer, pid).second);
      REQUIRE(!cursor_name.empty());
    }

    self->monitor(stream);
    caf::anon_send_exit(consumer, caf::exit_reason::user_shutdown);  // the consumer dies mid-stream
    bool stream_ended = false;
    self->receive([&](caf::down_msg& down) { stream_ended = down.source == stream.address(); },
                  caf::after(10s) >> [] {});
    CHECK(stream_ended);

    if (postgresql) {
      // Still in the session's transaction, the server ran CLOSE on that very cursor.
      INFO("cursor: " << cursor_name);
      CHECK(eventually([&] {
        auto [state, query] = activity_of(*observer, pid);
        return state == "idle in transaction" && query == "CLOSE " + cursor_name;
      }));
      INFO("activity: " << activity_of(*observer, pid).first << " / " << activity_of(*observer, pid).second);
      CHECK(backend_locking(*observer, "item") == pid);
    }

    bool committed = false;
    self->request(session, 10s, commit_atom::value)
        .receive([&](ok_atom) { committed = true; },
                 [&](caf::error& e) { FAIL_CHECK(from_caf_error(e, "commit after the stream died").what()); });
    CHECK(committed);
    auto after_commit = status_of(self, pool);
    CHECK(after_commit.checked_out == 0);
    CHECK(after_commit.idle == 1);
    if (postgresql) {
      CHECK(backend_locking(*observer, "item") == 0);  // the transaction is over
      CHECK(activity_of(*observer, pid).first == "idle");
    }

    bool closed = false;
    self->request(session, 10s, close_atom::value)
        .receive([&](ok_atom) { closed = true; },
                 [&](caf::error& e) { FAIL_CHECK(from_caf_error(e, "closing the session").what()); });
    CHECK(closed);
    CHECK(status_of(self, pool).checked_out == 0);
    self->request(pool, 10s, dispose_atom::value).receive([](ok_atom) {}, [](caf::error&) {});
  }
}
