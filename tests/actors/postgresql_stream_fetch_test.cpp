// A PostgreSQL stream's FETCHes go through the connection actor's non-blocking calls: each
// has the request deadline of any statement (cancelled past it), and a cursor read to its
// end is closed on the server at once. Checked from outside through independent connections.
#include <chrono>
#include <string>
#include <thread>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/item_rows.hpp"

using namespace std::chrono_literals;
using actor_test::fill_items;
using actor_test::item;

namespace {

// Backends of this database waiting for a lock, other than the observer's.
std::int64_t waiting_for_locks(orca::drivers::connection& observer) {
  return observer.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").at(0, 0).as_integer();
}

}  // namespace

TEST_CASE("a stream's FETCH that waits on a row lock past request_timeout is cancelled and the session goes on",
          "[actors][stream][timeout][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(target, "PostgreSQL only: SQLite locks the whole database, not rows")) return;
  fill_items(*target.connect(), 100);
  auto locker = target.connect();
  locker->begin();
  locker->execute("UPDATE item SET payload = 'locked' WHERE n = 5");

  std::int64_t waiting_after_timeout = -1;
  std::size_t rows_after = 0;
  actor_test::run([](orca::engine engine, const orca::test::backend_target* target, orca::drivers::connection* locker,
                     std::int64_t* waiting, std::size_t* rows_after) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    auto started = std::chrono::steady_clock::now();
    try {
      // FOR UPDATE locks the rows as they are fetched: the first FETCH waits on row 5.
      auto stream = co_await session.stream(orca::select<item>().with_for_update().order_by(&item::n), 10);
      co_await stream.next_batch();
      FAIL("a FETCH waiting on a locked row returned");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::request_timeout);
    }
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= 500ms);
    CHECK(waited < 5s);  // cancelled at the deadline, not left waiting for the lock
    // The cancel reached the server: nothing waits on the lock any more.
    auto observer = target->connect();
    for (int i = 0; i < 100 && (*waiting = waiting_for_locks(*observer)) != 0; ++i) std::this_thread::sleep_for(10ms);

    co_await session.rollback();
    locker->rollback();
    auto stream = co_await session.stream(orca::select<item>().with_for_update().order_by(&item::n), 10);
    while (true) {
      auto batch = co_await stream.next_batch();
      if (batch.empty()) break;
      *rows_after += batch.size();
    }
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 1, .request_timeout = 500ms}), &target, locker.get(),
                                                                     &waiting_after_timeout, &rows_after));
  CHECK(waiting_after_timeout == 0);
  CHECK(rows_after == 100);
}

TEST_CASE("a stream read to its end closes its cursor on the server before the transaction ends",
          "[actors][stream][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(target, "PostgreSQL only: server-side cursors")) return;
  fill_items(*target.connect(), 25);
  // The session's connection carries a name of its own, so that an observer sees the last
  // statement it ran (pg_stat_activity.query) and its state.
  auto name = "orca_stream_end_" + std::to_string(::getpid());
  std::string last_statement, state;
  std::size_t rows = 0;
  actor_test::run([](orca::engine engine, const orca::test::backend_target* target, std::string name,
                     std::string* last_statement, std::string* state, std::size_t* rows) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    auto tx = co_await session.begin();
    auto stream = co_await session.stream(orca::select<item>(), 10);
    while (auto x = co_await stream.next()) ++*rows;
    auto observer = target->connect();
    for (int i = 0; i < 200 && last_statement->rfind("CLOSE", 0) != 0; ++i) {
      auto found = observer->execute("SELECT query, state FROM pg_stat_activity WHERE application_name = $1", {name});
      if (found.size() == 1) {
        *last_statement = found.at(0, 0).as_text();
        *state = found.at(0, 1).as_text();
      }
      std::this_thread::sleep_for(10ms);
    }
    co_await tx.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url + "&application_name=" + name, {.pool_size = 1}), &target, name, &last_statement,
                                                                                         &state, &rows));
  CHECK(rows == 25);
  CHECK_THAT(last_statement, Catch::StartsWith("CLOSE"));
  CHECK(state == "idle in transaction");  // the session's transaction, still open then
}
