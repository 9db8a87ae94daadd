// Thin RAII over the sqlite3 C API for the raw SQLite baseline: a connection configured as
// orca configures its own, and prepared statements. Used by sqlite_phases.cpp only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace orca_bench::sqlite {

/// One sqlite3 connection, opened the way orca's driver opens one: WAL, synchronous=NORMAL,
/// foreign_keys=ON, the same busy timeout, no per-connection mutex.
class database {
public:
  /// Opens `path`; throws std::runtime_error saying why it cannot.
  database(const std::string& path, int busy_timeout_ms);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// The handle for the C API.
  sqlite3* get() const noexcept { return db_; }
  /// Runs SQL without parameters; throws on failure.
  void exec(const char* sql);
  /// Runs SQL without parameters; returns the SQLite result code instead of throwing.
  int try_exec(const char* sql) noexcept;
  /// Throws std::runtime_error naming `what` and SQLite's message if rc is not OK/ROW/DONE.
  void check(int rc, std::string_view what) const;

private:
  sqlite3* db_ = nullptr;
};

/// A prepared statement (SQLITE_PREPARE_PERSISTENT: it is reused many times).
class statement {
public:
  statement(database& db, const char* sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  /// The handle for the C API.
  sqlite3_stmt* get() const noexcept { return stmt_; }
  /// Binds an integer to parameter `index` (1-based).
  void bind(int index, std::int64_t x) { db_.check(sqlite3_bind_int64(stmt_, index, x), sql_); }
  /// Binds text that outlives the next step() (no copy).
  void bind(int index, std::string_view x) {
    db_.check(sqlite3_bind_text(stmt_, index, x.data(), static_cast<int>(x.size()), SQLITE_STATIC), sql_);
  }
  /// Steps once; true if a row is available; throws on error.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) db_.check(rc, sql_);
    return false;
  }
  /// Steps once; returns the raw result code (for busy handling).
  int try_step() noexcept { return sqlite3_step(stmt_); }
  /// Resets for the next execution (bindings are kept).
  void reset() noexcept { sqlite3_reset(stmt_); }
  /// Column `i` as an integer.
  std::int64_t integer(int i) const noexcept { return sqlite3_column_int64(stmt_, i); }
  /// Column `i` as text (valid until the next step/reset). The column is looked up once, as
  /// orca's driver does (each sqlite3_column_* call looks it up again).
  std::string_view text(int i) const noexcept {
    auto* cell = sqlite3_column_value(stmt_, i);
    auto* p = reinterpret_cast<const char*>(sqlite3_value_text(cell));
    return p == nullptr ? std::string_view{} : std::string_view{p, static_cast<std::size_t>(sqlite3_value_bytes(cell))};
  }
  /// True if column `i` is NULL.
  bool is_null(int i) const noexcept { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

private:
  database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  const char* sql_;
};

}  // namespace orca_bench::sqlite
