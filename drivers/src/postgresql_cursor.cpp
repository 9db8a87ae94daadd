// postgresql_cursor: a server-side cursor read with FETCH FORWARD n, closed with CLOSE.
// Opened by postgresql_connection::do_open_cursor through open_cursor().
#include "postgresql_cursor.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "orca/drivers/error.hpp"
#include "postgresql_result.hpp"

namespace orca::drivers::postgresql {

// States and transitions:
//   open --fetch() gets fewer rows than asked--> exhausted   (release(): CLOSE at once, so
//        the server frees the portal and an owned transaction ends as early as it can)
//   open --fetch() fails--> closed                            (release())
//   open | exhausted --close() / destructor--> closed         (release() if still open)
// The connection's non-blocking fetch (plan_fetch, take_fetched, fetch_failed) moves the
// same way but leaves the release, which may block, due: close() makes it.
//   open --take_fetched() gets fewer rows than asked--> exhausted, release due
//   open --fetch_failed()--> closed, release due
//   any --connection destroyed--> detached                     (detach(), nothing sent)
//   any --abandon()--> closed, nothing sent (the caller ends the transaction)
// fetch() on closed or detached throws errc::closed; on exhausted it returns false.
class postgresql_cursor final : public cursor {
public:
  postgresql_cursor(PGconn* conn, cursor_registry& registry, std::string name, std::string sql,
                    bool uses_owned_transaction)
      : conn_(conn),
        registry_(&registry),
        name_(std::move(name)),
        close_sql_("CLOSE " + name_),
        sql_(std::move(sql)),
        epoch_(registry.transaction_epoch),
        uses_owned_transaction_(uses_owned_transaction) {}
  ~postgresql_cursor() override { close(); }

  bool fetch(std::size_t max_rows, rowset& out) override;
  void close() noexcept override;
  fetch_plan plan(std::size_t max_rows);
  bool take(const PGresult* result, std::size_t max_rows, rowset& out);
  void failed() noexcept {
    if (state_ == state::open || state_ == state::exhausted) release_due_ = true;
    if (state_ != state::detached) state_ = state::closed;
  }
  /// The transaction is ending (or the connection closing): forget the cursor, send nothing.
  void abandon() noexcept override {
    if (registry_ != nullptr) std::erase(registry_->open, this);
    if (state_ != state::detached) state_ = state::closed;
    registry_ = nullptr;
    conn_ = nullptr;
  }
  /// The connection is closing: forget it without sending anything.
  void detach() noexcept {
    conn_ = nullptr;
    registry_ = nullptr;
    state_ = state::detached;
  }

private:
  enum class state { open, exhausted, closed, detached };

  bool transaction_current() const noexcept {
    return registry_->transaction_epoch == epoch_ && PQstatus(conn_) == CONNECTION_OK;
  }
  void release() noexcept;

