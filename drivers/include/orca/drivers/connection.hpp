// orca::drivers::connection: one open database connection, the contract every backend
// implements. The actors layer owns one per connection actor; tests use it directly.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "orca/drivers/cursor.hpp"
#include "orca/drivers/dialect.hpp"
#include "orca/drivers/error.hpp"
#include "orca/drivers/io_wait.hpp"
#include "orca/drivers/rowset.hpp"
#include "orca/drivers/url.hpp"
#include "orca/drivers/value.hpp"

namespace orca::drivers {

/// Options that apply to every connection an engine opens.
struct connection_options {
  bool echo = false;                             ///< log every statement (orca.sql)
  std::chrono::milliseconds busy_timeout{5000};  ///< SQLite: wait on locks this long
  std::chrono::seconds connect_timeout{10};      ///< PostgreSQL: give up connecting
  std::size_t statement_cache_size = 128;        ///< prepared statements kept
  /// SQLite: begin transactions with BEGIN IMMEDIATE (writers queue on the busy timeout
  /// instead of failing with "database is locked" when they read before writing).
  bool sqlite_begin_immediate = true;
  /// SQLite: a statement (or a cursor's fetch) running longer than this is interrupted
  /// and fails with errc::request_timeout (0: never). Checked inside SQLite's VM, so it
  /// needs no timer and no other thread.
  std::chrono::milliseconds statement_timeout{0};
  /// SQLite in WAL mode: when set, the connection never checkpoints inside its own COMMIT
  /// (SQLite's auto-checkpoint is replaced); instead this is called, on the committing
  /// thread, after each commit that leaves at least 1,000 pages in the WAL, so that a
  /// checkpoint can run elsewhere. It must be cheap and must not throw.
  std::function<void()> sqlite_checkpoint_needed{};
};

/// One database connection. Not thread-safe: one thread uses it at a time (a connection
/// actor's), except interrupt(), which any thread may call.
///
/// Public calls log (echo) and time the statement, then call the backend's do_* hook.
/// Failures throw orca::error carrying the SQL and the backend's code.
class connection {
public:
  explicit connection(connection_options options) : options_(std::move(options)) {}
  virtual ~connection() = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// The backend's SQL spelling.
  virtual const dialect& sql_dialect() const noexcept = 0;

  /// Runs one statement with bound parameters (prepared and cached) and returns its rows
  /// (RETURNING rows for DML) and affected-row count.
  rowset execute(std::string_view sql, const params& parameters = {});
  /// Runs one statement once per parameter set (prepared once); returns the total
  /// affected rows. Uses pipelining where the backend has it.
  std::int64_t execute_many(std::string_view sql, const std::vector<params>& parameter_sets);
  /// Runs several statements, one parameter set each, returning each one's rows; the
  /// backend may pipeline them (one round trip) where it can.
  std::vector<rowset> execute_batch(const std::vector<std::pair<std::string, params>>& statements);
  /// Runs the statements as execute_batch() does, then COMMIT, in one round trip where the
  /// backend pipelines (PostgreSQL: the statements and COMMIT in one pipeline). A statement
  /// given an expected row count (`expected_rows[i] >= 0`; the vector is empty or one per
  /// statement) must be an UPDATE or DELETE without RETURNING: if it affects another number
  /// of rows, the call fails with stale_data before COMMIT runs. When a statement fails,
  /// nothing is committed and the transaction stays open (PostgreSQL: aborted) for a
  /// rollback; when COMMIT fails, it fails as commit() does. Each statement's rows come back
  /// as from execute_batch(); a checked statement's are empty, with its expected count.
  std::vector<rowset> execute_batch_and_commit(const std::vector<std::pair<std::string, params>>& statements,
                                               const std::vector<std::int64_t>& expected_rows);
  /// Opens a cursor over a query; several may be open at once on one connection.
  std::unique_ptr<cursor> open_cursor(std::string_view sql, const params& parameters = {});
  /// Runs SQL text without parameters (DDL, several statements allowed on SQLite).
  void execute_script(std::string_view sql);

  /// BEGIN; throws invalid_state if a transaction is already open.
  void begin();
  /// COMMIT.
  void commit();
  /// ROLLBACK (a no-op when no transaction is open).
  void rollback();
  /// SAVEPOINT name.
  void savepoint(std::string_view name);
  /// RELEASE SAVEPOINT name.
  void release_savepoint(std::string_view name);
  /// ROLLBACK TO SAVEPOINT name.
  void rollback_to_savepoint(std::string_view name);
  /// True while a transaction is open.
  virtual bool in_transaction() const noexcept = 0;

  /// A cheap round trip (SELECT 1); false if the connection is unusable.
  virtual bool ping() noexcept = 0;
  /// True once the connection is known to be broken (server closed it, I/O error).
  virtual bool is_broken() const noexcept = 0;
  /// For a connection outside a transaction, or in one that sent nothing yet
  /// (begin_pending()): false if it is found dead without sending anything (PostgreSQL: the
  /// server closed it, e.g. at a restart). A pool calls it before lending an idle
  /// connection; true where the backend cannot tell (SQLite: always alive).
  virtual bool is_alive_without_io() noexcept { return !is_broken(); }
  /// True when begin() was called and nothing of the transaction has been sent yet
  /// (PostgreSQL sends BEGIN with the transaction's first statement): the transaction may
  /// still move to a new connection. Always false on SQLite, whose BEGIN runs at once.
  virtual bool begin_pending() const noexcept { return false; }
  /// Cancels the statement running on this connection. Thread-safe.
  virtual void interrupt() noexcept = 0;
  /// The server's id of the transaction this connection is in, or of the one whose COMMIT
  /// it sent last, once known; kept after a COMMIT that got no answer, so that its outcome
  /// can be looked up. PostgreSQL learns it (txid_current()) with the transaction's first
  /// statement that may write, in the same round trip; empty elsewhere (SQLite).
  virtual std::optional<std::int64_t> transaction_id() const noexcept { return std::nullopt; }
  /// The rowid / key generated by the last single-row INSERT on this connection.
  virtual std::int64_t last_insert_id() = 0;

