// Tests of SQLite cursors: batches, several cursors open at once, closing and errors.
// The write-only seed streams `b` rows inside a stream of `a` rows: these are its claims.
#include <catch2/catch.hpp>

#include "orca/drivers/error.hpp"
#include "sqlite_test_support.hpp"

using orca::test::error_from;
using orca::test::memory_database;

namespace {

// Three `a` rows with 2, 1 and 2 `b` rows, as in the seed.
std::unique_ptr<orca::drivers::connection> seeded_database(const orca::drivers::connection_options& options = {}) {
  auto db = memory_database(options);
  db->execute_script(
      "CREATE TABLE a (id INTEGER PRIMARY KEY, data TEXT);"
      "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id), data TEXT);"
      "INSERT INTO a (data) VALUES ('a1'), ('a2'), ('a3');"
      "INSERT INTO b (a_id, data) VALUES (1, 'b1'), (1, 'b2'), (2, 'b3'), (3, 'b4'), (3, 'b5');");
  return db;
}

}  // namespace

TEST_CASE("a cursor hands out its rows in batches of the requested size", "[sqlite][cursor]") {
  auto db = seeded_database();
  auto rows = db->open_cursor("SELECT id, data FROM b ORDER BY id");
  orca::drivers::rowset batch;
  std::vector<std::size_t> sizes;
  while (rows->fetch(2, batch)) {
    CHECK(batch.columns() == std::vector<std::string>{"id", "data"});
    sizes.push_back(batch.size());
    batch.clear_rows();
  }
  CHECK(sizes == std::vector<std::size_t>{2, 2, 1});
  CHECK(batch.empty());
  CHECK_FALSE(rows->fetch(2, batch));
}

TEST_CASE("a cursor appends to the rowset it is given and sets its columns first", "[sqlite][cursor]") {
  auto db = seeded_database();
  auto rows = db->open_cursor("SELECT data FROM b WHERE a_id = ? ORDER BY id", {1});
  orca::drivers::rowset all;
  CHECK(rows->fetch(1, all));
  CHECK(rows->fetch(10, all));
  CHECK_FALSE(rows->fetch(10, all));
  REQUIRE(all.size() == 2);
  CHECK(all.columns() == std::vector<std::string>{"data"});
  CHECK(all.at(1, 0) == orca::value{"b2"});
}

TEST_CASE("a cursor over an empty result sets the columns and returns false", "[sqlite][cursor]") {
  auto db = seeded_database();
  auto rows = db->open_cursor("SELECT id FROM a WHERE id > 100");
  orca::drivers::rowset batch;
  CHECK_FALSE(rows->fetch(10, batch));
  CHECK(batch.columns() == std::vector<std::string>{"id"});
  CHECK(batch.empty());
}

TEST_CASE("cursors over b may open, fetch and close while a cursor over a is open", "[sqlite][cursor]") {
  for (std::size_t cache_size : {std::size_t{0}, std::size_t{128}}) {
    orca::drivers::connection_options options;
    options.statement_cache_size = cache_size;
    auto db = seeded_database(options);
    auto outer = db->open_cursor("SELECT id, data FROM a ORDER BY id");
    orca::drivers::rowset a_rows;
    std::vector<std::string> seen;
    while (outer->fetch(1, a_rows)) {
      auto a_id = a_rows.at(0, 0);
      seen.push_back(a_rows.at(0, 1).as_text());
      // The same SQL each time: the inner cursor reuses the cached statement.
      auto inner = db->open_cursor("SELECT data FROM b WHERE a_id = ? ORDER BY id", {a_id});
      orca::drivers::rowset b_rows;
      while (inner->fetch(1, b_rows)) {
        seen.push_back(b_rows.at(b_rows.size() - 1, 0).as_text());
      }
      inner->close();
      a_rows.clear_rows();
    }
    CHECK(seen == std::vector<std::string>{"a1", "b1", "b2", "a2", "b3", "a3", "b4", "b5"});
  }
}

TEST_CASE("executing a cursor's SQL while the cursor is open leaves the cursor's position alone", "[sqlite][cursor]") {
  auto db = seeded_database();
  std::string sql = "SELECT id FROM b ORDER BY id";
  auto rows = db->open_cursor(sql);
  orca::drivers::rowset batch;
  CHECK(rows->fetch(2, batch));
  CHECK(db->execute(sql).size() == 5);
  auto second = db->open_cursor(sql);
  orca::drivers::rowset other;
  CHECK(second->fetch(10, other));
  CHECK(other.size() == 5);
  batch.clear_rows();
  CHECK(rows->fetch(10, batch));
  REQUIRE(batch.size() == 3);
  CHECK(batch.at(0, 0) == orca::value{3});
}

TEST_CASE("writes may run on the connection while a cursor is open", "[sqlite][cursor]") {
  auto db = seeded_database();
  auto rows = db->open_cursor("SELECT id, data FROM a ORDER BY id");
  orca::drivers::rowset batch;
  while (rows->fetch(1, batch)) {
    db->execute("INSERT INTO b (a_id, data) VALUES (?, ?)", {batch.at(0, 0), "new"});
    batch.clear_rows();
  }
  CHECK(db->execute("SELECT count(*) FROM b WHERE data = 'new'").at(0, 0) == orca::value{3});
}

TEST_CASE("a cursor's parameters may be destroyed before it fetches", "[sqlite][cursor]") {
  auto db = seeded_database();
  std::unique_ptr<orca::drivers::cursor> rows;
  {
    orca::params parameters{std::string{"b3"}};
    rows = db->open_cursor("SELECT id FROM b WHERE data = ?", parameters);
  }
  orca::drivers::rowset batch;
  CHECK(rows->fetch(10, batch));
  CHECK(batch.at(0, 0) == orca::value{3});
}

TEST_CASE("a closed cursor refuses to fetch", "[sqlite][cursor]") {
  auto db = seeded_database();
  auto rows = db->open_cursor("SELECT id FROM b");
  rows->close();
  rows->close();
  orca::drivers::rowset batch;
  CHECK(error_from([&] { rows->fetch(1, batch); }).code() == orca::errc::closed);
}

TEST_CASE("a cursor that outlives its connection throws closed instead of crashing", "[sqlite][cursor]") {
  auto db = seeded_database();
  auto rows = db->open_cursor("SELECT id FROM b");
  orca::drivers::rowset batch;
  CHECK(rows->fetch(1, batch));
  db.reset();
  CHECK(error_from([&] { rows->fetch(1, batch); }).code() == orca::errc::closed);
}

TEST_CASE("a cursor over a missing table fails when it is opened", "[sqlite][cursor]") {
  auto db = seeded_database();
  auto failed = error_from([&] { db->open_cursor("SELECT * FROM nowhere"); });
  CHECK(failed.code() == orca::errc::statement_error);
  CHECK(failed.details().sql == "SELECT * FROM nowhere");
}

TEST_CASE("a cursor that fails while fetching reports the error and is closed", "[sqlite][cursor]") {
  auto db = seeded_database();
  // abs() of the smallest integer overflows at run time, on the second row.
  auto rows = db->open_cursor("SELECT abs(x) FROM (SELECT 1 AS x UNION ALL SELECT -9223372036854775807 - 1)");
  orca::drivers::rowset batch;
  auto failed = error_from([&] { rows->fetch(10, batch); });
  CHECK(failed.code() == orca::errc::statement_error);
  CHECK_THAT(failed.message(), Catch::Contains("integer overflow"));
  CHECK(error_from([&] { rows->fetch(10, batch); }).code() == orca::errc::closed);
  CHECK(db->ping());
}
