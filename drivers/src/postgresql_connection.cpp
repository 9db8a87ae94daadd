// The PostgreSQL backend of drivers::connection on libpq, and open_postgresql().
// Reached through drivers::connect(); cursors, pipelines and results live in postgresql_*.
#include "orca/drivers/postgresql_connection.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "orca/drivers/error.hpp"
#include "postgresql_connect.hpp"
#include "postgresql_cursor.hpp"
#include "postgresql_parameters.hpp"
#include "postgresql_pipeline.hpp"
#include "postgresql_result.hpp"
#include "postgresql_statement_cache.hpp"

namespace orca::drivers {

namespace {

namespace pg = postgresql;
using pg::connection_ptr;
using pg::prepared_statement;

// One command of a pipeline the connection builds.
struct command {
  enum class kind : std::uint8_t { prepare, execute, deallocate };
  kind what;
  std::size_t statement;          ///< the caller's statement / parameter set it serves
  prepared_statement* prepared;   ///< prepare, execute
  const params* parameters;       ///< execute
  std::string* text;              ///< deallocate: "DEALLOCATE orca_N"
};

struct failed_command {
  std::size_t index;  ///< into the command list
  orca::error error;
};

bool discards_statements(std::string_view tag) {
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
    pg::detach_cursors(cursors_);
    if (cancel_ != nullptr)
      PQfreeCancel(cancel_);
  }

  const dialect& sql_dialect() const noexcept override { return postgresql_dialect(); }

  bool in_transaction() const noexcept override {
    auto status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INERROR
           || (status == PQTRANS_INTRANS && !cursors_.cursor_owns_transaction);
  }

  // In a failed transaction SELECT 1 would fail; an empty query still makes a round trip.
  bool ping() noexcept override {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      return false;
    const char* probe = PQtransactionStatus(conn_.get()) == PQTRANS_INERROR ? "" : "SELECT 1";
    pg::result_ptr result{PQexec(conn_.get(), probe)};
    return pg::succeeded(result.get()) && PQstatus(conn_.get()) == CONNECTION_OK;
  }

  bool is_broken() const noexcept override {
    return broken_ || PQstatus(conn_.get()) == CONNECTION_BAD;
  }

  bool is_alive_without_io() noexcept override {
    return !broken_ && pg::idle_connection_alive(conn_.get());
  }

  // PQcancel on the PGcancel made at connect time is documented as thread-safe.
  void interrupt() noexcept override {
    char reason[256];
    if (cancel_ != nullptr)
      PQcancel(cancel_, reason, sizeof reason);
  }

  // lastval() is the session's last sequence value; the ORM reads generated keys through
  // INSERT ... RETURNING, which is exact even for multi-row inserts. This is for callers
  // that insert one row without RETURNING.
  std::int64_t last_insert_id() override {
    auto result = run_simple("SELECT lastval()");
    return pg::to_rowset(result.get()).at(0, 0).as_integer();
  }

protected:
  rowset do_execute(std::string_view sql, const params& parameters) override {
    buffer_.bind(parameters);
    if (cache_.capacity() == 0)
      return execute_unnamed(sql);
    auto* entry = cache_.find(sql, buffer_.signature());
    if (entry == nullptr || entry->where != prepared_statement::state::prepared)
      return prepare_and_execute(sql, parameters);
    pg::result_ptr result{PQexecPrepared(conn_.get(), entry->name.c_str(), buffer_.count(),
                                         buffer_.values(), buffer_.lengths(), buffer_.formats(), 0)};
    if (pg::succeeded(result.get()))
      return finish(std::move(result));
    // The server forgot the statement (26000: someone ran DISCARD ALL) or will not reuse
    // it because a table it reads changed shape (0A000 "cached plan must not change result
    // type"). Either way prepare it afresh; retry at once only when no transaction was
    // open, since inside one the failure has already aborted it.
    std::string_view state = error_field(result.get(), PG_DIAG_SQLSTATE);
    if (state == "26000" || state == "0A000") {
      if (state == "26000")
        cache_.forget(*entry);
      else
        cache_.erase(*entry);
      if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE)
        return prepare_and_execute(sql, parameters);
    }
    throw failure(result.get(), sql);
  }

  std::int64_t do_execute_many(std::string_view sql, const std::vector<params>& sets) override {
    if (sets.empty())
      return 0;
    auto signature = pg::common_signature(sets);
    prepared_statement unnamed;
    prepared_statement* entry = &unnamed;
    if (cache_.capacity() == 0)
      unnamed = unnamed_statement(sql, signature);
    else if (entry = cache_.find(sql, signature);
             entry == nullptr || entry->where != prepared_statement::state::prepared)
      entry = &cache_.add(sql, signature);
    commands_.clear();
    schedule_prepare(*entry, 0);
    for (std::size_t i = 0; i < sets.size(); ++i)
      commands_.push_back({command::kind::execute, i, entry, &sets[i], nullptr});
    std::int64_t total = 0;
    auto failed = run_commands(
        [&](const command&, pg::result_ptr result) { total += pg::affected_rows(result.get()); });
    settle_preparations();
    if (failed && commands_[failed->index].what == command::kind::execute) {
      auto set = commands_[failed->index].statement;
      throw orca::error{failed->error.code(),
                        fmt::format("{} (parameter set {} of {})", failed->error.message(),
                                    set + 1, sets.size()),
                        failed->error.details()};
    }
    if (failed)
      throw std::move(failed->error);
    return total;
  }

