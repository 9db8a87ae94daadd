// Tests of the SQLite connection: statements, values, transactions, savepoints and errors.
// Cursors are in sqlite_cursor_test.cpp, files and concurrency in sqlite_file_test.cpp.
#include <catch2/catch.hpp>

#include "orca/drivers/error.hpp"
#include "orca/drivers/sqlite_connection.hpp"
#include "sqlite_test_support.hpp"

using orca::test::error_from;
using orca::test::memory_database;

namespace {

void create_schema(orca::drivers::connection& db) {
  db.execute_script(
      "CREATE TABLE a (id INTEGER PRIMARY KEY, data TEXT UNIQUE, score REAL NOT NULL DEFAULT 0);"
      "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id), data TEXT);");
}

std::int64_t count_rows(orca::drivers::connection& db, const std::string& table) {
  return db.execute("SELECT count(*) FROM " + table).at(0, 0).as_integer();
}

}  // namespace

TEST_CASE("a statement returns its rows and column names", "[sqlite]") {
  auto db = memory_database();
  auto rows = db->execute("SELECT 1 AS one, 'two' AS two UNION ALL SELECT 3, NULL");
  CHECK(rows.columns() == std::vector<std::string>{"one", "two"});
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0) == orca::value{1});
  CHECK(rows.at(0, 1) == orca::value{"two"});
  CHECK(rows.at(1, 0) == orca::value{3});
  CHECK(rows.at(1, 1).is_null());
  CHECK(rows.affected_rows == 0);
  CHECK(db->sql_dialect().name() == "sqlite");
}

TEST_CASE("values keep their type through SQLite", "[sqlite]") {
  auto db = memory_database();
  db->execute_script("CREATE TABLE t (n, r, s, b, e, f, ts, z)");
  auto noon = orca::timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 21}} + std::chrono::hours{12};
  db->execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {std::int64_t{1} << 40, 2.5, "text ✓", orca::blob{{0, 1, 255}}, orca::blob{}, true, noon, nullptr});
  auto row = db->execute("SELECT n, r, s, b, e, f, ts, z, typeof(e) FROM t");
  CHECK(row.at(0, 0) == orca::value{std::int64_t{1} << 40});
  CHECK(row.at(0, 1) == orca::value{2.5});
  CHECK(row.at(0, 2) == orca::value{"text ✓"});
  CHECK(row.at(0, 3) == orca::value{orca::blob{{0, 1, 255}}});
  CHECK(row.at(0, 4) == orca::value{orca::blob{}});
  CHECK(row.at(0, 5) == orca::value{1});
  CHECK(row.at(0, 6) == orca::value{"2026-11-21 12:00:00.000000"});
  CHECK(row.at(0, 6).as_timestamp() == noon);
  CHECK(row.at(0, 7).is_null());
  CHECK(row.at(0, 8) == orca::value{"blob"});
}

TEST_CASE("affected_rows counts the rows a DML statement changed and nothing else", "[sqlite]") {
  auto db = memory_database();
  create_schema(*db);
  CHECK(db->execute("INSERT INTO a (data) VALUES ('x'), ('y'), ('z')").affected_rows == 3);
  CHECK(db->execute("UPDATE a SET score = 1 WHERE data <> 'x'").affected_rows == 2);
  CHECK(db->execute("SELECT * FROM a").affected_rows == 0);
  CHECK(db->execute("UPDATE a SET score = 1 WHERE data = 'none'").affected_rows == 0);
  CHECK(db->execute("CREATE TABLE c (x)").affected_rows == 0);
  CHECK(db->execute("DELETE FROM a").affected_rows == 3);
}

TEST_CASE("INSERT RETURNING hands back the generated keys", "[sqlite]") {
  auto db = memory_database();
  create_schema(*db);
  auto rows = db->execute("INSERT INTO a (data) VALUES (?), (?) RETURNING id", {"a1", "a2"});
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0) == orca::value{1});
  CHECK(rows.at(1, 0) == orca::value{2});
  CHECK(rows.affected_rows == 2);
  db->execute("INSERT INTO a (data) VALUES ('a3')");
  CHECK(db->last_insert_id() == 3);
}

