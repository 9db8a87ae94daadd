// The SQLite backend: sqlite_connection, its cursors, and open_sqlite().
// Reached through drivers::connect(); statements and their cache live in sqlite_statement.
#include "orca/drivers/sqlite_connection.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "orca/drivers/error.hpp"
#include "sqlite_statement.hpp"

namespace orca::drivers {

namespace {

class sqlite_connection;

// Runs a backend call; errors thrown inside it (prepare and bind throw from
// sqlite_statement) mark the connection broken when they are I/O or corruption errors.
template <class Call>
auto marking_broken(bool& broken, Call&& call) {
  try {
    return call();
  } catch (const error& failed) {
    broken = broken || failed.details().connection_poisoned;
    throw;
  }
}

// A cursor steps its own statement, so several may be open at once: the cache lends each
// cursor its entry exclusively (or the cursor prepares a private one), and a plain execute
// never touches a statement a cursor is in the middle of.
//
// States: open --a step hits the end--> exhausted (statement given back at once, releasing
// SQLite's read lock); open/exhausted --close()--> closed; any --connection destroyed-->
// detached. A cursor must not outlive its connection; if it does, the connection detaches
// it first, so a late fetch throws errc::closed instead of touching freed memory.
class sqlite_cursor final : public cursor {
public:
  sqlite_cursor(sqlite_connection& owner, sqlite::statement_lease lease);
  ~sqlite_cursor() override { close(); }

  bool fetch(std::size_t max_rows, rowset& out) override;
  void close() noexcept override;
  /// Called by the connection as it closes: gives the statement back, forgets the owner.
  void detach() noexcept;

private:
  enum class state { open, exhausted, closed, detached };

  sqlite_connection* owner_;
  sqlite::statement_lease lease_;
  std::vector<std::string> columns_;
  int width_ = 0;
  bool columns_sent_ = false;
  bool row_pending_ = false;  // the first step found a row that no fetch has read yet
  state state_ = state::open;
};

class sqlite_connection final : public connection {
public:
  sqlite_connection(sqlite3* db, const connection_options& options)
      : connection(options), db_(db), cache_(options.statement_cache_size) {
    if (options.statement_timeout.count() > 0) sqlite3_progress_handler(db_, 1000, &past_deadline, this);
    // Replaces the auto-checkpoint (itself a WAL hook): the checkpoint runs elsewhere.
    if (options.sqlite_checkpoint_needed) sqlite3_wal_hook(db_, &wal_committed, this);
  }

  /// Starts the statement timeout for the statement about to run.
  void arm() noexcept {
    if (options().statement_timeout.count() > 0)
      deadline_ = std::chrono::steady_clock::now() + options().statement_timeout;
  }

  ~sqlite_connection() override {
    for (auto* open : cursors_) open->detach();
    cache_.clear();
    sqlite3_close_v2(db_);
  }

  const dialect& sql_dialect() const noexcept override { return sqlite_dialect(); }
  bool in_transaction() const noexcept override { return sqlite3_get_autocommit(db_) == 0; }
  bool is_broken() const noexcept override { return broken_; }
  // sqlite3_interrupt is the one SQLite call documented as safe from any thread.
  void interrupt() noexcept override { sqlite3_interrupt(db_); }
  std::int64_t last_insert_id() override { return sqlite3_last_insert_rowid(db_); }

