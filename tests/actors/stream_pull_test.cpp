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
#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;
using actor_test::item;

namespace {

// Fills table item with `rows` rows server-side; n runs against the insertion order
// (n = rows for the first row inserted), so that only ORDER BY n yields 1, 2, 3, ...
void fill_items(orca::drivers::connection& c, std::int64_t rows) {
  orca::metadata::of<item>().drop_all(c);
  orca::metadata::of<item>().create_all(c);
  c.begin();
  if (c.sql_dialect().name() == "postgresql")
    c.execute("INSERT INTO item (n, payload) SELECT $1 + 1 - g, 'payload ' || g FROM generate_series(1, $1) g",
              {rows});
  else
    c.execute("WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?1) "
              "INSERT INTO item (n, payload) SELECT ?1 + 1 - x, 'payload ' || x FROM g",
              {rows});
  c.commit();
}

// What a pulling consumer saw.
struct pull_record {
  std::vector<std::int64_t> ns;           ///< item.n of every object, in arrival order
  std::vector<std::size_t> batch_sizes;   ///< objects per batch
  bool last_batch_seen = false;           ///< a batch came with more == false
  bool stream_down = false;               ///< the stream actor terminated
  bool finished = false;                  ///< the consumer has wrapped up
  std::string error;                      ///< the first error, if any
};

// Closes the session and disposes the pool, then reports through `done` and quits.
void wrap_up(caf::event_based_actor* self, session_actor session, pool_actor pool,
             std::shared_ptr<pull_record> record, std::promise<void>* done) {
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
            for (auto& o : objects) record->ns.push_back(std::static_pointer_cast<item>(o.object)->n);
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


}  // namespace

TEST_CASE("a plain CAF actor pulling a stream batch by batch receives every row in order, and the stream ends itself",
          "[actors][stream][typed]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  constexpr std::int64_t rows = 2500;
  constexpr std::uint64_t batch = 64;
  fill_items(*target.connect(), rows);

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