TEST_CASE("execute_many runs one statement per parameter set and sums the affected rows", "[sqlite]") {
  auto db = memory_database();
  create_schema(*db);
  std::vector<orca::params> sets;
  for (int i = 0; i < 100; ++i) sets.push_back({"row " + std::to_string(i), i * 0.5});
  CHECK(db->execute_many("INSERT INTO a (data, score) VALUES (?, ?)", sets) == 100);
  CHECK(count_rows(*db, "a") == 100);
  CHECK(db->execute("SELECT score FROM a WHERE data = 'row 7'").at(0, 0) == orca::value{3.5});
  CHECK(db->execute_many("DELETE FROM a WHERE data = ?", {{"row 1"}, {"row 2"}, {"none"}}) == 2);
}

TEST_CASE("execute_batch runs each statement with its own parameters", "[sqlite]") {
  auto db = memory_database();
  create_schema(*db);
  auto results = db->execute_batch(
      {{"INSERT INTO a (data) VALUES (?) RETURNING id", {"a1"}}, {"SELECT data FROM a WHERE id = ?", {1}}});
  REQUIRE(results.size() == 2);
  CHECK(results[0].at(0, 0) == orca::value{1});
  CHECK(results[1].at(0, 0) == orca::value{"a1"});
}

TEST_CASE("the same SQL text runs again from the statement cache with fresh parameters", "[sqlite]") {
  for (std::size_t cache_size : {std::size_t{0}, std::size_t{1}, std::size_t{128}}) {
    orca::drivers::connection_options options;
    options.statement_cache_size = cache_size;
    auto db = memory_database(options);
    create_schema(*db);
    for (int i = 0; i < 5; ++i) {
      db->execute("INSERT INTO a (data) VALUES (?)", {"v" + std::to_string(i)});
      db->execute("SELECT count(*) FROM b");  // another statement competes for the cache
    }
    auto rows = db->execute("SELECT data FROM a WHERE id = ?", {3});
    CHECK(rows.at(0, 0) == orca::value{"v2"});
    CHECK(db->execute("SELECT data FROM a WHERE id = ?", {4}).at(0, 0) == orca::value{"v3"});
  }
}

TEST_CASE("a transaction commits or rolls back as a whole", "[sqlite]") {
  auto db = memory_database();
  create_schema(*db);
  CHECK_FALSE(db->in_transaction());
  db->begin();
  CHECK(db->in_transaction());
  db->execute("INSERT INTO a (data) VALUES ('kept')");
  db->commit();
  CHECK_FALSE(db->in_transaction());
  db->begin();
  db->execute("INSERT INTO a (data) VALUES ('dropped')");
  db->rollback();
  CHECK_FALSE(db->in_transaction());
  auto rows = db->execute("SELECT data FROM a");
  REQUIRE(rows.size() == 1);
  CHECK(rows.at(0, 0) == orca::value{"kept"});
}

TEST_CASE("execute_batch_and_commit commits the statements, and a checked one that misses commits nothing",
          "[sqlite]") {
  orca::test::temp_database file;
  auto db = file.connect();
  auto observer = file.connect();
  create_schema(*db);
  db->execute("INSERT INTO a (data) VALUES ('first')");
  const std::string update = "UPDATE a SET data = ? WHERE id = ?";
  const std::string insert = "INSERT INTO a (data) VALUES (?) RETURNING id";
  db->begin();
  auto results = db->execute_batch_and_commit({{update, {"changed", 1}}, {insert, {"added"}}}, {1, -1});
  CHECK_FALSE(db->in_transaction());
  REQUIRE(results.size() == 2);
  CHECK(results[0].affected_rows == 1);
  CHECK(results[1].at(0, 0) == orca::value{2});
  CHECK(count_rows(*observer, "a") == 2);

  db->begin();
  auto e = error_from([&] { db->execute_batch_and_commit({{insert, {"not kept"}}, {update, {"lost", 42}}}, {-1, 1}); });
  CHECK(e.code() == orca::errc::stale_data);
  CHECK(e.details().sql == update);
  CHECK(db->in_transaction());  // open, for the rollback
  db->rollback();
  CHECK(count_rows(*observer, "a") == 2);
  CHECK(observer->execute("SELECT data FROM a WHERE id = 1").at(0, 0) == orca::value{"changed"});
}

