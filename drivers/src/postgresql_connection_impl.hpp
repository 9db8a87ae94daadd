// postgresql_connection: the PostgreSQL backend of drivers::connection on libpq. Private to
// drivers/src: postgresql_connection.cpp has the connection's own calls and
// open_postgresql(), postgresql_calls.cpp the calls run as pipelines of commands.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "orca/config.hpp"
#include "orca/drivers/error.hpp"
#include "orca/drivers/postgresql_connection.hpp"
#include "postgresql_connect.hpp"
#include "postgresql_cursor.hpp"
#include "postgresql_parameters.hpp"
#include "postgresql_pipeline.hpp"
#include "postgresql_result.hpp"
#include "postgresql_statement_cache.hpp"

namespace orca::drivers::postgresql {

// One command of a pipeline the connection builds.
struct command {
  enum class kind : std::uint8_t { prepare, execute, simple, deallocate, transaction_id, fetch };
  kind what;
  std::size_t statement;         ///< the caller's statement / parameter set it serves
  prepared_statement* prepared;  ///< prepare, execute
  const params* parameters;      ///< execute
  std::string* text;             ///< simple, transaction_id, fetch: the statement; deallocate: "DEALLOCATE orca_N"
};

struct failed_command {
  std::size_t index;  ///< into the command list
  orca::error error;
};

// True unless the statement surely only reads: it does not begin with SELECT, SHOW, FETCH,
// VALUES or TABLE. A transaction learns its id with its first statement that may write.
bool may_write(std::string_view sql) noexcept;

inline bool discards_statements(std::string_view tag) {
  return tag.starts_with("DISCARD") || tag.starts_with("DEALLOCATE");
}

// Statements are always prepared and cached by SQL text (named "orca_N"), so a statement
// run again costs one round trip and no parse. A statement run for the first time is
// prepared and executed in one pipeline (one round trip too); execute_many and
// execute_batch pipeline everything. DEALLOCATEs of evicted statements ride along, after
// a sync point of their own, in the next pipeline.
//
// Transaction states follow PQtransactionStatus: idle --begin()--> in transaction
// --a statement fails--> failed --rollback()--> idle; commit() from in transaction --> idle,
// from failed throws pending_rollback. A cursor opened while idle begins a transaction the
// cursors own (see postgresql_cursor.hpp); in_transaction() does not report it, so that
// streaming outside a transaction behaves as on SQLite. The connection goes to broken
// (CONNECTION_BAD) when the server closes it; every error after that is connection_lost.
class postgresql_connection final : public connection {
public:
  postgresql_connection(connection_ptr conn, const connection_options& options)
      : connection(options),
        conn_(std::move(conn)),
        cancel_(PQgetCancel(conn_.get())),
        cache_(options.statement_cache_size) {}

  ~postgresql_connection() override {
    detach_cursors(cursors_);
    if (cancel_ != nullptr) PQfreeCancel(cancel_);
  }

  const dialect& sql_dialect() const noexcept override { return postgresql_dialect(); }

  bool in_transaction() const noexcept override {
    if (begin_pending_) return true;
    auto status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INERROR || (status == PQTRANS_INTRANS && !cursors_.cursor_owns_transaction);
  }

  // In a failed transaction SELECT 1 would fail; an empty query still makes a round trip.
  bool ping() noexcept override {
    if (PQstatus(conn_.get()) != CONNECTION_OK) return false;
    const char* probe = PQtransactionStatus(conn_.get()) == PQTRANS_INERROR ? "" : "SELECT 1";
    result_ptr result{PQexec(conn_.get(), probe)};
    return succeeded(result.get()) && PQstatus(conn_.get()) == CONNECTION_OK;
  }

  bool is_broken() const noexcept override { return broken_ || PQstatus(conn_.get()) == CONNECTION_BAD; }

  bool is_alive_without_io() noexcept override { return !broken_ && idle_connection_alive(conn_.get()); }

