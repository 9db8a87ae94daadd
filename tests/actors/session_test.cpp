// Sessions through the coroutine facade: concurrency, identity maps, lazy="raise",
// transactions and failed flushes — on every backend, effects checked from outside.
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using seed::A;
using seed::B;

namespace {

std::int64_t count_rows(orca::drivers::connection& c, const std::string& sql) {
  return c.execute(sql).at(0, 0).as_integer();
}

}  // namespace

TEST_CASE("200 concurrent sessions on a pool of 4 each write and read their own data",
          "[actors][session][concurrency]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto engine = orca::create_engine(target.url, {.pool_size = 4, .max_overflow = 0});
  constexpr int sessions = 200;
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    std::vector<orca::task<int>> work;
    work.reserve(sessions);
    for (int i = 0; i < sessions; ++i)
      work.push_back([](orca::async_sessionmaker make, int i) -> orca::task<int> {
        auto session = make();
        auto label = "session-" + std::to_string(i);
        session.add(A{.data = label, .bs = {B{.data = label}, B{.data = label}, B{.data = label}}});
        co_await session.commit();
        auto mine = co_await session.scalars(
            orca::select<A>().where(orca::col(&A::data) == label).options(orca::selectinload(&A::bs)));
        int children = 0;
        for (auto& a : mine)
          for (auto& b : a->bs) children += b->data == label ? 1 : 100;
        co_return static_cast<int>(mine.size()) * 1000 + children;
      }(make, i));
    auto results = co_await orca::when_all(std::move(work));
    for (auto r : results) CHECK(r == 1003);
    auto status = co_await engine.status();
    CHECK(status.opened <= 4);
    co_await engine.dispose();
  }(engine));

  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == sessions);
  CHECK(count_rows(*check, "SELECT count(DISTINCT data) FROM a") == sessions);
  CHECK(count_rows(*check, "SELECT count(*) FROM b JOIN a ON a.id = b.a_id WHERE a.data = b.data") ==
        std::int64_t{3} * sessions);
}

TEST_CASE("each session has its own identity map: one object per key within a session", "[actors][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto writer = make();
    writer.add(A{.data = "shared"});
    co_await writer.commit();

    auto first = make();
    auto second = make();
    auto a1 = (co_await first.scalars(orca::select<A>())).one();
    auto a1_again = co_await first.get<A>(a1->id);
    auto a1_elsewhere = (co_await second.scalars(orca::select<A>())).one();
    CHECK(a1.get() == a1_again.get());
    CHECK(a1.get() != a1_elsewhere.get());
    CHECK(a1_elsewhere->data == "shared");
    co_await engine.dispose();
    // One task holds read transactions on two sessions at once: on SQLite that needs
    // deferred BEGIN (with BEGIN IMMEDIATE, the default, the second waits for the first).
  }(orca::create_engine(target.url, {.sqlite_begin_immediate = false})));
}

TEST_CASE("a collection loaded without selectinload raises naming the class and attribute", "[actors][session][lazy]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    session.add(A{.data = "x", .bs = {B{}}});
    co_await session.commit();
    auto fresh = orca::async_sessionmaker(engine)();
    auto a = (co_await fresh.scalars(orca::select<A>())).one();
    try {
      for (auto& b : a->bs) (void)b;
      FAIL("touching an unloaded collection did not throw");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::not_loaded);
      CHECK_THAT(e.what(), Catch::Contains("A.bs"));
    }
    co_await fresh.load(a, &A::bs);
    CHECK(a->bs.size() == 1);
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
}

TEST_CASE("a failed flush rolls back and leaves the session usable after rollback", "[actors][session][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    // The A is inserted (table a comes first) and gets a key before the B fails.
    auto inserted_first = session.add(A{.data = "inserted first"});
    auto orphan = session.add(B{.a_id = 4242, .data = "no parent"});
    try {
      co_await session.commit();
      FAIL("a foreign key violation was not reported");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::constraint_violation);
      // The B's INSERT failed, so the A's INSERT before it had succeeded and set its key.
      CHECK_THAT(e.details().sql, Catch::StartsWith("INSERT INTO b"));
    }
    CHECK(inserted_first->id == 0);  // restored to its pre-flush state
    CHECK(inserted_first->create_date == orca::timestamp{});
    CHECK(orphan->id == 0);
    try {
      co_await session.scalars(orca::select<A>());
      FAIL("the session was usable before rollback()");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::pending_rollback);
    }
    co_await session.rollback();
    auto parent = session.add(A{.data = "parent"});
    co_await session.flush();
    orphan->a_id = parent->id;
    session.add(orphan);
    co_await session.commit();
    CHECK(orphan->id > 0);
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM b WHERE data = 'no parent'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'inserted first'") == 0);
}

