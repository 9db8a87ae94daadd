// Optimistic concurrency through a version column (`.version()`): UPDATE and DELETE require
// the version the session read, so a second session's stale write fails with stale_data and
// changes nothing — on every backend, checked through a second connection.
#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/row_count.hpp"

using orca::test::count_rows;

namespace {

struct document {
  std::int64_t id = 0;
  std::string title;
  std::int64_t version = 0;
};

void orca_table(orca::table_builder<document>& t) {
  t.table("document");
  t.column("id", &document::id).primary_key();
  t.column("title", &document::title);
  t.column("version", &document::version).version();
}

std::string text_at(orca::drivers::connection& c, const std::string& sql) { return c.execute(sql).at(0, 0).as_text(); }

orca::task<void> reset_documents(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<document>();
    meta.drop_all(c);
    meta.create_all(c);
  });
}

// Commits `session` and returns the errc it failed with (none if it committed).
orca::task<orca::errc> commit_code(orca::async_session& session) {
  try {
    co_await session.commit();
  } catch (const orca::error& e) {
    co_return e.code();
  }
  co_return orca::errc::none;
}

}  // namespace

TEST_CASE("a version column is set by INSERT and incremented by each UPDATE", "[actors][session][version]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_documents(engine);
    auto session = orca::async_sessionmaker(engine, {.expire_on_commit = false})();
    auto d = session.add(document{.title = "draft"});
    co_await session.commit();
    CHECK(d->version == 1);
    d->title = "second draft";
    co_await session.commit();
    CHECK(d->version == 2);
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT version FROM document") == 2);
  CHECK(text_at(*check, "SELECT title FROM document") == "second draft");
}

TEST_CASE("an UPDATE or DELETE from a session holding a stale version fails with stale_data and changes nothing",
          "[actors][session][version]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  bool removing = GENERATE(false, true);
  INFO("the stale session deletes: " << removing);
  actor_test::run([](orca::engine engine, bool removing) -> orca::task<void> {
    co_await reset_documents(engine);
    auto make = orca::async_sessionmaker(engine, {.expire_on_commit = false});
    auto setup = make();
    auto first = setup.add(document{.title = "first"});
    auto second = setup.add(document{.title = "second"});
    co_await setup.commit();
    co_await setup.close();

    auto stale = make();  // reads both rows at version 1
    auto stale_first = co_await stale.get<document>(first->id);
    auto stale_second = co_await stale.get<document>(second->id);
    co_await stale.commit();  // ends its read transaction (SQLite: frees the write lock)

    auto other = make();  // changes the second row: version 2
    auto other_second = co_await other.get<document>(second->id);
    other_second->title = "changed by the other session";
    co_await other.commit();

    if (removing) {
      co_await stale.remove(stale_first);
      co_await stale.remove(stale_second);
    } else {
      stale_first->title = "stale write";
      stale_second->title = "stale write";
    }
    auto code = co_await commit_code(stale);  // awaited outside CHECK: its macro would await it twice
    CHECK(code == orca::errc::stale_data);
    CHECK(stale_first->version == 1);  // the failed flush put the objects back
    co_await stale.rollback();
    co_await engine.dispose();
  }(orca::create_engine(target.url), removing));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM document") == 2);
  CHECK(count_rows(*check, "SELECT count(*) FROM document WHERE title = 'first' AND version = 1") == 1);
  CHECK(count_rows(*check,
                   "SELECT count(*) FROM document WHERE title = 'changed by the other session' AND version = 2") == 1);
}

