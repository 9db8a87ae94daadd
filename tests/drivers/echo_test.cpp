// Tests of echo: the `orca.sql` logger shows one line per statement with parameters and time.
// The logger's sinks are swapped for a string stream for the duration of each test.
#include <catch2/catch.hpp>

#include "orca/drivers/echo.hpp"
#include "orca/drivers/error.hpp"
#include "sqlite_test_support.hpp"
#include "support/captured_log.hpp"

using orca::test::memory_database;

namespace {

// Captures what the `orca.sql` logger writes while it lives.
class captured_echo : public orca::test::captured_log {
public:
  explicit captured_echo(std::string pattern = "%v") : captured_log(orca::drivers::sql_logger(), std::move(pattern)) {}
};

orca::drivers::connection_options echoing() {
  orca::drivers::connection_options options;
  options.echo = true;
  return options;
}

}  // namespace

TEST_CASE("the orca.sql logger is created once and found by name", "[echo]") {
  auto logger = orca::drivers::sql_logger();
  CHECK(logger->name() == "orca.sql");
  CHECK(spdlog::get("orca.sql") == logger);
  CHECK(orca::drivers::sql_logger() == logger);
}

TEST_CASE("echo logs one line per statement with its parameters and time", "[echo]") {
  captured_echo echo;
  auto db = memory_database(echoing());
  db->execute_script("CREATE TABLE a (id INTEGER PRIMARY KEY, data TEXT)");
  db->begin();
  db->execute("INSERT INTO a (id, data) VALUES (?, ?), (?, ?)", {1, "a1", 2, nullptr});
  db->commit();
  db->begin();
  db->rollback();
  auto lines = echo.lines();
  REQUIRE(lines.size() == 6);
  CHECK_THAT(lines[0], Catch::Matches(R"(\[\d+\.\d{3} ms\] CREATE TABLE a \(id INTEGER PRIMARY KEY, data TEXT\))"));
  CHECK_THAT(lines[1], Catch::Matches(R"(\[\d+\.\d{3} ms\] BEGIN)"));
  CHECK_THAT(
      lines[2],
      Catch::Matches(
          R"(\[\d+\.\d{3} ms\] INSERT INTO a \(id, data\) VALUES \(\?, \?\), \(\?, \?\) \| \(1, 'a1', 2, NULL\))"));
  CHECK_THAT(lines[3], Catch::EndsWith("] COMMIT"));
  CHECK_THAT(lines[4], Catch::EndsWith("] BEGIN"));
  CHECK_THAT(lines[5], Catch::EndsWith("] ROLLBACK"));
}

TEST_CASE("echo is silent when the connection was opened without it", "[echo]") {
  captured_echo echo;
  auto db = memory_database();
  db->execute("SELECT 1");
  CHECK(echo.lines().empty());
}

TEST_CASE("echo logs execute_many as one line with its first parameter sets and how many more", "[echo]") {
  captured_echo echo;
  auto db = memory_database(echoing());
  db->execute_script("CREATE TABLE t (x, y)");
  db->execute_many("INSERT INTO t VALUES (?, ?)", {{1, "a"}, {2, "b"}, {3, nullptr}});
  db->execute_many("INSERT INTO t VALUES (?, ?)", {{4, "d"}, {5, "e"}, {6, "f"}, {7, "g"}, {8, "h"}});
  db->execute_many("UPDATE t SET y = ? WHERE x = ?", {{"changed", 1}});
  auto lines = echo.lines();
  REQUIRE(lines.size() == 4);
  CHECK_THAT(lines[1],
             Catch::EndsWith("] INSERT INTO t VALUES (?, ?) | 3 parameter sets: (1, 'a'), (2, 'b'), (3, NULL)"));
  CHECK_THAT(lines[2], Catch::EndsWith("] INSERT INTO t VALUES (?, ?) | 5 parameter sets: (4, 'd'), (5, 'e'), (6, 'f') "
                                       "... and 2 more"));
  CHECK_THAT(lines[3], Catch::EndsWith("] UPDATE t SET y = ? WHERE x = ? | 1 parameter set: ('changed', 1)"));
}

TEST_CASE("echo logs cursors, savepoints and failing statements too", "[echo]") {
  captured_echo echo;
  auto db = memory_database(echoing());
  db->open_cursor("SELECT ?", {7});
  db->begin();
  db->savepoint("sp");
  CHECK_THROWS(db->execute("SELECT * FROM nowhere"));
  auto lines = echo.lines();
  REQUIRE(lines.size() == 4);
  CHECK_THAT(lines[0], Catch::EndsWith("] SELECT ? | (7)"));
  CHECK_THAT(lines[2], Catch::EndsWith("] SAVEPOINT sp"));
  CHECK_THAT(lines[3], Catch::Contains("] SELECT * FROM nowhere | failed: statement_error: ") &&
                           Catch::Contains("no such table: nowhere"));
}

TEST_CASE("echo logs a failed statement with its error at warning level, which echo shows", "[echo]") {
  captured_echo echo{"%l %v"};
  auto db = memory_database(echoing());
  db->execute_script("CREATE TABLE t (x INTEGER PRIMARY KEY)");
  db->execute("INSERT INTO t VALUES (?)", {1});
  CHECK_THROWS_AS(db->execute("INSERT INTO t VALUES (?)", {1}), orca::error);
  CHECK_THROWS_AS(db->execute_many("INSERT INTO t VALUES (?)", {{2}, {1}}), orca::error);
  auto lines = echo.lines();
  REQUIRE(lines.size() == 4);
  CHECK_THAT(lines[1], Catch::StartsWith("info [") && Catch::EndsWith("] INSERT INTO t VALUES (?) | (1)"));
  // The level is above the logger's (info), so the line shows whenever echo does.
  CHECK_THAT(lines[2], Catch::StartsWith("warning [") &&
                           Catch::Contains("] INSERT INTO t VALUES (?) | (1) | failed: constraint_violation: ") &&
                           Catch::Contains("UNIQUE constraint failed: t.x") && Catch::Contains("[sqlite:1555]"));
  CHECK_THAT(lines[3], Catch::StartsWith("warning [") &&
                           Catch::Contains("] INSERT INTO t VALUES (?) | 2 parameter sets: (2), (1) | failed: "
                                           "constraint_violation: "));
}

TEST_CASE("echo keeps long parameters short", "[echo]") {
  captured_echo echo;
  orca::params many;
  for (int i = 0; i < 25; ++i) many.emplace_back(i);
  orca::drivers::echo_statement("SELECT ?", {std::string(500, 'x')}, std::chrono::microseconds{1500});
  orca::drivers::echo_statement("INSERT", many, std::chrono::nanoseconds{0});
  orca::drivers::echo_statement("SELECT ?", {std::string(59, 'x') + "é"}, std::chrono::nanoseconds{0});
  orca::drivers::echo_batch("UPDATE", {{1}}, std::chrono::milliseconds{2});
  auto lines = echo.lines();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "[1.500 ms] SELECT ? | ('" + std::string(60, 'x') + "…')");
  CHECK_THAT(lines[1],
             Catch::EndsWith("| (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, ... 5 more)"));
  // A multi-byte character is never cut in half.
  CHECK(lines[2] == "[0.000 ms] SELECT ? | ('" + std::string(59, 'x') + "…')");
  CHECK(lines[3] == "[2.000 ms] UPDATE | 1 parameter set: (1)");
}