  /// The options the connection was opened with.
  const connection_options& options() const noexcept { return options_; }

  // Non-blocking calls, for callers that wait on the socket themselves (the connection
  // actors). Where the backend can (PostgreSQL: socket() >= 0), start_*() sends what the
  // socket takes and returns what the call waits for; once the socket is ready for that,
  // advance() goes on, until io_wait::done; then the matching finish_*() gives the result or
  // throws the call's error, exactly as the blocking call would. One call at a time; its
  // arguments must outlive it. Elsewhere (SQLite) start_*() runs the call at once.

  /// The socket to wait on; -1 when calls never wait (they finish in start_*()).
  virtual int socket() const noexcept { return -1; }
  io_wait start_execute(std::string_view sql, const params& parameters);                       ///< then finish_rows()
  io_wait start_execute_many(std::string_view sql, const std::vector<params>& sets);           ///< finish_count()
  io_wait start_execute_batch(const std::vector<std::pair<std::string, params>>& statements);  ///< finish_rowsets()
  /// execute_batch_and_commit() without blocking: then finish_rowsets().
  io_wait start_execute_batch_and_commit(const std::vector<std::pair<std::string, params>>& statements,
                                         const std::vector<std::int64_t>& expected_rows);
  io_wait start_begin();     ///< then finish(); throws invalid_state in a transaction
  io_wait start_commit();    ///< then finish()
  io_wait start_rollback();  ///< then finish(); nothing is sent outside a transaction
  /// The next rows of a cursor of this connection (its fetch(), without blocking where the
  /// backend can): then finish_fetch(). A cursor whose fetch ended it (no more rows, or an
  /// error) may still owe the server a CLOSE: close() it where blocking is allowed.
  io_wait start_fetch(cursor& from, std::size_t max_rows);
  /// Goes on with the call in flight once the socket is ready.
  io_wait advance();
  rowset finish_rows();
  std::int64_t finish_count();
  std::vector<rowset> finish_rowsets();
  /// The fetched rows, and whether more may follow (as cursor::fetch() returns).
  std::pair<rowset, bool> finish_fetch();
  void finish();

protected:
  /// A call of the non-blocking API: what it is, its arguments and, once done, its result.
  struct call {
    enum class kind : std::uint8_t { none, execute, many, batch, batch_commit, begin, commit, rollback, fetch };
    kind what = kind::none;
    std::string_view sql;
    const params* parameters = nullptr;
    const std::vector<params>* sets = nullptr;
    const std::vector<std::pair<std::string, params>>* statements = nullptr;
    const std::vector<std::int64_t>* expected_rows = nullptr;  ///< batch_commit: empty, or one per statement
    cursor* fetched = nullptr;                                 ///< fetch: the cursor
    std::size_t max_rows = 0;                                  ///< fetch: at most this many rows
    std::variant<std::monostate, rowset, std::int64_t, std::vector<rowset>, std::pair<rowset, bool>> result;
    std::exception_ptr error;
    std::chrono::steady_clock::time_point started;
  };
  /// Starts `c` (result or exception when it finishes at once). The default runs the
  /// blocking do_* call.
  virtual io_wait do_start(call& c);
  /// Goes on with `c`; throws its error. The default is never called (calls finish at once).
  virtual io_wait do_advance(call& c);

  virtual rowset do_execute(std::string_view sql, const params& parameters) = 0;
  virtual std::int64_t do_execute_many(std::string_view sql, const std::vector<params>& sets) = 0;
  virtual std::vector<rowset> do_execute_batch(const std::vector<std::pair<std::string, params>>& statements);
  /// The default runs the statements one by one, checks the expected counts, then commits.
  virtual std::vector<rowset> do_execute_batch_and_commit(const std::vector<std::pair<std::string, params>>& statements,
                                                          const std::vector<std::int64_t>& expected_rows);
  virtual std::unique_ptr<cursor> do_open_cursor(std::string_view sql, const params& parameters) = 0;
  virtual void do_execute_script(std::string_view sql) = 0;
  /// Transaction control; the default implementations run the SQL through do_execute.
  virtual void do_begin();
  virtual void do_commit();
  virtual void do_rollback();

private:
  io_wait start(call::kind what);
  void echo_call();
  template <class T>
  T take();

  connection_options options_;
  call call_;
};

/// The stale_data error of a statement of execute_batch_and_commit() that affected
/// `affected` rows instead of `expected` (`affected` < 0: the backend did not say how many).
error unexpected_row_count(std::string_view sql, std::int64_t expected, std::int64_t affected);
/// Throws unexpected_row_count() for the first of `results` whose affected rows differ from
/// its statement's expected count (`expected_rows` as execute_batch_and_commit() takes it).
void check_row_counts(const std::vector<std::pair<std::string, params>>& statements,
                      const std::vector<std::int64_t>& expected_rows, const std::vector<rowset>& results);

/// Opens a connection to the database a URL names; throws orca::error
/// (connection_failed / invalid_url) saying why, the password never printed.
std::unique_ptr<connection> connect(const url& target, const connection_options& options = {});

}  // namespace orca::drivers