// A flush whose UPDATEs depend on no generated key sends them in one pipeline with the next
// INSERT. Both land when the rows match; a stale UPDATE still fails the flush, and the INSERT
// sent with it is rolled back with the transaction.
TEST_CASE("UPDATEs sent in one pipeline with an INSERT commit together, and a stale one fails both",
          "[actors][session][version]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  bool stale_write = GENERATE(false, true);
  INFO("the UPDATE is stale: " << stale_write);
  actor_test::run([](orca::engine engine, bool stale_write) -> orca::task<void> {
    co_await reset_documents(engine);
    auto make = orca::async_sessionmaker(engine, {.expire_on_commit = false});
    auto setup = make();
    auto existing = setup.add(document{.title = "existing"});
    co_await setup.commit();
    co_await setup.close();

    auto session = make();
    auto mine = co_await session.get<document>(existing->id);
    co_await session.commit();  // ends its read transaction (SQLite: frees the write lock)
    if (stale_write) {
      auto other = make();
      auto theirs = co_await other.get<document>(existing->id);
      theirs->title = "changed by the other session";
      co_await other.commit();
    }
    mine->title = "changed";
    auto added = session.add(document{.title = "added"});
    auto code = co_await commit_code(session);
    if (stale_write) {
      CHECK(code == orca::errc::stale_data);
      CHECK(added->id == 0);  // the failed flush put the new object back
      CHECK(mine->version == 1);
      co_await session.rollback();
    } else {
      CHECK(code == orca::errc::none);
      CHECK(added->id != 0);
      CHECK(mine->version == 2);
    }
    co_await engine.dispose();
  }(orca::create_engine(target.url), stale_write));
  auto check = target.connect();
  if (stale_write) {
    CHECK(count_rows(*check, "SELECT count(*) FROM document") == 1);
    CHECK(count_rows(*check,
                     "SELECT count(*) FROM document WHERE title = 'changed by the other session' AND version = 2") ==
          1);
  } else {
    CHECK(count_rows(*check, "SELECT count(*) FROM document") == 2);
    CHECK(count_rows(*check, "SELECT count(*) FROM document WHERE title = 'changed' AND version = 2") == 1);
    CHECK(count_rows(*check, "SELECT count(*) FROM document WHERE title = 'added' AND version = 1") == 1);
  }
}

// Many changed rows of one column set: PostgreSQL sends them 200 to an UPDATE ... FROM
// (VALUES ...), SQLite one UPDATE each. 450 rows ride with COMMIT (200 + 200 + 50 on
// PostgreSQL, each statement checked for its count before COMMIT runs); 2,450 go in batches
// before it. One stale row among them fails the whole flush and nothing is written.
TEST_CASE("many UPDATEs of one column set land together, and one stale row among them fails them all",
          "[actors][session][version]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto n = GENERATE(450, 2450);
  INFO("rows: " << n);
  bool stale_row = GENERATE(false, true);
  INFO("one row is stale: " << stale_row);
  actor_test::run([](orca::engine engine, int n, bool stale_row) -> orca::task<void> {
    co_await reset_documents(engine);
    auto make = orca::async_sessionmaker(engine, {.expire_on_commit = false});
    auto setup = make();
    for (int i = 0; i < n; ++i) setup.add(document{.title = "doc-" + std::to_string(i)});
    co_await setup.commit();
    co_await setup.close();

    auto session = make();
    auto loaded = co_await session.scalars(orca::select<document>().order_by(&document::id));
    auto documents = loaded.all();
    co_await session.commit();  // ends its read transaction (SQLite: frees the write lock)
    REQUIRE(documents.size() == static_cast<std::size_t>(n));
    if (stale_row) {
      auto other = make();
      auto theirs = co_await other.get<document>(documents[static_cast<std::size_t>(n) - 3]->id);
      theirs->title = "changed by the other session";
      co_await other.commit();
    }
    for (auto& d : documents) d->title = "new-" + std::to_string(d->id);
    auto code = co_await commit_code(session);
    if (stale_row) {
      CHECK(code == orca::errc::stale_data);
      std::size_t put_back = 0;
      for (auto& d : documents) put_back += d->version == 1 ? 1 : 0;
      CHECK(put_back == documents.size());  // the failed flush put every version back
      co_await session.rollback();
    } else {
      CHECK(code == orca::errc::none);
      std::size_t advanced = 0;
      for (auto& d : documents) advanced += d->version == 2 ? 1 : 0;
      CHECK(advanced == documents.size());
    }
    co_await engine.dispose();
  }(orca::create_engine(target.url), n, stale_row));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM document") == n);
  if (stale_row) {
    CHECK(count_rows(*check, "SELECT count(*) FROM document WHERE title LIKE 'new-%'") == 0);
    CHECK(count_rows(*check, "SELECT count(*) FROM document WHERE version = 2") == 1);
  } else {
    CHECK(count_rows(*check, "SELECT count(*) FROM document WHERE version = 2 AND title = 'new-' || id") == n);
  }
}