  PGconn* conn_;
  cursor_registry* registry_;
  std::string name_;
  std::string close_sql_;  ///< built up front: close() is noexcept and must not allocate
  std::string sql_;        ///< the query, for error messages
  std::vector<std::string> columns_;
  std::uint64_t epoch_;
  bool uses_owned_transaction_;
  bool binary_ = false;  ///< fetch in binary (binary_decodable said so of the first batch)
  state state_ = state::open;
  bool release_due_ = false;  ///< ended by a non-blocking fetch: close() releases
};

// The blocking fetch: the non-blocking steps (plan, take, failed) with PQexecParams between
// them, and the release they leave due made at once.
bool postgresql_cursor::fetch(std::size_t max_rows, rowset& out) {
  auto next = plan(max_rows);
  if (next.sql.empty()) {
    if (out.width() == 0 && next.rows.width() != 0) out.set_columns(next.rows.columns());
    return next.more;
  }
  result_ptr result{PQexecParams(conn_, next.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, next.binary ? 1 : 0)};
  if (!succeeded(result.get())) {
    auto failure = make_error(conn_, result.get(), sql_);
    registry_->observe(conn_);
    failed();
    if (std::exchange(release_due_, false)) release();
    throw failure;
  }
  bool more = take(result.get(), max_rows, out);
  if (std::exchange(release_due_, false)) release();
  return more;
}

void postgresql_cursor::close() noexcept {
  if (state_ == state::open || std::exchange(release_due_, false)) release();
  if (state_ != state::detached) state_ = state::closed;
}

fetch_plan postgresql_cursor::plan(std::size_t max_rows) {
  if (state_ == state::closed || state_ == state::detached)
    throw error{errc::closed, state_ == state::closed ? "fetch from a closed cursor"
                                                      : "fetch from a cursor whose connection was closed"};
  fetch_plan p;
  if (!columns_.empty()) p.rows.set_columns(columns_);
  if (state_ == state::exhausted || max_rows == 0) {
    p.more = state_ == state::open;
    return p;
  }
  if (!transaction_current()) {
    release();  // sends nothing: the transaction, and the cursor with it, are gone
    state_ = state::closed;
    throw error{errc::closed, "cursor over '" + sql_ +
                                  "' is gone: its transaction ended (PostgreSQL closes "
                                  "cursors at COMMIT/ROLLBACK); read it before ending the transaction"};
  }
  p.sql = "FETCH FORWARD " + std::to_string(max_rows) + " FROM " + name_;
  // The first batch comes in text; if its column types read the same in binary, the next
  // ones come in binary (a FETCH's own result format overrides the cursor's).
  p.binary = binary_;
  return p;
}

bool postgresql_cursor::take(const PGresult* result, std::size_t max_rows, rowset& out) {
  auto rows = static_cast<std::size_t>(PQntuples(result));
  if (out.width() == 0 && !columns_.empty()) out.set_columns(columns_);
  append_rows(result, out);
  if (!binary_) binary_ = binary_decodable(result);
  if (columns_.empty()) columns_ = out.columns();
  if (rows < max_rows) {
    state_ = state::exhausted;
    release_due_ = true;
  }
  return rows > 0;
}

fetch_plan plan_fetch(cursor& from, std::size_t max_rows) {
  return static_cast<postgresql_cursor&>(from).plan(max_rows);
}

bool take_fetched(cursor& from, const PGresult* result, std::size_t max_rows, rowset& out) {
  return static_cast<postgresql_cursor&>(from).take(result, max_rows, out);
}

void fetch_failed(cursor& from) noexcept { static_cast<postgresql_cursor&>(from).failed(); }

// Frees the server-side cursor and this cursor's hold on a cursor-owned transaction.
// Nothing is sent once the transaction has ended (the cursor is gone with it) or failed
// (the server would refuse anything but ROLLBACK); errors are ignored, there is no one to
// tell in a destructor.
void postgresql_cursor::release() noexcept {
  if (registry_ == nullptr) return;
  std::erase(registry_->open, this);
  if (!transaction_current()) return;
  if (PQtransactionStatus(conn_) == PQTRANS_INTRANS) PQclear(PQexec(conn_, close_sql_.c_str()));
  if (!uses_owned_transaction_) return;
  uses_owned_transaction_ = false;
  auto& users = registry_->owned_transaction_users;
  if (users > 0 && --users == 0 && registry_->cursor_owns_transaction) {
    PQclear(PQexec(conn_, PQtransactionStatus(conn_) == PQTRANS_INERROR ? "ROLLBACK" : "COMMIT"));
    registry_->observe(conn_);
  }
}

void cursor_registry::observe(PGconn* conn) noexcept {
  if (PQtransactionStatus(conn) != PQTRANS_IDLE) return;
  ++transaction_epoch;
  cursor_owns_transaction = false;
  owned_transaction_users = 0;
}

std::unique_ptr<cursor> open_cursor(PGconn* conn, cursor_registry& registry, parameter_buffer& buffer,
                                    std::string_view sql, const params& parameters) {
  if (PQtransactionStatus(conn) == PQTRANS_IDLE) {
    check(conn, result_ptr{PQexec(conn, "BEGIN")}, "BEGIN");
    registry.cursor_owns_transaction = true;
    registry.owned_transaction_users = 0;
  }
  bool uses_owned_transaction = registry.cursor_owns_transaction;
  auto name = "orca_cur_" + std::to_string(++registry.last_cursor);

  // DECLARE takes one query; a trailing ';' would make it two statements.
  auto query = sql;
  while (!query.empty() && (query.back() == ';' || query.back() == ' ' || query.back() == '\n' ||
                            query.back() == '\t' || query.back() == '\r'))
    query.remove_suffix(1);
  std::string declare = "DECLARE " + name + " NO SCROLL CURSOR FOR ";
  declare.append(query);

  buffer.bind(parameters);
  result_ptr result{PQexecParams(conn, declare.c_str(), buffer.count(), buffer.types(), buffer.values(),
                                 buffer.lengths(), buffer.formats(), 0)};
  if (!succeeded(result.get())) {
    auto failed = make_error(conn, result.get(), sql);
    // A transaction begun for this cursor alone ends with it.
    if (uses_owned_transaction && registry.owned_transaction_users == 0 && PQstatus(conn) == CONNECTION_OK)
      PQclear(PQexec(conn, "ROLLBACK"));
    registry.observe(conn);
    throw failed;
  }
  if (uses_owned_transaction) ++registry.owned_transaction_users;
  auto opened = std::make_unique<postgresql_cursor>(conn, registry, std::move(name), std::string{sql},
                                                    uses_owned_transaction);
  registry.open.push_back(opened.get());
  return opened;
}

void detach_cursors(cursor_registry& registry) noexcept {
  for (auto* open : registry.open) open->detach();
  registry.open.clear();
}

}  // namespace orca::drivers::postgresql
