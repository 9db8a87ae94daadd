// Helpers for the PostgreSQL driver tests: a private schema per test, error capture.
// Used by tests/drivers/postgresql_*_test.cpp only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "orca/drivers/connection.hpp"
#include "orca/drivers/error.hpp"
#include "orca/drivers/postgresql_connection.hpp"

namespace orca::test::postgresql {

/// A schema of its own on the server under test, so that tests may run in parallel;
/// connections from connect() see it first on their search_path. Dropped at the end.
class test_database {
public:
  /// A fresh schema on ORCA_TEST_POSTGRESQL_URL's server. Fails the test, saying how to
  /// provide a server, when the variable is unset; nullopt when ORCA_TEST_BACKENDS=sqlite
  /// opts out of PostgreSQL, with a warning that ctest reports as a skipped test.
  static std::optional<test_database> open() {
    const char* only = std::getenv("ORCA_TEST_BACKENDS");
    if (only != nullptr && std::string_view{only} == "sqlite") {
      WARN("ORCA_TEST_SKIPPED: ORCA_TEST_BACKENDS=sqlite opts out of the PostgreSQL driver tests");
      return std::nullopt;
    }
    const char* text = std::getenv("ORCA_TEST_POSTGRESQL_URL");
    if (text == nullptr || *text == '\0')
      FAIL(
          "ORCA_TEST_POSTGRESQL_URL is not set: run scripts/test.sh (it starts a throwaway "
          "PostgreSQL), or start one with `URL=$(scripts/pg-throwaway.sh start DIR)` and "
          "export ORCA_TEST_POSTGRESQL_URL=$URL, or set ORCA_TEST_BACKENDS=sqlite");
    static std::atomic<int> counter{0};
    test_database db;
    db.server_ = orca::parse_url(text);
    db.schema_ = "pgtest_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    db.admin_ = drivers::open_postgresql(db.server_, {});
    db.admin_->execute_script("DROP SCHEMA IF EXISTS " + db.schema_ + " CASCADE; CREATE SCHEMA " + db.schema_);
    return db;
  }

  test_database(test_database&&) = default;
  ~test_database() {
    if (admin_ != nullptr && !admin_->is_broken()) {
      try {
        admin_->execute_script("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      } catch (const orca::error&) {  // a test left a lock behind: the schema stays
      }
    }
  }

  /// The server's URL with the schema first on the search path.
  orca::url target() const {
    auto target = server_;
    target.query["options"] = "-csearch_path=" + schema_;
    return target;
  }
  /// The server's URL as given.
  const orca::url& server() const { return server_; }
  /// A new connection into the schema.
  std::unique_ptr<drivers::connection> connect(const drivers::connection_options& options = {}) const {
    return drivers::open_postgresql(target(), options);
  }

private:
  test_database() = default;

  orca::url server_;
  std::string schema_;
  std::unique_ptr<drivers::connection> admin_;
};

/// The orca::error a call throws; fails the test if it throws nothing.
template <class Call>
orca::error error_from(Call&& call) {
  try {
    call();
  } catch (const orca::error& failed) {
    return failed;
  }
  FAIL("expected an orca::error, but the call succeeded");
  return orca::error{errc::none, ""};
}

/// The number of rows in a table, read through `conn`.
inline std::int64_t count_rows(drivers::connection& conn, const std::string& table) {
  return conn.execute("SELECT count(*) FROM " + table).at(0, 0).as_integer();
}

/// A timestamp from a day and a time of day.
inline orca::timestamp at(std::chrono::sys_days day, std::chrono::microseconds time_of_day) {
  return orca::timestamp{day} + time_of_day;
}

}  // namespace orca::test::postgresql
