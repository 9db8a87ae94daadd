// Tests of SQLite file databases: open options, failures, two connections, busy, interrupt.
// Effects are checked through a second, independent connection to the same file.
#include <atomic>
#include <fstream>
#include <thread>

#include <optional>

#include <catch2/catch.hpp>

#include "orca/drivers/error.hpp"
#include "sqlite_test_support.hpp"

using orca::test::error_from;
using orca::test::memory_database;
using orca::test::temp_database;

TEST_CASE("a file database is opened in WAL mode with synchronous NORMAL", "[sqlite][file]") {
  temp_database file;
  auto writer = file.connect();
  writer->execute_script("CREATE TABLE t (x)");
  auto observer = file.connect();
  // WAL is a property of the file: a second connection sees it.
  CHECK(observer->execute("PRAGMA journal_mode").at(0, 0) == orca::value{"wal"});
  CHECK(writer->execute("PRAGMA synchronous").at(0, 0) == orca::value{1});
  CHECK(std::filesystem::exists(file.path().string() + "-wal"));
}

TEST_CASE("foreign keys are enforced on every connection", "[sqlite][file]") {
  temp_database file;
  auto first = file.connect();
  first->execute_script(
      "CREATE TABLE a (id INTEGER PRIMARY KEY);"
      "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));");
  auto second = file.connect();
  CHECK(second->execute("PRAGMA foreign_keys").at(0, 0) == orca::value{1});
  CHECK(error_from([&] { second->execute("INSERT INTO b (a_id) VALUES (7)"); }).code() ==
        orca::errc::constraint_violation);
  CHECK(first->execute("SELECT count(*) FROM b").at(0, 0) == orca::value{0});
  CHECK(memory_database()->execute("PRAGMA foreign_keys").at(0, 0) == orca::value{1});
}

TEST_CASE("a second connection sees committed rows and not uncommitted ones", "[sqlite][file]") {
  temp_database file;
  auto writer = file.connect();
  auto reader = file.connect();
  writer->execute_script("CREATE TABLE t (x)");
  writer->begin();
  writer->execute("INSERT INTO t VALUES (1)");
  CHECK(reader->execute("SELECT count(*) FROM t").at(0, 0) == orca::value{0});
  writer->commit();
  CHECK(reader->execute("SELECT count(*) FROM t").at(0, 0) == orca::value{1});
}

TEST_CASE("a cached statement follows a schema change made by another connection", "[sqlite][file]") {
  temp_database file;
  auto reader = file.connect();
  reader->execute_script("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  CHECK(reader->execute("SELECT * FROM t").width() == 1);
  orca::drivers::rowset batch;
  CHECK(reader->open_cursor("SELECT * FROM t")->fetch(10, batch));
  file.connect()->execute_script("ALTER TABLE t ADD COLUMN y DEFAULT 2");
  auto rows = reader->execute("SELECT * FROM t");
  CHECK(rows.columns() == std::vector<std::string>{"x", "y"});
  CHECK(rows.at(0, 1) == orca::value{2});
  orca::drivers::rowset after;
  CHECK(reader->open_cursor("SELECT * FROM t")->fetch(10, after));
  CHECK(after.columns() == std::vector<std::string>{"x", "y"});
  CHECK(after.at(0, 1) == orca::value{2});
}

TEST_CASE("a relative sqlite path is relative to the working directory", "[sqlite][file]") {
  temp_database file;
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(file.path().parent_path());
  try {
    auto db = orca::drivers::connect(orca::parse_url("sqlite:///" + file.path().filename().string()));
    db->execute_script("CREATE TABLE here (x)");
    std::filesystem::current_path(previous);
  } catch (...) {
    std::filesystem::current_path(previous);
    throw;
  }
  CHECK(file.connect()->execute("SELECT count(*) FROM here").at(0, 0) == orca::value{0});
}

TEST_CASE("opening a file that is not a database fails naming the file", "[sqlite][file]") {
  temp_database file;
  std::ofstream{file.path()} << "this is not a SQLite database, just some text that is long enough";
  auto failed = error_from([&] { file.connect(); });
  CHECK(failed.code() == orca::errc::connection_failed);
  CHECK_THAT(failed.message(), Catch::Contains(file.path().string()) && Catch::Contains("not a database"));
}

TEST_CASE("opening a database in a missing directory fails naming the file", "[sqlite][file]") {
  auto failed = error_from([] { orca::drivers::connect(orca::parse_url("sqlite:////nonexistent-dir/orca.db")); });
  CHECK(failed.code() == orca::errc::connection_failed);
  CHECK_THAT(failed.message(), Catch::Contains("/nonexistent-dir/orca.db"));
}

TEST_CASE("a writer blocked past its busy timeout fails with database_busy", "[sqlite][file]") {
  temp_database file;
  auto holder = file.connect();
  holder->execute_script("CREATE TABLE t (x)");
  holder->execute("BEGIN IMMEDIATE");
  holder->execute("INSERT INTO t VALUES (1)");
  orca::drivers::connection_options impatient;
  impatient.busy_timeout = std::chrono::milliseconds{20};
  auto blocked = file.connect(impatient);
  auto failed = error_from([&] { blocked->execute("INSERT INTO t VALUES (2)"); });
  CHECK(failed.code() == orca::errc::database_busy);
  CHECK(failed.details().sqlstate == "sqlite:5");
  CHECK_FALSE(blocked->is_broken());
  holder->commit();
  CHECK(blocked->execute("INSERT INTO t VALUES (2)").affected_rows == 1);
}

TEST_CASE("interrupt cancels a running statement from another thread", "[sqlite][file]") {
  auto db = memory_database();
  std::atomic<bool> finished{false};
  // The interrupt may land before the statement starts (SQLite then ignores it), so it is
  // repeated until the statement has ended.
  std::thread canceller{[&] {
    while (!finished.load()) {
      db->interrupt();
      std::this_thread::yield();
    }
  }};
  // Nothing may throw before join(): a failure would end the process instead of the test.
  std::optional<orca::error> failed;
  try {
    db->execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000000) "
        "SELECT count(*) FROM c");
  } catch (const orca::error& e) {
    failed = e;
  }
  finished = true;
  canceller.join();
  REQUIRE(failed.has_value());
  CHECK(failed->code() == orca::errc::interrupted);
  CHECK(failed->details().sqlstate == "sqlite:9");
  CHECK_FALSE(db->is_broken());
  CHECK(db->execute("SELECT 1").at(0, 0) == orca::value{1});
}
