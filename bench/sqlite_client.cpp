// The raw SQLite baseline's connection and statement wrappers; the settings mirror orca's
// SQLite driver (drivers/src/sqlite_connection.cpp) so that both sides run the same engine.
#include "sqlite_client.hpp"

#include <stdexcept>

namespace orca_bench::sqlite {

database::database(const std::string& path, int busy_timeout_ms) {
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    throw std::runtime_error("raw sqlite3: cannot open '" + path + "': " + reason);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
}

database::~database() { sqlite3_close_v2(db_); }

int database::try_exec(const char* sql) noexcept { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

void database::exec(const char* sql) { check(try_exec(sql), sql); }

void database::check(int rc, std::string_view what) const {
  int primary = rc & 0xff;
  if (primary == SQLITE_OK || primary == SQLITE_ROW || primary == SQLITE_DONE) return;
  throw std::runtime_error("raw sqlite3: " + std::string{what} + ": " + sqlite3_errmsg(db_) + " (code " +
                           std::to_string(rc) + ")");
}

statement::statement(database& db, const char* sql) : db_(db), sql_(sql) {
  db.check(sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr), sql);
}

statement::~statement() { sqlite3_finalize(stmt_); }

}  // namespace orca_bench::sqlite