  bool begin_pending() const noexcept override { return begin_pending_; }

  // PQcancel on the PGcancel made at connect time is documented as thread-safe.
  void interrupt() noexcept override {
    char reason[256];
    if (cancel_ != nullptr) PQcancel(cancel_, reason, sizeof reason);
  }

  // lastval() is the session's last sequence value; the ORM reads generated keys through
  // INSERT ... RETURNING, which is exact even for multi-row inserts. This is for callers
  // that insert one row without RETURNING.
  std::optional<std::int64_t> transaction_id() const noexcept override { return xid_; }

  std::int64_t last_insert_id() override {
    send_pending_begin();
    auto result = run_simple("SELECT lastval()");
    return to_rowset(result.get()).at(0, 0).as_integer();
  }

protected:
  int socket() const noexcept override { return ORCA_HAVE_PQ_PIPELINE ? PQsocket(conn_.get()) : -1; }

  // The blocking calls are the non-blocking ones with a poll() in between.
  rowset do_execute(std::string_view sql, const params& parameters) override {
    call c;
    c.what = call::kind::execute;
    c.sql = sql;
    c.parameters = &parameters;
    drive(c);
    return std::get<rowset>(std::move(c.result));
  }

  std::int64_t do_execute_many(std::string_view sql, const std::vector<params>& sets) override {
    call c;
    c.what = call::kind::many;
    c.sql = sql;
    c.sets = &sets;
    drive(c);
    return std::get<std::int64_t>(c.result);
  }

  std::vector<rowset> do_execute_batch(const std::vector<std::pair<std::string, params>>& statements) override {
    call c;
    c.what = call::kind::batch;
    c.statements = &statements;
    drive(c);
    return std::get<std::vector<rowset>>(std::move(c.result));
  }

  std::vector<rowset> do_execute_batch_and_commit(const std::vector<std::pair<std::string, params>>& statements,
                                                  const std::vector<std::int64_t>& expected_rows) override {
    call c;
    c.what = call::kind::batch_commit;
    c.statements = &statements;
    c.expected_rows = &expected_rows;
    drive(c);
    return std::get<std::vector<rowset>>(std::move(c.result));
  }

  void do_begin() override { drive_simple(call::kind::begin); }
  void do_commit() override { drive_simple(call::kind::commit); }
  void do_rollback() override { drive_simple(call::kind::rollback); }

  // Every call is a pipeline of commands (prepare, execute, simple statement), so each
  // costs one round trip however many statements it carries.
  io_wait do_start(call& c) override {
    commands_.clear();
    collected_ = {};
    retry_prepared_ = false;
    expected_rows_ = nullptr;
    switch (c.what) {
      case call::kind::execute: plan_execute(c.sql, *c.parameters); break;
      case call::kind::many:
        if (c.sets->empty()) {
          c.result = std::int64_t{0};
          return io_wait::done;
        }
        plan_many(c.sql, *c.sets);
        break;
      case call::kind::batch:
        if (c.statements->empty()) {
          c.result = std::vector<rowset>{};
          return io_wait::done;
        }
        plan_batch(*c.statements);
        break;
      case call::kind::batch_commit:
        // The statements, then COMMIT: one pipeline, which a failed statement aborts before
        // COMMIT (start_commands()).
        check_commit();
        if (c.statements->empty() && std::exchange(begin_pending_, false)) {
          c.result = std::vector<rowset>{};  // nothing was sent: nothing to commit
          return io_wait::done;
        }
        expected_rows_ = c.expected_rows;
        plan_batch(*c.statements, c.expected_rows);
        break;
      case call::kind::begin:
        xid_.reset();
        // A transaction begun by a cursor becomes the caller's: nothing to send.
        if (cursors_.cursor_owns_transaction && PQtransactionStatus(conn_.get()) == PQTRANS_INTRANS) {
          cursors_.cursor_owns_transaction = false;
          return io_wait::done;
        }
        // BEGIN goes out with the transaction's first statement: no round trip of its own.
        begin_pending_ = true;
        return io_wait::done;
      case call::kind::commit:
        check_commit();
        if (std::exchange(begin_pending_, false)) return io_wait::done;  // nothing was sent: nothing to commit
        plan_simple("COMMIT");
        break;
      case call::kind::rollback:
        xid_.reset();
        if (std::exchange(begin_pending_, false)) return io_wait::done;
        plan_simple("ROLLBACK");
        break;
      case call::kind::fetch: {
        auto plan = postgresql::plan_fetch(*c.fetched, c.max_rows);
        if (plan.sql.empty()) {
          c.result = std::pair<rowset, bool>{std::move(plan.rows), plan.more};
          return io_wait::done;
        }
        fetch_sql_ = std::move(plan.sql);
        fetch_binary_ = plan.binary;
        commands_.push_back({command::kind::fetch, 0, nullptr, nullptr, &fetch_sql_});
        break;
      }
      case call::kind::none: return io_wait::done;
    }
    return start_commands(c);
  }

