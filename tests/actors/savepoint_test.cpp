// Savepoints through the facade (session.begin_nested()): what rolling one back undoes in
// the database and in the objects, and what releasing one keeps — on every backend,
// effects checked through a second connection.
#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/row_count.hpp"

using orca::test::count_rows;
using seed::A;
using seed::B;

TEST_CASE("a savepoint rolled back inside a committed transaction undoes only its block, in the database and objects",
          "[actors][session][savepoint]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  bool dropped = GENERATE(false, true);
  INFO("savepoint dropped rather than rolled back: " << dropped);
  actor_test::run([](orca::engine engine, bool dropped) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto doomed = session.add(A{.data = "doomed"});
    co_await session.commit();
    doomed = co_await session.get<A>(doomed->id);
    {
      auto tx = co_await session.begin();
      auto outer = session.add(A{.data = "outer", .bs = {B{.data = "outer child"}}});
      std::shared_ptr<A> inner;
      {
        auto nested = co_await session.begin_nested();  // flushes: outer gets its key first
        CHECK(outer->id > 0);
        inner = session.add(A{.data = "inner"});
        outer->data = "changed in the savepoint";
        co_await session.remove(doomed);
        co_await session.flush();
        CHECK(inner->id > 0);
        if (!dropped) co_await nested.rollback();
      }
      // Dropping the savepoint rolls it back with a message ordered before this call.
      auto seen = co_await session.scalars(orca::select<A>().order_by(&A::id));
      CHECK(seen.size() == 2);  // doomed and outer
      CHECK(inner->id == 0);    // transient again
      CHECK(outer->data == std::optional<std::string>{"outer"});
      auto found = co_await session.get<A>(doomed->id);
      CHECK(found == doomed);
      co_await tx.commit();
    }
    co_await engine.dispose();
  }(orca::create_engine(target.url), dropped));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 2);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'doomed'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'outer'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM b WHERE data = 'outer child'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'inner'") == 0);
}

TEST_CASE("a released savepoint's changes commit or roll back with the enclosing transaction",
          "[actors][session][savepoint]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  bool commit_outer = GENERATE(true, false);
  INFO("enclosing transaction commits: " << commit_outer);
  actor_test::run([](orca::engine engine, bool commit_outer) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto tx = co_await session.begin();
    {
      auto nested = co_await session.begin_nested();
      session.add(A{.data = "released"});
      {
        auto inner = co_await session.begin_nested();  // savepoints nest
        session.add(A{.data = "inner, rolled back"});
        co_await inner.rollback();
      }
      co_await nested.commit();
      auto again = orca::errc::none;
      try {
        co_await nested.commit();
      } catch (const orca::error& e) {
        again = e.code();
      }
      CHECK(again == orca::errc::invalid_state);
    }
    if (commit_outer)
      co_await tx.commit();
    else
      co_await tx.rollback();
    co_await engine.dispose();
  }(orca::create_engine(target.url), commit_outer));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'released'") == (commit_outer ? 1 : 0));
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data LIKE 'inner%'") == 0);
}