  std::vector<rowset> do_execute_batch(
      const std::vector<std::pair<std::string, params>>& statements) override {
    if (statements.empty())
      return {};
    std::vector<rowset> results(statements.size());
    std::vector<prepared_statement> unnamed;  // with no cache: each Parse replaces the last
    unnamed.reserve(statements.size());
    commands_.clear();
    for (std::size_t i = 0; i < statements.size(); ++i) {
      const auto& [sql, parameters] = statements[i];
      buffer_.bind(parameters);
      prepared_statement* entry;
      if (cache_.capacity() == 0)
        entry = &unnamed.emplace_back(unnamed_statement(sql, buffer_.signature()));
      else if (entry = cache_.find(sql, buffer_.signature()); entry == nullptr)
        entry = &cache_.add(sql, buffer_.signature());
      schedule_prepare(*entry, i);
      commands_.push_back({command::kind::execute, i, entry, &parameters, nullptr});
    }
    auto failed = run_commands([&](const command& done, pg::result_ptr result) {
      results[done.statement] = pg::to_rowset(result.get());
    });
    settle_preparations();
    if (failed)
      throw std::move(failed->error);
    return results;
  }

  std::unique_ptr<cursor> do_open_cursor(std::string_view sql, const params& parameters) override {
    return pg::open_cursor(conn_.get(), cursors_, buffer_, sql, parameters);
  }

  // The simple query protocol: several statements allowed, no parameters.
  void do_execute_script(std::string_view sql) override {
    std::string text{sql};
    pg::result_ptr result{PQexec(conn_.get(), text.c_str())};
    if (contains_ignoring_case(sql, "discard") || contains_ignoring_case(sql, "deallocate"))
      cache_.clear();
    if (!pg::succeeded(result.get()))
      throw failure(result.get(), sql);
    cursors_.observe(conn_.get());
  }

  void do_begin() override {
    // A transaction begun by a cursor becomes the caller's: nothing to send.
    if (cursors_.cursor_owns_transaction && PQtransactionStatus(conn_.get()) == PQTRANS_INTRANS) {
      cursors_.cursor_owns_transaction = false;
      return;
    }
    run_simple("BEGIN");
  }

  // COMMIT in a failed transaction "succeeds" as a ROLLBACK; refuse it, so that work
  // is never dropped without an error.
  void do_commit() override {
    if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR)
      throw orca::error{errc::pending_rollback,
                        "cannot COMMIT: a statement failed earlier in this transaction, so "
                        "PostgreSQL has aborted it; call rollback() and retry the transaction",
                        error_details{"COMMIT", "25P02", {}, false}};
    if (!in_transaction())
      throw orca::error{errc::invalid_state, "cannot COMMIT: no transaction is open (call begin() first)"};
    run_simple("COMMIT");
  }

  void do_rollback() override { run_simple("ROLLBACK"); }