  io_wait do_advance(call& c) override {
    auto wait = pipeline_.advance();
    return wait == io_wait::done ? complete(c) : wait;
  }

  std::unique_ptr<cursor> do_open_cursor(std::string_view sql, const params& parameters) override {
    send_pending_begin();
    return postgresql::open_cursor(conn_.get(), cursors_, buffer_, sql, parameters);
  }

  // The simple query protocol: several statements allowed, no parameters.
  void do_execute_script(std::string_view sql) override {
    send_pending_begin();
    std::string text{sql};
    result_ptr result{PQexec(conn_.get(), text.c_str())};
    if (contains_ignoring_case(sql, "discard") || contains_ignoring_case(sql, "deallocate")) cache_.clear();
    if (!succeeded(result.get())) throw failure(result.get(), sql);
    cursors_.observe(conn_.get());
  }

private:
  static std::string_view error_field(const PGresult* result, int code) {
    const char* text = PQresultErrorField(result, code);
    return text != nullptr ? text : "";
  }

  static bool contains_ignoring_case(std::string_view text, std::string_view word) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return std::search(text.begin(), text.end(), word.begin(), word.end(),
                       [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
  }

  static prepared_statement unnamed_statement(std::string_view sql, std::span<const Oid> signature) {
    std::vector<Oid> types(signature.begin(), signature.end());
    for (auto& type : types)
      if (type == oid::any) type = oid::unspecified;
    return {std::string{sql}, std::string{}, std::move(types), prepared_statement::state::unprepared};
  }

  // The error for a failed result (or failed send, when null); notes a lost connection
  // and the transaction state the failure left.
  orca::error failure(const PGresult* result, std::string_view sql) {
    auto failed = make_error(conn_.get(), result, sql);
    broken_ = broken_ || failed.details().connection_poisoned;
    cursors_.observe(conn_.get());
    return failed;
  }

  result_ptr run_simple(const char* sql) {
    result_ptr result{PQexec(conn_.get(), sql)};
    if (!succeeded(result.get())) throw failure(result.get(), sql);
    cursors_.observe(conn_.get());
    return result;
  }

  // COMMIT in a failed transaction "succeeds" as a ROLLBACK; refuse it, so that work
  // is never dropped without an error.
  void check_commit() const {
    if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR)
      throw orca::error{errc::pending_rollback,
                        "cannot COMMIT: a statement failed earlier in this transaction, so "
                        "PostgreSQL has aborted it; call rollback() and retry the transaction",
                        error_details{"COMMIT", "25P02", {}, false}};
    if (!in_transaction())
      throw orca::error{errc::invalid_state, "cannot COMMIT: no transaction is open (call begin() first)"};
  }

