// Tests of the libpq backend (drivers/src/postgresql_*.cpp) against a live server: values,
// errors, connection failures, the statement cache and pipelines (execute_many, execute_batch).
// Transactions and interrupted statements: postgresql_transaction_test.cpp.
// The server comes from ORCA_TEST_POSTGRESQL_URL (scripts/test.sh starts a throwaway one).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/drivers/error.hpp"
#include "orca/drivers/postgresql_connection.hpp"
#include "postgresql_test_support.hpp"

using namespace std::chrono_literals;
using orca::errc;
using orca::params;
using orca::test::postgresql::at;
using orca::test::postgresql::count_rows;
using orca::test::postgresql::error_from;
using orca::test::postgresql::test_database;

TEST_CASE("postgresql binds every value type and reads it back with NULL included", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  using namespace std::chrono;
  auto when = at(sys_days{2026y / 11 / 21}, 12h + 34min + 56s + 123456us);
  auto before_epoch = at(sys_days{1969y / 12 / 31}, 23h + 59min + 59s + 999999us);
  orca::blob bytes{{0, 1, 2, 0x7f, 0x80, 0xff, 0, 10}};

  SECTION("through a table's typed columns") {
    conn->execute_script(
        "CREATE TABLE v (i BIGINT, i4 INTEGER, r DOUBLE PRECISION, n NUMERIC, s TEXT, "
        "vc VARCHAR(20), b BYTEA, f BOOLEAN, ts TIMESTAMP, tz TIMESTAMPTZ)");
    const std::string insert = "INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    auto inserted = conn->execute(
        insert, {INT64_MAX, 42, 3.25, 0.1, "h\xc3\xa9llo 'quoted' \\ $1", "short", bytes, true, when, before_epoch});
    CHECK(inserted.affected_rows == 1);
    conn->execute(insert, params(10, orca::value{}));
    auto rows = conn->execute("SELECT * FROM v ORDER BY i NULLS LAST");
    REQUIRE(rows.size() == 2);
    CHECK(rows.columns() == std::vector<std::string>{"i", "i4", "r", "n", "s", "vc", "b", "f", "ts", "tz"});
    CHECK(rows.at(0, 0) == orca::value{INT64_MAX});
    CHECK(rows.at(0, 1) == orca::value{42});
    CHECK(rows.at(0, 2) == orca::value{3.25});
    CHECK(rows.at(0, 3) == orca::value{0.1});
    CHECK(rows.at(0, 4) == orca::value{"h\xc3\xa9llo 'quoted' \\ $1"});
    CHECK(rows.at(0, 5) == orca::value{"short"});
    CHECK(rows.at(0, 6) == orca::value{bytes});
    CHECK(rows.at(0, 7) == orca::value{true});
    CHECK(rows.at(0, 8) == orca::value{when});
    CHECK(rows.at(0, 9) == orca::value{before_epoch});
    for (std::size_t column = 0; column < rows.width(); ++column) CHECK(rows.at(1, column).is_null());
  }

  SECTION("as parameters echoed by SELECT, which keep their types") {
    auto row = conn->execute("SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9",
                             {-7, 2.5, "text", bytes, orca::blob{}, false, when, orca::value{}, before_epoch});
    REQUIRE(row.size() == 1);
    CHECK(row.at(0, 0) == orca::value{-7});
    CHECK(row.at(0, 1) == orca::value{2.5});
    CHECK(row.at(0, 2) == orca::value{"text"});
    CHECK(row.at(0, 3) == orca::value{bytes});
    CHECK(row.at(0, 4) == orca::value{orca::blob{}});
    CHECK(row.at(0, 5) == orca::value{false});
    CHECK(row.at(0, 6) == orca::value{when});
    CHECK(row.at(0, 7).is_null());
    CHECK(row.at(0, 8) == orca::value{before_epoch});
  }

  SECTION("integers compare with integer columns in IN lists") {
    conn->execute_script("CREATE TABLE k (id INTEGER); INSERT INTO k SELECT generate_series(1, 10)");
    CHECK(conn->execute("SELECT count(*) FROM k WHERE id IN ($1, $2, $3)", {2, 4, 99}).at(0, 0) == orca::value{2});
    CHECK(conn->execute("SELECT $1 = ANY(ARRAY[1, 2])", {1}).at(0, 0) == orca::value{true});
  }

  SECTION("timestamptz is read in UTC whatever the session's time zone") {
    auto expected = at(sys_days{2026y / 1 / 2}, 1h + 4min + 5s + 123456us);
    auto query = "SELECT '2026-01-02 03:04:05.123456+02'::timestamptz";
    CHECK(conn->execute(query).at(0, 0) == orca::value{expected});
    conn->execute_script("SET TIME ZONE 'Asia/Kolkata'");
    CHECK(conn->execute(query).at(0, 0) == orca::value{expected});
  }

  SECTION("text the server infers stays flexible: dates, JSON, and NULL then an integer") {
    CHECK(conn->execute("SELECT $1::date", {"2026-11-21"}).at(0, 0) == orca::value{"2026-11-21"});
    CHECK(conn->execute("SELECT ($1::jsonb)->>'a'", {"{\"a\": 5}"}).at(0, 0) == orca::value{"5"});
    const std::string query = "SELECT $1::bigint + 1";
    CHECK(conn->execute(query, {orca::value{}}).at(0, 0).is_null());
    CHECK(conn->execute(query, {41}).at(0, 0) == orca::value{42});
  }
}

