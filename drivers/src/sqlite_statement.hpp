// SQLite prepared statements: the RAII handle, binding and reading values, the LRU cache
// of statements and the mapping of SQLite result codes to orca::error.
// Private to the SQLite backend (sqlite_connection.cpp); not installed.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sqlite3.h>

#include "orca/drivers/error.hpp"
#include "orca/drivers/rowset.hpp"
#include "orca/drivers/value.hpp"

namespace orca::drivers::sqlite {

/// Finalizes a statement when its owner lets go of it.
struct statement_deleter {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

/// An owned prepared statement.
using statement_ptr = std::unique_ptr<sqlite3_stmt, statement_deleter>;

/// The orca::error for a failed SQLite call: errc from the extended result code `rc`,
/// message from sqlite3_errmsg, SQL and "sqlite:<code>" in the details.
error make_error(sqlite3* db, int rc, std::string_view sql);

/// Prepares one statement; throws orca::error if SQLite rejects it.
statement_ptr prepare(sqlite3* db, std::string_view sql);

/// How long bound text and blobs must stay valid.
enum class binding_lifetime {
  borrowed,  ///< the parameters outlive every step (execute): SQLite reads them in place
  copied,    ///< the statement is stepped later (cursor): SQLite copies them
};

/// Binds `parameters` to the statement's placeholders in order; throws invalid_argument if
/// the counts differ, so that no value of a previous execution is silently reused.
void bind_parameters(sqlite3* db, sqlite3_stmt* statement, const params& parameters, binding_lifetime lifetime);

/// The statement's column names, in select-list order.
std::vector<std::string> column_names(sqlite3_stmt* statement);

/// Appends the current row's `columns` cells to `out`.
void read_row(sqlite3_stmt* statement, int columns, rowset& out);

/// The prepared statements of one connection, keyed by SQL text, least recently used
/// evicted first. An entry in use (by a running execute or an open cursor) is never handed
/// out twice nor evicted.
class statement_cache {
public:
  /// One cached statement.
  struct entry {
    std::string sql;
    statement_ptr statement;
    bool in_use = false;
    /// Rows its last execution returned: the next one makes room for as many at once
    /// instead of growing its rows by doubling (an IN batch of a selectin load, again).
    std::size_t last_rows = 0;
  };

  /// A cache holding at most `capacity` statements that are not in use (0: no caching).
  explicit statement_cache(std::size_t capacity) : capacity_(capacity) {}
  statement_cache(const statement_cache&) = delete;
  statement_cache& operator=(const statement_cache&) = delete;

  /// The entry for `sql`, now the most recently used; nullptr if there is none.
  entry* find(std::string_view sql);
  /// Adds a statement (marked in use) and evicts the least recently used idle entries;
  /// nullptr when the capacity is 0, in which case `statement` was finalized.
  entry* insert(std::string_view sql, statement_ptr statement);
  /// Finalizes every statement; no entry may be in use.
  void clear() noexcept;
  /// Number of statements held.
  std::size_t size() const noexcept { return entries_.size(); }
  /// The most statements kept idle.
  std::size_t capacity() const noexcept { return capacity_; }

private:
  void evict();

  std::size_t capacity_;
  std::list<entry> entries_;  // most recently used first; nodes never move, keys stay valid
  std::unordered_map<std::string_view, std::list<entry>::iterator> index_;
};

/// Exclusive use of one prepared statement, either borrowed from the cache (reset and
/// given back on release) or owned (finalized on release).
class statement_lease {
public:
  statement_lease() = default;
  /// Borrows a cache entry and marks it in use.
  explicit statement_lease(statement_cache::entry& borrowed) noexcept;
  /// Owns a statement that is not in the cache.
  explicit statement_lease(statement_ptr owned) noexcept;
  statement_lease(statement_lease&& other) noexcept;
  statement_lease& operator=(statement_lease&& other) noexcept;
  ~statement_lease() { release(); }

  /// The statement, or nullptr once released.
  sqlite3_stmt* get() const noexcept { return statement_; }
  /// Resets and returns a borrowed statement, finalizes an owned one.
  void release() noexcept;
  /// Rows the statement's last execution returned (0 if unknown).
  std::size_t last_rows() const noexcept { return borrowed_ != nullptr ? borrowed_->last_rows : 0; }
  /// Records the rows this execution returned, for the next one.
  void set_last_rows(std::size_t rows) noexcept {
    if (borrowed_ != nullptr) borrowed_->last_rows = rows;
  }

private:
  sqlite3_stmt* statement_ = nullptr;
  statement_cache::entry* borrowed_ = nullptr;
  statement_ptr owned_;
};

/// A statement for `sql`: the cached one if it is idle, else a fresh one (cached when the
/// SQL is new, private when the cached one is in use by a cursor).
statement_lease checkout(sqlite3* db, statement_cache& cache, std::string_view sql);

}  // namespace orca::drivers::sqlite