  // The blocking calls that bypass the pipeline send a deferred BEGIN first.
  void send_pending_begin() {
    if (!std::exchange(begin_pending_, false)) return;
    xid_.reset();
    run_simple("BEGIN");
  }

  void drive(call& c) {
    for (auto wait = do_start(c); wait != io_wait::done; wait = do_advance(c))
      if (!wait_for_socket(conn_.get(), wait)) {
        broken_ = true;
        throw orca::error{errc::connection_lost, "waiting for the PostgreSQL server failed (poll)"};
      }
  }

  void drive_simple(call::kind what) {
    call c;
    c.what = what;
    drive(c);
  }

  // Calls as pipelines of commands (postgresql_calls.cpp).
  void plan_execute(std::string_view sql, const params& parameters);
  void plan_many(std::string_view sql, const std::vector<params>& sets);
  void plan_batch(const std::vector<std::pair<std::string, params>>& statements,
                  const std::vector<std::int64_t>* expected_rows = nullptr);
  /// batch_commit: the row count statement `i` must affect, or -1 if it is not checked.
  std::int64_t checked_rows(std::size_t i) const noexcept {
    if (expected_rows_ == nullptr || expected_rows_->empty()) return -1;
    return (*expected_rows_)[i];
  }
  void plan_simple(const char* sql);
  void plan_transaction_id();
  prepared_statement& cached(std::string_view sql, std::span<const Oid> signature);
  void schedule_prepare(prepared_statement& entry, std::size_t statement);
  void settle_preparations();
  io_wait start_commands(call& c);
  bool wants_transaction_id(const call& c) const;
  int send(std::size_t i);
  void receive(std::size_t i, result_ptr result);
  static const std::string& sql_of(const command& c) { return c.prepared ? c.prepared->sql : *c.text; }
  io_wait complete(call& c);

  /// What receive() keeps of a call's successful executes.
  struct collected {
    result_ptr rows;              ///< execute: the statement's result
    std::int64_t total = 0;       ///< many: affected rows
    std::vector<rowset> rowsets;  ///< batch: each statement's rows
  };

  connection_ptr conn_;
  PGcancel* cancel_;
  parameter_buffer buffer_;
  statement_cache cache_;
  cursor_registry cursors_;
  std::vector<command> commands_;               ///< the pipeline being built (reused)
  std::string fetch_sql_;                       ///< a cursor's FETCH in flight
  bool fetch_binary_ = false;                   ///< ...asks for binary rows
  std::size_t own_ = 0;                         ///< commands_ of the call, before DEALLOCATEs
  std::vector<std::size_t> segments_;           ///< its sync points
  std::vector<prepared_statement*> preparing_;  ///< entries it prepares
  std::vector<prepared_statement> unnamed_;     ///< statements of a call without a cache
  std::string simple_;                          ///< COMMIT or ROLLBACK
  std::string begin_sql_{"BEGIN"};
  std::string xid_sql_{"SELECT txid_current()"};
  /// The transaction's id once a statement that may write went out (see transaction_id()).
  std::optional<std::int64_t> xid_;
  /// begin() was called and BEGIN not sent yet: it rides with the next statement (PostgreSQL
  /// takes a transaction's snapshot at its first statement, not at BEGIN, so this changes
  /// nothing but the round trip).
  bool begin_pending_ = false;
  pipeline pipeline_;
  send_command send_{[this](std::size_t i) { return send(i); }};
  receive_result receive_{[this](std::size_t i, result_ptr r) { receive(i, std::move(r)); }};
  call::kind collecting_ = call::kind::none;  ///< the call receive() collects for
  collected collected_;
  std::optional<failed_command> failed_;                      ///< the call's first failure
  bool retry_prepared_ = false;                               ///< the call ran a cached statement as is
  const std::vector<std::int64_t>* expected_rows_ = nullptr;  ///< batch_commit: its statements' checks
  bool broken_ = false;                                       ///< a failure showed the connection is gone
};

}  // namespace orca::drivers::postgresql