TEST_CASE("postgresql constraint violations carry the SQLSTATE with the constraint and the SQL", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  conn->execute_script("CREATE TABLE u (id BIGINT PRIMARY KEY, name TEXT NOT NULL CONSTRAINT u_name_unique UNIQUE)");
  const std::string insert = "INSERT INTO u (id, name) VALUES ($1, $2)";
  conn->execute(insert, {1, "alice"});

  SECTION("unique") {
    auto failed = error_from([&] { conn->execute(insert, {2, "alice"}); });
    CHECK(failed.code() == errc::constraint_violation);
    CHECK(failed.details().sqlstate == "23505");
    CHECK(failed.details().constraint == "u_name_unique");
    CHECK(failed.details().sql == insert);
    CHECK_FALSE(failed.details().connection_poisoned);
    CHECK_THAT(failed.message(), Catch::Contains("already exists"));
    CHECK_THAT(std::string{failed.what()}, Catch::Contains(insert));
  }
  SECTION("not null names the table and column") {
    auto failed = error_from([&] { conn->execute(insert, {3, orca::value{}}); });
    CHECK(failed.code() == errc::constraint_violation);
    CHECK(failed.details().sqlstate == "23502");
    CHECK(failed.details().constraint == "u.name");
  }
  CHECK(conn->ping());
  CHECK(count_rows(*conn, "u") == 1);
}

TEST_CASE("postgresql connection failures name the server and never the password", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto target = db->server();
  std::string password;

  SECTION("wrong password") {
    // scripts/pg-throwaway.sh makes orca_secret a password (scram) role.
    target.user = "orca_secret";
    password = target.password = "wrong-password-4711";
  }
  SECTION("missing database") {
    target.database = "orca_no_such_database";
    password = target.password = "secret-in-the-url-0815";
  }
  SECTION("refused port") {
    target.host = "127.0.0.1";
    target.port = 1;
    target.query.erase("host");
    password = target.password = "secret-for-a-closed-port";
  }
  auto failed = error_from([&] { orca::drivers::open_postgresql(target, {}); });
  CHECK(failed.code() == errc::connection_failed);
  CHECK_THAT(std::string{failed.what()}, !Catch::Contains(password));
  CHECK_THAT(failed.message(), Catch::Contains(target.database.empty() ? target.user : target.database));
  if (target.port != 0)
    CHECK_THAT(failed.message(), Catch::Contains(", port " + std::to_string(target.port) + ", as user"));
}

TEST_CASE("postgresql prepares a statement once and reuses it by SQL text", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  const std::string count_prepared = "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1";

  SECTION("the same SQL runs three times on one prepared statement") {
    auto conn = db->connect();
    const std::string query = "SELECT $1::bigint * 2";
    for (int i = 0; i < 3; ++i) CHECK(conn->execute(query, {i}).at(0, 0) == orca::value{2 * i});
    CHECK(conn->execute(count_prepared, {query}).at(0, 0) == orca::value{1});
  }
  SECTION("evicted statements are deallocated on the server") {
    auto conn = db->connect({.statement_cache_size = 2});
    const std::string first = "SELECT 1 AS first";
    for (const auto& sql : {first, std::string{"SELECT 2"}, std::string{"SELECT 3"}, std::string{"SELECT 4"}})
      conn->execute(sql);
    CHECK(conn->execute(count_prepared, {first}).at(0, 0) == orca::value{0});
    CHECK(conn->execute("SELECT count(*) FROM pg_prepared_statements").at(0, 0).as_integer() <= 4);
    CHECK(conn->execute(first).at(0, 0) == orca::value{1});
  }
  SECTION("a table changing shape under a cached SELECT * is re-prepared") {
    auto conn = db->connect();
    conn->execute_script("CREATE TABLE shape (a INTEGER); INSERT INTO shape VALUES (1)");
    CHECK(conn->execute("SELECT * FROM shape").width() == 1);
    conn->execute_script("ALTER TABLE shape ADD COLUMN b TEXT DEFAULT 'x'");
    auto rows = conn->execute("SELECT * FROM shape");
    CHECK(rows.width() == 2);
    CHECK(rows.at(0, 1) == orca::value{"x"});
  }
  SECTION("DISCARD ALL empties the cache without breaking later statements") {
    auto conn = db->connect();
    conn->execute("SELECT 1");
    conn->execute_script("DISCARD ALL");
    CHECK(conn->execute("SELECT 1").at(0, 0) == orca::value{1});
  }
  SECTION("with no cache, statements run unnamed") {
    auto conn = db->connect({.statement_cache_size = 0});
    CHECK(conn->execute("SELECT $1::text || 'b'", {"a"}).at(0, 0) == orca::value{"ab"});
    CHECK(conn->execute_many("SELECT $1::int", {{1}, {2}}) == 0);
    CHECK(conn->execute("SELECT count(*) FROM pg_prepared_statements").at(0, 0) == orca::value{0});
  }
}