private:
  static std::string_view error_field(const PGresult* result, int code) {
    const char* text = PQresultErrorField(result, code);
    return text != nullptr ? text : "";
  }

  static bool contains_ignoring_case(std::string_view text, std::string_view word) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return std::search(text.begin(), text.end(), word.begin(), word.end(),
                       [&](char a, char b) { return lower(a) == lower(b); })
           != text.end();
  }

  static prepared_statement unnamed_statement(std::string_view sql, std::span<const Oid> signature) {
    std::vector<Oid> types(signature.begin(), signature.end());
    for (auto& type : types)
      if (type == pg::oid::any)
        type = pg::oid::unspecified;
    return {std::string{sql}, std::string{}, std::move(types), prepared_statement::state::unprepared};
  }

  // The error for a failed result (or failed send, when null); notes a lost connection
  // and the transaction state the failure left.
  orca::error failure(const PGresult* result, std::string_view sql) {
    auto failed = pg::make_error(conn_.get(), result, sql);
    broken_ = broken_ || failed.details().connection_poisoned;
    cursors_.observe(conn_.get());
    return failed;
  }

  pg::result_ptr run_simple(const char* sql) {
    pg::result_ptr result{PQexec(conn_.get(), sql)};
    if (!pg::succeeded(result.get()))
      throw failure(result.get(), sql);
    cursors_.observe(conn_.get());
    return result;
  }

  rowset finish(pg::result_ptr result) {
    cursors_.observe(conn_.get());
    if (discards_statements(PQcmdStatus(result.get())))
      cache_.clear();
    return pg::to_rowset(result.get());
  }

  rowset execute_unnamed(std::string_view sql) {
    std::string text{sql};
    pg::result_ptr result{PQexecParams(conn_.get(), text.c_str(), buffer_.count(), buffer_.types(),
                                       buffer_.values(), buffer_.lengths(), buffer_.formats(), 0)};
    if (!pg::succeeded(result.get()))
      throw failure(result.get(), sql);
    return finish(std::move(result));
  }

  // First run of a statement: PREPARE and EXECUTE in one pipeline.
  rowset prepare_and_execute(std::string_view sql, const params& parameters) {
    auto& entry = cache_.add(sql, buffer_.signature());
    commands_.clear();
    schedule_prepare(entry, 0);
    commands_.push_back({command::kind::execute, 0, &entry, &parameters, nullptr});
    pg::result_ptr rows;
    auto failed = run_commands([&](const command&, pg::result_ptr result) { rows = std::move(result); });
    settle_preparations();
    if (failed)
      throw std::move(failed->error);
    return finish(std::move(rows));
  }

  void schedule_prepare(prepared_statement& entry, std::size_t statement) {
    if (entry.where != prepared_statement::state::unprepared)
      return;
    entry.where = prepared_statement::state::preparing;
    preparing_.push_back(&entry);
    commands_.push_back({command::kind::prepare, statement, &entry, nullptr, nullptr});
  }

  // After a pipeline: a PREPARE that failed or was aborted left nothing on the server.
  void settle_preparations() {
    for (auto* entry : preparing_)
      if (entry->where == prepared_statement::state::preparing)
        cache_.forget(*entry);
    preparing_.clear();
    cache_.trim();
  }

  // Runs commands_ in one pipeline, plus the pending DEALLOCATEs after a sync point of
  // their own (their failure must not abort the caller's statements, nor theirs ours).
  // `on_success` gets each successful execute's result; the first failure is returned.
  template <class OnSuccess>
  std::optional<failed_command> run_commands(OnSuccess&& on_success) {
    std::size_t own = commands_.size();
    segments_.assign(1, own);
    auto& pending = cache_.pending_deallocations();
    if (!pending.empty() && PQtransactionStatus(conn_.get()) != PQTRANS_INERROR) {
      for (auto& text : pending)
        commands_.push_back({command::kind::deallocate, 0, nullptr, nullptr, &text});
      segments_.push_back(commands_.size());
    }
    PGconn* conn = conn_.get();
    std::optional<failed_command> failed;
    pg::send_command send = [&](std::size_t i) -> int {
      const command& c = commands_[i];
      switch (c.what) {
        case command::kind::prepare:
          return PQsendPrepare(conn, c.prepared->name.c_str(), c.prepared->sql.c_str(),
                               static_cast<int>(c.prepared->types.size()), c.prepared->types.data());
        case command::kind::execute:
          buffer_.bind(*c.parameters);
          return PQsendQueryPrepared(conn, c.prepared->name.c_str(), buffer_.count(),
                                     buffer_.values(), buffer_.lengths(), buffer_.formats(), 0);
        case command::kind::deallocate:
          return PQsendQueryParams(conn, c.text->c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
      }
      return 0;
    };
    pg::receive_result receive = [&](std::size_t i, pg::result_ptr result) {
      const command& c = commands_[i];
      bool ok = pg::succeeded(result.get());
      if (c.what == command::kind::deallocate) {
        if (ok)
          c.text->clear();  // sent: dropped from the pending list below
      } else if (!ok) {
        if (!failed)
          failed = failed_command{i, failure(result.get(), c.prepared->sql)};
      } else if (c.what == command::kind::prepare) {
        c.prepared->where = prepared_statement::state::prepared;
      } else {
        on_success(c, std::move(result));
      }
    };
    auto lost_at = pg::run_pipeline(conn, segments_, send, receive);
    std::erase_if(pending, [](const std::string& text) { return text.empty(); });
    commands_.resize(own);
    // The pipeline stopped on an I/O failure: whatever libpq says, the connection is gone.
    if (lost_at && !failed) {
      std::size_t index = std::min(*lost_at, own - 1);
      auto lost = pg::make_error(conn, nullptr, commands_[index].prepared->sql);
      auto details = lost.details();
      details.connection_poisoned = broken_ = true;
      failed = failed_command{index, orca::error{errc::connection_lost, lost.message(), details}};
    }
    cursors_.observe(conn);
    return failed;
  }

  connection_ptr conn_;
  PGcancel* cancel_;
  pg::parameter_buffer buffer_;
  pg::statement_cache cache_;
  pg::cursor_registry cursors_;
  std::vector<command> commands_;              ///< the pipeline being built (reused)
  std::vector<std::size_t> segments_;          ///< its sync points
  std::vector<prepared_statement*> preparing_;  ///< entries it prepares
  bool broken_ = false;                         ///< a failure showed the connection is gone
};

}  // namespace

std::unique_ptr<connection> open_postgresql(const url& target, const connection_options& options) {
  return std::make_unique<postgresql_connection>(postgresql::connect_server(target, options), options);
}

}  // namespace orca::drivers
