// select(...).with_for_update(): the rows a transaction read stay locked until it ends —
// FOR UPDATE on PostgreSQL, the database's write lock on SQLite (BEGIN IMMEDIATE). Checked
// by a second connection whose write is refused while the session's transaction is open.
#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using seed::A;

namespace {

// Tries an UPDATE of every row of `a` on `c`, waiting at most about 200 ms for locks;
// returns the errc it failed with (errc::none if it went through).
orca::errc try_update(orca::drivers::connection& c, const std::string& backend) {
  try {
    if (backend == "postgresql") {
      c.execute("SET lock_timeout = '200ms'");
    } else {
      c.execute("PRAGMA busy_timeout = 200");
    }
    c.execute("UPDATE a SET data = 'written by the second connection'");
  } catch (const orca::error& e) {
    return e.code();
  }
  return orca::errc::none;
}

}  // namespace

TEST_CASE("with_for_update adds FOR UPDATE on PostgreSQL and leaves SQLite's SELECT as it is",
          "[actors][session][for_update]") {
  auto statement = orca::select<A>().where(orca::col(&A::data) == "x").with_for_update();
  auto postgresql = orca::sql::compile_select(statement.spec(), orca::drivers::postgresql_dialect());
  auto sqlite = orca::sql::compile_select(statement.spec(), orca::drivers::sqlite_dialect());
  CHECK(postgresql.text.ends_with(" FOR UPDATE"));
  CHECK(sqlite.text.find("FOR UPDATE") == std::string::npos);
  CHECK(sqlite.text == orca::sql::compile_select(orca::select<A>().where(orca::col(&A::data) == "x").spec(),
                                                 orca::drivers::sqlite_dialect())
                           .text);
}

TEST_CASE("rows read with_for_update cannot be written by another connection until the transaction ends",
          "[actors][session][for_update]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine, orca::test::backend_target target) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    session.add(A{.data = "locked"});
    co_await session.commit();
    auto other = target.connect();
    auto locked = co_await session.scalars(orca::select<A>().with_for_update());
    CHECK(locked.size() == 1);
    auto refused = try_update(*other, target.name);
    CHECK(refused != orca::errc::none);
    co_await session.commit();  // the lock ends with the transaction
    CHECK(try_update(*other, target.name) == orca::errc::none);
    co_await engine.dispose();
  }(orca::create_engine(target.url), target));
  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a").at(0, 0).as_text() == "written by the second connection");
}