TEST_CASE("a transaction dropped without commit is rolled back", "[actors][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    {
      auto tx = co_await session.begin();
      session.add(A{.data = "never committed"});
      co_await session.flush();
    }
    auto seen = co_await session.scalars(orca::select<A>());
    CHECK(seen.empty());
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 0);
}

TEST_CASE("concurrent calls on one session are served one at a time, never interleaved",
          "[actors][session][concurrency]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    // 100 As with 2 Bs each are added, then 5 callers count the Bs at once (when_all starts
    // every caller before any reply). The first count autoflushes: the INSERT of the As,
    // then the INSERT of their Bs, which needs the As' keys, then the count; several round
    // trips. Served one at a time, every caller sees all 200 Bs; a count let in between the
    // two INSERTs would see none.
    for (int i = 0; i < 100; ++i) session.add(A{.data = "parent " + std::to_string(i), .bs = {B{}, B{}}});
    std::vector<std::int64_t> seen;
    std::vector<orca::task<void>> callers;
    for (int i = 0; i < 5; ++i)
      callers.push_back([](orca::async_session& session, std::vector<std::int64_t>& seen) -> orca::task<void> {
        auto bs = co_await session.scalar(orca::select(orca::count()).select_from<B>());
        seen.push_back(bs);
      }(session, seen));
    co_await orca::when_all(std::move(callers));
    CHECK(seen == std::vector<std::int64_t>(5, 200));
    co_await session.commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM b") == 200);
}

TEST_CASE("with sqlite_begin_immediate sessions that read then write queue instead of failing",
          "[actors][session][concurrency][sqlite]") {
  auto target = orca::test::backends().front();  // the option is SQLite's
  REQUIRE(target.name == "sqlite");
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto setup = make();
    setup.add(A{.data = "counter", .bs = {}});
    co_await setup.commit();
    std::vector<orca::task<void>> writers;
    writers.reserve(16);
    for (int i = 0; i < 16; ++i)
      writers.push_back([](orca::async_sessionmaker make) -> orca::task<void> {
        for (int round = 0; round < 5; ++round) {
          auto session = make();
          auto a = (co_await session.scalars(orca::select<A>())).one();  // read ...
          session.add(B{.a_id = a->id, .data = "child"});                // ... then write
          co_await session.commit();
        }
      }(make));
    co_await orca::when_all(std::move(writers));
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 4, .max_overflow = 0, .sqlite_begin_immediate = true})));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM b") == std::int64_t{16} * 5);
}

TEST_CASE("LIKE filters rows on the server with percent and underscore wildcards", "[actors][session][query]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    for (auto data : {"apple", "apricot", "banana", "grape", "ape"}) session.add(A{.data = std::string{data}});
    co_await session.commit();
    auto starts = co_await session.scalars(orca::select<A>().where(orca::col(&A::data).like("ap%")).order_by(&A::data));
    std::vector<std::string> names;
    for (auto& a : starts) names.push_back(*a->data);
    CHECK(names == std::vector<std::string>{"ape", "apple", "apricot"});
    auto one_char = co_await session.scalars(orca::select<A>().where(orca::col(&A::data).like("a_e")));
    CHECK(one_char.size() == 1);
    auto none = co_await session.scalars(orca::select<A>().where(orca::col(&A::data).like("%z%")));
    CHECK(none.empty());
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
}

TEST_CASE("an IN list up to the backend's parameter limit runs, one longer is refused naming the limit",
          "[actors][session][query]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto limit = target.connect()->sql_dialect().max_parameters();  // SQLite 32766, PostgreSQL 65535
  actor_test::run([](orca::engine engine, std::size_t limit) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    for (auto data : {"x", "y", "z"}) session.add(A{.data = std::string{data}});
    co_await session.commit();
    std::vector<std::int64_t> keys(limit);
    std::iota(keys.begin(), keys.end(), std::int64_t{1});
    auto found = co_await session.scalars(orca::select<A>().where(orca::col(&A::id).in(keys)));
    CHECK(found.size() == 3);
    keys.push_back(static_cast<std::int64_t>(limit) + 1);
    try {
      co_await session.scalars(orca::select<A>().where(orca::col(&A::id).in(keys)));
      FAIL("an IN list of " << keys.size() << " values ran");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::invalid_argument);
      CHECK_THAT(e.message(), Catch::Contains(std::to_string(keys.size())) && Catch::Contains(std::to_string(limit)));
    }
    auto after = co_await session.scalars(orca::select<A>());
    CHECK(after.size() == 3);
    co_await engine.dispose();
  }(orca::create_engine(target.url), limit));
}