TEST_CASE("begin inside a transaction is refused and rollback outside one does nothing", "[sqlite]") {
  auto db = memory_database();
  db->begin();
  CHECK(error_from([&] { db->begin(); }).code() == orca::errc::invalid_state);
  CHECK(db->in_transaction());
  db->rollback();
  CHECK_NOTHROW(db->rollback());
}

TEST_CASE("a savepoint rolls back part of a transaction", "[sqlite]") {
  auto db = memory_database();
  create_schema(*db);
  db->begin();
  db->execute("INSERT INTO a (data) VALUES ('before')");
  db->savepoint("sp_1");
  db->execute("INSERT INTO a (data) VALUES ('inside')");
  db->rollback_to_savepoint("sp_1");
  db->release_savepoint("sp_1");
  db->savepoint("sp_2");
  db->execute("INSERT INTO a (data) VALUES ('released')");
  db->release_savepoint("sp_2");
  db->commit();
  auto rows = db->execute("SELECT data FROM a ORDER BY id");
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0) == orca::value{"before"});
  CHECK(rows.at(1, 0) == orca::value{"released"});
}

TEST_CASE("a savepoint name that is not an identifier is refused", "[sqlite]") {
  auto db = memory_database();
  db->begin();
  for (auto name : {"", "1st", "sp; DROP TABLE a", "sp-1", "sp 1"})
    CHECK(error_from([&] { db->savepoint(name); }).code() == orca::errc::invalid_argument);
  CHECK_NOTHROW(db->savepoint("_Sp9"));
}

TEST_CASE("a constraint violation names the constraint and carries the SQL", "[sqlite]") {
  auto db = memory_database();
  create_schema(*db);
  db->execute("INSERT INTO a (data) VALUES ('a1')");
  SECTION("unique") {
    std::string sql = "INSERT INTO a (data) VALUES (?)";
    auto failed = error_from([&] { db->execute(sql, {"a1"}); });
    CHECK(failed.code() == orca::errc::constraint_violation);
    CHECK(failed.details().constraint == "a.data");
    CHECK(failed.details().sql == sql);
    CHECK(failed.details().sqlstate == "sqlite:2067");  // SQLITE_CONSTRAINT_UNIQUE
    CHECK_FALSE(failed.details().connection_poisoned);
    CHECK_THAT(failed.what(), Catch::Contains("UNIQUE constraint failed: a.data") && Catch::Contains(sql));
  }
  SECTION("foreign key") {
    auto failed = error_from([&] { db->execute("INSERT INTO b (a_id) VALUES (99)"); });
    CHECK(failed.code() == orca::errc::constraint_violation);
    CHECK(failed.details().constraint == "FOREIGN KEY");
  }
  SECTION("not null") {
    auto failed = error_from([&] { db->execute("INSERT INTO a (data, score) VALUES ('x', NULL)"); });
    CHECK(failed.code() == orca::errc::constraint_violation);
    CHECK(failed.details().constraint == "a.score");
  }
  CHECK(count_rows(*db, "a") == 1);
  CHECK_FALSE(db->is_broken());
  CHECK(db->ping());
}

TEST_CASE("a rejected statement is a statement_error carrying the SQL and SQLite's message", "[sqlite]") {
  auto db = memory_database();
  auto failed = error_from([&] { db->execute("SELECT * FROM missing_table"); });
  CHECK(failed.code() == orca::errc::statement_error);
  CHECK(failed.message() == "no such table: missing_table");
  CHECK(failed.details().sql == "SELECT * FROM missing_table");
  CHECK(failed.details().sqlstate == "sqlite:1");
  CHECK(error_from([&] { db->execute("SELEKT 1"); }).code() == orca::errc::statement_error);
}

