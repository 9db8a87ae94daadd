// Tests of the PostgreSQL backend's server-side cursors (drivers/src/postgresql_cursor.cpp).
// The server comes from ORCA_TEST_POSTGRESQL_URL (scripts/test.sh starts a throwaway one).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/drivers/error.hpp"
#include "postgresql_test_support.hpp"

using orca::errc;
using orca::drivers::rowset;
using orca::test::postgresql::error_from;
using orca::test::postgresql::test_database;

TEST_CASE("postgresql server-side cursors on one connection can be read interleaved", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  conn->execute_script("CREATE TABLE c (id BIGINT); INSERT INTO c SELECT generate_series(1, 10)");
  bool explicit_transaction = GENERATE(false, true);
  if (explicit_transaction) conn->begin();

  auto first = conn->open_cursor("SELECT id FROM c ORDER BY id");
  auto second = conn->open_cursor("SELECT id * 100 AS hundreds FROM c WHERE id > $1 ORDER BY id;", {5});
  rowset a, b;
  CHECK(first->fetch(3, a));
  CHECK(second->fetch(2, b));
  CHECK(first->fetch(3, a));
  CHECK(second->fetch(10, b));
  CHECK(first->fetch(10, a));
  CHECK_FALSE(first->fetch(10, a));
  CHECK_FALSE(second->fetch(10, b));
  CHECK(a.columns() == std::vector<std::string>{"id"});
  CHECK(b.columns() == std::vector<std::string>{"hundreds"});
  REQUIRE(a.size() == 10);
  REQUIRE(b.size() == 5);
  for (std::size_t i = 0; i < 10; ++i) CHECK(a.at(i, 0) == orca::value{static_cast<std::int64_t>(i + 1)});
  for (std::size_t i = 0; i < 5; ++i) CHECK(b.at(i, 0) == orca::value{static_cast<std::int64_t>((i + 6) * 100)});
  // Exhausted cursors are closed at once; a transaction they began has ended.
  CHECK(conn->in_transaction() == explicit_transaction);
  if (explicit_transaction) conn->commit();
  CHECK_FALSE(conn->in_transaction());
}

TEST_CASE("postgresql closes a server-side cursor when it is dropped", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  const std::string open_cursors = "SELECT count(*) FROM pg_cursors WHERE name LIKE 'orca_cur_%'";

  SECTION("inside a transaction, which goes on") {
    conn->begin();
    auto cursor = conn->open_cursor("SELECT generate_series(1, 1000)");
    rowset rows;
    CHECK(cursor->fetch(10, rows));
    CHECK(conn->execute(open_cursors).at(0, 0) == orca::value{1});
    cursor.reset();
    CHECK(conn->execute(open_cursors).at(0, 0) == orca::value{0});
    CHECK(conn->in_transaction());
    conn->rollback();
  }
  SECTION("outside a transaction, ending the one it began") {
    auto observer = db->connect();
    auto pid = conn->execute("SELECT pg_backend_pid()").at(0, 0);
    const std::string idle_in_transaction =
        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND state = 'idle in transaction'";
    auto cursor = conn->open_cursor("SELECT generate_series(1, 1000)");
    CHECK_FALSE(conn->in_transaction());
    CHECK(observer->execute(idle_in_transaction, {pid}).at(0, 0) == orca::value{1});
    CHECK(conn->execute(open_cursors).at(0, 0) == orca::value{1});
    cursor.reset();
    CHECK(conn->execute(open_cursors).at(0, 0) == orca::value{0});
    CHECK(observer->execute(idle_in_transaction, {pid}).at(0, 0) == orca::value{0});
  }
  SECTION("a cursor whose transaction ended is closed, and sends nothing when dropped") {
    conn->begin();
    auto fetched = conn->open_cursor("SELECT generate_series(1, 1000)");
    auto dropped = conn->open_cursor("SELECT generate_series(1, 1000)");
    conn->commit();
    rowset rows;
    CHECK(error_from([&] { fetched->fetch(10, rows); }).code() == errc::closed);
    conn->begin();
    dropped.reset();  // a CLOSE of the vanished cursor would abort this transaction
    CHECK(conn->execute("SELECT 1").at(0, 0) == orca::value{1});
    conn->commit();
  }
}
