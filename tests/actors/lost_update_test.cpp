// Lost updates under contention, and their three cures: 8 sessions x 25 read-modify-write
// increments of one counter, on every backend, the total read through a second connection.
// - a version column plus retry on stale_data: 200, nothing lost;
// - SELECT ... FOR UPDATE (on SQLite the write lock BEGIN IMMEDIATE takes): 200;
// - the atomic update expression is tested in bulk_statement_test.cpp ("... lose no update").
#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

namespace {

constexpr int sessions = 8;
constexpr int increments = 25;

struct counter {
  std::int64_t id = 0;
  std::int64_t value = 0;
  std::int64_t version = 0;
};

void orca_table(orca::table_builder<counter>& t) {
  t.table("counter");
  t.column("id", &counter::id).primary_key();
  t.column("value", &counter::value);
  t.column("version", &counter::version).version();
}

orca::task<void> reset_counter(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<counter>();
    meta.drop_all(c);
    meta.create_all(c);
  });
  auto session = orca::async_sessionmaker(engine)();
  session.add(counter{.id = 1, .value = 0});
  co_await session.commit();
  co_await session.close();
}

std::int64_t value_outside(const orca::test::backend_target& target) {
  return target.connect()->execute("SELECT value FROM counter WHERE id = 1").at(0, 0).as_integer();
}

// One session's increments: get, add one, commit; a stale version is retried.
orca::task<void> increment_with_version(orca::async_sessionmaker make, int* retries) {
  auto session = make();
  for (int k = 0; k < increments; ++k) {
    for (;;) {
      bool stale = false;
      try {
        auto c = co_await session.get_one<counter>(std::int64_t{1});
        c->value += 1;
        co_await session.commit();
      } catch (const orca::error& e) {
        if (e.code() != orca::errc::stale_data && e.code() != orca::errc::database_busy) throw;
        stale = true;
      }
      if (!stale) break;
      ++*retries;
      co_await session.rollback();
    }
  }
  co_await session.close();
}

// One session's increments under SELECT ... FOR UPDATE: no retry needed.
orca::task<void> increment_for_update(orca::async_sessionmaker make) {
  auto session = make();
  for (int k = 0; k < increments; ++k) {
    auto rows = co_await session.scalars(
        orca::select<counter>().where(orca::col(&counter::id) == std::int64_t{1}).with_for_update());
    rows.one()->value += 1;
    co_await session.commit();
  }
  co_await session.close();
}

}  // namespace

TEST_CASE("read-modify-write increments under contention lose nothing with a version column and retry",
          "[actors][fault][lost_update]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  int retries = 0;
  actor_test::run([](orca::engine engine, int* retries) -> orca::task<void> {
    co_await reset_counter(engine);
    auto make = orca::async_sessionmaker(engine);
    std::vector<orca::task<void>> work;
    // Deferred transactions on SQLite, so that sessions really read the same version.
    for (int i = 0; i < sessions; ++i) work.push_back(increment_with_version(make, retries));
    co_await orca::when_all(std::move(work));
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = sessions, .max_overflow = 0, .sqlite_begin_immediate = false}),
                                                        &retries));
  CHECK(value_outside(target) == sessions * increments);
  INFO("retries: " << retries);
  // The contention is real: on PostgreSQL concurrent transactions read the same version.
  if (target.name == "postgresql") CHECK(retries > 0);
}

TEST_CASE("read-modify-write increments under contention lose nothing with SELECT ... FOR UPDATE",
          "[actors][fault][lost_update]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_counter(engine);
    auto make = orca::async_sessionmaker(engine);
    std::vector<orca::task<void>> work;
    for (int i = 0; i < sessions; ++i) work.push_back(increment_for_update(make));
    co_await orca::when_all(std::move(work));
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = sessions, .max_overflow = 0})));
  CHECK(value_outside(target) == sessions * increments);
}
