// A flush that fails inside begin_nested() rolls back to the savepoint only, as in
// SQLAlchemy: the block's changes are undone in the database and in the objects, and the
// enclosing transaction goes on and commits what it had. Effects checked through a second
// connection, on every backend.
#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/row_count.hpp"

using orca::test::count_rows;
using seed::A;
using seed::B;

namespace {

// Where the failing flush happens: an explicit flush() inside the block (the block goes on
// and is released), or the flush of the savepoint's own commit() (the block ends there).
enum class failing : int { explicit_flush, release };

orca::task<void> fail_inside_savepoint(orca::engine engine, failing where) {
  co_await actor_test::reset_seed_schema(engine);
  auto session = orca::async_sessionmaker(engine, {.expire_on_commit = false})();
  auto kept = session.add(A{.data = "kept"});
  co_await session.commit();
  {
    auto tx = co_await session.begin();
    auto outer = session.add(A{.data = "outer", .bs = {B{.data = "outer child"}}});
    co_await session.flush();
    std::shared_ptr<A> inner;
    std::shared_ptr<A> duplicate;
    auto code = orca::errc::none;
    {
      auto nested = co_await session.begin_nested();
      inner = session.add(A{.data = "inner"});
      kept->data = "changed in the savepoint";
      co_await session.flush();  // succeeds: inner's row and kept's change are in the savepoint
      CHECK(inner->id > 0);
      duplicate = session.add(A{.id = kept->id, .data = "duplicate key"});
      try {
        if (where == failing::explicit_flush)
          co_await session.flush();
        else
          co_await nested.commit();
      } catch (const orca::error& e) {
        code = e.code();
      }
      CHECK(code == orca::errc::constraint_violation);
      // Back at the savepoint: the block's objects are as they were when it began.
      CHECK(inner->id == 0);
      CHECK(kept->data == std::optional<std::string>{"kept"});
      // The enclosing transaction is usable: it sees its own rows, and not the block's.
      bool open = co_await session.in_transaction();
      CHECK(open);
      auto seen = co_await session.scalars(orca::select<A>().order_by(&A::id));
      CHECK(seen.size() == 2);
      if (where == failing::explicit_flush) {
        // The savepoint is still open: work goes on in it and is released.
        session.add(A{.data = "after the failure"});
        co_await nested.commit();
      } else {
        // The failed commit() ended the savepoint.
        auto again = orca::errc::none;
        try {
          co_await nested.rollback();
        } catch (const orca::error& e) {
          again = e.code();
        }
        CHECK(again == orca::errc::invalid_state);
      }
    }
    outer->data = "outer, changed after the savepoint";
    co_await tx.commit();
    CHECK(outer->id > 0);
    CHECK(duplicate != nullptr);
  }
  co_await engine.dispose();
}

}  // namespace

TEST_CASE("a flush that fails inside a savepoint rolls back to it and the enclosing transaction commits",
          "[actors][session][savepoint]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto where = GENERATE(failing::explicit_flush, failing::release);
  INFO("the failing flush is the savepoint's commit(): " << (where == failing::release));
  actor_test::run(fail_inside_savepoint(orca::create_engine(target.url), where));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'kept'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'outer, changed after the savepoint'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM b WHERE data = 'outer child'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data IN ('inner', 'duplicate key')") == 0);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'changed in the savepoint'") == 0);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'after the failure'") ==
        (where == failing::explicit_flush ? 1 : 0));
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == (where == failing::explicit_flush ? 3 : 2));
}

TEST_CASE("a flush that fails outside any savepoint still fails the whole transaction",
          "[actors][session][savepoint]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine, {.expire_on_commit = false})();
    auto kept = session.add(A{.data = "kept"});
    co_await session.commit();
    session.add(A{.data = "lost with the transaction"});
    co_await session.flush();
    session.add(A{.id = kept->id, .data = "duplicate key"});
    auto code = orca::errc::none;
    try {
      co_await session.flush();
    } catch (const orca::error& e) {
      code = e.code();
    }
    CHECK(code == orca::errc::constraint_violation);
    auto pending = orca::errc::none;
    try {
      co_await session.scalars(orca::select<A>());
    } catch (const orca::error& e) {
      pending = e.code();
    }
    CHECK(pending == orca::errc::pending_rollback);
    co_await session.rollback();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 1);
}

namespace {

struct versioned {
  std::int64_t id = 0;
  std::string title;
  std::int64_t version = 0;
};

void orca_table(orca::table_builder<versioned>& t) {
  t.table("versioned");
  t.column("id", &versioned::id).primary_key();
  t.column("title", &versioned::title);
  t.column("version", &versioned::version).version();
}

}  // namespace

TEST_CASE("a stale UPDATE inside a savepoint rolls back only the savepoint", "[actors][session][savepoint][version]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await engine.begin().run_sync([](orca::connection& c) {
      auto meta = orca::metadata::of<versioned>();
      meta.drop_all(c);
      meta.create_all(c);
    });
    auto make = orca::async_sessionmaker(engine, {.expire_on_commit = false});
    auto setup = make();
    auto row = setup.add(versioned{.title = "first"});
    co_await setup.commit();
    co_await setup.close();
    auto stale = make();
    auto stale_row = co_await stale.get<versioned>(row->id);  // version 1
    co_await stale.commit();
    auto other = make();
    auto other_row = co_await other.get<versioned>(row->id);
    other_row->title = "changed by the other session";  // version 2
    co_await other.commit();
    co_await other.close();
    {
      auto tx = co_await stale.begin();
      stale.add(versioned{.title = "outer"});
      auto code = orca::errc::none;
      {
        auto nested = co_await stale.begin_nested();  // flushes "outer" first
        stale_row->title = "stale write";
        try {
          co_await stale.flush();
        } catch (const orca::error& e) {
          code = e.code();
        }
        CHECK(stale_row->title == "first");  // as at the savepoint
        CHECK(stale_row->version == 1);
        co_await nested.rollback();
      }
      CHECK(code == orca::errc::stale_data);
      co_await tx.commit();
    }
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM versioned WHERE title = 'outer'") == 1);
  CHECK(count_rows(*check,
                   "SELECT count(*) FROM versioned WHERE title = 'changed by the other session' AND version = 2") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM versioned") == 2);
}
