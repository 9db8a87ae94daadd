// SQLite's write lock between the sessions of one process (BEGIN IMMEDIATE, the default): a
// session queued behind another's transaction is woken by its end, and one whose holder never
// ends (here the same task holds it) fails at busy_timeout instead of waiting for ever.
// Effects checked through a second connection.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using seed::A;

namespace {

std::int64_t rows_with(const orca::test::backend_target& target, const std::string& data) {
  return target.connect()->execute("SELECT count(*) FROM a WHERE data = ?", {data}).at(0, 0).as_integer();
}

}  // namespace

TEST_CASE("a SQLite lock wait behind a holder of the same process ends at busy_timeout, and works once it commits",
          "[actors][session][sqlite][write_lock]") {
  auto target = orca::test::backends().front();
  REQUIRE(target.name == "sqlite");
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto setup = make();
      setup.add(A{.data = "row"});
      co_await setup.commit();
    }
    auto holder = make();
    auto waiter = make();
    auto held = (co_await holder.scalars(orca::select<A>())).one();  // BEGIN IMMEDIATE: holds the lock
    held->data = "holder";
    auto started = std::chrono::steady_clock::now();
    try {
      // Queued behind `holder`, which cannot end while this task waits here.
      co_await waiter.scalars(orca::select<A>());
      FAIL("the second session got the write lock while the first held it");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::database_busy);
      CHECK_THAT(e.what(), Catch::Contains("busy timeout"));
    }
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(300));
    co_await waiter.rollback();
    co_await holder.commit();
    auto again = (co_await waiter.scalars(orca::select<A>())).one();
    CHECK(again->data == "holder");
    again->data = "waiter";
    co_await waiter.commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.busy_timeout = std::chrono::milliseconds(300)})));
  CHECK(rows_with(target, "waiter") == 1);
}

TEST_CASE("SQLite sessions queued for the write lock each get it when the one before commits",
          "[actors][session][sqlite][write_lock]") {
  auto target = orca::test::backends().front();
  REQUIRE(target.name == "sqlite");
  constexpr int writers = 6;
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    std::vector<orca::task<void>> all;
    for (int i = 0; i < writers; ++i)
      all.push_back([](orca::async_sessionmaker make, int i) -> orca::task<void> {
        for (int k = 0; k < 20; ++k) {
          auto session = make();
          session.add(A{.data = "writer " + std::to_string(i)});
          (void)co_await session.scalars(orca::select<A>().limit(1));  // holds the lock from here
          co_await session.commit();
        }
      }(make, i));
    co_await orca::when_all(std::move(all));
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = writers, .max_overflow = 0})));
  for (int i = 0; i < writers; ++i) CHECK(rows_with(target, "writer " + std::to_string(i)) == 20);
}