TEST_CASE("postgresql execute_many pipelines the parameter sets and sums affected rows", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  auto observer = db->connect();
  conn->execute_script("CREATE TABLE m (id BIGINT PRIMARY KEY, v TEXT)");
  const std::string insert = "INSERT INTO m (id, v) VALUES ($1, $2)";
  std::vector<params> sets;
  for (int i = 0; i < 20000; ++i) sets.push_back({i, "value " + std::to_string(i)});
  CHECK(conn->execute_many(insert, sets) == 20000);
  CHECK(count_rows(*observer, "m") == 20000);

  SECTION("updates add up their affected rows") {
    std::vector<params> updates;
    for (int r = 0; r < 10; ++r) updates.push_back({"tenth " + std::to_string(r), r});
    CHECK(conn->execute_many("UPDATE m SET v = $1 WHERE id % 10 = $2", updates) == 20000);
  }
  SECTION("a failing set aborts the batch, names the set and rolls the batch back") {
    std::vector<params> clash{{100001, "a"}, {100002, "b"}, {5, "duplicate"}, {100003, "c"}};
    auto failed = error_from([&] { conn->execute_many(insert, clash); });
    CHECK(failed.code() == errc::constraint_violation);
    CHECK(failed.details().sql == insert);
    CHECK_THAT(failed.message(), Catch::Contains("parameter set 3 of 4"));
    CHECK(count_rows(*observer, "m") == 20000);
    CHECK(conn->execute("SELECT 1").at(0, 0) == orca::value{1});
  }
  SECTION("inside a transaction the failure aborts the transaction") {
    conn->begin();
    CHECK(conn->execute_many(insert, {{200001, "x"}}) == 1);
    auto failed = error_from([&] { conn->execute_many(insert, {{200002, "y"}, {7, "dup"}}); });
    CHECK(failed.code() == errc::constraint_violation);
    CHECK(conn->in_transaction());
    CHECK(error_from([&] { conn->commit(); }).code() == errc::pending_rollback);
    conn->rollback();
    CHECK_FALSE(conn->in_transaction());
    CHECK(count_rows(*observer, "m") == 20000);
  }
}

TEST_CASE("postgresql execute_batch returns each statement's rows in order", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  conn->execute_script("CREATE TABLE q (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v TEXT)");

  SECTION("different statements, one round trip") {
    auto results = conn->execute_batch({
        {"INSERT INTO q (v) VALUES ($1), ($2) RETURNING id", {"a", "b"}},
        {"UPDATE q SET v = upper(v) WHERE v = $1", {"a"}},
        {"SELECT v FROM q ORDER BY id", {}},
        {"SELECT $1::text || $2::text", {"x", "y"}},
        {"INSERT INTO q (v) VALUES ($1), ($2) RETURNING id", {"c", "d"}},
    });
    REQUIRE(results.size() == 5);
    CHECK(results[0].size() == 2);
    CHECK(results[0].affected_rows == 2);
    CHECK(results[1].affected_rows == 1);
    REQUIRE(results[2].size() == 2);
    CHECK(results[2].at(0, 0) == orca::value{"A"});
    CHECK(results[2].at(1, 0) == orca::value{"b"});
    CHECK(results[3].at(0, 0) == orca::value{"xy"});
    CHECK(results[4].at(1, 0).as_integer() == results[0].at(1, 0).as_integer() + 2);
  }
  SECTION("a failure names its statement, and outside a transaction undoes the batch") {
    const std::string bad = "INSERT INTO q (id, v) VALUES ($1, $2)";
    auto failed = error_from([&] {
      conn->execute_batch({{"INSERT INTO q (v) VALUES ('kept?')", {}}, {bad, {1, "x"}}, {bad, {1, "y"}}});
    });
    CHECK(failed.code() == errc::constraint_violation);
    CHECK(failed.details().sql == bad);
    CHECK(count_rows(*conn, "q") == 0);
  }
  SECTION("a pipeline larger than the socket buffers does not deadlock") {
    std::vector<std::pair<std::string, params>> statements;
    std::string big(200'000, 'z');
    for (int i = 0; i < 100; ++i) statements.push_back({"SELECT $1::text", {big}});
    auto results = conn->execute_batch(statements);
    REQUIRE(results.size() == 100);
    CHECK(results[99].at(0, 0).as_text().size() == big.size());
  }
}