TEST_CASE("a value SQLite cannot store in a rowid column is a type_mismatch", "[sqlite]") {
  auto db = memory_database();
  db->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  auto failed = error_from([&] { db->execute("INSERT INTO t (id) VALUES (?)", {"abc"}); });
  CHECK(failed.code() == orca::errc::type_mismatch);
  CHECK(failed.details().sqlstate == "sqlite:20");
}

TEST_CASE("a parameter count that does not match the placeholders is refused", "[sqlite]") {
  auto db = memory_database();
  auto failed = error_from([&] { db->execute("SELECT ?, ?", {1}); });
  CHECK(failed.code() == orca::errc::invalid_argument);
  CHECK_THAT(failed.message(), Catch::Contains("2 parameter placeholders but 1 values"));
  CHECK(error_from([&] { db->execute_many("SELECT ?", {{1}, {}}); }).code() == orca::errc::invalid_argument);
}

TEST_CASE("execute refuses SQL text holding several statements", "[sqlite]") {
  auto db = memory_database();
  CHECK(error_from([&] { db->execute("SELECT 1; SELECT 2"); }).code() == orca::errc::invalid_argument);
  CHECK(db->execute("SELECT 1; -- trailing comment").size() == 1);
  CHECK(error_from([&] { db->execute("  -- nothing"); }).code() == orca::errc::invalid_argument);
}

TEST_CASE("execute_script runs every statement and names the one that fails", "[sqlite]") {
  auto db = memory_database();
  db->execute_script("CREATE TABLE x (v); INSERT INTO x VALUES (1);\n-- a comment\nINSERT INTO x VALUES (2);");
  CHECK(count_rows(*db, "x") == 2);
  auto failed = error_from([&] { db->execute_script("INSERT INTO x VALUES (3); INSERT INTO nowhere VALUES (4);"); });
  CHECK(failed.code() == orca::errc::statement_error);
  CHECK(failed.details().sql == "INSERT INTO nowhere VALUES (4);");
  CHECK(count_rows(*db, "x") == 3);
  db->execute_script(" ; ; INSERT INTO x VALUES (5); /* done */ ");
  CHECK(count_rows(*db, "x") == 4);
  auto syntax = error_from([&] { db->execute_script("SELECT 1; SELECT 1 FROMM x; SELECT 2"); });
  CHECK(syntax.code() == orca::errc::statement_error);
  CHECK_THAT(syntax.details().sql, Catch::StartsWith("SELECT 1 FROMM"));
}

TEST_CASE("two memory connections do not share a database", "[sqlite]") {
  auto first = memory_database();
  auto second = memory_database();
  first->execute_script("CREATE TABLE only_here (x)");
  CHECK(error_from([&] { second->execute("SELECT * FROM only_here"); }).code() == orca::errc::statement_error);
}

TEST_CASE("a statement past its statement timeout is interrupted with request_timeout and the connection goes on",
          "[sqlite]") {
  orca::drivers::connection_options options;
  options.statement_timeout = std::chrono::milliseconds(100);
  auto db = orca::drivers::connect(orca::parse_url("sqlite://"), options);
  auto endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
  auto start = std::chrono::steady_clock::now();
  auto failure = error_from([&] { db->execute(endless); });
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(failure.code() == orca::errc::request_timeout);
  CHECK_THAT(failure.message(), Catch::Contains("100 ms"));
  CHECK(took >= std::chrono::milliseconds(100));
  CHECK(took < std::chrono::seconds(5));
  // The deadline is per statement: the next one runs in full.
  CHECK(db->execute("SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                    "WHERE x < 10000) SELECT x FROM c)")
            .at(0, 0) == orca::value{10000});
}