  bool ping() noexcept override {
    return !broken_ && sqlite3_exec(db_, "SELECT 1", nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  /// The error for a failed call; marks the connection broken if the error poisons it.
  error failure(int rc, std::string_view sql) {
    if (rc == SQLITE_INTERRUPT && options().statement_timeout.count() > 0 &&
        std::chrono::steady_clock::now() >= deadline_)
      return error{errc::request_timeout,
                   fmt::format("the statement ran longer than its timeout ({} ms) and was interrupted",
                               options().statement_timeout.count()),
                   error_details{std::string{sql}, fmt::format("sqlite:{}", rc), {}, false}};
    auto failed = sqlite::make_error(db_, rc, sql);
    broken_ = broken_ || failed.details().connection_poisoned;
    return failed;
  }

  /// Stops tracking a cursor that closed itself.
  void forget(sqlite_cursor* closed) noexcept { std::erase(cursors_, closed); }

protected:
  // BEGIN IMMEDIATE takes the write lock up front, waiting up to the busy timeout: a
  // transaction that reads and then writes cannot fail with SQLITE_BUSY_SNAPSHOT when
  // another connection committed in between.
  void do_begin() override {
    static const params none;
    do_execute(options().sqlite_begin_immediate ? "BEGIN IMMEDIATE" : "BEGIN", none);
  }

  rowset do_execute(std::string_view sql, const params& parameters) override {
    arm();
    return marking_broken(broken_, [&] {
      auto lease = sqlite::checkout(db_, cache_, sql);
      auto* statement = lease.get();
      sqlite::bind_parameters(db_, statement, parameters, sqlite::binding_lifetime::borrowed);
      rowset result;
      auto changes_before = sqlite3_total_changes64(db_);
      // Columns are read after the first step: if the schema changed since the statement
      // was cached, that step re-prepares it and the columns before it would be stale.
      int rc = sqlite3_step(statement);
      int width = sqlite3_column_count(statement);
      if (width > 0) result.set_columns(sqlite::column_names(statement));
      if (rc == SQLITE_ROW && lease.last_rows() > 1) result.reserve_rows(lease.last_rows());
      for (; rc == SQLITE_ROW; rc = sqlite3_step(statement)) sqlite::read_row(statement, width, result);
      if (rc != SQLITE_DONE) throw failure(rc, sql);
      lease.set_last_rows(result.size());
      result.affected_rows = changes_of(changes_before);
      return result;
    });
  }

  std::int64_t do_execute_many(std::string_view sql, const std::vector<params>& sets) override {
    arm();
    return marking_broken(broken_, [&] {
      auto lease = sqlite::checkout(db_, cache_, sql);
      auto* statement = lease.get();
      std::int64_t total = 0;
      for (const auto& parameters : sets) {
        sqlite::bind_parameters(db_, statement, parameters, sqlite::binding_lifetime::borrowed);
        auto changes_before = sqlite3_total_changes64(db_);
        int rc = SQLITE_OK;
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        }
        if (rc != SQLITE_DONE) throw failure(rc, sql);
        total += changes_of(changes_before);
        sqlite3_reset(statement);
      }
      return total;
    });
  }

  std::unique_ptr<cursor> do_open_cursor(std::string_view sql, const params& parameters) override {
    arm();
    return marking_broken(broken_, [&] {
      auto lease = sqlite::checkout(db_, cache_, sql);
      // The cursor steps after this call returns: SQLite must copy text and blobs.
      sqlite::bind_parameters(db_, lease.get(), parameters, sqlite::binding_lifetime::copied);
      auto opened = std::make_unique<sqlite_cursor>(*this, std::move(lease));
      cursors_.push_back(opened.get());
      return std::unique_ptr<cursor>{std::move(opened)};
    });
  }

  void do_execute_script(std::string_view sql) override {
    arm();
    marking_broken(broken_, [&] {
      // Statement by statement rather than sqlite3_exec, so that an error names the one
      // statement of the script that failed.
      const char* position = sql.data();
      const char* end = sql.data() + sql.size();
      while (position < end) {
        sqlite3_stmt* raw = nullptr;
        const char* tail = nullptr;
        int rc = sqlite3_prepare_v2(db_, position, static_cast<int>(end - position), &raw, &tail);
        sqlite::statement_ptr statement{raw};
        // On a syntax error SQLite may stop the tail mid-statement: then quote the rest.
        auto statement_end = tail != nullptr && tail > position ? tail : end;
        std::string_view current{position, static_cast<std::size_t>(statement_end - position)};
        current.remove_prefix(std::min(current.find_first_not_of(" \t\r\n"), current.size()));
        if (rc != SQLITE_OK) throw failure(rc, current);
        if (statement == nullptr || tail == position) break;  // only blanks and comments were left
        position = tail;
        while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
        }
        if (rc != SQLITE_DONE) throw failure(rc, current);
      }
      return 0;
    });
  }

private:
  // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, even after a
  // SELECT or DDL: the total-changes counter tells whether this statement changed rows.
  std::int64_t changes_of(sqlite3_int64 total_before) const noexcept {
    return sqlite3_total_changes64(db_) != total_before ? sqlite3_changes64(db_) : 0;
  }

  // SQLite's WAL hook, after each commit: asks for a checkpoint once the WAL is large.
  static int wal_committed(void* self, sqlite3*, const char*, int pages) noexcept {
    if (pages >= 1000) static_cast<sqlite_connection*>(self)->options().sqlite_checkpoint_needed();
    return SQLITE_OK;
  }

  // SQLite's progress handler: a nonzero answer interrupts the running statement.
  static int past_deadline(void* self) noexcept {
    return std::chrono::steady_clock::now() >= static_cast<sqlite_connection*>(self)->deadline_ ? 1 : 0;
  }

  sqlite3* db_;
  sqlite::statement_cache cache_;
  std::vector<sqlite_cursor*> cursors_;
  bool broken_ = false;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
};

// The first step runs here, for two reasons: it re-prepares a cached statement whose
// schema changed (so the columns are right), and it reports errors such as a lock at open,
// where PostgreSQL's DECLARE reports them too.
sqlite_cursor::sqlite_cursor(sqlite_connection& owner, sqlite::statement_lease lease)
    : owner_(&owner), lease_(std::move(lease)) {
  auto* statement = lease_.get();
  int rc = sqlite3_step(statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw owner.failure(rc, sqlite3_sql(statement));
  columns_ = sqlite::column_names(statement);
  width_ = static_cast<int>(columns_.size());
  row_pending_ = rc == SQLITE_ROW;
  if (rc == SQLITE_DONE) {
    state_ = state::exhausted;
    lease_.release();
  }
}

bool sqlite_cursor::fetch(std::size_t max_rows, rowset& out) {
  if (state_ == state::closed || state_ == state::detached)
    throw error{errc::closed, state_ == state::closed ? "fetch from a closed cursor"
                                                      : "fetch from a cursor whose connection was closed"};
  if (!columns_sent_ || out.width() == 0) {
    out.set_columns(columns_);
    columns_sent_ = true;
  }
  if (state_ == state::exhausted) return false;
  owner_->arm();
  auto* statement = lease_.get();
  out.reserve_rows(out.size() + std::min<std::size_t>(max_rows, 4096));  // a batch fills without regrowing
  std::size_t appended = 0;
  while (appended < max_rows) {
    int rc = row_pending_ ? SQLITE_ROW : sqlite3_step(statement);
    row_pending_ = false;
    if (rc == SQLITE_ROW) {
      sqlite::read_row(statement, width_, out);
      ++appended;
      continue;
    }
    if (rc == SQLITE_DONE) {
      state_ = state::exhausted;
      lease_.release();
      break;
    }
    // Take the message before the reset in close() clears it; a failed cursor is closed,
    // since stepping its statement again would restart the query.
    auto failed = owner_->failure(rc, sqlite3_sql(statement));
    close();
    throw failed;
  }
  return appended > 0 || (max_rows == 0 && state_ == state::open);
}

void sqlite_cursor::close() noexcept {
  if (state_ == state::closed || state_ == state::detached) return;
  lease_.release();
  owner_->forget(this);
  state_ = state::closed;
}

void sqlite_cursor::detach() noexcept {
  lease_.release();
  owner_ = nullptr;
  state_ = state::detached;
}

// Runs one configuration statement while opening; any failure (e.g. the file is not a
// database, which SQLite only notices on first read) means the open failed.
// Runs one of the PRAGMAs that set a new connection up. While another connection of the same
// file closes (its last close checkpoints and removes the WAL), SQLite can answer SQLITE_BUSY
// without calling the busy handler: such an answer is retried for up to `patience`.
void configure(sqlite3* db, const char* sql, const std::string& path, std::chrono::milliseconds patience) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  for (auto pause = std::chrono::milliseconds{1};
       (rc & 0xff) == SQLITE_BUSY && std::chrono::steady_clock::now() < deadline;
       pause = std::min(pause * 2, std::chrono::milliseconds{20})) {
    sqlite3_free(std::exchange(message, nullptr));
    std::this_thread::sleep_for(pause);
    rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  }
  if (rc == SQLITE_OK) return;
  std::string reason = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  throw error{errc::connection_failed, fmt::format("cannot open SQLite database '{}': {}", path, reason),
              error_details{sql, fmt::format("sqlite:{}", rc), {}, false}};
}

}  // namespace

std::unique_ptr<connection> open_sqlite(const url& target, const connection_options& options) {
  // ":memory:" gives every connection its own private database, as `sqlite://` promises;
  // a relative path is resolved by SQLite against the process's working directory.
  std::string path = target.is_memory() ? std::string{":memory:"} : target.database;
  sqlite3* raw = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (its actor's), so SQLite's
  // per-connection mutex would only cost.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db{raw, &sqlite3_close_v2};
  if (rc != SQLITE_OK)
    throw error{errc::connection_failed,
                fmt::format("cannot open SQLite database '{}': {}", path,
                            raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
                error_details{{}, fmt::format("sqlite:{}", rc), {}, false}};
  sqlite3_extended_result_codes(db.get(), 1);
  // Switching a new file to WAL takes an exclusive lock, so connections opened at the same
  // moment wait for each other here, even where the caller handles lock waits itself
  // (busy_timeout 0): up to a second, once per connection.
  auto patience = std::max(options.busy_timeout, std::chrono::milliseconds{1000});
  sqlite3_busy_timeout(db.get(), static_cast<int>(patience.count()));
  configure(db.get(), "PRAGMA foreign_keys=ON", path, patience);
  if (!target.is_memory()) {
    // WAL lets readers run while one connection writes; NORMAL is durable enough in WAL
    // (a power cut may lose the last commits, never corrupt the file).
    configure(db.get(), "PRAGMA journal_mode=WAL", path, patience);
    configure(db.get(), "PRAGMA synchronous=NORMAL", path, patience);
  }
  sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
  return std::make_unique<sqlite_connection>(db.release(), options);
}

}  // namespace orca::drivers
